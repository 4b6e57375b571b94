// Parsing the command line with Boost.Program_options.

#include <boost/program_options.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <map>
#include <optional>
#include <string_view>

#include <strata/version.hpp>

#include "command_line.hpp"

namespace po = boost::program_options;

namespace strata::cli {
namespace {

constexpr const char* default_database = "sqlite:strata.db";

struct command_spec {
    const char* name;
    const char* synopsis;
    const char* summary;
    std::vector<std::string> options;  // command options it accepts (long names)
};

const std::vector<command_spec> commands = {
    {"up", "up [--to VERSION] [--dry-run] [--atomic] [--allow-...]",
     "apply pending units, all or up to and including VERSION",
     {"to", "dry-run", "atomic", "allow-changed", "allow-unknown", "allow-out-of-order", "allow-new-history"}},
    {"down", "down [--steps N | --to VERSION | --all | --only VERSION] [--dry-run] [--allow-...]",
     "revert applied units: the highest version by default, the N highest with --steps, every unit newer than "
     "VERSION with --to (VERSION stays applied; none newer is nothing to do), all (none applied is nothing to do), or "
     "unit VERSION alone with --only (not applied is nothing to do); the last applied first, and refused when a unit "
     "it would leave applied was applied after one it reverts (merged late: it may build on it), unless "
     "--allow-out-of-order; an online unit whose up stopped half-way is undone as far as its steps got",
     {"steps", "to", "all", "only", "dry-run", "allow-changed", "allow-data-loss", "allow-out-of-order"}},
    {"redo", "redo [--dry-run] [--allow-changed] [--allow-data-loss] [--allow-out-of-order]",
     "revert the newest applied unit and apply it again (what its down drops is empty again); refused when a unit was "
     "applied after it (merged late: it may build on it), unless --allow-out-of-order",
     {"dry-run", "allow-changed", "allow-data-loss", "allow-out-of-order"}},
    {"status", "status [--exit-code]",
     "every unit: version, name, state (applied, pending, changed, unknown, dirty, mismatched, damaged), when it was applied",
     {"exit-code"}},
    {"validate", "validate [--schema [--scratch URL]]",
     "check the history against this build, and with --schema also the schema against the applied units (as diff "
     "does): exit 0 when they agree, 4 when not",
     {"schema", "scratch"}},
    {"baseline", "baseline --to VERSION [--dry-run] [--allow-new-history]",
     "record units up to VERSION as applied without running them (adopting an existing database)",
     {"to", "dry-run", "allow-new-history"}},
    {"new", "new NAME [--sql] [--dir DIR] [--sequential]",
     "write a unit NAME ([a-z][a-z0-9_]*) for the next build to compile in, and print its path: C++ with a change() "
     "skeleton, or SQL with --sql; versioned with the UTC time (YYYYMMDDHHMMSS) or, with --sequential, the highest "
     "version in DIR plus one. Needs no database",
     {"sql", "dir", "sequential"}},
    {"schema", "schema dump [--output FILE | --check FILE]",
     "print the database's schema as deterministic SQL (stable order, strata's metadata tables left out), or write "
     "it to FILE; with --check, compare it with FILE instead: exit 0 when equal, 4 with a unified diff when not "
     "(a CI gate for a committed schema file)",
     {"output", "check"}},
    {"verify", "verify [--scratch URL]",
     "prove that every unit's down restores the schema its up found: on a scratch database (SQLite in memory for a "
     "SQLite database; for PostgreSQL a temporary database created on the same server and dropped after; or "
     "--scratch URL, an empty database), each unit in version order is applied, reverted, compared with the schema "
     "before it, and applied again. The --database's schema is never changed. Exit 0 when every unit round-trips "
     "(irreversible units are reported and skipped), 1 when not",
     {"scratch"}},
    {"diff", "diff [--scratch URL]",
     "drift: build the schema the units the database has applied make, on a scratch database as verify makes one, "
     "and list every difference with the database's own schema (tables, columns and their type, nullability and "
     "default, keys, foreign key actions, indexes, checks, views, triggers). Exit 0 when they agree, 4 when not",
     {"scratch"}},
    {"lint", "lint [--all] [--error-on warning|notice]",
     "check the pending units (every unit with --all, which opens no database) for what would hurt the running "
     "database or application: an index, key or check built while writes wait, a table rewrite, a NOT NULL that "
     "fails, a rename or drop the deployed code still uses, raw SQL; each finding with a stable code, its level and "
     "the safe alternative, those a unit allows (b.allow(code, reason)) with its reason. Exit 4 with --error-on when a "
     "finding at or above that level is not allowed",
     {"all", "error-on"}},
    {"repair", "repair VERSION [--applied | --accept-changed | --reverted] [--dry-run]",
     "clear the dirty state of a non-transactional unit after checking the database, or replace a damaged "
     "history row (a state strata never writes, stored down statements that are unreadable or were edited): the "
     "unit becomes pending again, or applied with --applied (a damaged row then stores this build's down). "
     "--accept-changed: an applied unit that status shows as changed keeps its row, which records this build's "
     "checksum and down instead, for an edit that changes nothing the unit did (a comment, a statement's layout); "
     "strata keeps only the applied up's checksum, so compare first: --dry-run prints this build's up and both downs. "
     "--reverted: an applied unit somebody reverted by hand loses its row without its down being run (pending "
     "again); then diff says whether the schema agrees. --dry-run: check and say what would be recorded, write nothing",
     {"applied", "accept-changed", "reverted", "dry-run"}},
};

const command_spec* find_command(const std::string& name) {
    for (const auto& c : commands)
        if (name == c.name) return &c;
    return nullptr;
}

/// Seconds as a number (fractions allowed), for the timeout options.
struct seconds_value {
    double value = 0;
};

void validate(boost::any& v, const std::vector<std::string>& values, seconds_value*, int) {
    po::validators::check_first_occurrence(v);
    const std::string& s = po::validators::get_single_string(values);
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    // At most 1,000,000 s (11.5 days): in milliseconds that still fits PostgreSQL's lock_timeout
    // (an int) and an interval; a larger value is a typo, not a wait anyone means.
    if (s.empty() || *end != '\0' || !std::isfinite(d) || d < 0 || d > 1e6) throw po::invalid_option_value(s);
    v = seconds_value{d};
}

po::options_description global_options(const std::string& program_name) {
    po::options_description d("Global options (before or after the command)");
    d.add_options()
        ("database", po::value<std::vector<std::string>>()->value_name("URL")->composing(),
         "database URL; default: $STRATA_DATABASE_URL, else $DATABASE_URL, else sqlite:strata.db. Given more "
         "than once: every one of them, as with --targets")
        ("json", "print one JSON document on stdout (progress and logs go to stderr)")
        ("connect-timeout", po::value<seconds_value>()->value_name("SECONDS"),
         "give up one connection attempt after SECONDS (default: $PGCONNECT_TIMEOUT when it is a whole number "
         "of seconds, 1 or more, else 10; a connect_timeout in the URL wins over both)")
        ("wait", po::value<seconds_value>()->value_name("SECONDS"),
         "keep retrying to connect for SECONDS, for a database that is starting (default 0)")
        ("lock-timeout", po::value<seconds_value>()->value_name("SECONDS"),
         "wait up to SECONDS for another strata run's lock, and (SQLite) for another process that holds the "
         "database file locked (default 60)")
        ("ddl-lock-timeout", po::value<seconds_value>()->value_name("SECONDS"),
         "PostgreSQL: one try of a statement waits up to SECONDS for a table lock (writes to the table queue "
         "behind it meanwhile), then the unit is rolled back and tried again after a short pause (default 0.2)")
        ("ddl-lock-retries", po::value<int>()->value_name("N"),
         "PostgreSQL: try a unit that timed out on a table lock at most N times more (default: as often as "
         "--ddl-lock-deadline allows)")
        ("ddl-lock-deadline", po::value<seconds_value>()->value_name("SECONDS"),
         "PostgreSQL: stop trying a unit for its table locks SECONDS after its first try (default 120)")
        ("max-replica-lag", po::value<seconds_value>()->value_name("SECONDS"),
         "PostgreSQL: before each unit, and between the steps and the backfill batches of an online unit, wait "
         "while a standby in pg_stat_replication replays more than SECONDS behind, naming it every 5 s. Lag: 0 "
         "once the standby reported it replayed what it received or what the server flushed, else its replay_lag "
         "plus the time since its last reply (a standby whose replay is paused reports only every "
         "wal_receiver_status_interval). The role needs pg_monitor or pg_read_all_stats, else exit 2 before "
         "anything runs. SQLite: ignored, with a notice (default: no waiting)")
        ("replica-lag-deadline", po::value<seconds_value>()->value_name("SECONDS"),
         "PostgreSQL: end a --max-replica-lag wait that lasted SECONDS with exit 5, naming the standby and its lag; "
         "an online unit stopped between its steps or batches is left interrupted (up finishes it, down undoes "
         "it), a unit that had not started was not run (default 600)")
        ("help,h", ("show help (also per command: " + program_name + " up --help)").c_str())
        ("version", "print the program's name and strata's version");
    return d;
}

po::options_description fleet_options() {
    po::options_description d("Many databases in one run (every command but new; see the README's \"Many databases\")");
    d.add_options()
        ("targets", po::value<std::string>()->value_name("FILE"),
         "run the command on every database FILE lists (- : stdin): one URL per line, or LABEL=URL to name it "
         "in the report (LABEL without ':', '/', '=' or spaces); blank lines and lines starting with # are "
         "skipped. --database URLs go first")
        ("schemas-like", po::value<std::string>()->value_name("PATTERN"),
         "PostgreSQL: one target per schema of each database whose name is LIKE PATTERN (tenant\\_%), in byte "
         "order, each with that schema alone as its search_path and its own history there; labelled "
         "LABEL/SCHEMA")
        ("parallel", po::value<int>()->value_name("N"), "work on N databases at once, one connection each (default 4)")
        ("canary", po::value<int>()->value_name("N"),
         "run the first N targets before any other, and start no other when one of them fails (default 0)")
        ("max-failures", po::value<int>()->value_name("K"),
         "start no further target once more than K targets failed; those running finish (default 0: stop "
         "starting after the first failure). A read-only command's findings (exit 4, 6) are not failures")
        ("shard", po::value<std::string>()->value_name("I/N"),
         "take every N-th target starting at I (0 <= I < N), so N processes (a CI matrix, a Kubernetes Indexed "
         "Job: --shard $JOB_COMPLETION_INDEX/N) share a fleet without overlap; with --schemas-like, the tenants "
         "whose label hashes to I modulo N, so a schema created meanwhile moves no other tenant to another shard");
    return d;
}

/// The options `command` takes, described for it (all of them for the general help).
po::options_description command_options(const std::string& command = {}) {
    const bool all = command.empty();
    auto takes = [&](const char* name) {
        if (all) return true;
        const auto* spec = find_command(command);
        return spec && std::find(spec->options.begin(), spec->options.end(), name) != spec->options.end();
    };
    po::options_description d("Command options");
    if (takes("to")) {
        const char* text = command == "down"       ? "revert every unit newer than VERSION; VERSION stays applied"
                           : command == "up"       ? "apply pending units up to and including VERSION"
                           : command == "baseline" ? "record the units up to and including VERSION"
                                                   : "up: apply up to VERSION; down: revert every unit newer than VERSION; "
                                                     "baseline: record up to VERSION";
        d.add_options()("to", po::value<std::int64_t>()->value_name("VERSION"), text);
    }
    if (takes("steps")) d.add_options()("steps", po::value<int>()->value_name("N"), "down: revert the N newest units");
    if (takes("only"))
        d.add_options()("only", po::value<std::int64_t>()->value_name("VERSION"),
                        "revert unit VERSION alone (a unit merged late and applied after units with higher versions)");
    if (takes("all"))
        d.add_options()("all", command == "down"   ? "revert every applied unit"
                               : command == "lint" ? "lint every unit, each as a release of its own; opens no database "
                                                     "(the rules are those of the --database URL's kind)"
                                                   : "down: revert every applied unit; lint: lint every unit");
    if (takes("error-on"))
        d.add_options()("error-on", po::value<std::string>()->value_name("LEVEL"),
                        "lint: exit 4 when a finding at LEVEL (warning or notice) or above is not allowed");
    if (takes("dry-run"))
        d.add_options()("dry-run", command == "repair" ? "check, and say what would be recorded; write nothing"
                                                       : "print the SQL that would run, with transaction boundaries; change nothing");
    if (takes("atomic"))
        d.add_options()("atomic", "up: apply every pending unit in one transaction: all of the release or none of it");
    if (takes("allow-changed")) d.add_options()("allow-changed", "run although applied units changed since");
    if (takes("allow-data-loss"))
        d.add_options()("allow-data-loss",
                        "drop tables and columns that hold data; without it a down whose statements drop a table with "
                        "rows or a column with values is refused (exit 1) before anything runs, unless its unit allows it "
                        "(allow_data_loss, -- strata:allow data-loss)");
    if (takes("allow-unknown")) d.add_options()("allow-unknown", "up: run although the history has units this build lacks");
    if (takes("allow-out-of-order"))
        d.add_options()("allow-out-of-order", command == "down" || command == "redo"
                                                  ? "revert although a unit left applied was applied after one reverted "
                                                    "(merged late), and may build on it"
                                                  : "up: apply pending units older than the newest applied one");
    if (takes("allow-new-history"))
        d.add_options()("allow-new-history",
                        "PostgreSQL: begin a history in the current schema although a schema further down the search_path "
                        "holds one (refused without: every unit would apply again there)");
    if (takes("exit-code")) d.add_options()("exit-code", "status: exit 6 when units are pending, 4 when the history disagrees");
    if (takes("applied")) d.add_options()("applied", "repair: record the unit as applied instead of pending");
    if (takes("accept-changed"))
        d.add_options()("accept-changed", "repair: record this build's checksum for a unit edited since it was applied");
    if (takes("reverted"))
        d.add_options()("reverted", "repair: an applied unit was reverted by hand: remove its row without running its down");
    if (takes("sql")) d.add_options()("sql", "new: write a .sql unit (-- strata:up / -- strata:down sections)");
    if (takes("dir"))
        d.add_options()("dir", po::value<std::string>()->value_name("DIR"),
                        "new: the units' directory (default: the one this program was built from, else ./migrations)");
    if (takes("output"))
        d.add_options()("output", po::value<std::string>()->value_name("FILE"), "schema dump: write the schema to FILE");
    if (takes("check"))
        d.add_options()("check", po::value<std::string>()->value_name("FILE"),
                        "schema dump: compare the schema with FILE; exit 4 with a unified diff when they differ");
    if (takes("schema"))
        d.add_options()("schema", "validate: also compare the database's schema with the one its applied units make (diff)");
    if (takes("scratch"))
        d.add_options()("scratch", po::value<std::string>()->value_name("URL"),
                        "verify, diff, validate --schema: an empty database of the same kind to build schemas on "
                        "(default: SQLite in memory; PostgreSQL: a temporary database on the same server)");
    if (takes("sequential"))
        d.add_options()("sequential", "new: version = the highest version in DIR plus one, instead of the UTC time");
    return d;
}

const char* const exit_codes_help =
    "Exit codes:\n"
    "  0  success (also when there is nothing to do)\n"
    "  1  a unit failed and was rolled back (units before it in the same run stay applied), or a unit\n"
    "     cannot run here (irreversible down, an operation this database cannot do), or a down would\n"
    "     drop a table or column holding data (--allow-data-loss goes on), or the connection\n"
    "     was lost during a COMMIT, which may or may not have applied the unit (status tells); verify:\n"
    "     a unit's down does not restore the schema before its up, or a step of the round trip failed\n"
    "  2  bad usage or configuration: unknown command or option, bad URL, a --to version that does not\n"
    "     exist, nothing to revert (a plain down, or redo, with no unit applied; down --to and --all\n"
    "     have nothing to do there), a SQLite file that is not a SQLite database, a down or redo that\n"
    "     would leave applied a unit applied after one it reverts, which may build on it\n"
    "     (--allow-out-of-order goes on)\n"
    "  3  cannot connect to the database, or lost the connection during a run\n"
    "  4  the history disagrees with this build: a changed, unknown, out-of-order, dirty, damaged or\n"
    "     mismatched unit (mismatched: the database records another unit under that version; damaged: a\n"
    "     history row strata did not write; nothing overrides either);\n"
    "     lint --error-on LEVEL: a finding at LEVEL or above that no unit allows; schema dump --check:\n"
    "     the schema differs from the file; diff, validate --schema: the schema differs from the one\n"
    "     the applied units make\n"
    "  5  another run held the migration lock longer than --lock-timeout, or (SQLite) another process\n"
    "     held the database file locked longer than --lock-timeout; or a standby replayed more than\n"
    "     --max-replica-lag behind for longer than --replica-lag-deadline (an online unit stopped\n"
    "     between its steps is left interrupted: the next up finishes it)\n"
    "  6  status --exit-code: units are pending\n"
    "  129, 130, 143  stopped by SIGHUP (129: the terminal went), SIGINT (130) or SIGTERM (143): the\n"
    "     running statement was cancelled, an\n"
    "     open transaction rolled back, the audit row written and the lock released; one line says\n"
    "     what was kept (units done before in this run stay; an online unit stopped half-way is\n"
    "     finished by the next up). A second signal exits at once (128 + its number)\n"
    "  With many databases (--targets): the most severe of the targets' codes, in the order\n"
    "  129/130/143, 1, 4, 2, 3, 5, 6; 0 when every target succeeded\n";

/// $PGCONNECT_TIMEOUT as libpq's own tools read it, when it is a whole number of seconds, 1 or more;
/// anything else (unset, 0 or negative, which libpq takes as "wait forever", or text) gives
/// nothing, and strata's default applies.
std::optional<std::chrono::seconds> pgconnect_timeout_from_environment() {
    const char* text = std::getenv("PGCONNECT_TIMEOUT");
    if (!text || !*text) return std::nullopt;
    const std::string_view s(text);
    int seconds = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), seconds);
    if (ec != std::errc() || end != s.data() + s.size() || seconds < 1) return std::nullopt;
    return std::chrono::seconds(seconds);
}

