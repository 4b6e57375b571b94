#pragma once
// Helpers the golden-rendering tests share: render a builder on a dialect, the model an earlier
// builder leaves, and the refusal rendering throws.

#include <strata/dialect.hpp>
#include <strata/error.hpp>
#include <strata/schema/builder.hpp>

#include <functional>
#include <string>
#include <vector>

namespace strata::test {

/// The model `b`'s operations leave, as earlier units would.
inline catalog state_after(const schema::builder& b) {
    catalog state;
    for (const auto& op : b.operations()) state.apply(op);
    return state;
}

/// `b` rendered on `backend` against `state`.
inline std::vector<std::string> sql_of(backend backend, const schema::builder& b, catalog state = {}) {
    return dialect_for(backend).render(b.operations(), state).statements;
}

/// The message of the error rendering `record`'s operations on `backend` against `state` throws,
/// or "<rendered>" when it renders.
inline std::string refusal(backend backend, const std::function<void(schema::builder&)>& record, catalog state = {}) {
    schema::builder b;
    record(b);
    try {
        dialect_for(backend).render(b.operations(), state);
    } catch (const error& e) {
        return e.message();
    }
    return "<rendered>";
}

}  // namespace strata::test
