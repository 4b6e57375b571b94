// Part of strata::linked_backends, which only a self-contained migrator links (see
// tools/strata/migrator_main.cpp). Such a program has SOCI's backends from static archives:
// SOCI must be told they are there, or it would load libsoci_postgresql.so by name, which brings
// a second SOCI core. Called from main() and not from a static initialiser here, since SOCI's
// factory map is itself a static of another archive, initialised in link order.

#ifdef STRATA_WITH_POSTGRESQL
#include <soci/postgresql/soci-postgresql.h>
#endif

namespace strata::detail {

void register_linked_backends() {
#ifdef STRATA_WITH_POSTGRESQL
    // libpq itself loads on the first connection: engine/src/dialect/postgresql/libpq_on_demand.cpp.
    soci::register_factory_postgresql();
#endif
}

}  // namespace strata::detail
