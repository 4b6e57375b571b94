// The strata command line: parse, call the engine, print. Nothing here talks SQL.

#include <strata/strata.hpp>

#include <boost/program_options.hpp>

#include <algorithm>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace po = boost::program_options;

namespace {

/// Documented in --help and the README; a pipeline acts on them.
enum exit_code : int {
    exit_ok = 0,
    exit_unit_failed = 1,
    exit_usage = 2,
    exit_connection = 3,
};

constexpr const char* default_database = "sqlite:strata.db";

const char* const exit_codes_help =
    "Exit codes:\n"
    "  0  success (also when there is nothing to do)\n"
    "  1  a unit failed and was rolled back (units before it in the same run stay applied),\n"
    "     or a unit cannot run here (irreversible down, operation unsupported by the database)\n"
    "  2  bad usage or configuration: unknown command or option, bad URL, a --to version that\n"
    "     does not exist, nothing to revert\n"
    "  3  cannot connect to the database\n";

struct command_spec {
    const char* name;
    const char* synopsis;
    const char* summary;
    std::vector<std::string> options;  // command options it accepts (long names)
};

const std::vector<command_spec> commands = {
    {"up", "up [--to VERSION]", "apply pending units, all or up to and including VERSION", {"to"}},
    {"down", "down [--steps N | --to VERSION | --all]",
     "revert applied units, newest first: one by default, N with --steps, every unit newer than VERSION "
     "with --to (VERSION stays applied), or all",
     {"steps", "to", "all"}},
    {"redo", "redo", "revert the newest applied unit and apply it again", {}},
    {"status", "status", "list every unit: version, name, applied/pending/unknown, when it was applied", {}},
};

const command_spec* find_command(const std::string& name) {
    for (const auto& c : commands)
        if (name == c.name) return &c;
    return nullptr;
}

struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

po::options_description global_options() {
    po::options_description d("Global options (before or after the command)");
    d.add_options()
        ("database", po::value<std::string>()->value_name("URL"),
         "database URL; default: $STRATA_DATABASE_URL, else $DATABASE_URL, else sqlite:strata.db")
        ("help,h", "show help (also per command: strata up --help)")
        ("version", "print strata's version");
    return d;
}

const std::vector<std::string> all_command_options = {"to", "steps", "all"};

/// The options `command` takes, described for it (all of them for the general help).
po::options_description command_options(const std::string& command = {}) {
    po::options_description d("Command options");
    if (command.empty() || command == "up")
        d.add_options()("to", po::value<std::int64_t>()->value_name("VERSION"),
                        command.empty() ? "up: apply up to and including VERSION; down: revert every unit newer than VERSION"
                                        : "apply pending units up to and including VERSION");
    if (command == "down")
        d.add_options()("to", po::value<std::int64_t>()->value_name("VERSION"),
                        "revert every unit newer than VERSION; VERSION stays applied");
    if (command.empty() || command == "down") {
        const bool general = command.empty();
        d.add_options()("steps", po::value<int>()->value_name("N"),
                        general ? "down: revert the N newest units" : "revert the N newest units");
        d.add_options()("all", general ? "down: revert every applied unit" : "revert every applied unit");
    }
    return d;
}

void print_general_help(std::ostream& out) {
    out << "strata " << strata::version_string << ": schema migrations compiled into this binary\n\n"
        << "Usage: strata [--database URL] <command> [options]\n\nCommands:\n";
    for (const auto& c : commands) out << "  " << std::left << std::setw(42) << c.synopsis << c.summary << "\n";
    out << "\n" << global_options() << "\n"
        << "Database URLs:\n"
        << "  sqlite:PATH   sqlite:///ABSOLUTE/PATH   sqlite::memory:\n"
        << "  postgresql://[user[:password]@]host[:port]/dbname[?key=value...]   (or postgres://)\n"
        << "  Components are percent-decoded; the password never appears in any output.\n\n"
        << exit_codes_help;
}

void print_command_help(std::ostream& out, const command_spec& c) {
    out << "Usage: strata [--database URL] " << c.synopsis << "\n\n" << c.summary << "\n\n";
    if (!c.options.empty()) out << command_options(c.name) << "\n";
    out << global_options() << "\n" << exit_codes_help;
}

std::string resolve_database(const po::variables_map& vm) {
    if (vm.count("database")) return vm["database"].as<std::string>();
    for (const char* name : {"STRATA_DATABASE_URL", "DATABASE_URL"})
        if (const char* value = std::getenv(name); value && *value) return value;
    return default_database;
}

std::string ms(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

std::string plural(std::size_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

/// Prints each unit as it commits, so a long run shows progress and a failure shows what did apply.
strata::unit_observer progress_printer() {
    return [](const strata::unit_report& u) {
        std::cout << (u.dir == strata::direction::up ? "applied  " : "reverted ") << u.version << " " << u.name << " ("
                  << ms(u.duration) << ")" << std::endl;
    };
}

int run_status(strata::runner& r) {
    auto units = r.status();
    std::cout << "database " << r.url().redacted() << "\n";
    std::size_t name_width = 4;
    for (const auto& u : units) name_width = std::max(name_width, u.name.size());
    std::cout << std::right << std::setw(8) << "VERSION" << "  " << std::left << std::setw(int(name_width)) << "NAME"
              << "  " << std::setw(8) << "STATE" << "  APPLIED AT\n";
    std::map<strata::unit_state, std::size_t> counts;
    for (const auto& u : units) {
        ++counts[u.state];
        std::cout << std::right << std::setw(8) << u.version << "  " << std::left << std::setw(int(name_width)) << u.name
                  << "  " << std::setw(8) << to_string(u.state) << "  " << (u.applied_at.empty() ? "-" : u.applied_at)
                  << "\n";
    }
    std::cout << counts[strata::unit_state::applied] << " applied, " << counts[strata::unit_state::pending] << " pending";
    if (auto unknown = counts[strata::unit_state::unknown])
        std::cout << ", " << unknown << " unknown (applied by another build of strata)";
    std::cout << "\n";
    return exit_ok;
}

int run_command(const command_spec& c, const po::variables_map& vm) {
    auto url = strata::database_url::parse(resolve_database(vm));
    strata::runner r(strata::registry::global(), url);
    const std::string name = c.name;
    if (name == "status") return run_status(r);

    strata::run_report report;
    if (name == "up") {
        std::optional<std::int64_t> to;
        if (vm.count("to")) to = vm["to"].as<std::int64_t>();
        report = r.up(to, progress_printer());
        if (report.units.empty()) {
            std::cout << "nothing to do: " << url.redacted() << " is up to date"
                      << (to ? " up to version " + std::to_string(*to) : std::string()) << "\n";
            return exit_ok;
        }
        std::cout << plural(report.units.size(), "unit") << " applied to " << url.redacted() << " in " << ms(report.duration)
                  << "\n";
    } else if (name == "down") {
        strata::down_request request;
        if (vm.count("steps")) request.steps = vm["steps"].as<int>();
        if (vm.count("to")) request.to = vm["to"].as<std::int64_t>();
        request.all = vm.count("all") > 0;
        if (int(request.steps.has_value()) + int(request.to.has_value()) + int(request.all) > 1)
            throw usage_error("down takes at most one of --steps, --to and --all");
        report = r.down(request, progress_printer());
        if (report.units.empty()) {
            std::cout << "nothing to do: no unit newer than version " << *request.to << " is applied to " << url.redacted()
                      << "\n";
            return exit_ok;
        }
        std::cout << plural(report.units.size(), "unit") << " reverted on " << url.redacted() << " in " << ms(report.duration)
                  << "\n";
    } else if (name == "redo") {
        report = r.redo(progress_printer());
        std::cout << "unit " << report.units.front().version << " " << report.units.front().name << " redone on "
                  << url.redacted() << " in " << ms(report.duration) << "\n";
    }
    return exit_ok;
}

int fail(int code, const std::string& message) {
    // Messages may echo an argument, and an argument may be a URL with its password.
    std::cerr << "strata: error: " << strata::redact_passwords(message) << "\n";
    return code;
}

}  // namespace

int main(int argc, char** argv) {
    po::options_description all;
    all.add(global_options()).add(command_options());
    all.add_options()("command", po::value<std::string>(), "")("extra", po::value<std::vector<std::string>>(), "");
    po::positional_options_description positional;
    positional.add("command", 1).add("extra", -1);

    try {
        po::variables_map vm;
        po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
        po::notify(vm);

        if (vm.count("version")) {
            std::cout << "strata " << strata::version_string << "\n";
            return exit_ok;
        }
        if (!vm.count("command")) {
            if (vm.count("help")) {
                print_general_help(std::cout);
                return exit_ok;
            }
            print_general_help(std::cerr);
            return fail(exit_usage, "no command given (try strata --help)");
        }
        const auto command = vm["command"].as<std::string>();
        const command_spec* spec = find_command(command);
        if (!spec) return fail(exit_usage, "unknown command '" + command + "'; commands: up, down, redo, status");
        if (vm.count("help")) {
            print_command_help(std::cout, *spec);
            return exit_ok;
        }
        if (vm.count("extra"))
            return fail(exit_usage, "unexpected argument '" + vm["extra"].as<std::vector<std::string>>().front() + "' after '" +
                                        command + "' (see strata " + command + " --help)");
        for (const auto& name : all_command_options) {
            if (vm.count(name) && std::find(spec->options.begin(), spec->options.end(), name) == spec->options.end())
                return fail(exit_usage, "option --" + name + " does not apply to '" + command + "' (see strata " + command +
                                            " --help)");
        }
        return run_command(*spec, vm);
    } catch (const po::error& e) {
        return fail(exit_usage, std::string(e.what()) + " (see strata --help)");
    } catch (const usage_error& e) {
        return fail(exit_usage, e.what());
    } catch (const strata::migration_error& e) {
        std::cerr << "strata: error: " << strata::redact_passwords(e.what()) << "\n";
        std::cerr << "strata: nothing of unit " << e.context().version.value_or(0) << " was kept (rolled back)";
        if (!e.completed().empty()) {
            std::cerr << "; done before it in this run, and kept:";
            for (const auto& u : e.completed())
                std::cerr << " " << (u.dir == strata::direction::up ? "applied " : "reverted ") << u.version << " " << u.name
                          << ";";
        }
        std::cerr << "\n";
        return exit_unit_failed;
    } catch (const strata::connection_error& e) {
        return fail(exit_connection, e.what());
    } catch (const strata::config_error& e) {
        return fail(exit_usage, e.what());
    } catch (const strata::registry_error& e) {
        return fail(exit_usage, e.what());
    } catch (const strata::error& e) {
        return fail(exit_unit_failed, e.what());
    } catch (const std::exception& e) {
        return fail(exit_unit_failed, std::string("unexpected: ") + e.what());
    }
}
