// The lint fixture's unit 3: a drop the unit allows, with its reason (lint S009, allowed).
#include <strata/migration.hpp>

namespace {

using namespace strata::schema;

class drop_orders_note final : public strata::migration {
public:
    strata::migration_info info() const override { return {3, "drop_orders_note"}; }

    void change(builder& b) const override {
        b.drop_column("orders", column("note", type::text()));
        b.allow("S009", "nothing reads orders.note since 2.3");
    }
};
STRATA_MIGRATION(drop_orders_note);

}  // namespace
