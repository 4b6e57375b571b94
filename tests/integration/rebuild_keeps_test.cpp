// SQLite table rebuilds keep what the units do not define (issue 9, point 10): an expression
// index, a partial index and a trigger made by raw sql survive a rebuild with every row, and the
// trigger still refuses what it refused; one that no longer applies fails the unit, naming it,
// with nothing changed. A foreign key to a table that does not exist is refused on both databases
// (PostgreSQL by itself, SQLite by strata before the unit commits).

#include <strata/error.hpp>
#include <strata/registry.hpp>
#include <strata/runner.hpp>

#include <soci/soci.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "backend_test.hpp"
#include "support/change_unit.hpp"
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

std::shared_ptr<const change_unit> create_people() {
    return std::make_shared<const change_unit>(1, "create_people", [](builder& b) {
        b.create_table("people", [](table& t) {
            t.column("id", type::bigint()).primary();
            t.column("email", type::text()).not_null();
            t.column("team", type::bigint());
            t.column("deleted", type::boolean()).not_null().default_sql("FALSE");
        });
        b.create_table("teams", [](table& t) { t.column("id", type::bigint()).primary(); });
    });
}

/// Objects the model does not know: an expression index, a partial index, a trigger.
std::shared_ptr<const change_unit> raw_objects() {
    return std::make_shared<const change_unit>(2, "raw_objects", [](builder& b) {
        b.sql(R"(CREATE UNIQUE INDEX "people_email_lower" ON "people" (lower("email")))", R"(DROP INDEX "people_email_lower")");
        b.sql(R"(CREATE INDEX "people_live_team" ON "people" ("team") WHERE NOT "deleted")", R"(DROP INDEX "people_live_team")");
        b.sql(R"(CREATE TRIGGER "people_no_root" BEFORE INSERT ON "people" WHEN NEW."email" = 'root' BEGIN SELECT RAISE(ABORT, 'no root'); END)",
              R"(DROP TRIGGER "people_no_root")");
    });
}

/// Makes SQLite rebuild people.
std::shared_ptr<const change_unit> add_team_key(std::int64_t version) {
    return std::make_shared<const change_unit>(version, "add_team_key", [](builder& b) {
        b.add_foreign_key("people", {.columns = {"team"}, .ref_table = "teams", .ref_columns = {"id"}});
    });
}

std::vector<std::string> objects_on_people(soci::session& sql) {
    std::vector<std::string> names;
    for (const auto& row : query_text(sql, "SELECT type || ' ' || name FROM sqlite_master WHERE tbl_name = 'people' AND sql IS "
                                           "NOT NULL AND type <> 'table' ORDER BY name")
                               .rows)
        names.push_back(row[0].value_or(""));
    return names;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sqlite)

BOOST_AUTO_TEST_CASE(a_rebuild_keeps_indexes_and_triggers_made_by_raw_sql) {
    auto db = temp_database::create(strata::backend::sqlite);
    strata::registry units;
    units.add(create_people(), "rebuild_keeps_test.cpp");
    units.add(raw_objects(), "rebuild_keeps_test.cpp");
    units.add(add_team_key(3), "rebuild_keeps_test.cpp");
    strata::runner r(units, db.url(), {.allow_data_loss = true});
    auto sql = open_session(db.url());
    r.up(2);
    for (const char* row : {"INSERT INTO teams (id) VALUES (1)",
                            "INSERT INTO people (id, email, team) VALUES (1, 'ada@example.org', 1)",
                            "INSERT INTO people (id, email, team, deleted) VALUES (2, 'old@example.org', 1, 1)"})
        BOOST_TEST_REQUIRE(run(*sql, row) == refusal::none, row);
    const auto before = objects_on_people(*sql);
    BOOST_TEST_REQUIRE(before == (std::vector<std::string>{"index people_email_lower", "index people_live_team",
                                                           "trigger people_no_root"}),
                       boost::test_tools::per_element());

    r.up();  // unit 3 rebuilds people
    BOOST_TEST(objects_on_people(*sql) == before, boost::test_tools::per_element());
    BOOST_TEST(query_value(*sql, "SELECT CAST(count(*) AS TEXT) FROM people") == std::optional<std::string>("2"));
    BOOST_TEST(run(*sql, "INSERT INTO people (id, email) VALUES (3, 'ADA@example.org')") == refusal::unique);
    BOOST_TEST(!(run(*sql, "INSERT INTO people (id, email) VALUES (4, 'root')") == refusal::none));
    BOOST_TEST(run(*sql, "INSERT INTO people (id, email, team) VALUES (5, 'eve@example.org', 9)") == refusal::foreign_key);
    BOOST_TEST(query_value(*sql, "SELECT sql FROM sqlite_master WHERE name = 'people_live_team'") ==
               std::optional<std::string>(R"(CREATE INDEX "people_live_team" ON "people" ("team") WHERE NOT "deleted")"));
    // No temporary table is left behind on the connection that ran the unit either: the next
    // rebuild (down) saves them again.
    r.down({.to = 2});
    BOOST_TEST(objects_on_people(*sql) == before, boost::test_tools::per_element());
    r.down({.all = true});
    BOOST_TEST(user_schema(*sql).tables.empty());
}

