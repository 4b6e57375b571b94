#include "inspect/read.hpp"

namespace strata::inspect {
snapshot detail::read_sqlite(statements&) { return snapshot{.kind = backend::sqlite}; }
}  // namespace strata::inspect
