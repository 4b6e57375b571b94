// The history against this build: drift (a changed unit), units another build applied, another
// application's history (a version recorded under another name), pending units older than the
// newest applied one, the audit log, status --exit-code and up --atomic.
// Other builds are simulated by editing the metadata tables directly; every outcome is read back
// from the database.

#include "metadata_queries.hpp"
#include "strata_cli.hpp"
#include "support/stored_down.hpp"

#include <nlohmann/json.hpp>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <algorithm>
#include <map>
#include <optional>

using namespace strata::test;
using versions = std::vector<std::int64_t>;
using nlohmann::json;

namespace {

/// One row of a query whose columns are all text (NULL as nullopt).


/// One line of strata_schema_log, in the order the lines were written.
struct log_line {
    std::string version, name, action, at, by, outcome;
    std::optional<std::string> message;
};

std::vector<log_line> audit_log(const cli_database_test& t) {
    const std::string order = t.db.kind() == strata::backend::sqlite ? "rowid" : "ctid";
    std::vector<log_line> out;
    for (auto& r : query(t, "SELECT CAST(version AS TEXT), name, action, CAST(\"at\" AS TEXT), \"by\", outcome, message "
                            "FROM strata_schema_log ORDER BY " + order))
        out.push_back({r[0].value_or("?"), r[1].value_or("?"), r[2].value_or("?"), r[3].value_or(""), r[4].value_or(""),
                       r[5].value_or("?"), r[6]});
    return out;
}

/// "version action outcome" for each line of the audit log, for whole-list comparisons.
std::vector<std::string> audit_summary(const cli_database_test& t) {
    std::vector<std::string> out;
    for (const auto& l : audit_log(t)) out.push_back(l.version + " " + l.action + " " + l.outcome);
    return out;
}

/// How many lines of an audit summary say a unit was done.
std::size_t done_count(const std::vector<std::string>& summary) {
    return static_cast<std::size_t>(
        std::count_if(summary.begin(), summary.end(), [](const std::string& line) { return line.ends_with(" ok"); }));
}


void apply(const cli_database_test& t, std::vector<std::string> args, const versions& expected) {
    auto r = t.run(std::move(args));
    BOOST_TEST_REQUIRE(r.exit_code == 0, r);
    BOOST_TEST_REQUIRE(t.probe.applied_versions() == expected);
}

namespace scenario {

// ---- drift -------------------------------------------------------------------------------

void a_unit_changed_since_it_was_applied_is_reported_and_refused(strata::backend b) {
    cli_database_test t(b);
    const auto sums = checksums(t);
    apply(t, {"up", "--to", "2"}, {1, 2});
    // Another build applied unit 2 with different statements.
    t.probe.execute("UPDATE strata_schema_history SET checksum = 'checksum-of-an-older-edit' WHERE version = 2");

    auto r = t.run({"status"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(matches(r.out, "database " + t.shown_url() + "\n"
                              " VERSION  NAME                  STATE     APPLIED AT\n"
                              "       1  create_users          applied   {ts}\n"
                              "       2  create_user_profiles  changed   {ts}\n"
                              "       3  add_profile_to_users  pending   -\n"
                              "1 applied, 1 pending, 1 changed since applied\n"),
               r);
    auto status = json::parse(t.run({"--json", "status"}).out);
    BOOST_TEST(status.at("units").at(1).at("state") == "changed");
    BOOST_TEST(status.at("units").at(1).at("checksum") == sums.at(2));
    BOOST_TEST(status.at("units").at(1).at("applied_checksum") == "checksum-of-an-older-edit");
    BOOST_TEST(status.at("units").at(0).at("state") == "applied");

    r = t.run({"validate"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(contains(r.out, "1 problem in the history of " + t.shown_url()), r);
    BOOST_TEST(contains(r.out, "unit 2 create_user_profiles changed since it was applied"), r);
    BOOST_TEST(contains(r.out, sums.at(2)), "validate does not show this build's checksum" << r);
    BOOST_TEST(contains(r.out, "checksum-of-an-older-edit"), "validate does not show the recorded checksum" << r);
    BOOST_TEST(!contains(r.out, "unit 1 "), r);

    r = t.run({"up"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(r.out == "", r);
    BOOST_TEST(contains(r.err, "unit 2 create_user_profiles changed since it was applied"), r);
    BOOST_TEST(contains(r.err, "nothing was run"), r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(!t.probe.has_column("users", "profile"), "up ran unit 3 despite the changed unit 2");

    r = t.run({"up", "--allow-changed"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(matches(r.out, "applied  3 add_profile_to_users ({ms})\n"
                              "1 unit applied to " + t.shown_url() + " in {ms}\n"),
               r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(t.probe.has_column("users", "profile"));
}

void down_through_a_changed_unit_reverts_it_with_the_stored_statements(strata::backend b) {
    cli_database_test t(b);
    apply(t, {"up"}, {1, 2, 3});
    // The unit was applied by another build: its stored down statements are what that build
    // rendered. Mark them so the test can tell them from this build's own down statements.
    t.probe.execute(R"(CREATE TABLE "drift_marker" ("id" INTEGER))");
    auto stored = query(t, "SELECT down_statements FROM strata_schema_history WHERE version = 2");
    BOOST_TEST_REQUIRE(stored.size() == 1u);
    BOOST_TEST_REQUIRE(stored[0][0].has_value(), "unit 2 was applied without stored down statements");
    auto statements = json::parse(*stored[0][0]).at("statements").get<std::vector<std::string>>();
    statements.push_back(R"(DROP TABLE "drift_marker")");
    t.probe.execute("UPDATE strata_schema_history SET checksum = 'checksum-of-an-older-edit', down_statements = " +
                    literal(stored_down_json(statements)) + " WHERE version = 2");

    auto r = t.run({"down", "--to", "1"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(r.out == "", r);
    BOOST_TEST(contains(r.err, "unit 2 create_user_profiles changed since it was applied"), r);
    BOOST_TEST(contains(r.err, "nothing was run"), r);
    // Refused before anything ran: unit 3, which did not change, is still applied too.
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(t.probe.has_column("users", "profile"));
    BOOST_TEST(t.probe.has_table("drift_marker"));

    r = t.run({"down", "--to", "1", "--allow-changed"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(matches(r.out, "reverted 3 add_profile_to_users ({ms})\n"
                              "reverted 2 create_user_profiles ({ms}) with the stored down statements\n"
                              "2 units reverted on " + t.shown_url() + " in {ms}\n"),
               r);
    BOOST_TEST(r.err == "strata: reverting unit 2 create_user_profiles, which changed since it was applied, with the down "
                        "statements stored when it was applied\n",
               r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(!t.probe.has_table("user_profiles"));
    BOOST_TEST(!t.probe.has_table("drift_marker"), "unit 2 was not reverted with the statements stored in the history");
    BOOST_TEST(t.probe.has_table("users"));
    BOOST_TEST(!t.probe.has_column("users", "profile"));
}

void down_through_a_changed_unit_without_stored_statements_reverts_nothing(strata::backend b) {
    cli_database_test t(b);
    apply(t, {"up"}, {1, 2, 3});
    t.probe.execute("UPDATE strata_schema_history SET checksum = 'checksum-of-an-older-edit', down_statements = NULL "
                    "WHERE version = 2");

    auto r = t.run({"down", "--to", "1", "--allow-changed"});
    BOOST_TEST(r.exit_code == 1, r);
    BOOST_TEST(r.out == "", "unit 3 was reverted before unit 2 was found impossible" << r);
    BOOST_TEST(contains(r.err, "unit 2 create_user_profiles (down) cannot run on " + t.shown_url() +
                                   ": it changed since it was applied, and the history stores no down statements for it"),
               r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(t.probe.has_column("users", "profile"), "unit 3 was reverted although the down was refused");
    BOOST_TEST(t.probe.has_table("user_profiles"));
}

// ---- units another build applied -------------------------------------------------------

void a_unit_this_build_does_not_know_is_reported_refused_and_reverted_from_the_history(strata::backend b) {
    cli_database_test t(b);
    apply(t, {"up"}, {1, 2, 3});
    // A newer build applied unit 9, which created a table, and stored how to drop it.
    t.probe.execute(R"(CREATE TABLE "newer_things" ("id" INTEGER))");
    const std::string down = stored_down_json({R"(DROP TABLE "newer_things")"});
    t.probe.execute("INSERT INTO strata_schema_history (version, name, checksum, execution_ms, applied_by, down_statements) "
                    "VALUES (9, 'add_newer_things', 'from-a-newer-build', 1, 'a newer build', " + literal(down) + ")");

    auto r = t.run({"status"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(matches(r.out, "database " + t.shown_url() + "\n"
                              " VERSION  NAME                  STATE     APPLIED AT\n"
                              "       1  create_users          applied   {ts}\n"
                              "       2  create_user_profiles  applied   {ts}\n"
                              "       3  add_profile_to_users  applied   {ts}\n"
                              "       9  add_newer_things      unknown   {ts}\n"
                              "3 applied, 0 pending, 1 unknown (applied, but not in this build)\n"),
               r);

    r = t.run({"validate"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(contains(r.out, "unit 9 add_newer_things is applied but this build does not know it"), r);

    r = t.run({"up"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(r.out == "", r);
    BOOST_TEST(contains(r.err, "unit 9 add_newer_things is applied but this build does not know it"), r);
    BOOST_TEST(contains(r.err, "--allow-unknown"), r);

    r = t.run({"up", "--allow-unknown"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.out == "nothing to do: " + t.shown_url() + " is up to date\n", r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3, 9}), boost::test_tools::per_element());
    BOOST_TEST(t.probe.has_table("newer_things"));

    // The older build rolls the newer release back with what the newer build stored.
    r = t.run({"down"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(matches(r.out, "reverted 9 add_newer_things ({ms}) with the stored down statements\n"
                              "1 unit reverted on " + t.shown_url() + " in {ms}\n"),
               r);
    BOOST_TEST(r.err == "strata: reverting unit 9 add_newer_things, which this build does not know, with the down statements "
                        "stored when it was applied\n",
               r);
    BOOST_TEST(!t.probe.has_table("newer_things"), "the stored down statements did not run");
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(t.probe.has_column("users", "profile"), "down reverted more than unit 9");
    auto log = audit_summary(t);
    BOOST_TEST_REQUIRE(!log.empty());
    BOOST_TEST(log.back() == "9 down ok");

    r = t.run({"validate"});
    BOOST_TEST(r.exit_code == 0, r);
}

void a_unit_this_build_does_not_know_without_stored_statements_is_not_reverted(strata::backend b) {
    cli_database_test t(b);
    apply(t, {"up"}, {1, 2, 3});
    t.probe.execute(R"(CREATE TABLE "newer_things" ("id" INTEGER))");
    t.probe.execute("INSERT INTO strata_schema_history (version, name, checksum, execution_ms, applied_by) "
                    "VALUES (9, 'add_newer_things', 'from-a-newer-build', 1, 'a newer build')");
    const auto log_before = audit_summary(t);

    for (const std::vector<std::string>& args : {std::vector<std::string>{"down"}, {"down", "--steps", "2"}, {"down", "--all"}}) {
        auto r = t.run(args);
        BOOST_TEST(r.exit_code == 1, r);
        BOOST_TEST(r.out == "", r);
        BOOST_TEST(contains(r.err, "unit 9 add_newer_things (down) cannot run on " + t.shown_url() +
                                       ": this build does not know it, and the history stores no down statements for it"),
                   r);
        BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3, 9}), boost::test_tools::per_element());
        BOOST_TEST(t.probe.has_table("newer_things"));
        BOOST_TEST(t.probe.has_column("users", "profile"), "a known unit was reverted although the down was refused");
    }
    BOOST_TEST(done_count(audit_summary(t)) == done_count(log_before), "a refused down audited a unit as done");
}

// ---- another application's database ----------------------------------------------------

void a_version_recorded_under_another_name_is_reported_and_nothing_runs(strata::backend b) {
    cli_database_test t(b);
    apply(t, {"up", "--to", "2"}, {1, 2});
    // The database was made by another application, whose unit 1 is create_accounts.
    t.probe.execute("UPDATE strata_schema_history SET name = 'create_accounts' WHERE version = 1");
    const auto log_before = audit_summary(t);
    const std::string both_names = "version 1 in the database is create_accounts, this build's unit 1 is create_users";

    auto r = t.run({"status"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(matches(r.out, "database " + t.shown_url() + "\n"
                              " VERSION  NAME                  STATE       APPLIED AT\n"
                              "       1  create_users          mismatched  {ts}\n"
                              "       2  create_user_profiles  applied     {ts}\n"
                              "       3  add_profile_to_users  pending     -\n"
                              "1 applied, 1 pending, 1 mismatched\n" +
                              both_names + ": check that --database points at the right database; if the unit was only "
                              "renamed, give it back its recorded name\n"),
               r);
    r = t.run({"status", "--exit-code"});
    BOOST_TEST(r.exit_code == 4, r);

    r = t.run({"--json", "status"});
    BOOST_TEST(r.exit_code == 0, r);
    auto status = json::parse(r.out);
    const auto& u1 = status.at("units").at(0);
    BOOST_TEST(u1.at("state") == "mismatched", r);
    BOOST_TEST(u1.at("name") == "create_users", r);
    BOOST_TEST(u1.at("applied_name") == "create_accounts", r);
    BOOST_TEST(status.at("units").at(1).at("applied_name") == "create_user_profiles", r);
    BOOST_TEST(status.at("units").at(2).at("applied_name").is_null(), r);
    BOOST_TEST(status.at("summary").at("mismatched") == 1, r);
    BOOST_TEST(status.at("summary").at("applied") == 1, r);

    r = t.run({"validate"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(contains(r.out, "1 problem in the history of " + t.shown_url()), r);
    BOOST_TEST(contains(r.out, both_names), r);
    BOOST_TEST(contains(r.out, "--database"), r);

    // Nothing runs, whatever is allowed: unit 3 is not applied, unit 2 not reverted.
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"up"}, {"up", "--allow-changed", "--allow-unknown", "--allow-out-of-order"}, {"up", "--dry-run"},
          {"down"}, {"down", "--all", "--allow-changed"}, {"redo"}, {"repair", "1"}}) {
        r = t.run(args);
        BOOST_TEST(r.exit_code == 4, r);
        BOOST_TEST(r.out == "", r);
        BOOST_TEST(contains(r.err, both_names), r);
        BOOST_TEST(contains(r.err, args.front() == "repair" ? "nothing was repaired" : "nothing was run"), r);
        BOOST_TEST(t.probe.applied_versions() == (versions{1, 2}), boost::test_tools::per_element());
        BOOST_TEST(t.probe.has_table("users"));
        BOOST_TEST(t.probe.has_table("user_profiles"));
        BOOST_TEST(!t.probe.has_column("users", "profile"), "unit 3 was applied");
    }
    auto names = query(t, "SELECT name FROM strata_schema_history ORDER BY version");
    BOOST_TEST_REQUIRE(names.size() == 2u);
    BOOST_TEST(names[0][0].value_or("") == "create_accounts");
    BOOST_TEST(audit_summary(t) == log_before, boost::test_tools::per_element());

    // Given back its recorded name (here: the history's name restored), all agrees again.
    t.probe.execute("UPDATE strata_schema_history SET name = 'create_users' WHERE version = 1");
    BOOST_TEST(t.run({"validate"}).exit_code == 0);
}

// ---- out of order ----------------------------------------------------------------------

void pending_units_older_than_the_newest_applied_one_are_refused(strata::backend b) {
    cli_database_test t(b);
    const auto sums = checksums(t);
    // Metadata tables with an empty history, then unit 3 recorded alone (merged on a branch
    // that applied it first, with the same statements).
    apply(t, {"up", "--to", "1"}, {1});
    apply(t, {"down", "--all"}, {});
    BOOST_TEST_REQUIRE(!t.probe.has_table("users"));
    t.probe.execute("INSERT INTO strata_schema_history (version, name, checksum, execution_ms, applied_by) "
                    "VALUES (3, 'add_profile_to_users', " + literal(sums.at(3)) + ", 1, 'another branch')");

    auto r = t.run({"status"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(matches(r.out, "database " + t.shown_url() + "\n"
                              " VERSION  NAME                  STATE     APPLIED AT\n"
                              "       1  create_users          pending   -  (older than the newest applied unit)\n"
                              "       2  create_user_profiles  pending   -  (older than the newest applied unit)\n"
                              "       3  add_profile_to_users  applied   {ts}\n"
                              "1 applied, 2 pending\n"),
               r);
    auto status = json::parse(t.run({"--json", "status"}).out);
    BOOST_TEST(status.at("units").at(0).at("out_of_order") == true);
    BOOST_TEST(status.at("units").at(1).at("out_of_order") == true);
    BOOST_TEST(status.at("units").at(2).at("out_of_order") == false);
    BOOST_TEST(status.at("units").at(2).at("state") == "applied");

    r = t.run({"validate"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(contains(r.out, "2 problems in the history of " + t.shown_url()), r);
    BOOST_TEST(contains(r.out, "unit 1 create_users is pending but older than the newest applied unit"), r);
    BOOST_TEST(contains(r.out, "unit 2 create_user_profiles is pending but older than the newest applied unit"), r);

    r = t.run({"up"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(r.out == "", r);
    BOOST_TEST(contains(r.err, "the history disagrees with this build in 2 ways; nothing was run"), r);
    BOOST_TEST(contains(r.err, "unit 1 create_users is pending but older than the newest applied unit"), r);
    BOOST_TEST(contains(r.err, "unit 2 create_user_profiles is pending but older than the newest applied unit"), r);
    BOOST_TEST(contains(r.err, "--allow-out-of-order"), r);
    BOOST_TEST(t.probe.applied_versions() == (versions{3}), boost::test_tools::per_element());
    BOOST_TEST(!t.probe.has_table("users"));

    // Up to 1 only unit 1 is in the way.
    r = t.run({"up", "--to", "1"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(contains(r.err, "unit 1 create_users is pending but older than the newest applied unit"), r);
    BOOST_TEST(!contains(r.err, "unit 2 "), r);
    BOOST_TEST(!t.probe.has_table("users"));

    r = t.run({"up", "--allow-out-of-order"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(matches(r.out, "applied  1 create_users ({ms})\n"
                              "applied  2 create_user_profiles ({ms})\n"
                              "2 units applied to " + t.shown_url() + " in {ms}\n"),
               r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(t.probe.has_table("users"));
    BOOST_TEST(t.probe.has_table("user_profiles"));
    BOOST_TEST(t.run({"validate"}).exit_code == 0);
}

void status_exit_code_is_4_for_out_of_order_units(strata::backend b) {
    // README, exit codes: "4  the history disagrees with this build: a changed, unknown,
    // out-of-order or dirty unit (validate, up, down, status --exit-code)".
    cli_database_test t(b);
    const auto sums = checksums(t);
    apply(t, {"up", "--to", "1"}, {1});
    t.probe.execute("INSERT INTO strata_schema_history (version, name, checksum, execution_ms, applied_by) "
                    "VALUES (3, 'add_profile_to_users', " + literal(sums.at(3)) + ", 1, 'another branch')");
    BOOST_TEST_REQUIRE(t.run({"validate"}).exit_code == 4);
    auto r = t.run({"status", "--exit-code"});
    BOOST_TEST(r.exit_code == 4, "status --exit-code does not agree with validate about an out-of-order unit" << r);
}

// ---- status --exit-code ----------------------------------------------------------------

void status_exit_code_gates_a_pipeline(strata::backend b) {
    cli_database_test t(b);
    auto r = t.run({"status", "--exit-code"});
    BOOST_TEST(r.exit_code == 6, r);
    BOOST_TEST(contains(r.out, "0 applied, 3 pending"), "status --exit-code still prints the status" << r);
    BOOST_TEST(!t.probe.has_table("strata_schema_history"), "status created the history table");

    apply(t, {"up", "--to", "2"}, {1, 2});
    r = t.run({"status", "--exit-code"});
    BOOST_TEST(r.exit_code == 6, r);

    apply(t, {"up"}, {1, 2, 3});
    r = t.run({"status", "--exit-code"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(contains(r.out, "3 applied, 0 pending"), r);
    // Without --exit-code, status succeeds whatever it finds.
    t.probe.execute("UPDATE strata_schema_history SET checksum = 'edited' WHERE version = 1");
    r = t.run({"status"});
    BOOST_TEST(r.exit_code == 0, r);
    r = t.run({"status", "--exit-code"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(contains(r.out, "1 changed since applied"), r);

    // Changed and pending at once: the disagreement wins.
    apply(t, {"down", "--allow-changed"}, {1, 2});
    r = t.run({"status", "--exit-code"});
    BOOST_TEST(r.exit_code == 4, r);

    // An unknown unit, nothing pending.
    const auto sums = checksums(t);
    t.probe.execute("UPDATE strata_schema_history SET checksum = " + literal(sums.at(1)) + " WHERE version = 1");
    apply(t, {"up"}, {1, 2, 3});
    BOOST_TEST_REQUIRE(t.run({"status", "--exit-code"}).exit_code == 0);
    t.probe.execute("INSERT INTO strata_schema_history (version, name, checksum, execution_ms, applied_by) "
                    "VALUES (4, 'from_a_newer_build', 'x', 1, 'someone')");
    r = t.run({"status", "--exit-code"});
    BOOST_TEST(r.exit_code == 4, r);
}

// ---- audit log -------------------------------------------------------------------------

void every_up_down_and_failure_is_in_the_audit_log(strata::backend b) {
    cli_database_test t(b);
    t.probe.execute(R"(CREATE TABLE "user_profiles" ("id" INTEGER))");
    auto r = t.run({"up"});
    BOOST_TEST_REQUIRE(r.exit_code == 1, r);

    auto log = audit_log(t);
    BOOST_TEST_REQUIRE(log.size() == 2u, "expected unit 1 ok and unit 2 failed, got " << log.size() << " rows");
    BOOST_TEST(log[0].version == "1");
    BOOST_TEST(log[0].name == "create_users");
    BOOST_TEST(log[0].action == "up");
    BOOST_TEST(log[0].outcome == "ok");
    BOOST_TEST(!log[0].message.has_value(), "an ok row has a message: " << log[0].message.value_or(""));
    BOOST_TEST(log[1].version == "2");
    BOOST_TEST(log[1].name == "create_user_profiles");
    BOOST_TEST(log[1].action == "up");
    BOOST_TEST(log[1].outcome == "failed");
    BOOST_TEST_REQUIRE(log[1].message.has_value(), "the failure's row has no message");
    const std::string& message = *log[1].message;
    BOOST_TEST(contains(message, "user_profiles"), message);
    BOOST_TEST(contains(message, "already exists"), message);
    BOOST_TEST(contains(message, t.shown_url()), "the message does not name the database (redacted): " << message);
    if (!t.db.url().password().empty())
        BOOST_TEST(!contains(message, t.db.url().password()), "the audit log holds the database password");
    for (const auto& l : log) {
        BOOST_TEST(!l.by.empty(), "who is empty in the row of unit " << l.version);
        BOOST_TEST(!l.at.empty(), "when is empty in the row of unit " << l.version);
    }
    // Who: the same as the history records for the unit that was applied.
    auto by = query(t, "SELECT applied_by FROM strata_schema_history WHERE version = 1");
    BOOST_TEST_REQUIRE(by.size() == 1u);
    BOOST_TEST(log[0].by == by[0][0].value_or(""));

    t.probe.execute(R"(DROP TABLE "user_profiles")");
    apply(t, {"up"}, {1, 2, 3});
    apply(t, {"down"}, {1, 2});
    apply(t, {"redo"}, {1, 2});
    BOOST_TEST(audit_summary(t) == (std::vector<std::string>{"1 up ok", "2 up failed", "2 up ok", "3 up ok", "3 down ok",
                                                              "2 down ok", "2 up ok"}),
               boost::test_tools::per_element());
    // Read-only commands and dry runs leave no rows.
    BOOST_TEST_REQUIRE(t.run({"status"}).exit_code == 0);
    BOOST_TEST_REQUIRE(t.run({"validate"}).exit_code == 0);
    BOOST_TEST_REQUIRE(t.run({"up", "--dry-run"}).exit_code == 0);
    BOOST_TEST(audit_log(t).size() == 7u);
}

// ---- up --atomic -----------------------------------------------------------------------

void up_atomic_keeps_nothing_of_a_release_that_fails(strata::backend b) {
    // Plain up keeps the units before the failing one...
    cli_database_test plain(b);
    plain.probe.execute(R"(CREATE TABLE "user_profiles" ("id" INTEGER))");
    auto r = plain.run({"up"});
    BOOST_TEST(r.exit_code == 1, r);
    BOOST_TEST(plain.probe.applied_versions() == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(plain.probe.has_table("users"));

    // ...up --atomic keeps none of them.
    cli_database_test t(b);
    t.probe.execute(R"(CREATE TABLE "user_profiles" ("id" INTEGER))");
    r = t.run({"up", "--atomic"});
    BOOST_TEST(r.exit_code == 1, r);
    BOOST_TEST(contains(r.err, "unit 2 create_user_profiles (up) failed on " + t.shown_url()), r);
    BOOST_TEST(!contains(r.out, "applied  1"), "unit 1 reported as applied" << r);
    BOOST_TEST(!contains(r.err, "kept: applied 1"), "unit 1 reported as kept" << r);
    BOOST_TEST(contains(r.err, "; --atomic: rolled back with it, so not applied either: unit 1 create_users"), r);
    BOOST_TEST(t.probe.applied_versions().empty(), "a unit of the failed atomic release is recorded");
    BOOST_TEST(!t.probe.has_table("users"), "unit 1 of the failed atomic release was kept");
    BOOST_TEST(t.probe.columns("user_profiles") == (std::vector<std::string>{"id"}), boost::test_tools::per_element());
    // The failure is audited; nothing of the release is recorded as done.
    BOOST_TEST(audit_summary(t) == (std::vector<std::string>{"2 up failed"}), boost::test_tools::per_element());

    t.probe.execute(R"(DROP TABLE "user_profiles")");
    r = t.run({"up", "--atomic"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(matches(r.out, "applied  1 create_users ({ms})\n"
                              "applied  2 create_user_profiles ({ms})\n"
                              "applied  3 add_profile_to_users ({ms})\n"
                              "3 units applied to " + t.shown_url() + " in {ms}\n"),
               r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(t.probe.has_column("users", "profile"));
    BOOST_TEST(t.run({"validate"}).exit_code == 0);
    BOOST_TEST(audit_summary(t) == (std::vector<std::string>{"2 up failed", "1 up ok", "2 up ok", "3 up ok"}),
               boost::test_tools::per_element());

    r = t.run({"up", "--atomic"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.out == "nothing to do: " + t.shown_url() + " is up to date\n", r);
}

void up_atomic_on_an_empty_database_applies_every_unit(strata::backend b) {
    cli_database_test t(b);
    auto r = t.run({"up", "--atomic", "--to", "2"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(!t.probe.has_column("users", "profile"));
    r = t.run({"up", "--atomic"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(matches(r.out, "applied  3 add_profile_to_users ({ms})\n"
                              "1 unit applied to " + t.shown_url() + " in {ms}\n"),
               r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(t.probe.has_column("users", "profile"));
}

}  // namespace scenario
}  // namespace

STRATA_CLI_TEST_ON_EACH_DATABASE(a_unit_changed_since_it_was_applied_is_reported_and_refused)
STRATA_CLI_TEST_ON_EACH_DATABASE(down_through_a_changed_unit_reverts_it_with_the_stored_statements)
STRATA_CLI_TEST_ON_EACH_DATABASE(down_through_a_changed_unit_without_stored_statements_reverts_nothing)
STRATA_CLI_TEST_ON_EACH_DATABASE(a_unit_this_build_does_not_know_is_reported_refused_and_reverted_from_the_history)
STRATA_CLI_TEST_ON_EACH_DATABASE(a_unit_this_build_does_not_know_without_stored_statements_is_not_reverted)
STRATA_CLI_TEST_ON_EACH_DATABASE(a_version_recorded_under_another_name_is_reported_and_nothing_runs)
STRATA_CLI_TEST_ON_EACH_DATABASE(pending_units_older_than_the_newest_applied_one_are_refused)
STRATA_CLI_TEST_ON_EACH_DATABASE(status_exit_code_is_4_for_out_of_order_units)
STRATA_CLI_TEST_ON_EACH_DATABASE(status_exit_code_gates_a_pipeline)
STRATA_CLI_TEST_ON_EACH_DATABASE(every_up_down_and_failure_is_in_the_audit_log)
STRATA_CLI_TEST_ON_EACH_DATABASE(up_atomic_keeps_nothing_of_a_release_that_fails)
STRATA_CLI_TEST_ON_EACH_DATABASE(up_atomic_on_an_empty_database_applies_every_unit)
