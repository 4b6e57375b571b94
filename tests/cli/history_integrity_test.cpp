// A tampered or damaged history (issue 12, point 5): a state strata never writes, stored down
// statements edited, emptied or not JSON are `damaged` (exit 4, named, with what to do) and never
// run or trusted; repair removes or rewrites the row; a history dropped while its audit log
// stays is created again, and baseline works.

#include "metadata_queries.hpp"
#include "strata_cli.hpp"
#include "support/stored_down.hpp"

#include <nlohmann/json.hpp>

using namespace strata::test;
using versions = std::vector<std::int64_t>;

namespace {

void apply_all(const cli_database_test& t) {
    auto r = t.run({"up"});
    BOOST_TEST_REQUIRE(r.exit_code == 0, r);
}

/// Unit 9, applied by a newer build that stored `down` (JSON text) to drop table "newer_things".
void applied_by_a_newer_build(const cli_database_test& t, const std::string& down) {
    t.probe.execute(R"(CREATE TABLE "newer_things" ("id" INTEGER))");
    t.probe.execute("INSERT INTO strata_schema_history (version, name, checksum, execution_ms, applied_by, down_statements) "
                    "VALUES (9, 'add_newer_things', 'from-a-newer-build', 1, 'a newer build', " + literal(down) + ")");
}

namespace scenario {

void a_state_strata_never_writes_is_damaged_and_nothing_runs_over_it(strata::backend b) {
    cli_database_test t(b);
    apply_all(t);
    t.probe.execute("UPDATE strata_schema_history SET state = 'garbage' WHERE version = 2");

    auto r = t.run({"status"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(matches(r.out, "{*}\n{*}\n       1  create_users          applied   {ts}\n"
                              "       2  create_user_profiles  damaged   {ts}\n"
                              "       3  add_profile_to_users  applied   {ts}\n"
                              "2 applied, 0 pending, 1 damaged (see strata validate)\n"
                              "unit 2 create_user_profiles: its history row is damaged: its state is 'garbage' (strata writes "
                              "applied, running or reverting)\n"),
               r);
    BOOST_TEST(t.run({"status", "--exit-code"}).exit_code == 4);
    r = t.run({"validate"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(contains(r.out, "unit 2 create_user_profiles: its history row is damaged: its state is 'garbage'"), r);
    BOOST_TEST(contains(r.out, "strata repair 2 --applied"), r);

    // diff still compares, taking the unit as applied, and says why.
    r = t.run({"diff"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(contains(r.out, "  note: unit 2 create_user_profiles's history row is damaged (its state is 'garbage'"), r);

    // Neither way runs, whatever is allowed.
    r = t.run({"up", "--allow-changed", "--allow-unknown", "--allow-out-of-order"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(contains(r.err, "its history row is damaged"), r);
    r = t.run({"down"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(t.probe.has_column("users", "profile"));

    // The person checked: the unit is applied. The row is rewritten, with this build's down.
    r = t.run({"repair", "2", "--applied"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(t.run({"validate"}).exit_code == 0);
    auto row = query(t, "SELECT state, down_statements FROM strata_schema_history WHERE version = 2");
    BOOST_TEST_REQUIRE(row.size() == 1u);
    BOOST_TEST(row[0][0].value_or("") == "applied");
    BOOST_TEST(nlohmann::json::parse(row[0][1].value_or("{}")).contains("checksum"));
    auto log = query(t, "SELECT action, message FROM strata_schema_log WHERE version = 2 AND action = 'repair'");
    BOOST_TEST_REQUIRE(log.size() == 1u);
    BOOST_TEST(contains(log[0][1].value_or(""), "damaged row: its state is 'garbage'"));
    BOOST_TEST(t.run({"down", "--all"}).exit_code == 0);
    BOOST_TEST(!t.probe.has_table("user_profiles"));
}

void edited_stored_down_statements_are_never_run(strata::backend b) {
    cli_database_test t(b);
    apply_all(t);
    t.probe.execute(R"(CREATE TABLE "victim" ("id" INTEGER))");
    // What a newer build stored, then edited in the database: the checksum no longer matches.
    auto down = nlohmann::json::parse(stored_down_json({R"(DROP TABLE "newer_things")"}));
    down["statements"] = {R"(DROP TABLE "victim")"};
    applied_by_a_newer_build(t, down.dump());

    auto r = t.run({"down"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(contains(r.err, "unit 9 add_newer_things (down) cannot run on " + t.shown_url() +
                                   ": its history row is damaged: its stored down statements are not the ones strata stored "
                                   "(their checksum does not match)"),
               r);
    BOOST_TEST(contains(r.err, "nothing was run"), r);
    BOOST_TEST(t.probe.has_table("victim"));
    BOOST_TEST(t.probe.has_table("newer_things"));
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3, 9}), boost::test_tools::per_element());

    r = t.run({"validate"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(contains(r.out, "unit 9 add_newer_things: its history row is damaged: its stored down statements are not the ones"),
               r);

    // repair --applied needs the unit in this build; repair removes the row.
    r = t.run({"repair", "9", "--applied"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "unit 9 add_newer_things is not in this build"), r);
    BOOST_TEST(t.run({"repair", "9"}).exit_code == 0);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(t.probe.has_table("victim"));
}

// A row a newer build wrote with a statement form this build does not know (`requires`): not
// run, and no repair advised (review 28 M1): `repair` would forget an applied unit, which that
// build would then apply again.
void a_stored_down_of_a_newer_builds_form_is_left_to_that_build(strata::backend b) {
    cli_database_test t(b);
    apply_all(t);
    auto down = nlohmann::json::parse(stored_down_json({R"(DROP TABLE "newer_things")"}));
    down["requires"] = {"batches"};
    applied_by_a_newer_build(t, down.dump());

    auto r = t.run({"validate"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(contains(r.out, "unit 9 add_newer_things: its stored down statements need a newer strata build: they hold "
                               "batches, which this build cannot run"),
               r);
    BOOST_TEST(contains(r.out, "run that build (or a newer one) for this database"), r);
    BOOST_TEST(!contains(r.out, "repair"), r);
    r = t.run({"down"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(contains(r.err, "they hold batches, which this build cannot run"), r);
    // repair would forget an applied unit (review 29 M2); status names it as a newer build's.
    r = t.run({"repair", "9"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "repair 9 would remove the row of an applied unit, which that build would then apply again"),
               r);
    r = t.run({"status"});
    BOOST_TEST(contains(r.out, "unit 9 add_newer_things: its stored down statements need a newer strata build"), r);
    BOOST_TEST(!contains(r.out, "damaged:"), r);
    r = t.run({"status", "--json"});
    BOOST_TEST(contains(r.out, "\"newer_build\": true"), r);
    BOOST_TEST(t.probe.has_table("newer_things"));
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3, 9}), boost::test_tools::per_element());
}

void emptied_or_unreadable_stored_down_statements_are_damaged_not_irreversible(strata::backend b) {
    for (const std::string down : {R"({"statements":[]})", "{not json"}) {
        BOOST_TEST_CONTEXT(down) {
            cli_database_test t(b);
            apply_all(t);
            applied_by_a_newer_build(t, down);
            auto r = t.run({"down"});
            BOOST_TEST(r.exit_code == 4, r);
            BOOST_TEST(contains(r.err, "its stored down statements are not the JSON strata stores"), r);
            BOOST_TEST(!contains(r.err, "irreversible"), r);
            BOOST_TEST(t.probe.has_table("newer_things"), "reported reverted while the table stays");
            BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3, 9}), boost::test_tools::per_element());
            auto status = nlohmann::json::parse(t.run({"status", "--json"}).out);
            BOOST_TEST(status.at("units")[3].at("state") == "damaged");
            BOOST_TEST(status.at("summary").at("damaged") == 1);
        }
    }
}

void a_dropped_history_beside_its_log_is_created_again(strata::backend b) {
    cli_database_test t(b);
    apply_all(t);
    t.probe.execute("DROP TABLE strata_schema_history");
    // The schema is there, the history is not: baseline records it (it used to fail on the log).
    auto r = t.run({"baseline", "--to", "3"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(t.run({"up"}).out == "nothing to do: " + t.shown_url() + " is up to date\n");
    // The audit trail from before is kept, and the baseline added to it.
    auto log = query(t, "SELECT action FROM strata_schema_log");
    BOOST_TEST(log.size() == 6u);
}

}  // namespace scenario
}  // namespace

STRATA_CLI_TEST_ON_EACH_DATABASE(a_state_strata_never_writes_is_damaged_and_nothing_runs_over_it)
STRATA_CLI_TEST_ON_EACH_DATABASE(edited_stored_down_statements_are_never_run)
STRATA_CLI_TEST_ON_EACH_DATABASE(a_stored_down_of_a_newer_builds_form_is_left_to_that_build)
STRATA_CLI_TEST_ON_EACH_DATABASE(emptied_or_unreadable_stored_down_statements_are_damaged_not_irreversible)
STRATA_CLI_TEST_ON_EACH_DATABASE(a_dropped_history_beside_its_log_is_created_again)
