// --dry-run on up, down, redo: the exact SQL that would run against this database, in order, with
// the transaction boundaries and the history statements; and nothing changed, not even the
// metadata tables (on SQLite not even the database file).

#include "metadata_queries.hpp"
#include "strata_cli.hpp"
#include "support/stored_down.hpp"

#include <strata/dialect.hpp>

#include <nlohmann/json.hpp>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <filesystem>
#include <map>
#include <optional>
#include <sstream>

using namespace strata::test;
using versions = std::vector<std::int64_t>;
using nlohmann::json;

namespace {



/// Every table of the database (the current schema on PostgreSQL).
std::vector<std::string> all_tables(const cli_database_test& t) {
    // Opening a SQLite file that is not there would create it.
    if (t.db.kind() == strata::backend::sqlite && !std::filesystem::exists(t.db.url().path())) return {};
    const std::string sql = t.db.kind() == strata::backend::sqlite
                                ? "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
                                : "SELECT CAST(table_name AS TEXT) FROM information_schema.tables "
                                  "WHERE table_schema = current_schema() ORDER BY table_name";
    std::vector<std::string> out;
    for (auto& r : query(t, sql)) out.push_back(r[0].value_or("?"));
    return out;
}

/// The files next to a SQLite database (the database, its journal, strata's lock file).
std::vector<std::string> files_in(const std::string& directory) {
    std::vector<std::string> out;
    for (const auto& entry : std::filesystem::directory_iterator(directory)) out.push_back(entry.path().filename().string());
    return out;
}

/// Nothing at all in the database: no file on SQLite (checked before anything opens it), no
/// table on PostgreSQL.
void check_database_untouched(const cli_database_test& t, const cli_outcome& r) {
    if (t.db.kind() == strata::backend::sqlite) {
        auto files = files_in(t.db.directory());
        std::ostringstream listing;
        for (const auto& f : files) listing << " " << f;
        BOOST_TEST(files.empty(), "the dry run left files next to the database:" << listing.str() << "\n" << r);
    }
    auto tables = all_tables(t);
    std::ostringstream listing;
    for (const auto& name : tables) listing << " " << name;
    BOOST_TEST(tables.empty(), "the dry run created tables:" << listing.str() << "\n" << r);
}

/// Each needle occurs in `text`, in this order.
void check_in_order(const std::string& text, const std::vector<std::string>& needles, const cli_outcome& r) {
    std::size_t at = 0;
    for (const auto& needle : needles) {
        auto found = text.find(needle, at);
        BOOST_TEST_REQUIRE(found != std::string::npos, "not found (in this order) in the output: [" << needle << "]\n" << r);
        // A needle's closing newline may open the next one.
        at = found + needle.size() - (needle.ends_with('\n') ? 1 : 0);
    }
}

std::size_t occurrences(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
    return n;
}

/// On PostgreSQL each change to the history carries a guard, on a line of its own: the change is
/// made only while a new session would find the history there (README, "Where the history is
/// kept"). SQLite's statements have none.
bool guarded(const cli_database_test& t) { return t.db.kind() == strata::backend::postgresql; }
const std::string guard_start = "(SELECT CASE WHEN f IS NOT DISTINCT FROM 'public' THEN true ";

/// strata's tables as a run's changes name them: on PostgreSQL in the schema the run found them
/// in (public here), whatever search_path a unit sets.
std::string history_in(const cli_database_test& t) {
    return guarded(t) ? "\"public\".\"strata_schema_history\"" : "\"strata_schema_history\"";
}
std::string log_in(const cli_database_test& t) { return guarded(t) ? "\"public\".\"strata_schema_log\"" : "\"strata_schema_log\""; }

/// How a history row's values begin: "VALUES (3, ", or "SELECT 3, " before a guard.
std::string row_values(const cli_database_test& t, std::int64_t version) {
    return (guarded(t) ? "SELECT " : "VALUES (") + std::to_string(version) + ", ";
}

/// What follows a history row's values: when it became applied (the statement's time), then the end.
std::string after_values(const cli_database_test& t) {
    return guarded(t) ? ", clock_timestamp()\n  WHERE " + guard_start : ", (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));\n";
}

/// How an UPDATE or DELETE of the history row of `version` ends.
std::string of_version(const cli_database_test& t, std::int64_t version) {
    return " WHERE version = " + std::to_string(version) + (guarded(t) ? "\n  AND " + guard_start : ";\n");
}

/// The transaction boundaries the dialect prints (each line ends with ";\n").
std::string begin_line(const cli_database_test& t) {
    return t.db.kind() == strata::backend::sqlite ? "BEGIN IMMEDIATE;\n" : "BEGIN;\n";
}


/// The history rows' stored down statements, by version (as the text stored).
std::map<std::int64_t, std::string> stored_downs(const cli_database_test& t) {
    std::map<std::int64_t, std::string> out;
    for (auto& r : query(t, "SELECT CAST(version AS TEXT), down_statements FROM strata_schema_history"))
        out[std::stoll(r[0].value_or("0"))] = r[1].value_or("");
    return out;
}

/// The statements as the dry run prints them: `;` after each but a comment.
std::string as_printed(const std::vector<std::string>& statements) {
    std::string out;
    // A comment, or a query with psql's \gexec (the one element of two lines that runs the
    // statements its rows hold), ends without a semicolon.
    for (const auto& s : statements) out += s + (s.rfind("--", 0) == 0 || strata::gexec_query(s) ? "\n" : ";\n");
    return out;
}

/// What a SQLite dry run's script starts with: its connection enforces foreign keys, as strata's do.
std::string script_start(const cli_database_test& t) {
    return t.db.kind() == strata::backend::sqlite ? "PRAGMA foreign_keys = ON;\n" : "";
}

std::int64_t log_rows(const cli_database_test& t) { return t.probe.row_count("strata_schema_log"); }

const std::vector<std::string> unit_names = {"", "create_users", "create_user_profiles", "add_profile_to_users"};

namespace scenario {

void up_dry_run_on_an_empty_database_prints_every_statement_and_creates_nothing(strata::backend b) {
    cli_database_test t(b);
    auto r = t.run({"up", "--dry-run"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.err == "", r);
    // Checked before anything else opens the database: a SQLite file would be created by looking.
    check_database_untouched(t, r);

    const std::string begin = begin_line(t);
    const auto sums = checksums(t);
    // The script runs as-is (tests/integration/dry_run_script_test.cpp runs it): the metadata
    // tables in a transaction of their own, then the units, with the history rows' real values.
    std::vector<std::string> expected = {"-- dry run: nothing below was executed on " + t.shown_url() + "\n" + script_start(t) + begin,
                                         "CREATE TABLE \"strata_schema_history\" (",
                                         "CREATE TABLE \"strata_schema_log\" (", "\nCOMMIT;\n"};
    const std::vector<std::string> first_statement = {"", "CREATE TABLE \"users\" (", "CREATE TABLE \"user_profiles\" (",
                                                      "ALTER TABLE \"users\" ADD COLUMN \"profile\" "};
    // PostgreSQL: unit 3 is an online unit (README, "Online changes"), run outside a transaction,
    // each statement committing on its own, its history row 'running' from before its first
    // statement to after its last.
    const bool unit_3_online = b == strata::backend::postgresql;
    for (std::int64_t v = 1; v <= 3; ++v) {
        const auto n = std::to_string(v);
        expected.push_back("\n-- unit " + n + " " + unit_names[v] + " (up)\n");
        if (v == 3 && unit_3_online) {
            expected.push_back("-- not in a transaction: each statement commits on its own, the history row says 'running' meanwhile\n");
            expected.push_back("INSERT INTO " + history_in(t) + " (version, name, checksum, execution_ms, applied_by, state, "
                               "down_statements, applied_at) " + row_values(t, 3) + "'" + unit_names[v] + "', '" + sums.at(v) + "', 0, ");
            expected.push_back(", 'running', ");
            expected.push_back("\nALTER TABLE \"users\" ADD COLUMN IF NOT EXISTS \"profile\" UUID;\n");
            expected.push_back(" ADD CONSTRAINT \"users_profile_fkey\" FOREIGN KEY (\"profile\") REFERENCES \"user_profiles\" "
                               "(\"userProfileId\") ON UPDATE CASCADE ON DELETE SET NULL NOT VALID;");
            expected.push_back("\nALTER TABLE \"users\" VALIDATE CONSTRAINT \"users_profile_fkey\";\n");
            expected.push_back("\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS \"users_profile_key\" ON \"users\" (\"profile\");\n");
            expected.push_back(" ADD CONSTRAINT \"users_profile_key\" UNIQUE USING INDEX \"users_profile_key\";");
            expected.push_back("\nUPDATE " + history_in(t) + " SET state = 'applied', applied_at = clock_timestamp(), execution_ms = ");
            expected.push_back(of_version(t, 3));
            expected.push_back("INSERT INTO " + log_in(t) + " (version, name, action, by, duration_ms, outcome, message) "
                               "VALUES (3, '" + unit_names[v] + "', 'up', ");
            continue;
        }
        expected.push_back(begin);
        expected.push_back(first_statement[v]);
        expected.push_back("\nINSERT INTO " + history_in(t) + " (version, name, checksum, execution_ms, applied_by, state, "
                           "down_statements, applied_at) " + row_values(t, v) + "'" + unit_names[v] + "', '" + sums.at(v) + "', ");
        expected.push_back("\nINSERT INTO " + log_in(t) + " (version, name, action, by, duration_ms, outcome, message) "
                           "VALUES (" + n + ", '" + unit_names[v] + "', 'up', ");
        expected.push_back("\nCOMMIT;\n");
    }
    expected.push_back("\n-- 3 units would run\n");
    check_in_order(r.out, expected, r);
    BOOST_TEST(r.out.ends_with("\n-- 3 units would run\n"), r);
    // The metadata tables' transaction and one per unit; unit 3 when online runs its statements
    // outside any, then marks its row applied and logs the run in one.
    BOOST_TEST(occurrences(r.out, "\n" + begin) == 4u, "one transaction per unit" << r);
    BOOST_TEST(occurrences(r.out, "\nCOMMIT;\n") == 4u, "one transaction per unit" << r);
    if (unit_3_online) {
        const auto unit_3 = r.out.find("\n-- unit 3 ");
        const auto mark = r.out.find("\nUPDATE " + history_in(t), unit_3);
        BOOST_TEST_REQUIRE(unit_3 != std::string::npos, r);
        BOOST_TEST_REQUIRE(mark != std::string::npos, r);
        // (Its DO blocks say BEGIN ... END: only whole lines count.)
        BOOST_TEST(r.out.find("\n" + begin, unit_3) == mark - begin.size(), "unit 3's statements are printed inside a transaction" << r);
        BOOST_TEST(occurrences(r.out, "UPDATE " + history_in(t)) == 1u, r);
    }
    BOOST_TEST(occurrences(r.out, "INSERT INTO " + history_in(t)) == 3u, r);
    BOOST_TEST(!contains(r.out, "\x1b"), r);

    // The history rows it shows are the ones a real run writes: same checksums, same stored
    // down statements.
    auto real = t.run({"up"});
    BOOST_TEST_REQUIRE(real.exit_code == 0, real);
    for (const auto& [version, down] : stored_downs(t)) {
        BOOST_TEST_REQUIRE(!down.empty(), "unit " << version << " was stored without down statements");
        BOOST_TEST(contains(r.out, "'" + sums.at(version) + "', "), r);
        if (version == 3 && unit_3_online) {
            // An online unit's row is inserted 'running', storing its down and how to undo each
            // step, then set to 'applied' with its down alone, as an applied row stores it.
            BOOST_TEST(contains(r.out, ", 'running', '{\"checksum\":"), r);
            BOOST_TEST(contains(r.out, "\"rollback\":{"), r);
            BOOST_TEST(contains(r.out, "SET state = 'applied', applied_at = clock_timestamp(), execution_ms = 0, down_statements = " +
                                           literal(down) + " WHERE "),
                       "the dry run's history row for unit 3 differs from the real one: " << down << "\n" << r);
        } else {
            BOOST_TEST(contains(r.out, ", 'applied', " + literal(down) + after_values(t)),
                       "the dry run's history row for unit " << version << " differs from the real one: " << down << "\n" << r);
        }
    }
}

void up_dry_run_prints_only_what_is_pending(strata::backend b) {
    cli_database_test t(b);
    BOOST_TEST_REQUIRE(t.run({"up", "--to", "1"}).exit_code == 0);
    const auto log_before = log_rows(t);
    auto r = t.run({"up", "--dry-run", "--to", "2"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(!contains(r.out, "CREATE TABLE \"strata_schema_"), "the metadata tables exist, yet it would create them" << r);
    BOOST_TEST(!contains(r.out, "-- unit 1 "), r);
    BOOST_TEST(!contains(r.out, "-- unit 3 "), r);
    check_in_order(r.out, {"-- unit 2 create_user_profiles (up)\n", begin_line(t), "CREATE TABLE \"user_profiles\" (",
                           "\nCOMMIT;\n", "\n-- 1 unit would run\n"},
                   r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(!t.probe.has_table("user_profiles"));
    BOOST_TEST(log_rows(t) == log_before, "the dry run wrote to the audit log");

    BOOST_TEST_REQUIRE(t.run({"up"}).exit_code == 0);
    r = t.run({"up", "--dry-run"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.out == "-- dry run: nothing below was executed on " + t.shown_url() + "\n-- nothing to do: " + t.shown_url() +
                            " is up to date\n",
               r);
}

void up_atomic_dry_run_prints_one_transaction(strata::backend b) {
    cli_database_test t(b);
    auto r = t.run({"up", "--atomic", "--dry-run"});
    BOOST_TEST(r.exit_code == 0, r);
    check_database_untouched(t, r);
    check_in_order(r.out, {"CREATE TABLE \"strata_schema_history\" (", begin_line(t), "-- unit 1 create_users (up)\n",
                           "-- unit 2 create_user_profiles (up)\n", "-- unit 3 add_profile_to_users (up)\n",
                           "INSERT INTO " + history_in(t), "\nCOMMIT;\n", "-- 3 units would run\n"},
                   r);
    // The metadata tables' transaction, then the release in one.
    BOOST_TEST(occurrences(r.out, "\n" + begin_line(t)) == 2u, "--atomic: the release is one transaction" << r);
    BOOST_TEST(occurrences(r.out, "\nCOMMIT;\n") == 2u, "--atomic: the release is one transaction" << r);
}

void json_dry_run_script_is_what_the_text_dry_run_prints(strata::backend b) {
    cli_database_test t(b);
    auto text = t.run({"up", "--dry-run"});
    auto doc_run = t.run({"up", "--dry-run", "--json"});
    BOOST_TEST_REQUIRE(text.exit_code == 0, text);
    BOOST_TEST_REQUIRE(doc_run.exit_code == 0, doc_run);
    check_database_untouched(t, doc_run);
    const auto doc = json::parse(doc_run.out);
    BOOST_TEST(doc.at("dry_run") == true);
    BOOST_TEST(doc.at("units").size() == 3u);
    const auto script = doc.at("script").get<std::vector<std::string>>();
    BOOST_TEST(text.out == "-- dry run: nothing below was executed on " + t.shown_url() + "\n" + as_printed(script) +
                               "-- 3 units would run\n",
               "text:\n" << text << "\njson:\n" << doc_run);
}

void down_dry_run_prints_the_down_statements_and_changes_nothing(strata::backend b) {
    cli_database_test t(b);
    BOOST_TEST_REQUIRE(t.run({"up"}).exit_code == 0);
    const auto downs = stored_downs(t);
    const auto log_before = log_rows(t);

    auto r = t.run({"down", "--dry-run"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.err == "", r);
    const auto down3 = json::parse(downs.at(3));
    const bool fk_off = down3.at("foreign_keys_off").get<bool>();
    // The stored down statements in order; a SQLite rebuild directive is followed by what it
    // does to the table as it is (the script runs as-is: dry_run_script_test.cpp).
    std::vector<std::string> expected = {"-- dry run: nothing below was executed on " + t.shown_url() + "\n" + script_start(t) +
                                         "-- unit 3 add_profile_to_users (down)\n" +
                                         (fk_off ? "PRAGMA foreign_keys = OFF;\n" : "") + begin_line(t)};
    for (const auto& statement : down3.at("statements").get<std::vector<std::string>>()) {
        expected.push_back(as_printed({statement}));
        if (statement.starts_with("-- strata:rebuild "))
            for (const char* step : {"CREATE TABLE \"strata_new_users\" (", "INSERT INTO \"strata_new_users\" (",
                                     "DROP TABLE \"users\";\n", "ALTER TABLE \"strata_new_users\" RENAME TO \"users\";\n"})
                expected.push_back(step);
    }
    expected.push_back("DELETE FROM " + history_in(t) + of_version(t, 3));
    expected.push_back("\nINSERT INTO " + log_in(t) + " (version, name, action, by, duration_ms, outcome, message) "
                       "VALUES (3, 'add_profile_to_users', 'down', ");
    expected.push_back("'ok', NULL);\nCOMMIT;\n");
    if (fk_off) expected.push_back("PRAGMA foreign_keys = ON;\n-- 1 unit would run\n");
    check_in_order(r.out, expected, r);
    BOOST_TEST(r.out.ends_with("-- 1 unit would run\n"), r);

    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(t.probe.has_column("users", "profile"), "the dry run reverted unit 3");
    BOOST_TEST(log_rows(t) == log_before, "the dry run wrote to the audit log");

    r = t.run({"down", "--all", "--dry-run"});
    BOOST_TEST(r.exit_code == 0, r);
    check_in_order(r.out, {"-- unit 3 add_profile_to_users (down)\n", "DELETE FROM " + history_in(t) + of_version(t, 3),
                           "-- unit 2 create_user_profiles (down)\n", "DROP TABLE \"user_profiles\";\n",
                           "DELETE FROM " + history_in(t) + of_version(t, 2), "-- unit 1 create_users (down)\n",
                           "DROP TABLE \"users\";\n", "DELETE FROM " + history_in(t) + of_version(t, 1),
                           "-- 3 units would run\n"},
                   r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(t.probe.has_table("users"));
    BOOST_TEST(t.probe.has_table("user_profiles"));
    BOOST_TEST(log_rows(t) == log_before, "the dry run wrote to the audit log");
}

void down_dry_run_of_a_unit_this_build_does_not_know_prints_the_stored_statements(strata::backend b) {
    cli_database_test t(b);
    BOOST_TEST_REQUIRE(t.run({"up"}).exit_code == 0);
    t.probe.execute(R"(CREATE TABLE "newer_things" ("id" INTEGER))");
    const std::string down = stored_down_json({R"(DROP TABLE "newer_things")"});
    t.probe.execute("INSERT INTO strata_schema_history (version, name, checksum, execution_ms, applied_by, down_statements) "
                    "VALUES (9, 'add_newer_things', 'from-a-newer-build', 1, 'a newer build', " + literal(down) + ")");
    auto r = t.run({"down", "--dry-run"});
    BOOST_TEST(r.exit_code == 0, r);
    check_in_order(r.out, {"-- unit 9 add_newer_things (down), with the down statements stored when it was applied\n",
                           begin_line(t), "DROP TABLE \"newer_things\";\n",
                           "DELETE FROM " + history_in(t) + of_version(t, 9), "\nCOMMIT;\n",
                           "-- 1 unit would run\n"},
                   r);
    BOOST_TEST(t.probe.has_table("newer_things"), "the dry run ran the stored statements");
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3, 9}), boost::test_tools::per_element());
}

void redo_dry_run_prints_down_then_up_and_changes_nothing(strata::backend b) {
    cli_database_test t(b);
    BOOST_TEST_REQUIRE(t.run({"up", "--to", "2"}).exit_code == 0);
    t.probe.execute(R"(INSERT INTO "user_profiles" ("address") VALUES ('1 Main Street'))");
    const auto log_before = log_rows(t);
    const auto sums = checksums(t);

    auto r = t.run({"redo", "--dry-run"});
    // The row would go with its table: what the run would refuse is said, the statements shown,
    // and the exit code is the run's.
    BOOST_TEST(r.exit_code == 1, r);
    BOOST_TEST(contains(r.out, "\n-- but the run refuses it: 1 table or column it drops holds data (named above); keep what "
                               "you need, then add --allow-data-loss (or, when a unit's down keeps the data elsewhere on purpose, say so "
                               "in the unit: allow_data_loss(reason))\n"),
               r);
    BOOST_TEST(r.err == "strata: unit 2 create_user_profiles drops table \"user_profiles\" with its 1 row: the run refuses "
                        "this without --allow-data-loss\n",
               r);
    check_in_order(r.out, {"-- dry run: nothing below was executed on " + t.shown_url() + "\n",
                           "-- unit 2 create_user_profiles (down)\n", begin_line(t), "DROP TABLE \"user_profiles\";\n",
                           "DELETE FROM " + history_in(t) + of_version(t, 2), "\nCOMMIT;\n",
                           "-- unit 2 create_user_profiles (up)\n", begin_line(t), "CREATE TABLE \"user_profiles\" (",
                           row_values(t, 2) + "'create_user_profiles', '" + sums.at(2) + "', ", "\nCOMMIT;\n",
                           "-- unit 2 create_user_profiles would be reverted and applied again\n"},
                   r);
    BOOST_TEST(!contains(r.out, "-- unit 1 "), r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(t.probe.row_count("user_profiles") == 1, "the dry run dropped and recreated user_profiles");
    BOOST_TEST(log_rows(t) == log_before, "the dry run wrote to the audit log");
}

void refused_dry_runs_create_nothing(strata::backend b) {
    cli_database_test t(b);
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"down", "--dry-run"}, {"redo", "--dry-run"}, {"down", "--all", "--dry-run"}}) {
        auto r = t.run(args);
        if (args[1] == "--all") {  // a state that holds already
            BOOST_TEST(r.exit_code == 0, r);
            BOOST_TEST(contains(r.out, "nothing to do"), r);
        } else {
            BOOST_TEST(r.exit_code == 2, r);
            BOOST_TEST(contains(r.err, "nothing to revert: no unit is applied"), r);
        }
        BOOST_TEST(!contains(r.out, "CREATE TABLE"), "a refused dry run printed a script" << r);
        check_database_untouched(t, r);
    }
    auto r = t.run({"up", "--dry-run", "--to", "99"});
    BOOST_TEST(r.exit_code == 2, r);
    check_database_untouched(t, r);
}

}  // namespace scenario
}  // namespace

STRATA_CLI_TEST_ON_EACH_DATABASE(up_dry_run_on_an_empty_database_prints_every_statement_and_creates_nothing)
STRATA_CLI_TEST_ON_EACH_DATABASE(up_dry_run_prints_only_what_is_pending)
STRATA_CLI_TEST_ON_EACH_DATABASE(up_atomic_dry_run_prints_one_transaction)
STRATA_CLI_TEST_ON_EACH_DATABASE(json_dry_run_script_is_what_the_text_dry_run_prints)
STRATA_CLI_TEST_ON_EACH_DATABASE(down_dry_run_prints_the_down_statements_and_changes_nothing)
STRATA_CLI_TEST_ON_EACH_DATABASE(down_dry_run_of_a_unit_this_build_does_not_know_prints_the_stored_statements)
STRATA_CLI_TEST_ON_EACH_DATABASE(redo_dry_run_prints_down_then_up_and_changes_nothing)
STRATA_CLI_TEST_ON_EACH_DATABASE(refused_dry_runs_create_nothing)
