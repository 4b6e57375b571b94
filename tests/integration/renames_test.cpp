// Renames (issue 9): a unit renames a table other rows point at, its key column and an indexed
// column; the foreign keys, the unique key and the indexes follow, the rows stay, and a later
// unit that makes SQLite rebuild the renamed table sees the new names. Down restores exactly the
// schema read back before the renames. Units are defined here, in a registry of the test's own.

#include <strata/migration.hpp>
#include <strata/registry.hpp>
#include <strata/runner.hpp>

#include <soci/soci.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "support/change_unit.hpp"
#include "backend_test.hpp"
#include "support/schema_history.hpp"
#include "support/schema_reader.hpp"
#include "support/schema_session.hpp"
#include "support/temp_database.hpp"
#include "tutorial.hpp"

using namespace strata::test;
using namespace strata::schema;
using strata::test::tutorial::refusal;
using strata::test::tutorial::run;

namespace {

using strata::test::change_unit;

/// 1: authors (mentor, last, points at authors itself) and books pointing at them, a unique
/// key on authors.email and an index on each table. 2: the renames. 3: drops the mentor column,
/// whose foreign key makes SQLite rebuild the renamed table.
std::unique_ptr<strata::registry> rename_units() {
    auto r = std::make_unique<strata::registry>();
    r->add(std::make_shared<const change_unit>(1, "create_authors_and_books", [](builder& b) {
               b.create_table("authors", [](table& t) {
                   t.column("id", type::bigint()).primary();
                   t.column("email", type::varchar(100)).not_null();
                   t.column("name", type::text());
                   t.column("mentor", type::bigint()).references("authors", "id");
                   t.unique({"email"});
               });
               b.create_index("authors", {"name"});
               b.create_table("books", [](table& t) {
                   t.column("id", type::bigint()).primary();
                   t.column("author", type::bigint()).not_null().references("authors", "id");
                   t.column("title", type::text()).not_null();
               });
               b.create_index("books", {"title"});
           }),
           "renames_test.cpp");
    r->add(std::make_shared<const change_unit>(2, "rename_authors_to_writers", [](builder& b) {
               b.rename_table("authors", "writers");
               b.rename_column("writers", "id", "writer_id");
               b.rename_column("books", "title", "heading");
           }),
           "renames_test.cpp");
    r->add(std::make_shared<const change_unit>(3, "drop_writers_mentor", [](builder& b) {
               b.drop_column("writers", column("mentor", type::bigint())
                                            .references("writers", "writer_id")
                                            .foreign_key_name("authors_mentor_fkey"));
           }),
           "renames_test.cpp");
    return r;
}

void rename_in(std::vector<std::string>& names, const std::map<std::string, std::string>& renames) {
    for (auto& n : names)
        if (auto it = renames.find(n); it != renames.end()) n = it->second;
}

/// `before` as unit 2 should leave it: authors is writers, its id is writer_id, books.title is
/// heading; constraint and index names unchanged.
database_schema renamed(database_schema s) {
    const std::map<std::string, std::map<std::string, std::string>> columns{
        {"authors", {{"id", "writer_id"}}}, {"books", {{"title", "heading"}}}};
    for (auto& t : s.tables) {
        const auto& own = columns.at(t.name);
        for (auto& c : t.columns)
            if (auto it = own.find(c.name); it != own.end()) c.name = it->second;
        rename_in(t.primary_key, own);
        for (auto& k : t.foreign_keys) {
            rename_in(k.columns, own);
            rename_in(k.ref_columns, columns.at(k.ref_table));
            if (k.ref_table == "authors") k.ref_table = "writers";
        }
        for (auto& u : t.uniques) rename_in(u.columns, own);
        for (auto& i : t.indexes) rename_in(i.columns, own);
        if (t.name == "authors") t.name = "writers";
    }
    std::sort(s.tables.begin(), s.tables.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return s;
}

/// `s` without writers.mentor and its foreign key, as unit 3 leaves it.
database_schema without_mentor(database_schema s) {
    for (auto& t : s.tables) {
        if (t.name != "writers") continue;
        std::erase_if(t.columns, [](const column_info& c) { return c.name == "mentor"; });
        std::erase_if(t.foreign_keys, [](const foreign_key_info& k) { return k.columns == std::vector<std::string>{"mentor"}; });
    }
    return s;
}

long long count_of(soci::session& sql, const std::string& query) { return std::stoll(query_value(sql, query).value_or("-1")); }

/// The rows inserted before the renames, read through the new names.
text_rows books_by_writer(soci::session& sql) {
    return query_text(sql, "SELECT CAST(b.id AS TEXT), b.heading, CAST(w.email AS TEXT) FROM books b JOIN writers w ON w.writer_id = "
                           "b.author ORDER BY b.id");
}

/// The keys still hold under the new names: a book of a missing writer and a second writer with
/// a taken email are refused, a book of an existing writer is accepted.
void keys_hold_under_the_new_names(soci::session& sql, int book_id) {
    const std::string id = std::to_string(book_id);
    BOOST_TEST(run(sql, "INSERT INTO books (id, author, heading) VALUES (" + id + ", 999, 'orphan')") ==
               refusal::foreign_key);
    BOOST_TEST(run(sql, "INSERT INTO writers (writer_id, email) VALUES (" + id + ", 'ada@example.org')") == refusal::unique);
    BOOST_TEST(run(sql, "INSERT INTO books (id, author, heading) VALUES (" + id + ", 2, 'Notes')") == refusal::none);
    BOOST_TEST(run(sql, "DELETE FROM books WHERE id = " + id) == refusal::none);
}

}  // namespace

STRATA_BACKEND_TEST(renames_keep_rows_keys_and_indexes_and_survive_a_later_rebuild) {
    auto db = temp_database::create(backend);
    auto units = rename_units();
    strata::runner r(*units, db.url(), {.allow_data_loss = true});
    auto sql = open_session(db.url());

    const auto empty = user_schema(*sql);
    r.up(1);
    for (const char* row : {"INSERT INTO authors (id, email, name) VALUES (1, 'ada@example.org', 'Ada')",
                            "INSERT INTO authors (id, email, name, mentor) VALUES (2, 'alan@example.org', 'Alan', 1)",
                            "INSERT INTO books (id, author, title) VALUES (10, 1, 'Sketch')",
                            "INSERT INTO books (id, author, title) VALUES (11, 2, 'Machines')",
                            "INSERT INTO books (id, author, title) VALUES (12, 2, 'Morphogenesis')"})
        BOOST_TEST_REQUIRE(run(*sql, row) == refusal::none, row);
    const auto before = user_schema(*sql);
    BOOST_TEST_REQUIRE(before.table_names() == (std::vector<std::string>{"authors", "books"}),
                       boost::test_tools::per_element());
    const text_rows rows{{{"10", "Sketch", "ada@example.org"},
                          {"11", "Machines", "alan@example.org"},
                          {"12", "Morphogenesis", "alan@example.org"}}};

    r.up(2);
    const auto after_renames = user_schema(*sql);
    BOOST_TEST(after_renames == renamed(before), schema_diff(renamed(before), after_renames));
    BOOST_TEST(books_by_writer(*sql) == rows);
    BOOST_TEST(query_value(*sql, "SELECT CAST(mentor AS TEXT) FROM writers WHERE writer_id = 2") ==
               std::optional<std::string>("1"));
    keys_hold_under_the_new_names(*sql, 20);

    r.up(3);
    const auto after_rebuild = user_schema(*sql);
    BOOST_TEST(after_rebuild == without_mentor(renamed(before)), schema_diff(without_mentor(renamed(before)), after_rebuild));
    BOOST_TEST(books_by_writer(*sql) == rows);
    BOOST_TEST(count_of(*sql, "SELECT CAST(count(*) AS TEXT) FROM writers") == 2);
    keys_hold_under_the_new_names(*sql, 30);

    r.down({.to = 1});
    const auto reverted = user_schema(*sql);
    BOOST_TEST(reverted == before, schema_diff(before, reverted));
    BOOST_TEST(count_of(*sql, "SELECT CAST(count(*) AS TEXT) FROM books b JOIN authors a ON a.id = b.author") == 3);
    BOOST_TEST(recorded_versions(*sql) == (std::vector<std::int64_t>{1}), boost::test_tools::per_element());

    r.down({.all = true});
    BOOST_TEST(user_schema(*sql) == empty, schema_diff(empty, user_schema(*sql)));
}
