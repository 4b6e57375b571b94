// strata-embed-sql, the build step strata_add_migrator() runs for each .sql unit: a malformed file
// stops the build with a compiler's error line and leaves no generated source. (That a project's
// build shows it is the package test's part, tests/package/consumers.cmake.)

#include "strata_cli.hpp"

#include <fstream>

using namespace strata::test;
namespace fs = std::filesystem;

namespace {

/// Runs strata-embed-sql on `sql` written to FILE (in the scratch directory), as unit 7 `name`.
struct embedded {
    strata_cli tool{STRATA_EMBED_SQL_PATH};
    fs::path file, output;
    cli_outcome result;

    embedded(const std::string& file_name, const std::string& sql) {
        file = tool.working_directory() / file_name;
        output = tool.working_directory() / "out" / (file_name + ".cpp");
        std::ofstream(file, std::ios::binary) << sql;
        result = tool.run({file.string(), output.string(), "7", "x"});
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(sqlite)

BOOST_AUTO_TEST_CASE(embed_sql_reports_a_malformed_file_as_a_compiler_error_and_writes_nothing) {
    embedded bad("7_x.sql", "-- strata:up\nSELECT 1;\nINSERT INTO t VALUES ('oops);\n");
    BOOST_TEST(bad.result.exit_code == 1, bad.result);
    // GCC's form, which IDEs and editors turn into a link to the line.
    BOOST_TEST(bad.result.err == bad.file.string() + ":3: error: unterminated string starting here; close it with '\n",
               bad.result);
    BOOST_TEST(!fs::exists(bad.output));

    embedded fine("7_x.sql", "-- strata:up\nCREATE TABLE t (id INTEGER);\n-- strata:down\nDROP TABLE t;\n");
    BOOST_TEST(fine.result.exit_code == 0, fine.result);
    BOOST_TEST(fine.result.err == "", fine.result);
    BOOST_TEST(fs::exists(fine.output));
}

// SQL probe L5: the build accepted this, and PostgreSQL would have read the rest of the section
// as part of the CREATE TABLE.
BOOST_AUTO_TEST_CASE(embed_sql_refuses_an_unclosed_parenthesis) {
    embedded open("35_open_paren_end.sql", "-- strata:up\nCREATE TABLE q (\n   id int;\n-- strata:down\nDROP TABLE q;\n");
    BOOST_TEST(open.result.exit_code == 1, open.result);
    BOOST_TEST(open.result.err == open.file.string() +
                                      ":2: error: unclosed parenthesis starting here: there is no ) before the ; on line 3; "
                                      "close it with )\n",
               open.result);
    BOOST_TEST(!fs::exists(open.output));
}

BOOST_AUTO_TEST_SUITE_END()
