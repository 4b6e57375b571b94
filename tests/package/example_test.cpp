// The worked example (examples/bookshop) as its team uses it: its own migrator, built against an
// installed strata by build_example.cmake (which also added units with `new`), run on SQLite and
// on PostgreSQL. The schema is read back from the database, rows are tried against the
// constraints and the per-dialect trigger of its SQL unit, and down --all leaves nothing behind.

#define BOOST_TEST_MODULE strata package tests
#include "integration/backend_test.hpp"

#include "support/cli_process.hpp"
#include "support/schema_reader.hpp"
#include "support/schema_session.hpp"
#include "support/temp_database.hpp"

#include <soci/soci.h>

#include <string>
#include <vector>

using namespace strata::test;

namespace {

/// The example's units in version order; the last two were written by `new` in the setup.
const std::vector<std::string> unit_names = {"create_authors",      "create_books",   "index_books_by_author",
                                             "reject_blank_titles", "add_books_isbn", "add_books_note"};

struct migrator_run {
    process_invocation what;
    process_result result;
};

std::ostream& operator<<(std::ostream& out, const migrator_run& r) { return out << describe(r.what, r.result); }

migrator_run run(const temp_database& db, std::vector<std::string> arguments) {
    migrator_run r;
    r.what.program = STRATA_EXAMPLE_MIGRATOR;
    r.what.arguments = {"--database", db.url_text()};
    r.what.arguments.insert(r.what.arguments.end(), arguments.begin(), arguments.end());
    r.what.environment = {{"PATH", "/usr/bin:/bin"}, {"LC_ALL", "C"}};
    r.result = run_process(r.what);
    return r;
}

bool contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

/// Whether the database refuses `sql`.
bool refused(soci::session& s, const std::string& sql) {
    try {
        s << sql;
        return false;
    } catch (const soci::soci_error&) {
        return true;
    }
}

std::vector<std::string> column_names(const table_schema& t) {
    std::vector<std::string> out;
    for (const auto& c : t.columns) out.push_back(c.name);
    return out;
}

}  // namespace