std::chrono::milliseconds to_ms(const seconds_value& s) {
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(s.value * 1000)));
}

/// A whole number option's value, checked against its range.
int bounded(const po::variables_map& vm, const char* name, int low, int high, int otherwise) {
    if (!vm.count(name)) return otherwise;
    const int n = vm[name].as<int>();
    if (n < low || n > high)
        throw usage_error("--" + std::string(name) + " takes " + std::to_string(low) + " to " + std::to_string(high) + ", not " +
                          std::to_string(n));
    return n;
}

/// --targets, --schemas-like, --parallel, --canary, --max-failures, --shard.
void parse_fleet(const po::variables_map& vm, invocation& in, const program& self) {
    auto& f = in.fleet;
    if (vm.count("targets")) f.targets_file = vm["targets"].as<std::string>();
    if (vm.count("schemas-like")) {
        f.schemas_like = vm["schemas-like"].as<std::string>();
        // LIKE's backslash escapes the character after it: one at the end escapes nothing, which
        // PostgreSQL refuses (SQLSTATE 22025). Said here, before any database is asked.
        const auto& p = *f.schemas_like;
        std::size_t trailing = 0;
        for (auto c = p.rbegin(); c != p.rend() && *c == '\\'; ++c) ++trailing;
        if (trailing % 2 == 1)
            throw usage_error("--schemas-like '" + p + "' ends with a lone backslash, which escapes nothing: write \\\\ for a "
                              "backslash in a schema's name, or leave it out (see " + self.name + " up --help)");
    }
    f.parallel = bounded(vm, "parallel", 1, 256, f.parallel);
    f.canary = bounded(vm, "canary", 0, 1000000, f.canary);
    f.max_failures = bounded(vm, "max-failures", 0, 1000000, f.max_failures);
    if (vm.count("shard")) {
        const auto text = vm["shard"].as<std::string>();
        int i = -1, n = 0;
        const auto slash = text.find('/');
        auto number = [](std::string_view s, int& out) {
            auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
            return !s.empty() && ec == std::errc() && end == s.data() + s.size();
        };
        if (slash == std::string::npos || !number(std::string_view(text).substr(0, slash), i) ||
            !number(std::string_view(text).substr(slash + 1), n) || n < 1 || i < 0 || i >= n)
            throw usage_error("--shard takes I/N with 0 <= I < N (the 0-based index of this process among N), not '" +
                              text + "'");
        f.shard = std::pair{i, n};
    }
    const bool many = in.many();
    for (const char* name : {"parallel", "canary", "max-failures", "shard"})
        if (vm.count(name) && !many)
            throw usage_error("--" + std::string(name) + " needs many databases: --targets FILE, --schemas-like PATTERN or "
                              "--database more than once (see " + self.name + " --help)");
    if (!many) return;
    if (in.command == "new") throw usage_error("new writes a file and opens no database: it takes no targets");
    if (in.command == "lint" && vm.count("all"))
        throw usage_error("lint --all opens no database: it takes no targets (run it once)");
    // schema dump without --check or --json prints or writes one schema: run_fleet() takes it
    // when exactly one target results (a --schemas-like pattern that matches one schema).
}

}  // namespace

