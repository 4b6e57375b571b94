// strata down and redo: which units they revert, what they print, and that a refused request
// reverts nothing (read back independently).

#include "strata_cli.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>

using namespace strata::test;
using versions = std::vector<std::int64_t>;
using json = nlohmann::json;

namespace {

/// Applies every unit through the CLI.
void apply_all(const cli_database_test& t) {
    auto r = t.run({"up"});
    BOOST_TEST_REQUIRE(r.exit_code == 0, r);
    BOOST_TEST_REQUIRE(t.probe.applied_versions() == (versions{1, 2, 3}));
}

namespace scenario {

void down_reverts_the_newest_unit_by_default(strata::backend b) {
    cli_database_test t(b);
    apply_all(t);
    auto r = t.run({"down"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(matches(r.out,
                       "reverted 3 add_profile_to_users ({ms})\n"
                       "1 unit reverted on " + t.shown_url() + " in {ms}\n"),
               r);
    BOOST_TEST(r.err == "", r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(!t.probe.has_column("users", "profile"));
    BOOST_TEST(t.probe.has_table("user_profiles"));
}

void down_steps_reverts_that_many_newest_first(strata::backend b) {
    cli_database_test t(b);
    apply_all(t);
    auto r = t.run({"down", "--steps", "2"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(matches(r.out,
                       "reverted 3 add_profile_to_users ({ms})\n"
                       "reverted 2 create_user_profiles ({ms})\n"
                       "2 units reverted on " + t.shown_url() + " in {ms}\n"),
               r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(!t.probe.has_table("user_profiles"));
    BOOST_TEST(t.probe.has_table("users"));
    BOOST_TEST(!t.probe.has_column("users", "profile"));
}

void down_to_keeps_that_version_applied(strata::backend b) {
    cli_database_test t(b);
    apply_all(t);
    auto r = t.run({"down", "--to", "1"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(matches(r.out,
                       "reverted 3 add_profile_to_users ({ms})\n"
                       "reverted 2 create_user_profiles ({ms})\n"
                       "2 units reverted on " + t.shown_url() + " in {ms}\n"),
               r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(t.probe.has_table("users"));
    BOOST_TEST(!t.probe.has_table("user_profiles"));

    r = t.run({"down", "--to", "1"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.out == "nothing to do: no unit newer than version 1 is applied to " + t.shown_url() + "\n", r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1}), boost::test_tools::per_element());
}

void down_all_reverts_every_unit(strata::backend b) {
    cli_database_test t(b);
    apply_all(t);
    auto r = t.run({"down", "--all"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(matches(r.out,
                       "reverted 3 add_profile_to_users ({ms})\n"
                       "reverted 2 create_user_profiles ({ms})\n"
                       "reverted 1 create_users ({ms})\n"
                       "3 units reverted on " + t.shown_url() + " in {ms}\n"),
               r);
    BOOST_TEST(t.probe.applied_versions().empty());
    BOOST_TEST(!t.probe.has_table("users"));
    BOOST_TEST(!t.probe.has_table("user_profiles"));
}

// One unit back (or --steps N) with nothing applied is refused: there is no such unit. --all and
// --to name a state, which holds already: nothing to do, exit 0, so a rerun (a fleet's, a
// pipeline's) finds it done; and on a database strata never touched, nothing is created.
void down_with_nothing_applied_refuses_a_step_and_finds_all_done(strata::backend b) {
    cli_database_test t(b);
    const std::string refused = "strata: error: " + t.shown_url() + ": nothing to revert: no unit is applied\n";
    // A database strata never touched, then one whose history table is empty.
    for (int round = 0; round < 2; ++round) {
        BOOST_TEST_CONTEXT((round == 0 ? "never touched" : "an empty history")) {
            // A SQLite file that does not exist (a mistyped path, at 3 a.m.) is said to be missing.
            const bool missing = t.db.kind() == strata::backend::sqlite && !std::filesystem::exists(t.db.url().path());
            BOOST_TEST(missing == (t.db.kind() == strata::backend::sqlite && round == 0));
            const std::string notice = missing ? "strata: " + t.shown_url() +
                                                     " does not exist (no database file at that path), so nothing is applied "
                                                     "there; check the path if you expected one\n"
                                               : "";
            for (const std::vector<std::string>& args : {std::vector<std::string>{"down"}, {"down", "--steps", "1"}}) {
                auto r = t.run(args);
                BOOST_TEST(r.exit_code == 2, r);
                BOOST_TEST(r.out == "", r);
                BOOST_TEST(r.err == notice + refused, r);
            }
            auto r = t.run({"down", "--all"});
            BOOST_TEST(r.exit_code == 0, r);
            BOOST_TEST(r.out == "nothing to do: no unit is applied to " + t.shown_url() + "\n", r);
            BOOST_TEST(r.err == notice, r);
            r = t.run({"down", "--to", "2"});
            BOOST_TEST(r.exit_code == 0, r);
            BOOST_TEST(r.out == "nothing to do: no unit newer than version 2 is applied to " + t.shown_url() + "\n", r);
            BOOST_TEST(t.probe.has_table("strata_schema_history") == (round == 1), r);
            if (t.db.kind() == strata::backend::sqlite && round == 0)  // nothing to do takes no lock
                BOOST_TEST(!std::filesystem::exists(t.db.url().path() + "-strata.lock"), "down took the migration lock" << r);
        }
        if (round == 0) {
            auto up = t.run({"up"});
            BOOST_TEST_REQUIRE(up.exit_code == 0, up);
            auto down = t.run({"down", "--all"});
            BOOST_TEST_REQUIRE(down.exit_code == 0, down);
            BOOST_TEST_REQUIRE(t.probe.has_table("strata_schema_history"));
        }
    }
}

void down_steps_beyond_what_is_applied_reverts_nothing(strata::backend b) {
    cli_database_test t(b);
    apply_all(t);
    auto r = t.run({"down", "--steps", "5"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(r.out == "", r);
    BOOST_TEST(r.err == "strata: error: " + t.shown_url() +
                            ": asked to revert 5 units but only 3 are applied; use --all to revert them all\n",
               r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(t.probe.has_column("users", "profile"));

    r = t.run({"down", "--steps", "0"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "--steps must be at least 1"), r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
}

// --to names a state: "nothing newer than V applied". V must be applied or one of the build's
// units; a version neither (a typo) is refused with nothing reverted, where "revert everything
// newer than it" could take the whole history back.
void down_to_a_version_that_is_not_applied(strata::backend b) {
    cli_database_test t(b);
    BOOST_TEST_REQUIRE(t.run({"up", "--to", "2"}).exit_code == 0);
    auto r = t.run({"down", "--to", "3"});  // pending: nothing newer than it applied
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.out == "nothing to do: no unit newer than version 3 is applied to " + t.shown_url() + "\n", r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2}), boost::test_tools::per_element());
    r = t.run({"down", "--to", "7"});  // no such unit
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(r.out == "", r);
    BOOST_TEST(contains(r.err, "cannot revert to version 7: it is not applied and no unit of this build has it (see strata "
                               "status)"),
               r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2}), boost::test_tools::per_element());
}

void down_with_two_ways_of_choosing_reverts_nothing(strata::backend b) {
    cli_database_test t(b);
    apply_all(t);
    auto r = t.run({"down", "--steps", "1", "--all"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(r.err == "strata: error: down takes at most one of --steps, --to, --all and --only\n", r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
}

void down_refuses_a_unit_this_build_does_not_know_without_stored_down_statements(strata::backend b) {
    cli_database_test t(b);
    apply_all(t);
    t.probe.execute("INSERT INTO strata_schema_history (version, name, checksum, execution_ms, applied_by) "
                    "VALUES (4, 'from_a_newer_build', 'x', 1, 'someone')");
    auto r = t.run({"down"});
    BOOST_TEST(r.exit_code == 1, r);
    BOOST_TEST(contains(r.err, "unit 4 from_a_newer_build (down) cannot run on " + t.shown_url() +
                                   ": this build does not know it, and the history stores no down statements for it"),
               r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3, 4}), boost::test_tools::per_element());
}

void redo_reverts_and_reapplies_the_newest_unit(strata::backend b) {
    cli_database_test t(b);
    BOOST_TEST_REQUIRE(t.run({"up", "--to", "2"}).exit_code == 0);
    // A row the revert must drop along with its table: proof that redo really ran down.
    t.probe.execute(R"(INSERT INTO "user_profiles" ("address") VALUES ('1 Main Street'))");
    BOOST_TEST_REQUIRE(t.probe.row_count("user_profiles") == 1);

    // Not without saying so: the row would go with the table.
    auto r = t.run({"redo"});
    BOOST_TEST(r.exit_code == 1, r);
    BOOST_TEST(r.out == "", r);
    BOOST_TEST(r.err == "strata: error: " + t.shown_url() +
                            ": redo would destroy data: unit 2 create_user_profiles drops table \"user_profiles\" with its 1 "
                            "row; nothing was run. Once the data is gone only a backup brings it back: keep what you need "
                            "(" + (b == strata::backend::postgresql ? "pg_dump --table, or COPY ... TO" : "a copy of the file, or sqlite3 .dump") +
                            "), then run again with --allow-data-loss. A unit whose down keeps the data elsewhere on "
                            "purpose says so itself: allow_data_loss(reason) in its down(), -- strata:allow data-loss "
                            "<reason> in a .sql unit\n",
               r);
    r = t.run({"--json", "redo"});
    BOOST_TEST(r.exit_code == 1, r);
    const auto doc = json::parse(r.out);
    BOOST_TEST(doc.at("error").at("kind") == "data_loss", r);
    BOOST_TEST(doc.at("error").at("problems") ==
                   json::array({"unit 2 create_user_profiles drops table \"user_profiles\" with its 1 row"}),
               r);
    BOOST_TEST(doc.at("error").at("lost") == json::parse(R"([{"version": 2, "name": "create_user_profiles",
                                                              "table": "\"user_profiles\"", "rows": 1, "at_least": false}])"),
               r);
    BOOST_TEST(t.probe.row_count("user_profiles") == 1);

    r = t.run({"redo", "--allow-data-loss"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(matches(r.out,
                       "reverted 2 create_user_profiles ({ms})\n"
                       "applied  2 create_user_profiles ({ms})\n"
                       "unit 2 create_user_profiles redone on " + t.shown_url() + " in {ms}\n"),
               r);
    BOOST_TEST(r.err == "strata: unit 2 create_user_profiles drops table \"user_profiles\" whatever it holds "
                        "(--allow-data-loss)\n",
               r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2}), "redo applied more than it reverted");
    BOOST_TEST(t.probe.has_table("user_profiles"));
    BOOST_TEST(t.probe.row_count("user_profiles") == 0);
    // --json names what was dropped uncounted, and why.
    r = t.run({"--json", "redo", "--allow-data-loss"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(json::parse(r.out).at("allowed_losses") ==
                   json::parse(R"([{"version": 2, "name": "create_user_profiles", "table": "\"user_profiles\"",
                                    "allowed": "--allow-data-loss"}])"),
               r);
}

void redo_with_nothing_applied_is_refused(strata::backend b) {
    cli_database_test t(b);
    auto r = t.run({"redo"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(r.out == "", r);
    const std::string missing = b == strata::backend::sqlite ? "strata: " + t.shown_url() +
                                                                   " does not exist (no database file at that path), so "
                                                                   "nothing is applied there; check the path if you expected one\n"
                                                             : "";
    BOOST_TEST(r.err == missing + "strata: error: " + t.shown_url() + ": nothing to revert: no unit is applied\n", r);
    BOOST_TEST(t.probe.applied_versions().empty());
    BOOST_TEST(!t.probe.has_table("users"));
}

}  // namespace scenario
}  // namespace

STRATA_CLI_TEST_ON_EACH_DATABASE(down_reverts_the_newest_unit_by_default)
STRATA_CLI_TEST_ON_EACH_DATABASE(down_steps_reverts_that_many_newest_first)
STRATA_CLI_TEST_ON_EACH_DATABASE(down_to_keeps_that_version_applied)
STRATA_CLI_TEST_ON_EACH_DATABASE(down_all_reverts_every_unit)
STRATA_CLI_TEST_ON_EACH_DATABASE(down_with_nothing_applied_refuses_a_step_and_finds_all_done)
STRATA_CLI_TEST_ON_EACH_DATABASE(down_steps_beyond_what_is_applied_reverts_nothing)
STRATA_CLI_TEST_ON_EACH_DATABASE(down_to_a_version_that_is_not_applied)
STRATA_CLI_TEST_ON_EACH_DATABASE(down_with_two_ways_of_choosing_reverts_nothing)
STRATA_CLI_TEST_ON_EACH_DATABASE(down_refuses_a_unit_this_build_does_not_know_without_stored_down_statements)
STRATA_CLI_TEST_ON_EACH_DATABASE(redo_reverts_and_reapplies_the_newest_unit)
STRATA_CLI_TEST_ON_EACH_DATABASE(redo_with_nothing_applied_is_refused)

BOOST_AUTO_TEST_SUITE(sqlite)

// A rollback on SQLite is rehearsed on a copy of the schema before anything runs, as its dry run
// is: a unit the copy refuses (dropping users, which a table of the application's references)
// stops the run before the units ahead of it are reverted. (The run reverted unit 2, then failed.)
BOOST_AUTO_TEST_CASE(down_that_a_later_unit_would_fail_reverts_nothing_as_its_dry_run_said) {
    cli_database_test t(strata::backend::sqlite);
    BOOST_TEST_REQUIRE(t.run({"up", "--to", "2"}).exit_code == 0);
    t.probe.execute(R"(INSERT INTO users ("firstName") VALUES ('Ada'))");
    t.probe.execute(R"(CREATE TABLE payments (id INTEGER PRIMARY KEY, user_id TEXT REFERENCES users ("userId")))");
    t.probe.execute(R"(INSERT INTO payments SELECT 1, "userId" FROM users)");
    const std::string refused = "found by rehearsing the run on a copy of the schema without its rows, before anything ran: "
                                "nothing was run";
    // Ada's row goes with users: allowed, so that the rehearsal is what stops the run.
    auto dry = t.run({"down", "--all", "--dry-run", "--allow-data-loss"});
    BOOST_TEST(dry.exit_code == 1, dry);
    BOOST_TEST(contains(dry.err, refused), dry);

    auto r = t.run({"down", "--all", "--allow-data-loss"});
    BOOST_TEST(r.exit_code == 1, r);
    BOOST_TEST(contains(r.err, "unit 1 create_users (down) failed"), r);
    BOOST_TEST(contains(r.err, refused), r);
    BOOST_TEST(r.out == "", r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(t.probe.has_table("user_profiles"), "unit 2 was reverted before unit 1 failed");
    BOOST_TEST(t.probe.row_count("payments") == 1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(postgresql)

// A rollback stopped part-way (a view of the application's on user_profiles stops unit 2's down
// after unit 3 was reverted): the error says what was kept and how to go on without counting
// from the newest unit again (rollback probe L15).
BOOST_AUTO_TEST_CASE(a_rollback_stopped_part_way_says_how_to_go_on) {
    cli_database_test t(strata::backend::postgresql);
    apply_all(t);
    t.probe.execute("CREATE VIEW profile_names AS SELECT * FROM user_profiles");
    auto r = t.run({"down", "--all"});
    BOOST_TEST(r.exit_code == 1, r);
    BOOST_TEST(contains(r.err, "strata: nothing of unit 2 was kept (rolled back); done before it in this run, and kept: "
                               "reverted 3 add_profile_to_users; once the cause is fixed, revert the rest with strata down "
                               "--to VERSION (the newest unit to keep), not a relative down, which counts again from the "
                               "newest unit left"),
               r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
