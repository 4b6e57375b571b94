// The lint fixture's unit 1 (tests/cli/lint_test.cpp): a table for the later units to change.
#include <strata/migration.hpp>

namespace {

using namespace strata::schema;

class create_orders final : public strata::migration {
public:
    strata::migration_info info() const override { return {1, "create_orders"}; }

    void change(builder& b) const override {
        b.create_table("orders", [](table& t) {
            t.column("id", type::bigint()).primary();
            t.column("customer_id", type::bigint());
            t.column("note", type::text());
        });
    }
};
STRATA_MIGRATION(create_orders);

}  // namespace
