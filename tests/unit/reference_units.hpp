#pragma once
// The reference units of migrations/ (linked into the unit tests), rendered as the runner does,
// for the golden rendering tests: the SQL pinned is the real units', not copies'.

#include <strata/dialect.hpp>
#include <strata/migration.hpp>
#include <strata/registry.hpp>

#include <vector>

namespace strata::test::reference {

/// One unit rendered both ways, as the runner does it: up against the schema the earlier units
/// leave, down against the schema this unit leaves.
struct rendered_unit {
    rendering up;
    rendering down;
};

/// The reference units rendered for `b`, in version order.
inline std::vector<rendered_unit> render_reference_units(backend b) {
    const dialect& d = dialect_for(b);
    catalog state;
    std::vector<rendered_unit> out;
    for (const auto& entry : registry::global().entries()) {
        schema::builder up_ops, down_ops;
        entry.unit->up(up_ops);
        entry.unit->down(down_ops);
        rendered_unit r;
        r.up = d.render(up_ops.operations(), state);
        catalog after = state;
        r.down = d.render(down_ops.operations(), after);
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace strata::test::reference