void print_help(std::ostream& out, const std::string& command, const program& self) {
    std::error_code ec;
    const std::string built_from =
        !self.migrations_dir.empty() && std::filesystem::is_directory(self.migrations_dir, ec) ? self.migrations_dir : "";
    if (const auto* c = find_command(command)) {
        out << "Usage: " << self.name << " [--database URL] " << c->synopsis << "\n\n" << c->summary << "\n\n";
        if (!c->options.empty()) out << command_options(c->name) << "\n";
    } else {
        out << self.name << ": schema migrations compiled into this binary (strata " << version_string << ")\n\n"
            << "Usage: " << self.name << " [--database URL] <command> [options]\n\nCommands:\n";
        for (const auto& c : commands) out << "  " << c.synopsis << "\n      " << c.summary << "\n";
        out << "\n" << command_options() << "\n"
            << "Database URLs:\n"
            << "  sqlite:PATH   sqlite:///ABSOLUTE/PATH   sqlite::memory:\n"
            << "  postgresql://[user[:password]@]host[:port]/dbname[?key=value...]   (or postgres://)\n"
            << "  Components are percent-decoded; the password never appears in any output.\n\n"
            << "Units:\n"
            << "  <version>_<name>.cpp (C++) and <version>_<name>.sql files, compiled into this program"
            // Only where it still is: a program copied to another machine was built elsewhere.
            << (built_from.empty() ? std::string() : " from\n  " + built_from) << ".\n"
            << "  A .sql unit has '-- strata:up' and '-- strata:down' sections ('-- strata:up postgresql' or\n"
            << "  'sqlite' for one database's own text; '-- strata:no-transaction'); no down section: irreversible.\n"
            << "  `" << self.name << " new NAME [--sql]` writes one; the next build compiles it in.\n\n";
    }
    out << global_options(self.name) << "\n";
    if (command != "new") out << fleet_options() << "\n";
    out << exit_codes_help;
}

