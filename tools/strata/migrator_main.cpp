// The main() of every migrator strata_add_migrator() builds (cmake/strataMigrator.cmake compiles
// this file into each one): strata's command line over the units linked into the program.
// STRATA_PROGRAM_NAME and STRATA_MIGRATIONS_DIR are string literals given by the build.

#include <strata/cli.hpp>
#include <strata/registry.hpp>

#ifdef STRATA_LINKED_BACKENDS
namespace strata::detail {
/// Registers the database backends linked into a self-contained program
/// (engine/src/dialect/linked_backends.cpp, the object library strata::linked_backends).
void register_linked_backends();
}  // namespace strata::detail
#endif

int main(int argc, char** argv) {
#ifdef STRATA_LINKED_BACKENDS
    strata::detail::register_linked_backends();
#endif
    return strata::cli::run(argc, argv, strata::registry::global(),
                            {.name = STRATA_PROGRAM_NAME, .migrations_dir = STRATA_MIGRATIONS_DIR});
}
