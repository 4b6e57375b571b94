// The lint fixture's unit 2: an index built the plain way, which blocks writes to orders once
// unit 1 is applied (lint S001).
#include <strata/migration.hpp>

namespace {

using namespace strata::schema;

class index_orders final : public strata::migration {
public:
    strata::migration_info info() const override { return {2, "index_orders"}; }

    void change(builder& b) const override { b.create_index("orders", {"customer_id"}); }
};
STRATA_MIGRATION(index_orders);

}  // namespace