BOOST_AUTO_TEST_CASE(a_rebuild_that_cannot_keep_a_raw_index_fails_naming_it_and_changes_nothing) {
    auto db = temp_database::create(strata::backend::sqlite);
    strata::registry units;
    units.add(create_people(), "rebuild_keeps_test.cpp");
    units.add(raw_objects(), "rebuild_keeps_test.cpp");
    // SQLite took "emial" (a typo) for a string, so this indexes a constant: with that misfeature
    // off, as when a rebuild creates the index again, it is an error.
    units.add(std::make_shared<const change_unit>(3, "raw_typo_index", [](builder& b) {
                  b.sql(R"(CREATE INDEX "people_typo" ON "people" ("emial"))", R"(DROP INDEX "people_typo")");
                  b.sql(R"(CREATE INDEX "people_team_plus" ON "people" (("team" + 1)))", R"(DROP INDEX "people_team_plus")");
              }),
              "rebuild_keeps_test.cpp");
    // Dropping team, once a foreign key is on it, rebuilds people. Like PostgreSQL, the indexes
    // using team (people_live_team, people_team_plus) go with the column; the typo index cannot
    // be created again, so the unit is refused, naming it.
    units.add(std::make_shared<const change_unit>(4, "drop_team", [](builder& b) {
                  b.add_foreign_key("people", {.columns = {"team"}, .ref_table = "teams", .ref_columns = {"id"}});
                  b.drop_column("people", column("team", type::bigint()));
              }),
              "rebuild_keeps_test.cpp");
    strata::runner r(units, db.url());
    auto sql = open_session(db.url());
    r.up(3);
    const auto before = read_schema(*sql);
    const auto objects = objects_on_people(*sql);
    try {
        r.up();
        BOOST_FAIL("unit 4 should have failed");
    } catch (const strata::error& e) {
        const std::string message = e.what();
        BOOST_TEST(message.find("the rebuild of table \"people\" cannot keep index \"people_typo\": no such column: emial") !=
                       std::string::npos,
                   message);
    }
    BOOST_TEST(read_schema(*sql) == before, schema_diff(before, read_schema(*sql)));
    BOOST_TEST(objects_on_people(*sql) == objects, boost::test_tools::per_element());
    BOOST_TEST(recorded_versions(*sql) == (std::vector<std::int64_t>{1, 2, 3}), boost::test_tools::per_element());

    // Without the typo index, the unit runs; the indexes using team are gone with it.
    BOOST_TEST(run(*sql, R"(DROP INDEX "people_typo")") == refusal::none);
    r.up();
    BOOST_TEST(objects_on_people(*sql) == (std::vector<std::string>{"index people_email_lower", "trigger people_no_root"}),
               boost::test_tools::per_element());
    BOOST_TEST(read_table(*sql, "people").find_column("team") == nullptr);
}

