#include "inspect/read.hpp"

namespace strata::inspect {
snapshot detail::read_postgresql(statements&) { return snapshot{.kind = backend::postgresql}; }
}  // namespace strata::inspect
