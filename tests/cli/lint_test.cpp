// strata lint: the pending units (every unit with --all, no database opened) checked for what
// would hurt the running database or application, one line per finding; --error-on makes a
// finding no unit allows exit 4; up prints the warnings of the units it is about to run on
// stderr and runs them. The reference units lint clean; the fixture migrator
// (tests/cli/lint_units/) has an index built the plain way (S001, PostgreSQL only) and a drop
// its unit allows (S009).

#include "strata_cli.hpp"

#include <nlohmann/json.hpp>

using namespace strata::test;
using nlohmann::json;

namespace {

const std::string s001 =
    "warning S001 unit 2 index_orders: create_index on \"orders\" blocks writes while it builds; use .online(): the index "
    "is built CONCURRENTLY (a unique constraint is then attached to it)";
const std::string s009 =
    "warning S009 unit 3 drop_orders_note: drop_column \"orders\".\"note\" breaks the deployed application if it still "
    "uses it; drop it in a release after the one that stopped using it, and say so with .allow(\"S009\", reason) "
    "(allowed: nothing reads orders.note since 2.3)";

namespace scenario {

void the_reference_units_lint_clean(strata::backend b) {
    cli_database_test t(b);
    auto r = t.run({"lint", "--error-on", "notice"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.out == "ok: no findings in the units pending on " + t.shown_url() + "\n", r);
    BOOST_TEST(r.err == "", r);
    r = t.run({"lint", "--all", "--error-on", "notice"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.out == std::string("ok: no findings in any unit, by the rules for ") + to_string(b) + "\n", r);
    // up has no warning to print.
    r = t.run({"up"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.err == "", r);
}

void a_release_that_creates_its_tables_lints_clean(strata::backend b) {
    // On a fresh database the fixture's orders table is new: nobody uses it, it has no rows.
    cli_database_test t(b, STRATA_LINT_FIXTURE_PATH);
    auto r = t.run({"lint", "--error-on", "warning"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.out == "ok: no findings in the units pending on " + t.shown_url() + "\n", r);
}

void lint_finds_what_touches_an_existing_table(strata::backend b) {
    cli_database_test t(b, STRATA_LINT_FIXTURE_PATH);
    BOOST_TEST_REQUIRE(t.run({"up", "--to", "1"}).exit_code == 0);
    const bool postgresql = b == strata::backend::postgresql;
    auto r = t.run({"lint"});
    BOOST_TEST(r.exit_code == 0, "without --error-on a finding does not fail" << r);
    BOOST_TEST(r.out == (postgresql ? s001 + "\n" + s009 + "\n2 warnings" : s009 + "\n1 warning") +
                            ", 0 notices in the units pending on " + t.shown_url() + " (1 allowed by their unit)\n",
               r);
    BOOST_TEST(r.err == "", r);

    r = t.run({"lint", "--error-on", "warning"});
    BOOST_TEST(r.exit_code == (postgresql ? 4 : 0), "the allowed S009 fails no gate" << r);
    BOOST_TEST(contains(r.out, postgresql ? "; 1 at or above warning not allowed\n" : "; none at or above warning not allowed\n"), r);

    r = t.run({"lint", "--json"});
    BOOST_TEST(r.exit_code == 0, r);
    auto doc = json::parse(r.out);
    BOOST_TEST(doc.at("command") == "lint");
    BOOST_TEST(doc.at("units") == "pending");
    BOOST_TEST(doc.at("backend") == to_string(b));
    const auto& findings = doc.at("findings");
    BOOST_TEST_REQUIRE(findings.size() == (postgresql ? 2u : 1u), r);
    const auto& drop = findings.back();
    BOOST_TEST(drop.at("code") == "S009");
    BOOST_TEST(drop.at("level") == "warning");
    BOOST_TEST(drop.at("version") == 3);
    BOOST_TEST(drop.at("name") == "drop_orders_note");
    BOOST_TEST(drop.at("operation") == "drop_column orders.note");
    BOOST_TEST(drop.at("allowed_because") == "nothing reads orders.note since 2.3");
    BOOST_TEST(!drop.at("safe_alternative").get<std::string>().empty());
    if (postgresql) BOOST_TEST(findings.front().at("allowed_because").is_null());
    BOOST_TEST(doc.at("summary").at("allowed") == 1);
}

void lint_all_needs_no_database_and_gates_ci(strata::backend b) {
    // Every unit, each as a release of its own: unit 2's index is on a table unit 1 made.
    cli_database_test t(b, STRATA_LINT_FIXTURE_PATH);
    auto r = t.run({"lint", "--all", "--error-on", "warning"});
    const bool postgresql = b == strata::backend::postgresql;
    BOOST_TEST(r.exit_code == (postgresql ? 4 : 0), r);
    BOOST_TEST(contains(r.out, s009 + "\n"), r);
    BOOST_TEST(contains(r.out, s001) == postgresql, r);
    BOOST_TEST(t.probe.applied_versions().empty(), "lint applied something");
    // A URL nothing answers at: --all never connects.
    strata_cli offline(STRATA_LINT_FIXTURE_PATH);
    r = offline.run({"--database", postgresql ? "postgresql://app@127.0.0.1:1/none" : "sqlite:missing/dir/x.db", "lint", "--all"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(contains(r.out, s009 + "\n"), r);
}

void up_prints_the_warnings_of_what_it_runs_and_runs_it(strata::backend b) {
    cli_database_test t(b, STRATA_LINT_FIXTURE_PATH);
    BOOST_TEST_REQUIRE(t.run({"up", "--to", "1"}).exit_code == 0);
    const bool postgresql = b == strata::backend::postgresql;
    auto r = t.run({"up", "--json"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(json::parse(r.out).at("units").size() == 2u, "stdout stays one JSON document" << r);
    // The allowed drop is not repeated; the index warning is, once, before anything runs.
    BOOST_TEST(contains(r.err, "strata-lint-fixture: " + s001 + "\n") == postgresql, r);
    BOOST_TEST(!contains(r.err, "S009"), r);
    if (postgresql) BOOST_TEST(r.err.find(s001) < r.err.find("applied  2 index_orders"), r);
}

void error_on_takes_a_level(strata::backend b) {
    cli_database_test t(b);
    auto r = t.run({"lint", "--error-on", "error"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "--error-on takes warning or notice, not 'error'"), r);
    r = t.run({"status", "--error-on", "warning"});
    BOOST_TEST(r.exit_code == 2, r);
    r = t.run({"lint", "--help"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.out.starts_with("Usage: strata [--database URL] lint [--all] [--error-on warning|notice]\n"), r);
    BOOST_TEST(contains(r.out, "--error-on LEVEL"), r);
    BOOST_TEST(contains(r.out, "lint every unit, each as a release of its own"), r);
    BOOST_TEST(!contains(r.out, "--steps"), r);
}

}  // namespace scenario
}  // namespace

STRATA_CLI_TEST_ON_EACH_DATABASE(the_reference_units_lint_clean)
STRATA_CLI_TEST_ON_EACH_DATABASE(a_release_that_creates_its_tables_lints_clean)
STRATA_CLI_TEST_ON_EACH_DATABASE(lint_finds_what_touches_an_existing_table)
STRATA_CLI_TEST_ON_EACH_DATABASE(lint_all_needs_no_database_and_gates_ci)
STRATA_CLI_TEST_ON_EACH_DATABASE(up_prints_the_warnings_of_what_it_runs_and_runs_it)
STRATA_CLI_TEST_ON_EACH_DATABASE(error_on_takes_a_level)
