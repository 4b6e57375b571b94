// strata baseline (adopting a database whose schema exists) and strata repair (clearing a unit
// left dirty by an interrupted non-transactional run): what they record, what they refuse, and
// that they run no unit. Read back from the database.

#include "metadata_queries.hpp"
#include "strata_cli.hpp"

#include <nlohmann/json.hpp>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>

using namespace strata::test;
using versions = std::vector<std::int64_t>;
using nlohmann::json;

namespace {




struct history_line {
    std::int64_t version = 0;
    std::string name, checksum, state;
    std::optional<std::string> down;
};

std::vector<history_line> history(const cli_database_test& t) {
    std::vector<history_line> out;
    for (auto& r : query(t, "SELECT CAST(version AS TEXT), name, checksum, state, down_statements "
                            "FROM strata_schema_history ORDER BY version"))
        out.push_back({std::stoll(r[0].value_or("0")), r[1].value_or(""), r[2].value_or(""), r[3].value_or(""), r[4]});
    return out;
}

/// "version action outcome message" of each audit row, in the order written.
std::vector<std::string> audit_summary(const cli_database_test& t) {
    const std::string order = t.db.kind() == strata::backend::sqlite ? "rowid" : "ctid";
    std::vector<std::string> out;
    for (auto& r : query(t, "SELECT CAST(version AS TEXT), action, outcome, message FROM strata_schema_log ORDER BY " + order))
        out.push_back(r[0].value_or("?") + " " + r[1].value_or("?") + " " + r[2].value_or("?") +
                      (r[3] ? " " + *r[3] : std::string()));
    return out;
}

/// How many lines of an audit summary say something was done.
std::size_t done_count(const std::vector<std::string>& summary) {
    return static_cast<std::size_t>(
        std::count_if(summary.begin(), summary.end(), [](const std::string& line) { return contains(line, " ok"); }));
}

std::string state_of(const cli_database_test& t, std::int64_t version) {
    auto r = t.run({"status", "--json"});
    BOOST_TEST_REQUIRE(r.exit_code == 0, r);
    const auto doc = json::parse(r.out);
    for (const auto& u : doc.at("units"))
        if (u.at("version").get<std::int64_t>() == version) return u.at("state").get<std::string>();
    return "";
}

/// SQLite: the database file is not there (checked without opening it, which would create it).
bool sqlite_file_missing(const cli_database_test& t) {
    return t.db.kind() == strata::backend::sqlite && !std::filesystem::exists(t.db.url().path());
}

namespace scenario {

// ---- baseline --------------------------------------------------------------------------

void baseline_records_units_as_applied_without_running_them(strata::backend b) {
    cli_database_test t(b);
    const auto sums = checksums(t);
    auto r = t.run({"baseline", "--to", "2"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.out == "2 units recorded as applied on " + t.shown_url() + " (nothing was run)\n", r);
    BOOST_TEST(r.err == "", r);

    auto rows = history(t);
    BOOST_TEST_REQUIRE(rows.size() == 2u);
    BOOST_TEST(rows[0].version == 1);
    BOOST_TEST(rows[0].name == "create_users");
    BOOST_TEST(rows[0].checksum == sums.at(1));
    BOOST_TEST(rows[1].version == 2);
    BOOST_TEST(rows[1].name == "create_user_profiles");
    BOOST_TEST(rows[1].checksum == sums.at(2));
    for (const auto& row : rows) {
        BOOST_TEST(row.state == "applied");
        // Stored down statements, so any build can revert a baselined unit.
        BOOST_TEST_REQUIRE(row.down.has_value(), "unit " << row.version << " has no stored down statements");
        BOOST_TEST(!json::parse(*row.down).at("statements").empty());
    }
    BOOST_TEST(!t.probe.has_table("users"), "baseline ran unit 1");
    BOOST_TEST(!t.probe.has_table("user_profiles"), "baseline ran unit 2");
    BOOST_TEST(audit_summary(t) == (std::vector<std::string>{"1 baseline ok", "2 baseline ok"}), boost::test_tools::per_element());

    BOOST_TEST(state_of(t, 1) == "applied");
    BOOST_TEST(state_of(t, 2) == "applied");
    BOOST_TEST(state_of(t, 3) == "pending");
    BOOST_TEST(t.run({"validate"}).exit_code == 0);

    // Only for a database without history.
    r = t.run({"baseline", "--to", "3"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(r.out == "", r);
    BOOST_TEST(contains(r.err, "baseline is only for a database without history, and this one has 2 applied unit(s)"), r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(done_count(audit_summary(t)) == 2u, "a refused baseline was audited as done");
}

void baseline_refuses_a_version_this_build_does_not_have(strata::backend b) {
    cli_database_test t(b);
    auto r = t.run({"baseline", "--to", "99"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(r.out == "", r);
    BOOST_TEST(contains(r.err, "cannot baseline to version 99: this build has no such unit"), r);
    if (b == strata::backend::sqlite) BOOST_TEST(sqlite_file_missing(t), "a refused baseline created the database file");
    BOOST_TEST(!t.probe.has_table("strata_schema_history"), "a refused baseline created the history table");

    r = t.run({"baseline"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "baseline needs --to VERSION"), r);

    // Refused with a history too, and the history left alone.
    BOOST_TEST_REQUIRE(t.run({"up", "--to", "1"}).exit_code == 0);
    r = t.run({"baseline", "--to", "99"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1}), boost::test_tools::per_element());
}

void baseline_dry_run_prints_the_history_rows_and_creates_nothing(strata::backend b) {
    cli_database_test t(b);
    const auto sums = checksums(t);
    auto r = t.run({"baseline", "--to", "2", "--dry-run"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.err == "", r);
    BOOST_TEST(contains(r.out, "CREATE TABLE \"strata_schema_history\" ("), r);
    // (On PostgreSQL the values come with a guard: INSERT ... SELECT 1, ... WHERE ...)
    const std::string values = b == strata::backend::postgresql ? "SELECT " : "VALUES (";
    const auto at1 = r.out.find(values + "1, 'create_users', '" + sums.at(1) + "'");
    const auto at2 = r.out.find(values + "2, 'create_user_profiles', '" + sums.at(2) + "'");
    BOOST_TEST(at1 != std::string::npos, r);
    BOOST_TEST(at2 != std::string::npos, r);
    BOOST_TEST(at1 < at2, r);
    BOOST_TEST(!contains(r.out, "CREATE TABLE \"users\""), "baseline would run unit 1" << r);
    BOOST_TEST(!contains(r.out, values + "3, "), r);
    if (b == strata::backend::sqlite) BOOST_TEST(sqlite_file_missing(t), "the dry run created the database file");
    BOOST_TEST(!t.probe.has_table("strata_schema_history"), "the dry run created the history table");
}

void baseline_adopts_a_database_whose_schema_was_made_by_hand(strata::backend b) {
    cli_database_test t(b);
    // The schema of units 1 and 2, made without strata: the very statements a dry run shows,
    // without its transaction and history lines.
    auto dry = t.run({"--json", "up", "--to", "2", "--dry-run"});
    BOOST_TEST_REQUIRE(dry.exit_code == 0, dry);
    const auto doc = json::parse(dry.out);
    int executed = 0;
    for (const auto& line : doc.at("script").get<std::vector<std::string>>()) {
        if (line.rfind("--", 0) == 0 || line.rfind("BEGIN", 0) == 0 || line == "COMMIT" || line.rfind("PRAGMA", 0) == 0 ||
            contains(line, "\"strata_schema_"))
            continue;
        t.probe.execute(line);
        ++executed;
    }
    BOOST_TEST_REQUIRE(executed == 2, "expected the two CREATE TABLE statements of units 1 and 2" << dry);
    BOOST_TEST_REQUIRE(t.probe.has_table("users"));
    BOOST_TEST_REQUIRE(t.probe.has_table("user_profiles"));
    BOOST_TEST_REQUIRE(!t.probe.has_table("strata_schema_history"));
    t.probe.execute(R"(INSERT INTO "users" ("firstName") VALUES ('Ada'))");

    auto r = t.run({"baseline", "--to", "2"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2}), boost::test_tools::per_element());

    r = t.run({"up"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(matches(r.out, "applied  3 add_profile_to_users ({ms})\n"
                              "1 unit applied to " + t.shown_url() + " in {ms}\n"),
               r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(t.probe.has_column("users", "profile"));
    BOOST_TEST(t.probe.row_count("users") == 1, "the adopted data is gone");
    BOOST_TEST(t.run({"validate"}).exit_code == 0);

    // The baselined units revert like any other (the adopted row goes with its table).
    r = t.run({"down", "--all", "--allow-data-loss"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(t.probe.applied_versions().empty());
    BOOST_TEST(!t.probe.has_table("users"));
    BOOST_TEST(!t.probe.has_table("user_profiles"));
}

// ---- repair ----------------------------------------------------------------------------

// A unit is dirty when its history row says 'running' and the unit cannot be resumed. Unit 2 is
// such a unit on both databases (unit 3 is not on PostgreSQL, where it is an online unit: see
// an_interrupted_online_unit_is_pending_not_dirty_and_up_finishes_it), so these fake a dirty
// unit 2 by writing its 'running' row by hand.

void a_dirty_unit_is_shown_refused_and_repaired_to_pending(strata::backend b) {
    cli_database_test t(b);
    const auto sums = checksums(t);
    BOOST_TEST_REQUIRE(t.run({"up", "--to", "1"}).exit_code == 0);
    // A non-transactional run of unit 2 was killed before its first statement.
    t.probe.execute("INSERT INTO strata_schema_history (version, name, checksum, execution_ms, applied_by, state) "
                    "VALUES (2, 'create_user_profiles', " + literal(sums.at(2)) + ", 0, 'someone', 'running')");

    auto r = t.run({"status"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(matches(r.out, "database " + t.shown_url() + "\n"
                              " VERSION  NAME                  STATE     APPLIED AT\n"
                              "       1  create_users          applied   {ts}\n"
                              "       2  create_user_profiles  dirty     {ts}\n"
                              "       3  add_profile_to_users  pending   -\n"
                              "1 applied, 1 pending, 1 dirty (see strata repair --help)\n"),
               r);
    BOOST_TEST(t.run({"status", "--exit-code"}).exit_code == 4);
    r = t.run({"validate"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(contains(r.out, "unit 2 create_user_profiles is dirty"), r);

    r = t.run({"up"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(contains(r.err, "unit 2 create_user_profiles is dirty"), r);
    BOOST_TEST(contains(r.err, "strata repair 2"), "up does not say what to do" << r);
    BOOST_TEST(!t.probe.has_table("user_profiles"), "up ran the dirty unit 2");
    BOOST_TEST(!t.probe.has_column("users", "profile"), "up ran unit 3 past the dirty unit 2");

    // Not dirty: nothing to repair, nothing changed.
    const auto log_before = audit_summary(t);
    r = t.run({"repair", "1"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "unit 1 is neither dirty nor damaged, there is nothing to repair"), r);
    r = t.run({"repair", "3"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "unit 3 is neither dirty nor damaged, there is nothing to repair"), r);
    r = t.run({"repair", "7"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(done_count(audit_summary(t)) == done_count(log_before), "a refused repair was audited as done");
    BOOST_TEST(state_of(t, 2) == "dirty");

    r = t.run({"repair", "2"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.out == "unit 2 is no longer dirty: recorded as pending on " + t.shown_url() + "\n", r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(state_of(t, 2) == "pending");
    BOOST_TEST(state_of(t, 3) == "pending");
    auto log = audit_summary(t);
    BOOST_TEST_REQUIRE(!log.empty());
    BOOST_TEST(log.back() == "2 repair ok marked pending");
    BOOST_TEST(done_count(log) == done_count(log_before) + 1);

    r = t.run({"up"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(t.probe.has_table("user_profiles"));
    BOOST_TEST(t.probe.has_column("users", "profile"));
}

void down_with_a_dirty_unit_is_refused(strata::backend b) {
    cli_database_test t(b);
    BOOST_TEST_REQUIRE(t.run({"up", "--to", "2"}).exit_code == 0);
    t.probe.execute("UPDATE strata_schema_history SET state = 'running' WHERE version = 2");
    auto r = t.run({"down"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(contains(r.err, "unit 2 create_user_profiles is dirty"), r);
    BOOST_TEST(contains(r.err, "strata repair 2"), r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(t.probe.has_table("user_profiles"));
}

void repair_applied_records_a_dirty_unit_as_applied(strata::backend b) {
    cli_database_test t(b);
    BOOST_TEST_REQUIRE(t.run({"up", "--to", "2"}).exit_code == 0);
    // Killed after its last statement, before its row said so.
    t.probe.execute("UPDATE strata_schema_history SET state = 'running' WHERE version = 2");
    BOOST_TEST_REQUIRE(state_of(t, 2) == "dirty");

    auto r = t.run({"repair", "2", "--applied"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.out == "unit 2 is no longer dirty: recorded as applied on " + t.shown_url() + "\n", r);
    auto rows = history(t);
    BOOST_TEST_REQUIRE(rows.size() == 2u);
    BOOST_TEST(rows[1].version == 2);
    BOOST_TEST(rows[1].state == "applied");
    BOOST_TEST(state_of(t, 2) == "applied");
    BOOST_TEST(state_of(t, 3) == "pending");
    BOOST_TEST(t.run({"status", "--exit-code"}).exit_code == 6, "only unit 3 should be left: pending");
    auto log = audit_summary(t);
    BOOST_TEST_REQUIRE(!log.empty());
    BOOST_TEST(log.back() == "2 repair ok marked applied");

    // Unit 2 is not run again: up applies unit 3 only.
    r = t.run({"up"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(matches(r.out, "applied  3 add_profile_to_users ({ms})\n"
                              "1 unit applied to " + t.shown_url() + " in {ms}\n"),
               r);
    BOOST_TEST(t.run({"status", "--exit-code"}).exit_code == 0);

    r = t.run({"repair", "2"});
    BOOST_TEST(r.exit_code == 2, "repair of a unit that is no longer dirty" << r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
}

/// Unit 3's row says 'running' and its first steps ran, as after a run killed half-way: the
/// column is there, its foreign key and unique constraint are not.
void interrupt_unit_3(cli_database_test& t) {
    const auto sums = checksums(t);
    BOOST_TEST_REQUIRE(t.run({"up", "--to", "2"}).exit_code == 0);
    t.probe.execute("INSERT INTO strata_schema_history (version, name, checksum, execution_ms, applied_by, state) "
                    "VALUES (3, 'add_profile_to_users', " + literal(sums.at(3)) + ", 0, 'someone', 'running')");
    t.probe.execute(R"(ALTER TABLE "users" ADD COLUMN "profile" UUID)");
}

// PostgreSQL: unit 3 is an online unit (README, "Online changes"). A 'running' history row for it
// means a run was interrupted: the unit is pending, not dirty, status says how far each step
// got, and the next up finishes it.
void an_interrupted_online_unit_is_pending_not_dirty_and_up_finishes_it() {
    cli_database_test t(strata::backend::postgresql);
    interrupt_unit_3(t);

    auto r = t.run({"status"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(matches(r.out, "database " + t.shown_url() + "\n"
                              " VERSION  NAME                  STATE     APPLIED AT\n"
                              "       1  create_users          applied   {ts}\n"
                              "       2  create_user_profiles  applied   {ts}\n"
                              "       3  add_profile_to_users  pending   {ts}  (interrupted half-way: strata up finishes it, "
                              "strata down undoes it)\n"
                              "          partly    add_column users.profile: column added, its foreign key users_profile_fkey not yet\n"
                              "          not done  add_unique users.users_profile_key\n"
                              "2 applied, 1 pending\n"),
               r);
    auto j = t.run({"--json", "status"});
    BOOST_TEST(contains(j.out, R"("steps": [)"), j);
    BOOST_TEST(contains(j.out, R"("operation": "add_unique users.users_profile_key")"), j);
    BOOST_TEST(contains(j.out, R"("state": "not done")"), j);
    BOOST_TEST(state_of(t, 3) == "pending");
    BOOST_TEST(t.run({"status", "--exit-code"}).exit_code == 6);
    r = t.run({"validate"});
    BOOST_TEST(r.exit_code == 0, r);

    // Not dirty, so nothing for a person to repair: repair refuses and keeps the row.
    r = t.run({"repair", "3"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "unit 3 is not dirty: it was interrupted and resumes by itself; run strata up to finish it, "
                               "or strata down to undo what its finished steps did"),
               r);
    auto kept = history(t);
    BOOST_TEST_REQUIRE(kept.size() == 3u, "repair removed the interrupted unit's row");
    BOOST_TEST(kept[2].state == "running");

    r = t.run({"up"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(contains(r.err, "resuming unit 3 add_profile_to_users"), r);
    BOOST_TEST(matches(r.out, "applied  3 add_profile_to_users ({ms})\n"
                              "1 unit applied to " + t.shown_url() + " in {ms}\n"),
               r);
    auto rows = history(t);
    BOOST_TEST_REQUIRE(rows.size() == 3u);
    BOOST_TEST(rows[2].state == "applied");
    BOOST_TEST(state_of(t, 3) == "applied");
    auto constraints = query(t, "SELECT conname::text, CAST(contype AS TEXT), CAST(convalidated AS TEXT) FROM pg_constraint "
                                "WHERE conrelid = 'users'::regclass AND conname IN ('users_profile_fkey', 'users_profile_key') "
                                "ORDER BY conname");
    BOOST_TEST_REQUIRE(constraints.size() == 2u);
    BOOST_TEST(*constraints[0][0] == "users_profile_fkey");
    BOOST_TEST(*constraints[0][1] == "f");
    BOOST_TEST(*constraints[0][2] == "true", "the foreign key was left NOT VALID");
    BOOST_TEST(*constraints[1][0] == "users_profile_key");
    BOOST_TEST(*constraints[1][1] == "u");
    auto log = audit_summary(t);
    BOOST_TEST(std::count(log.begin(), log.end(), "3 up ok") == 1, "one 'up ok' audit row for unit 3");
    BOOST_TEST(t.run({"status", "--exit-code"}).exit_code == 0);
}

// PostgreSQL, the 3 a.m. rollback: down of the interrupted unit 3 undoes what its finished steps
// did (the column) and removes its row, once: a second down reverts unit 2.
void down_undoes_an_interrupted_online_unit() {
    cli_database_test t(strata::backend::postgresql);
    interrupt_unit_3(t);
    auto r = t.run({"down", "--dry-run"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(contains(r.out, "-- unit 3 add_profile_to_users (down), interrupted half-way: each step's inverse"), r);
    BOOST_TEST(t.probe.has_column("users", "profile"), "a dry run dropped the column");

    r = t.run({"down"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(contains(r.err, "strata: reverting unit 3 add_profile_to_users, whose up was interrupted half-way in an earlier run"), r);
    BOOST_TEST(matches(r.out, "reverted 3 add_profile_to_users ({ms}) (its up had stopped half-way: what its finished steps "
                              "did was undone)\n"
                              "1 unit reverted on " + t.shown_url() + " in {ms}\n"),
               r);
    BOOST_TEST(!t.probe.has_column("users", "profile"), "down left the column of the interrupted unit");
    BOOST_TEST(t.probe.has_table("user_profiles"), "down reverted unit 2 too");
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2}), boost::test_tools::per_element());
    auto log = audit_summary(t);
    BOOST_TEST(std::count(log.begin(), log.end(),
                          "3 down ok its up had been interrupted half-way: undid what its finished steps did") == 1,
               "one 'down ok' audit row for unit 3, saying it was half-done");
    BOOST_TEST(t.run({"status", "--exit-code"}).exit_code == 6);
    r = t.run({"up"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
}

void repair_usage_errors(strata::backend b) {
    cli_database_test t(b);
    auto r = t.run({"repair"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "repair needs the VERSION"), r);
    r = t.run({"repair", "three"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "'three' is not a version number"), r);
    // A database strata never touched has nothing dirty, and stays untouched.
    r = t.run({"repair", "3"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "unit 3 is neither dirty nor damaged"), r);
    if (b == strata::backend::sqlite) BOOST_TEST(sqlite_file_missing(t), "repair created the database file");
    BOOST_TEST(!t.probe.has_table("strata_schema_history"), "repair created the history table");
}

// ---- repair --accept-changed -----------------------------------------------------------

void repair_accept_changed_records_this_builds_checksum_for_a_changed_unit(strata::backend b) {
    cli_database_test t(b);
    BOOST_TEST_REQUIRE(t.run({"up", "--to", "2"}).exit_code == 0);
    const auto sums = checksums(t);
    const auto down_before = history(t)[1].down;
    // Applied by a build whose unit 2 read differently (an edited comment inside a statement).
    t.probe.execute("UPDATE strata_schema_history SET checksum = 'feedc0de', down_statements = NULL WHERE version = 2");
    BOOST_TEST_REQUIRE(state_of(t, 2) == "changed");
    auto r = t.run({"up"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(contains(r.err, "repair 2 --accept-changed records the new checksum"), r);
    r = t.run({"repair", "2"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "it changed since it was applied: if the edit changes nothing it did, strata repair 2 "
                               "--accept-changed records its new checksum"),
               r);
    BOOST_TEST(history(t)[1].checksum == "feedc0de", "a refused repair wrote the row");

    // strata keeps the applied up's checksum, not its text: the dry run shows this build's up and
    // both downs to compare, and writes nothing.
    const auto log_size_before = audit_summary(t).size();
    r = t.run({"repair", "2", "--accept-changed", "--dry-run"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.out.starts_with("unit 2 create_user_profiles would record this build's checksum on " + t.shown_url() +
                                      " (dry run: nothing was written)\n  checksum applied: feedc0de\n  this build's:     " +
                                      sums.at(2) + "\n"),
               r);
    BOOST_TEST(contains(r.out, "strata keeps only the applied ones' checksum, not their text"), r);
    BOOST_TEST(contains(r.out, "    CREATE TABLE \"user_profiles\""), r);
    BOOST_TEST(contains(r.out, "  down statements stored when it was applied, which this build's would replace (an older "
                               "build would then revert it with this build's too):\n    (none)\n  this build's:\n    DROP "
                               "TABLE \"user_profiles\""),
               r);
    BOOST_TEST(history(t)[1].checksum == "feedc0de", "a dry run wrote the row");
    BOOST_TEST(audit_summary(t).size() == log_size_before, "a dry run wrote to the audit log");
    r = t.run({"repair", "2", "--accept-changed", "--dry-run", "--json"});
    BOOST_TEST(r.exit_code == 0, r);
    const auto review = json::parse(r.out);
    BOOST_TEST(review.at("dry_run").get<bool>());
    BOOST_TEST(review.at("applied_checksum").get<std::string>() == "feedc0de");
    BOOST_TEST(review.at("stored_down").empty());
    BOOST_TEST(!review.at("down").empty());

    r = t.run({"repair", "2", "--accept-changed"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.out.starts_with("unit 2 create_user_profiles now records this build's checksum on " + t.shown_url() + "\n"), r);
    auto rows = history(t);
    BOOST_TEST_REQUIRE(rows.size() == 2u);
    BOOST_TEST(rows[1].checksum == sums.at(2));
    BOOST_TEST(rows[1].state == "applied");
    BOOST_TEST((rows[1].down == down_before), "the row's down is not this build's");
    BOOST_TEST(state_of(t, 2) == "applied");
    auto log = audit_summary(t);
    BOOST_TEST_REQUIRE(!log.empty());
    BOOST_TEST(log.back() == "2 repair ok accepted the change: checksum feedc0de replaced by this build's " + sums.at(2));
    r = t.run({"up"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(t.run({"status", "--exit-code"}).exit_code == 0);

    // Nothing to accept: an unchanged unit, a pending one, one nobody has.
    const auto log_size = audit_summary(t).size();
    r = t.run({"repair", "2", "--accept-changed"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "unit 2 has not changed since it was applied (its checksum is the history's), so there is no "
                               "change to accept"),
               r);
    r = t.run({"repair", "9", "--accept-changed"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "unit 9 is neither applied nor in this build"), r);
    BOOST_TEST(audit_summary(t).size() == log_size, "a refused repair wrote to the audit log");
    r = t.run({"repair", "2", "--accept-changed", "--applied"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "repair takes one of --applied"), r);
    // A changed unit whose stored down is unreadable is damaged: repair's, not a change to accept.
    t.probe.execute("UPDATE strata_schema_history SET checksum = 'feedc0de', down_statements = '{not json' WHERE version = 2");
    r = t.run({"repair", "2", "--accept-changed", "--dry-run"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "unit 2 is damaged, so there is no change to accept"), r);
}

// ---- repair --reverted ------------------------------------------------------------------

// Somebody reverted unit 3 by hand (dropped the column): its down fails, saying how to record
// that; repair --reverted removes the row without running anything, audited; diff then agrees.
void repair_reverted_records_a_unit_reverted_by_hand(strata::backend b) {
    cli_database_test t(b);
    BOOST_TEST_REQUIRE(t.run({"up"}).exit_code == 0);
    // What a revert by hand leaves: the schema of unit 2, a history that still says unit 3.
    const auto row = history(t).at(2);
    BOOST_TEST_REQUIRE(t.run({"down"}).exit_code == 0);
    t.probe.execute("INSERT INTO strata_schema_history (version, name, checksum, execution_ms, applied_by, state, "
                    "down_statements) VALUES (3, " + literal(row.name) + ", " + literal(row.checksum) +
                    ", 0, 'someone', 'applied', " + literal(row.down.value_or("")) + ")");
    BOOST_TEST_REQUIRE(state_of(t, 3) == "applied");
    auto r = t.run({"down"});
    BOOST_TEST(r.exit_code == 1, r);
    BOOST_TEST(contains(r.err, "if unit 3 add_profile_to_users was reverted by hand already (strata diff lists what of it is "
                               "gone: all it made, for a whole revert), record that without running its down: strata repair 3 "
                               "--reverted"),
               r);
    // What the hint says: diff names what the hand revert took.
    r = t.run({"diff"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(contains(r.out, "profile"), r);
    r = t.run({"repair", "3"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "if it was reverted by hand, strata repair 3 --reverted records that without running its down"), r);

    const auto log_size = audit_summary(t).size();
    r = t.run({"repair", "3", "--reverted", "--dry-run"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.out.starts_with("unit 3 would be recorded as reverted by hand on " + t.shown_url() +
                                      " (its row removed, its down not run: pending) (dry run: nothing was written)"),
               r);
    BOOST_TEST(history(t).size() == 3u, "a dry run removed the row");
    BOOST_TEST(audit_summary(t).size() == log_size, "a dry run wrote to the audit log");

    r = t.run({"repair", "3", "--reverted"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.out.starts_with("unit 3 is now recorded as reverted by hand on " + t.shown_url()), r);
    BOOST_TEST(history(t).size() == 2u, "the row of the unit reverted by hand stayed");
    BOOST_TEST(state_of(t, 3) == "pending");
    const auto audit = audit_summary(t).back();
    BOOST_TEST(audit.starts_with("3 repair ok recorded as reverted by hand: its down statements were not run; marked pending; "
                                 "the row was: checksum " + row.checksum + ", applied at "),
               audit);
    BOOST_TEST(contains(audit, ", down_statements " + row.down.value_or("NULL")), audit);
    BOOST_TEST(t.probe.has_table("user_profiles"), "repair ran a down");
    r = t.run({"diff"});
    BOOST_TEST(r.exit_code == 0, r);

    // Not applied now: nothing to record; a dirty unit is plain repair's.
    r = t.run({"repair", "3", "--reverted"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "unit 3 is not applied, so there is no revert to record"), r);
    t.probe.execute("UPDATE strata_schema_history SET state = 'running' WHERE version = 2");
    r = t.run({"repair", "2", "--reverted"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "unit 2 is dirty, not applied: after checking the database, strata repair 2 removes its row"), r);
    BOOST_TEST(state_of(t, 2) == "dirty");
    r = t.run({"repair", "2", "--reverted", "--applied"});
    BOOST_TEST(r.exit_code == 2, r);
}

}  // namespace scenario
}  // namespace

STRATA_CLI_TEST_ON_EACH_DATABASE(baseline_records_units_as_applied_without_running_them)
STRATA_CLI_TEST_ON_EACH_DATABASE(baseline_refuses_a_version_this_build_does_not_have)
STRATA_CLI_TEST_ON_EACH_DATABASE(baseline_dry_run_prints_the_history_rows_and_creates_nothing)
STRATA_CLI_TEST_ON_EACH_DATABASE(baseline_adopts_a_database_whose_schema_was_made_by_hand)
STRATA_CLI_TEST_ON_EACH_DATABASE(a_dirty_unit_is_shown_refused_and_repaired_to_pending)
STRATA_CLI_TEST_ON_EACH_DATABASE(down_with_a_dirty_unit_is_refused)
STRATA_CLI_TEST_ON_EACH_DATABASE(repair_applied_records_a_dirty_unit_as_applied)
STRATA_CLI_TEST_ON_EACH_DATABASE(repair_usage_errors)
STRATA_CLI_TEST_ON_EACH_DATABASE(repair_accept_changed_records_this_builds_checksum_for_a_changed_unit)
STRATA_CLI_TEST_ON_EACH_DATABASE(repair_reverted_records_a_unit_reverted_by_hand)

BOOST_AUTO_TEST_SUITE(postgresql)
BOOST_AUTO_TEST_CASE(an_interrupted_online_unit_is_pending_not_dirty_and_up_finishes_it) {
    scenario::an_interrupted_online_unit_is_pending_not_dirty_and_up_finishes_it();
}
BOOST_AUTO_TEST_CASE(down_undoes_an_interrupted_online_unit) { scenario::down_undoes_an_interrupted_online_unit(); }

// The 3 a.m. rollback stopped half-way: unit 3's down ran outside a transaction and stopped
// (here before its first statement: its row says reverting). status says it was the down, in
// text and JSON; the next down finishes reverting it and says so in its line and audit row.
BOOST_AUTO_TEST_CASE(a_down_stopped_half_way_is_shown_as_one_and_down_finishes_it) {
    cli_database_test t(strata::backend::postgresql);
    BOOST_TEST_REQUIRE(t.run({"up"}).exit_code == 0);
    t.probe.execute("UPDATE strata_schema_history SET state = 'reverting' WHERE version = 3");

    auto r = t.run({"status"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(contains(r.out, "(its down was interrupted half-way: strata down finishes reverting it, strata up applies it "
                               "again)\n"),
               r);
    auto j = t.run({"--json", "status"});
    BOOST_TEST(j.exit_code == 0, j);
    BOOST_TEST(contains(j.out, "\"interrupted_direction\": \"down\""), j);
    BOOST_TEST(contains(j.out, "\"interrupted_direction\": null"), "applied units have none" << j);

    r = t.run({"down"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(contains(r.err, "strata: reverting unit 3 add_profile_to_users, whose down was interrupted half-way"), r);
    BOOST_TEST(contains(r.out, "reverted 3 add_profile_to_users ("), r);
    BOOST_TEST(contains(r.out, ") (its down had stopped half-way in an earlier run: finished)\n"), r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(!t.probe.has_column("users", "profile"));
    const auto log = audit_summary(t);
    BOOST_TEST(std::count(log.begin(), log.end(), "3 down ok its down had been interrupted half-way: finished it") == 1);
}
BOOST_AUTO_TEST_SUITE_END()
