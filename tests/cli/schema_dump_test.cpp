// strata schema dump (issue 11, point 2): the live schema as deterministic SQL, the reference
// units' committed schema files (tests/schema/) checked, and --check as a CI gate that exits 4 with
// a unified diff when the database and the file disagree.

#include "strata_cli.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

using namespace strata::test;

namespace {

/// The committed schema of the reference units for database `b`.
std::string committed_schema_file(strata::backend b) {
    return std::string(STRATA_SOURCE_DIR) + "/tests/schema/schema." + (b == strata::backend::sqlite ? "sqlite" : "postgresql") +
           ".sql";
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

namespace scenario {

void schema_dump_of_the_reference_units_matches_the_committed_file(strata::backend b) {
    cli_database_test t(b);
    BOOST_TEST_REQUIRE(t.run({"up"}).exit_code == 0);
    const std::string file = committed_schema_file(b);
    auto r = t.run({"schema", "dump", "--check", file});
    BOOST_TEST(r.exit_code == 0, r << "\nIf a reference unit changed on purpose, regenerate the file: strata --database ... "
                                      "schema dump --output " << file);
    BOOST_TEST(r.out == "the schema of " + t.shown_url() + " matches " + file + "\n", r);

    // Deterministic, and the file is what dump prints: no URL, timestamp or metadata table in it.
    auto once = t.run({"schema", "dump"});
    auto again = t.run({"schema", "dump"});
    BOOST_TEST(once.exit_code == 0, once);
    BOOST_TEST(once.out == again.out);
    BOOST_TEST(once.out == read_file(file));
    BOOST_TEST(!contains(once.out, "strata_schema_"), once);
    BOOST_TEST(!contains(once.out, t.db.url().kind() == strata::backend::sqlite ? t.db.url().path() : t.shown_url()), once);
    BOOST_TEST(contains(once.out, "CREATE TABLE \"users\" ("), once);
    BOOST_TEST(contains(once.out, "users_profile_fkey"), once);
}

void schema_dump_check_exits_4_with_a_diff_when_the_database_drifted(strata::backend b) {
    cli_database_test t(b);
    BOOST_TEST_REQUIRE(t.run({"up"}).exit_code == 0);
    // A hand-made change the units do not know.
    t.probe.execute(R"(CREATE INDEX "users_phone_by_hand" ON "users" ("phone"))");
    const std::string file = committed_schema_file(b);
    auto r = t.run({"schema", "dump", "--check", file});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(r.out.starts_with("--- " + file + "\n+++ " + t.shown_url() + "\n@@ -"), r);
    // (SQLite keeps the text as written; PostgreSQL prints its own definition.)
    BOOST_TEST((contains(r.out, "\n+CREATE INDEX \"users_phone_by_hand\" ON ") || contains(r.out, "\n+CREATE INDEX users_phone_by_hand ON ")), r);
    BOOST_TEST(contains(r.err, "differs from " + file), r);
    BOOST_TEST(contains(r.err, "schema dump --output " + file), r);

    auto doc = nlohmann::json::parse(t.run({"schema", "dump", "--check", file, "--json"}).out);
    BOOST_TEST(doc.at("matches") == false);
    BOOST_TEST(contains(doc.at("diff").get<std::string>(), "users_phone_by_hand"));
}

void schema_dump_output_writes_the_file_that_check_then_accepts(strata::backend b) {
    cli_database_test t(b);
    BOOST_TEST_REQUIRE(t.run({"up", "--to", "2"}).exit_code == 0);
    const std::string file = t.cli.working_directory().string() + "/schema.sql";
    auto r = t.run({"schema", "dump", "--output", file});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.out == file + "\n", r);
    BOOST_TEST(read_file(file) == t.run({"schema", "dump"}).out);
    BOOST_TEST(t.run({"schema", "dump", "--check", file}).exit_code == 0);
    // Unit 3 changes the schema: the file no longer matches until it is written again.
    BOOST_TEST_REQUIRE(t.run({"up"}).exit_code == 0);
    r = t.run({"schema", "dump", "--check", file});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(contains(r.out, "profile"), r);

    // Windows line endings and a missing final newline are not differences in the schema.
    {
        std::string crlf;
        for (char c : read_file(file)) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
        crlf.resize(crlf.size() - 2);
        std::ofstream(file, std::ios::binary | std::ios::trunc) << crlf;
    }
    r = t.run({"schema", "dump", "--check", file});
    BOOST_TEST(r.exit_code == 4, r);  // unit 3 is applied now: still a real difference
    BOOST_TEST_REQUIRE(t.run({"down"}).exit_code == 0);
    r = t.run({"schema", "dump", "--check", file});
    BOOST_TEST(r.exit_code == 0, r);

    r = t.run({"schema", "dump", "--check", t.cli.working_directory().string() + "/missing.sql"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "cannot read " + t.cli.working_directory().string() + "/missing.sql"), r);
    BOOST_TEST(t.run({"schema"}).exit_code == 2);
    BOOST_TEST(t.run({"schema", "dump", "--output", file, "--check", file}).exit_code == 2);
}

}  // namespace scenario
}  // namespace

STRATA_CLI_TEST_ON_EACH_DATABASE(schema_dump_of_the_reference_units_matches_the_committed_file)
STRATA_CLI_TEST_ON_EACH_DATABASE(schema_dump_check_exits_4_with_a_diff_when_the_database_drifted)
STRATA_CLI_TEST_ON_EACH_DATABASE(schema_dump_output_writes_the_file_that_check_then_accepts)