invocation parse(int argc, const char* const* argv, const program& self) {
    po::options_description all;
    all.add(global_options(self.name)).add(fleet_options()).add(command_options());
    all.add_options()("command", po::value<std::string>(), "")("extra", po::value<std::vector<std::string>>(), "");
    po::positional_options_description positional;
    positional.add("command", 1).add("extra", -1);

    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);

    invocation in;
    in.help = vm.count("help") > 0;
    in.version = vm.count("version") > 0;
    in.json = vm.count("json") > 0;
    if (vm.count("command")) in.command = vm["command"].as<std::string>();
    if (in.version || in.command.empty()) return in;

    const command_spec* spec = find_command(in.command);
    if (!spec) {
        std::string names;
        for (const auto& c : commands) names += std::string(names.empty() ? "" : ", ") + c.name;
        throw usage_error("unknown command '" + in.command + "'; commands: " + names);
    }
    if (in.help) return in;

    std::vector<std::string> extra;
    if (vm.count("extra")) extra = vm["extra"].as<std::vector<std::string>>();
    if (in.command == "repair") {
        if (extra.empty())
            throw usage_error("repair needs the VERSION of the dirty unit (see " + self.name + " repair --help)");
        try {
            std::size_t used = 0;
            in.repair_version = std::stoll(extra.front(), &used);
            if (used != extra.front().size()) throw std::invalid_argument("trailing text");
        } catch (const std::exception&) {
            throw usage_error("repair: '" + extra.front() + "' is not a version number");
        }
        extra.erase(extra.begin());
    } else if (in.command == "schema") {
        if (extra.empty() || extra.front() != "dump")
            throw usage_error("schema needs what to do: " + self.name + " schema dump [--output FILE | --check FILE]");
        extra.erase(extra.begin());
    } else if (in.command == "new") {
        if (extra.empty()) throw usage_error("new needs the NAME of the unit, e.g. " + self.name + " new add_orders_index");
        in.new_unit.name = extra.front();
        extra.erase(extra.begin());
    }
    if (!extra.empty())
        throw usage_error("unexpected argument '" + extra.front() + "' after '" + in.command + "' (see " + self.name + " " +
                          in.command + " --help)");
    const auto every_command_option = command_options();
    for (const auto& option : every_command_option.options()) {
        const auto& name = option->long_name();
        if (vm.count(name) && std::find(spec->options.begin(), spec->options.end(), name) == spec->options.end())
            throw usage_error("option --" + name + " does not apply to '" + in.command + "' (see " + self.name + " " +
                              in.command + " --help)");
    }

    if (vm.count("database")) in.databases = vm["database"].as<std::vector<std::string>>();
    parse_fleet(vm, in, self);
    if (in.databases.empty() && !in.fleet.targets_file) {
        for (const char* name : {"STRATA_DATABASE_URL", "DATABASE_URL"})
            if (const char* value = std::getenv(name); value && *value && in.databases.empty()) in.databases.push_back(value);
        if (in.databases.empty()) in.databases.push_back(default_database);
    }

    auto& o = in.options;
    // The one place the connect timeout is chosen: --connect-timeout, else a valid
    // $PGCONNECT_TIMEOUT, else runner_options' 10 s. (A connect_timeout in the URL wins over all of
    // them: database_url::connection_string() only adds this one when the URL has none.)
    if (vm.count("connect-timeout")) {
        auto ms = to_ms(vm["connect-timeout"].as<seconds_value>());
        // libpq counts whole seconds, and 0 would mean "wait forever".
        o.connect_timeout = std::max(std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(ms));
    } else if (auto from_environment = pgconnect_timeout_from_environment()) {
        o.connect_timeout = *from_environment;
    }
    if (vm.count("wait")) o.wait = std::chrono::ceil<std::chrono::seconds>(to_ms(vm["wait"].as<seconds_value>()));
    if (vm.count("lock-timeout")) o.lock_timeout = to_ms(vm["lock-timeout"].as<seconds_value>());
    if (vm.count("ddl-lock-timeout")) {
        o.ddl_lock_timeout = to_ms(vm["ddl-lock-timeout"].as<seconds_value>());
        if (o.ddl_lock_timeout.count() == 0) throw usage_error("--ddl-lock-timeout must be more than 0 (0 would wait forever)");
    }
    if (vm.count("ddl-lock-retries")) {
        o.ddl_lock_retries = vm["ddl-lock-retries"].as<int>();
        if (*o.ddl_lock_retries < 0) throw usage_error("--ddl-lock-retries must be 0 or more");
    }
    if (vm.count("ddl-lock-deadline")) o.ddl_lock_deadline = to_ms(vm["ddl-lock-deadline"].as<seconds_value>());
    if (vm.count("max-replica-lag")) o.max_replica_lag = to_ms(vm["max-replica-lag"].as<seconds_value>());
    if (vm.count("replica-lag-deadline")) {
        if (!o.max_replica_lag) throw usage_error("--replica-lag-deadline needs --max-replica-lag");
        o.replica_lag_deadline = to_ms(vm["replica-lag-deadline"].as<seconds_value>());
    }
    o.dry_run = vm.count("dry-run") > 0;
    o.atomic = vm.count("atomic") > 0;
    o.allow_changed = vm.count("allow-changed") > 0;
    o.allow_unknown = vm.count("allow-unknown") > 0;
    o.allow_out_of_order = vm.count("allow-out-of-order") > 0;
    o.allow_new_history = vm.count("allow-new-history") > 0;
    o.allow_data_loss = vm.count("allow-data-loss") > 0;
    in.exit_code = vm.count("exit-code") > 0;
    if (vm.count("applied") + vm.count("accept-changed") + vm.count("reverted") > 1)
        throw usage_error("repair takes one of --applied (a dirty or damaged unit), --accept-changed (a changed one) and "
                          "--reverted (an applied one reverted by hand)");
    in.repair = vm.count("applied")          ? repair_action::mark_applied
                : vm.count("accept-changed") ? repair_action::accept_change
                : vm.count("reverted")       ? repair_action::mark_reverted
                                             : repair_action::mark_pending;
    in.new_unit.sql = vm.count("sql") > 0;
    in.new_unit.sequential = vm.count("sequential") > 0;
    if (vm.count("dir")) in.new_unit.dir = vm["dir"].as<std::string>();

    if (vm.count("output")) in.schema_output = vm["output"].as<std::string>();
    if (vm.count("check")) in.schema_check = vm["check"].as<std::string>();
    if (in.schema_output && in.schema_check) throw usage_error("schema dump takes --output or --check, not both");
    if (in.command == "lint") {
        in.lint.all = vm.count("all") > 0;
        if (vm.count("error-on")) {
            const auto level = vm["error-on"].as<std::string>();
            if (level != "warning" && level != "notice")
                throw usage_error("--error-on takes warning or notice, not '" + level + "' (see " + self.name + " lint --help)");
            in.lint.error_on = level == "warning" ? lint_level::warning : lint_level::notice;
        }
    }
    if (vm.count("scratch")) in.scratch = vm["scratch"].as<std::string>();
    in.schema = vm.count("schema") > 0;
    if (in.command == "validate" && in.scratch && !in.schema)
        throw usage_error("validate takes --scratch with --schema only (see " + self.name + " validate --help)");
    if (vm.count("to")) {
        in.to = vm["to"].as<std::int64_t>();
        // Checked before connecting: no lock is waited for only to refuse a typo.
        if (*in.to < 1)
            throw usage_error("--to takes a unit's version, 1 or more, not " + std::to_string(*in.to) +
                              (in.command == "down" ? "; to revert every unit, use down --all" : "") + " (see " + self.name +
                              " " + in.command + " --help)");
    }
    if (in.command == "baseline" && !in.to)
        throw usage_error("baseline needs --to VERSION (see " + self.name + " baseline --help)");
    if (in.command == "down") {
        if (vm.count("steps")) in.down.steps = vm["steps"].as<int>();
        in.down.to = in.to;
        in.down.all = vm.count("all") > 0;
        if (vm.count("only")) in.down.only = vm["only"].as<std::int64_t>();
        if (int(in.down.steps.has_value()) + int(in.down.to.has_value()) + int(in.down.all) + int(in.down.only.has_value()) > 1)
            throw usage_error("down takes at most one of --steps, --to, --all and --only");
        if (in.down.only && *in.down.only < 1)
            throw usage_error("--only takes a unit's version, 1 or more, not " + std::to_string(*in.down.only));
    }
    return in;
}

}  // namespace strata::cli