STRATA_BACKEND_TEST(example_migrator_applies_its_units_and_reverts_them_all) {
    auto db = temp_database::create(backend);

    auto up = run(db, {"up"});
    BOOST_TEST_REQUIRE(up.result.exit_code == 0, up);
    for (const auto& name : unit_names) BOOST_TEST(contains(up.result.out, " " + name + " ("), "up should apply " << name << up);
    BOOST_TEST(contains(up.result.out, "6 units applied to "), up);

    auto status = run(db, {"status", "--exit-code"});
    BOOST_TEST(status.result.exit_code == 0, status);
    BOOST_TEST(contains(status.result.out, "6 applied, 0 pending"), status);
    // Timestamp versions are wider than the column's usual 8: it widens, the table stays aligned.
    BOOST_TEST(contains(status.result.out, "\n       VERSION  NAME                   STATE     APPLIED AT\n"
                                           "20261201090000  create_authors         applied   "),
               status);

    {
        auto s = open_session(db.url());
        auto schema = read_schema(*s);
        const auto* books = schema.find("books");
        BOOST_TEST_REQUIRE(books != nullptr, schema);
        BOOST_TEST(column_names(*books) == (std::vector<std::string>{"bookId", "title", "authorId", "createdAt", "updatedAt", "isbn"}),
                   *books);
        BOOST_TEST_REQUIRE(books->foreign_keys.size() == 1u, *books);
        BOOST_TEST(books->foreign_keys.front().ref_table == "authors");
        BOOST_TEST(books->foreign_keys.front().on_delete == "RESTRICT");
        BOOST_TEST(books->indexes == (std::vector<index_info>{{"books_author_idx", {"authorId"}}}), *books);

        *s << "INSERT INTO \"authors\" (\"authorId\", \"name\") VALUES ('6f1c2a4e-0000-4000-8000-000000000001', 'Le Guin')";
        // The SQL unit's trigger, each database its own spelling of it.
        BOOST_TEST(refused(*s, "INSERT INTO \"books\" (\"title\", \"authorId\") VALUES ('   ', "
                               "'6f1c2a4e-0000-4000-8000-000000000001')"));
        BOOST_TEST(!refused(*s, "INSERT INTO \"books\" (\"bookId\", \"title\", \"authorId\", \"isbn\") VALUES "
                                "('6f1c2a4e-0000-4000-8000-0000000000b1', 'The Dispossessed', "
                                "'6f1c2a4e-0000-4000-8000-000000000001', '978-0060512750')"));
        BOOST_TEST(refused(*s, "UPDATE \"books\" SET \"title\" = '' WHERE \"bookId\" = '6f1c2a4e-0000-4000-8000-0000000000b1'"));
        BOOST_TEST(refused(*s, "DELETE FROM \"authors\""));  // ON DELETE RESTRICT
        *s << "DELETE FROM \"books\"";
    }

    // Le Guin's row would go with its table: refused, naming it, until allowed.
    auto refused_down = run(db, {"down", "--all"});
    BOOST_TEST(refused_down.result.exit_code == 1, refused_down);
    BOOST_TEST(contains(refused_down.result.err, "drops table \"authors\" with its 1 row"), refused_down);
    auto down = run(db, {"down", "--all", "--allow-data-loss"});
    BOOST_TEST_REQUIRE(down.result.exit_code == 0, down);
    BOOST_TEST(contains(down.result.out, "6 units reverted on "), down);
    auto s = open_session(db.url());
    BOOST_TEST(read_table_names(*s) == (std::vector<std::string>{"strata_schema_history", "strata_schema_log"}));
    // Nothing of the SQL units stays behind: no trigger, and on PostgreSQL no function.
    if (backend == strata::backend::postgresql) {
        BOOST_TEST(query_text(*s, "SELECT CAST(proname AS TEXT) FROM pg_proc WHERE proname = 'reject_blank_title'").size() == 0u);
    } else {
        BOOST_TEST(query_text(*s, "SELECT name FROM sqlite_master WHERE type IN ('trigger', 'index') AND name NOT LIKE 'sqlite_%' "
                                  "AND tbl_name NOT LIKE 'strata_%'")
                       .size() == 0u);
    }

    auto after = run(db, {"status"});
    BOOST_TEST(contains(after.result.out, "0 applied, 6 pending"), after);
}

// The example's units round-trip (issue 11): each down restores the schema its up found, on a
// scratch database; the target stays untouched.
STRATA_BACKEND_TEST(example_migrator_verifies_its_units) {
    auto db = temp_database::create(backend);
    auto verify = run(db, {"verify"});
    BOOST_TEST(verify.result.exit_code == 0, verify);
    for (const auto& name : unit_names) BOOST_TEST(contains(verify.result.out, " " + name + "\n"), "verify should report " << name << verify);
    BOOST_TEST(contains(verify.result.out, "ok: 6 units round-trip\n"), verify);
    auto s = open_session(db.url());
    BOOST_TEST(read_table_names(*s).empty());
}

BOOST_AUTO_TEST_SUITE(sqlite)

BOOST_AUTO_TEST_CASE(example_migrator_calls_itself_by_its_name) {
    auto db = temp_database::sqlite();
    auto version = run(db, {"--version"});
    BOOST_TEST(version.result.exit_code == 0, version);
    BOOST_TEST(version.result.out == std::string("bookshop-migrate (strata ") + STRATA_VERSION + ")\n", version);

    auto help = run(db, {"--help"});
    BOOST_TEST(contains(help.result.out, "Usage: bookshop-migrate [--database URL] <command> [options]"), help);
    BOOST_TEST(contains(help.result.out, "\n  new NAME [--sql] [--dir DIR] [--sequential]\n"), help);
    BOOST_TEST(contains(help.result.out, "`bookshop-migrate new NAME [--sql]` writes one"), help);
    BOOST_TEST(contains(help.result.out, "/src/migrations.\n"), "help names the units' directory" << help);

    auto bad = run(db, {"frobnicate"});
    BOOST_TEST(bad.result.exit_code == 2, bad);
    BOOST_TEST(contains(bad.result.err, "bookshop-migrate: error: unknown command 'frobnicate'"), bad);
}

BOOST_AUTO_TEST_SUITE_END()
