#pragma once
/// strata's command line as a library: `up`, `down`, `status`, `new` and the rest for any set of
/// units. A project's migrator is usually made by strata_add_migrator() (the CMake package), whose
/// main() is one call to run(); link strata::cli to write that main() yourself.

#include <string>

namespace strata {
class registry;
}

namespace strata::cli {

/// Documented in --help and the README; a pipeline acts on them.
enum exit_code : int {
    exit_ok = 0,
    exit_unit_failed = 1,
    exit_usage = 2,
    exit_connection = 3,
    exit_validation = 4,
    exit_lock_timeout = 5,
    exit_pending = 6,  ///< status --exit-code: units are pending
    /// Plus the signal's number: stopped by SIGINT (130) or SIGTERM (143), cleanly (see --help).
    exit_interrupted = 128,
};

/// Who the program is.
struct program {
    /// What it calls itself in --help, --version, errors and the hints it prints
    /// ("run myapp-migrate repair 3").
    std::string name = "strata";
    /// Where `new` writes a unit when no --dir is given and this directory exists (the directory
    /// the units were built from); otherwise ./migrations.
    std::string migrations_dir;
};

/// Parses argv, runs the command against `units` and prints the outcome. Returns the exit code;
/// never throws.
int run(int argc, const char* const* argv, const registry& units, const program& self = {});

}  // namespace strata::cli
