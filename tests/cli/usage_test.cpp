// Help, version and usage errors: what a user gets before any database is involved. None of
// these may touch the default database (sqlite:strata.db in the working directory).

#include "strata_cli.hpp"

#include <strata/version.hpp>

using namespace strata::test;

namespace {

bool default_database_created(const strata_cli& cli) {
    return std::filesystem::exists(cli.working_directory() / "strata.db");
}

/// The exit code table every help text ends with.
void check_mentions_exit_codes(const cli_outcome& r) {
    BOOST_TEST(contains(r.out, "Exit codes:\n"), r);
    BOOST_TEST(contains(r.out, "  0  success"), r);
    BOOST_TEST(contains(r.out, "  1  a unit failed"), r);
    BOOST_TEST(contains(r.out, "  2  bad usage or configuration"), r);
    BOOST_TEST(contains(r.out, "  3  cannot connect to the database"), r);
}

/// A usage error: exit 2, nothing on stdout, one "strata: error: ..." message on stderr.
void check_usage_error(const strata_cli& cli, const cli_outcome& r, std::string_view message) {
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(r.out == "", r);
    BOOST_TEST(matches(r.err, "strata: error: {*}\n"), r);
    BOOST_TEST(contains(r.err, message), "stderr should say: " << message << r);
    BOOST_TEST(!default_database_created(cli), r);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sqlite)

BOOST_AUTO_TEST_CASE(help_lists_commands_urls_and_exit_codes) {
    strata_cli cli;
    for (const char* flag : {"--help", "-h"}) {
        auto r = cli.run({flag});
        BOOST_TEST(r.exit_code == 0, r);
        BOOST_TEST(r.err == "", r);
        BOOST_TEST(contains(r.out, "Usage: strata [--database URL] <command> [options]"), r);
        for (const char* command : {"\n  up [--to VERSION] ", "\n  down [--steps N | --to VERSION | --all | --only VERSION] ", "\n  redo ",
                                    "\n  status "})
            BOOST_TEST(contains(r.out, command), "help should list" << command << r);
        BOOST_TEST(contains(r.out, "--database URL"), r);
        BOOST_TEST(contains(r.out, "STRATA_DATABASE_URL"), r);
        BOOST_TEST(contains(r.out, "postgresql://[user[:password]@]host[:port]/dbname"), r);
        check_mentions_exit_codes(r);
    }
    BOOST_TEST(!default_database_created(cli));
}

BOOST_AUTO_TEST_CASE(version_prints_the_version_alone) {
    strata_cli cli;
    auto r = cli.run({"--version"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.out == std::string("strata ") + strata::version_string + "\n", r);
    BOOST_TEST(r.err == "", r);
    BOOST_TEST(!default_database_created(cli));
}

BOOST_AUTO_TEST_CASE(command_help_shows_its_options_and_exit_codes_without_running_it) {
    strata_cli cli;
    for (const std::vector<std::string>& args : {std::vector<std::string>{"up", "--help"}, {"--help", "up"}}) {
        auto r = cli.run(args);
        BOOST_TEST(r.exit_code == 0, r);
        BOOST_TEST(r.err == "", r);
        BOOST_TEST(r.out.starts_with("Usage: strata [--database URL] up [--to VERSION] [--dry-run] [--atomic] [--allow-...]\n\n"
                                     "apply pending units, all or up to and including VERSION\n"),
                   r);
        BOOST_TEST(contains(r.out, "--to VERSION"), r);
        BOOST_TEST(!contains(r.out, "--steps"), "up --help shows down's options" << r);
        check_mentions_exit_codes(r);
    }
    auto down = cli.run({"down", "--help"});
    BOOST_TEST(down.exit_code == 0, down);
    BOOST_TEST(contains(down.out, "Usage: strata [--database URL] down [--steps N | --to VERSION | --all | --only VERSION]"), down);
    for (const char* option : {"--steps N", "--to VERSION", "--all", "--only VERSION", "--allow-data-loss", "--allow-out-of-order"})
        BOOST_TEST(contains(down.out, option), down);
    check_mentions_exit_codes(down);
    BOOST_TEST(!default_database_created(cli), "a help request ran the command");
}

BOOST_AUTO_TEST_CASE(no_command_is_a_usage_error_with_help_on_stderr) {
    strata_cli cli;
    auto r = cli.run({});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(r.out == "", r);
    BOOST_TEST(contains(r.err, "Usage: strata"), r);
    BOOST_TEST(contains(r.err, "strata: error: no command given (try strata --help)\n"), r);
    BOOST_TEST(!default_database_created(cli));

    auto only_database = cli.run({"--database", "sqlite:other.db"});
    BOOST_TEST(only_database.exit_code == 2, only_database);
    BOOST_TEST(contains(only_database.err, "no command given"), only_database);
    BOOST_TEST(!std::filesystem::exists(cli.working_directory() / "other.db"));
}

BOOST_AUTO_TEST_CASE(unknown_command_is_named) {
    strata_cli cli;
    check_usage_error(cli, cli.run({"migrate"}), "unknown command 'migrate'; commands: up, down, redo, status");
    check_usage_error(cli, cli.run({"upp", "--help"}), "unknown command 'upp'");
}

BOOST_AUTO_TEST_CASE(unknown_option_is_named) {
    strata_cli cli;
    check_usage_error(cli, cli.run({"up", "--frobnicate"}), "unrecognised option '--frobnicate'");
    check_usage_error(cli, cli.run({"--verbose", "status"}), "'--verbose'");
}

BOOST_AUTO_TEST_CASE(option_of_another_command_is_refused) {
    strata_cli cli;
    check_usage_error(cli, cli.run({"up", "--steps", "1"}), "option --steps does not apply to 'up'");
    check_usage_error(cli, cli.run({"up", "--all"}), "option --all does not apply to 'up'");
    check_usage_error(cli, cli.run({"status", "--to", "1"}), "option --to does not apply to 'status'");
    check_usage_error(cli, cli.run({"redo", "--steps", "2"}), "option --steps does not apply to 'redo'");
}

BOOST_AUTO_TEST_CASE(down_refuses_two_ways_of_choosing_units) {
    strata_cli cli;
    check_usage_error(cli, cli.run({"down", "--steps", "1", "--all"}), "down takes at most one of --steps, --to, --all and --only");
    check_usage_error(cli, cli.run({"down", "--to", "1", "--steps", "1"}), "at most one of --steps, --to, --all and --only");
    check_usage_error(cli, cli.run({"down", "--only", "2", "--to", "1"}), "at most one of --steps, --to, --all and --only");
    check_usage_error(cli, cli.run({"down", "--only", "0"}), "--only takes a unit's version, 1 or more, not 0");
}

BOOST_AUTO_TEST_CASE(stray_argument_is_named) {
    strata_cli cli;
    check_usage_error(cli, cli.run({"up", "now"}), "unexpected argument 'now' after 'up'");
    check_usage_error(cli, cli.run({"status", "all", "of", "it"}), "unexpected argument 'all' after 'status'");
}

BOOST_AUTO_TEST_CASE(option_values_are_checked) {
    strata_cli cli;
    check_usage_error(cli, cli.run({"up", "--to", "two"}), "the argument ('two') for option '--to' is invalid");
    check_usage_error(cli, cli.run({"up", "--to"}), "the required argument for option '--to' is missing");
    // A LIKE pattern whose last backslash escapes nothing; two are one plain backslash.
    check_usage_error(cli, cli.run({"status", "--database", "postgresql://nowhere/db", "--schemas-like", "tenant\\"}),
                      "--schemas-like 'tenant\\' ends with a lone backslash, which escapes nothing");
    BOOST_TEST(!contains(cli.run({"status", "--database", "postgresql://127.0.0.1:1/db", "--schemas-like", "tenant\\\\"}).err,
                         "lone backslash"));
    // Refused before connecting (no lock waited for): versions start at 1.
    check_usage_error(cli, cli.run({"down", "--to", "0"}),
                      "--to takes a unit's version, 1 or more, not 0; to revert every unit, use down --all");
    check_usage_error(cli, cli.run({"up", "--to=-3"}), "--to takes a unit's version, 1 or more, not -3 (see strata up --help)");
    check_usage_error(cli, cli.run({"down", "--steps", "x"}), "option '--steps' is invalid");
    check_usage_error(cli, cli.run({"status", "--database"}), "the required argument for option '--database' is missing");
    // Seconds: 0 to 1,000,000; a larger value is a typo (1e16 used to end in "unexpected", exit 1).
    for (const char* option : {"--max-replica-lag", "--replica-lag-deadline", "--lock-timeout", "--wait"})
        for (const char* value : {"1e16", "1000001", "-1", "nan", "5s"})
            check_usage_error(cli, cli.run({"status", option, value}),
                              "the argument ('" + std::string(value) + "') for option '" + option + "' is invalid");
}

BOOST_AUTO_TEST_SUITE_END()