BOOST_AUTO_TEST_SUITE_END()

STRATA_BACKEND_TEST(a_foreign_key_to_a_missing_table_or_column_is_refused_and_nothing_is_kept) {
    struct bad_key {
        std::string create;
        std::string refusal;  // SQLite's, from strata
    };
    const std::vector<bad_key> cases{
        {R"(CREATE TABLE "orphans" ("id" BIGINT PRIMARY KEY, "owner" BIGINT REFERENCES "ghosts" ("id")))",
         "the foreign key of table \"orphans\" on column \"owner\" references table \"ghosts\", which does not exist"},
        {R"(CREATE TABLE "strays" ("id" BIGINT PRIMARY KEY, "person" BIGINT REFERENCES "people" ("nope")))",
         "the foreign key of table \"strays\" on column \"person\" references column \"people\".\"nope\", which does not exist"},
    };
    for (const auto& c : cases) {
        auto db = temp_database::create(backend);
        strata::registry units;
        units.add(create_people(), "rebuild_keeps_test.cpp");
        units.add(std::make_shared<const change_unit>(2, "bad_key", [&](builder& b) { b.sql(c.create, "SELECT 1"); }),
                  "rebuild_keeps_test.cpp");
        strata::runner r(units, db.url());
        auto sql = open_session(db.url());
        r.up(1);
        const auto before = user_schema(*sql);
        try {
            r.up();
            BOOST_FAIL("unit 2 should have been refused: " << c.create);
        } catch (const strata::error& e) {
            const std::string message = e.what();
            if (backend == strata::backend::sqlite) BOOST_TEST(message.find(c.refusal) != std::string::npos, message);
        }
        BOOST_TEST(user_schema(*sql) == before, schema_diff(before, user_schema(*sql)));
        BOOST_TEST(recorded_versions(*sql) == (std::vector<std::int64_t>{1}), boost::test_tools::per_element());
    }
}

// SQLite skips the dangling-key check for a unit whose statements cannot touch a key (rows, an
// index, a table without one): a later unit that drops a referenced table is still refused.
STRATA_BACKEND_TEST(dropping_a_referenced_table_after_a_unit_that_touched_no_key_is_refused) {
    auto db = temp_database::create(backend);
    strata::registry units;
    units.add(create_people(), "rebuild_keeps_test.cpp");
    units.add(std::make_shared<const change_unit>(2, "pets", [](builder& b) {
                  b.sql(R"(CREATE TABLE "pets" ("id" BIGINT PRIMARY KEY, "owner" BIGINT REFERENCES "people" ("id")))",
                        R"(DROP TABLE "pets")");
              }),
              "rebuild_keeps_test.cpp");
    units.add(std::make_shared<const change_unit>(3, "notes", [](builder& b) {
                  b.sql(R"(CREATE TABLE "notes" ("id" BIGINT PRIMARY KEY))", R"(DROP TABLE "notes")");
                  b.sql(R"(INSERT INTO "notes" ("id") VALUES (1))", R"(DELETE FROM "notes")");
                  b.sql(R"(CREATE INDEX "notes_id" ON "notes" ("id"))", R"(DROP INDEX "notes_id")");
              }),
              "rebuild_keeps_test.cpp");
    units.add(std::make_shared<const change_unit>(4, "drop_people", [](builder& b) { b.sql(R"(DROP TABLE "people")", "SELECT 1"); }),
              "rebuild_keeps_test.cpp");
    strata::runner r(units, db.url());
    auto sql = open_session(db.url());
    try {
        r.up();
        BOOST_FAIL("unit 4 dropped a table that pets references");
    } catch (const strata::error& e) {
        const std::string message = e.what();
        if (backend == strata::backend::sqlite)
            BOOST_TEST(message.find("the foreign key of table \"pets\" on column \"owner\" references table \"people\", which does "
                                    "not exist") != std::string::npos,
                       message);
    }
    BOOST_TEST(recorded_versions(*sql) == (std::vector<std::int64_t>{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(read_table(*sql, "people").columns.size() == 4u, "people is still there");
    BOOST_TEST(query_text(*sql, "SELECT CAST(id AS TEXT) FROM notes").rows == (std::vector<std::vector<std::optional<std::string>>>{{"1"}}));
}

STRATA_BACKEND_TEST(a_change_after_a_raw_rename_and_a_raw_column_works_from_the_live_table) {
    auto db = temp_database::create(backend);
    strata::registry units;
    units.add(create_people(), "rebuild_keeps_test.cpp");
    units.add(std::make_shared<const change_unit>(2, "raw_changes", [](builder& b) {
                  b.sql(R"(ALTER TABLE "people" RENAME COLUMN "email" TO "mail")",
                        R"(ALTER TABLE "people" RENAME COLUMN "mail" TO "email")");
                  b.sql(R"(ALTER TABLE "people" ADD COLUMN "nickname" TEXT)", R"(ALTER TABLE "people" DROP COLUMN "nickname")");
              }),
              "rebuild_keeps_test.cpp");
    units.add(add_team_key(3), "rebuild_keeps_test.cpp");
    strata::runner r(units, db.url(), {.allow_data_loss = true});
    auto sql = open_session(db.url());
    r.up(2);
    for (const char* row : {"INSERT INTO teams (id) VALUES (1)",
                            "INSERT INTO people (id, mail, team, nickname) VALUES (1, 'ada@example.org', 1, 'ada')"})
        BOOST_TEST_REQUIRE(run(*sql, row) == refusal::none, row);
    const auto before = read_table(*sql, "people");

    r.up();  // SQLite rebuilds people from what it is, not from what unit 1 said
    auto after = read_table(*sql, "people");
    BOOST_TEST(after.columns == before.columns, boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(after.foreign_keys.size() == 1u);
    BOOST_TEST(after.foreign_keys.front().ref_table == "teams");
    BOOST_TEST(query_text(*sql, "SELECT mail, nickname FROM people").rows ==
               (std::vector<std::vector<std::optional<std::string>>>{{"ada@example.org", "ada"}}));
    BOOST_TEST(run(*sql, "INSERT INTO people (id, mail, team) VALUES (2, 'eve@example.org', 9)") == refusal::foreign_key);

    r.down({.to = 1});
    BOOST_TEST(read_table(*sql, "people").find_column("email") != nullptr);
    BOOST_TEST(read_table(*sql, "people").foreign_keys.empty());
}

BOOST_AUTO_TEST_SUITE(sqlite)

// A key that dangled before strata ran is not a unit's doing; once a unit creates what it
// references, dropping that again is. Creating a table is not skipped while a key dangles.
BOOST_AUTO_TEST_CASE(a_key_that_dangled_before_is_refused_once_its_table_came_and_went_again) {
    auto db = temp_database::create(strata::backend::sqlite);
    auto sql = open_session(db.url());
    BOOST_TEST_REQUIRE(run(*sql, R"(CREATE TABLE "orphans" ("id" BIGINT PRIMARY KEY, "owner" BIGINT REFERENCES "ghosts" ("id")))") ==
                       refusal::none);
    strata::registry units;
    units.add(std::make_shared<const change_unit>(1, "ghosts", [](builder& b) {
                  b.sql(R"(CREATE TABLE "ghosts" ("id" BIGINT PRIMARY KEY))", R"(DROP TABLE "ghosts")");
              }),
              "rebuild_keeps_test.cpp");
    units.add(std::make_shared<const change_unit>(2, "notes", [](builder& b) {
                  b.sql(R"(CREATE TABLE "notes" ("id" BIGINT PRIMARY KEY))", R"(DROP TABLE "notes")");
              }),
              "rebuild_keeps_test.cpp");
    units.add(std::make_shared<const change_unit>(3, "drop_ghosts", [](builder& b) { b.sql(R"(DROP TABLE "ghosts")", "SELECT 1"); }),
              "rebuild_keeps_test.cpp");
    strata::runner r(units, db.url());
    try {
        r.up();
        BOOST_FAIL("unit 3 left orphans.owner referencing a table that no longer exists");
    } catch (const strata::error& e) {
        const std::string message = e.what();
        BOOST_TEST(message.find("the foreign key of table \"orphans\" on column \"owner\" references table \"ghosts\"") !=
                       std::string::npos,
                   message);
    }
    BOOST_TEST(recorded_versions(*sql) == (std::vector<std::int64_t>{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(read_table(*sql, "ghosts").columns.size() == 1u, "ghosts is still there");
}

/// Units 1 to 3 (applied) and, pending, 4 (a harmless table) and 5, which adds a foreign key:
/// SQLite rebuilds people, and the raw index people_typo cannot be created again.
strata::registry typo_index_units() {
    strata::registry units;
    units.add(create_people(), "rebuild_keeps_test.cpp");
    units.add(raw_objects(), "rebuild_keeps_test.cpp");
    units.add(std::make_shared<const change_unit>(3, "raw_typo_index", [](builder& b) {
                  b.sql(R"(CREATE INDEX "people_typo" ON "people" ("emial"))", R"(DROP INDEX "people_typo")");
              }),
              "rebuild_keeps_test.cpp");
    units.add(std::make_shared<const change_unit>(4, "create_notes", [](builder& b) {
                  b.create_table("notes", [](table& t) { t.column("id", type::bigint()).primary(); });
              }),
              "rebuild_keeps_test.cpp");
    units.add(add_team_key(5), "rebuild_keeps_test.cpp");
    return units;
}

// Point 10: what a rebuild cannot keep is refused before anything runs, also in --dry-run. The
// pending units are first run on a copy of the schema without its rows; unit 4, before the
// offending unit 5, does not run either.
BOOST_AUTO_TEST_CASE(what_a_rebuild_cannot_keep_is_refused_before_anything_runs_also_in_a_dry_run) {
    auto db = temp_database::create(strata::backend::sqlite);
    auto units = typo_index_units();
    strata::runner(units, db.url()).up(3);
    auto sql = open_session(db.url());
    const auto before = read_schema(*sql);
    for (bool dry_run : {true, false}) {
        try {
            strata::runner(units, db.url(), {.dry_run = dry_run}).up();
            BOOST_FAIL("unit 5 should have been refused");
        } catch (const strata::unsupported_error& e) {
            const std::string message = e.what();
            BOOST_TEST(message.find("unit 5 add_team_key") != std::string::npos, message);
            BOOST_TEST(message.find("cannot keep index \"people_typo\"") != std::string::npos, message);
            BOOST_TEST(message.find("before anything ran: nothing was run") != std::string::npos, message);
        }
        BOOST_TEST(read_schema(*sql) == before, schema_diff(before, read_schema(*sql)));
        BOOST_TEST(recorded_versions(*sql) == (std::vector<std::int64_t>{1, 2, 3}), boost::test_tools::per_element());
    }
}

// The rehearsal's copy has no rows: a later pending unit that writes a row referencing a row the
// database has (and the copy lacks) is not refused there, in a run or in a dry run.
BOOST_AUTO_TEST_CASE(a_rehearsal_does_not_refuse_rows_that_reference_rows_only_the_database_has) {
    auto db = temp_database::create(strata::backend::sqlite);
    strata::registry units;
    units.add(create_people(), "rebuild_keeps_test.cpp");
    units.add(add_team_key(2), "rebuild_keeps_test.cpp");
    units.add(std::make_shared<const change_unit>(3, "assign_ada", [](builder& b) {
                  b.sql("INSERT INTO people (id, email, team) VALUES (1, 'ada@example.org', 7)", "DELETE FROM people WHERE id = 1");
              }),
              "rebuild_keeps_test.cpp");
    strata::runner(units, db.url()).up(1);
    auto sql = open_session(db.url());
    BOOST_TEST_REQUIRE(run(*sql, "INSERT INTO teams (id) VALUES (7)") == refusal::none);
    sql.reset();
    auto script = strata::runner(units, db.url(), {.dry_run = true}).up().script;
    BOOST_TEST((std::find(script.begin(), script.end(), "PRAGMA foreign_keys = OFF") != script.end()),
               "the script still switches enforcement off for the rebuild, as the run does");
    strata::runner(units, db.url()).up();
    sql = open_session(db.url());
    BOOST_TEST(recorded_versions(*sql) == (std::vector<std::int64_t>{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(run(*sql, "INSERT INTO people (id, email, team) VALUES (2, 'eve@example.org', 9)") == refusal::foreign_key);
}

// The dry run's script is what the run executes, the rebuild expanded from the table as the
// earlier pending units leave it: sqlite3 runs it as-is, with the same schema and history as a
// real run.
BOOST_AUTO_TEST_CASE(a_dry_run_of_a_rebuild_is_the_script_that_does_it) {
    auto db = temp_database::create(strata::backend::sqlite);
    auto copy = temp_database::create(strata::backend::sqlite);
    auto units = typo_index_units();
    strata::runner(units, db.url()).up(3);
    auto sql = open_session(db.url());
    BOOST_TEST_REQUIRE(run(*sql, R"(DROP INDEX "people_typo")") == refusal::none);
    BOOST_TEST_REQUIRE(run(*sql, "INSERT INTO teams (id) VALUES (1)") == refusal::none);
    BOOST_TEST_REQUIRE(run(*sql, "INSERT INTO people (id, email, team) VALUES (1, 'ada@example.org', 1)") == refusal::none);
    sql.reset();
    std::filesystem::copy_file(db.url().path(), copy.url().path());

    auto script = strata::runner(units, db.url(), {.dry_run = true}).up().script;
    std::string text;
    for (const auto& line : script) text += line + ";\n";
    for (const char* expected : {"CREATE TABLE \"strata_new_people\"", "INSERT INTO \"strata_new_people\"", "DROP TABLE \"people\"",
                                 "ALTER TABLE \"strata_new_people\" RENAME TO \"people\"",
                                 "CREATE UNIQUE INDEX \"people_email_lower\""})
        BOOST_TEST(text.find(expected) != std::string::npos, expected << " missing in:\n" << text);
    const std::string script_path = copy.url().path() + ".sql";
    std::ofstream(script_path) << ".bail on\n" << text;
    const std::string command = "sqlite3 '" + copy.url().path() + "' < '" + script_path + "'";
    BOOST_TEST_REQUIRE(std::system(command.c_str()) == 0, command << "\n" << text);

    strata::runner(units, db.url()).up();
    auto by_script = open_session(copy.url());
    sql = open_session(db.url());
    BOOST_TEST(read_schema(*by_script) == read_schema(*sql), schema_diff(read_schema(*sql), read_schema(*by_script)));
    const std::string rows =
        "SELECT CAST(version AS TEXT), name, checksum, state, applied_by, down_statements FROM strata_schema_history ORDER BY version";
    BOOST_TEST(query_text(*by_script, rows).rows == query_text(*sql, rows).rows);
    BOOST_TEST(query_text(*by_script, "SELECT email FROM people").rows ==
               (std::vector<std::vector<std::optional<std::string>>>{{"ada@example.org"}}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sqlite)

// A key that referenced nothing before the run is not the next unit's doing: it runs.
BOOST_AUTO_TEST_CASE(a_foreign_key_broken_before_the_run_does_not_fail_an_unrelated_unit) {
    auto db = temp_database::create(strata::backend::sqlite);
    auto sql = open_session(db.url());
    BOOST_TEST_REQUIRE(run(*sql, R"(CREATE TABLE "legacy" ("id" INTEGER, "owner" INTEGER REFERENCES "gone" ("id")))") ==
                       refusal::none);
    strata::registry units;
    units.add(create_people(), "rebuild_keeps_test.cpp");
    strata::runner(units, db.url()).up();
    BOOST_TEST(recorded_versions(*sql) == (std::vector<std::int64_t>{1}), boost::test_tools::per_element());
    BOOST_TEST(read_schema(*sql).find("people") != nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
