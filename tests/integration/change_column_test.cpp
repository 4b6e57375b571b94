// Changing a column (issue 9, point 2): units change a column's type (varchar(20) to text, text
// to integer with a USING expression and a default that cannot be cast, bigint to integer), its
// default and its nullability on a table holding rows. After each, the schema is read back from
// the database's own catalog and rows are inserted that must be accepted or refused; a unit the
// rows do not allow fails and leaves nothing half-done; down restores exactly the schema read
// before. On PostgreSQL the online NOT NULL leaves no check behind and a rerun after a crash
// finishes it. Units are defined here, in a registry of the test's own.

#include <strata/error.hpp>
#include <strata/migration.hpp>
#include <strata/registry.hpp>
#include <strata/runner.hpp>

#include <soci/soci.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
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
using unit_ptr = std::shared_ptr<const change_unit>;
using versions = std::vector<std::int64_t>;

unit_ptr unit(std::int64_t version, std::string name, std::function<void(builder&)> ops) {
    return std::make_shared<const change_unit>(version, std::move(name), std::move(ops));
}

std::unique_ptr<strata::registry> registry_of(const std::vector<unit_ptr>& units) {
    auto r = std::make_unique<strata::registry>();
    for (const auto& u : units) r->add(u, "change_column_test.cpp");
    return r;
}

/// 1: people(id, nick varchar(20), age text DEFAULT '0', score bigint). 2: nick becomes text; age
/// becomes integer DEFAULT 0 (USING CAST; the text default '0' cannot be cast to integer, so it
/// is dropped and set again). 3: score becomes integer. 4: score becomes NOT NULL DEFAULT 7.
/// 5: score takes NULL again and loses its default.
std::unique_ptr<strata::registry> change_units() {
    return registry_of({
        unit(1, "create_people",
             [](builder& b) {
                 b.create_table("people", [](table& t) {
                     t.column("id", type::bigint()).primary();
                     t.column("nick", type::varchar(20));
                     t.column("age", type::text()).default_sql("'0'");
                     t.column("score", type::bigint());
                 });
             }),
        unit(2, "widen_nick_and_count_age",
             [](builder& b) {
                 b.change_column("people", column("nick", type::varchar(20)), column("nick", type::text()));
                 b.change_column("people", column("age", type::text()).default_sql("'0'"),
                                 column("age", type::integer()).default_sql("0"))
                     .using_sql(R"(CAST("age" AS INTEGER))");
             }),
        unit(3, "narrow_score", [](builder& b) { b.change_column("people", column("score", type::bigint()), column("score", type::integer())); }),
        unit(4, "require_score",
             [](builder& b) {
                 b.change_column("people", column("score", type::integer()), column("score", type::integer()).not_null().default_sql("7"));
             }),
        unit(5, "relax_score",
             [](builder& b) {
                 b.change_column("people", column("score", type::integer()).not_null().default_sql("7"), column("score", type::integer()));
             }),
    });
}

/// people's column `name` as the database reports it.
column_info column_of(soci::session& sql, const std::string& table, const std::string& name) {
    auto t = read_table(sql, table);
    const auto* c = t.find_column(name);
    BOOST_TEST_REQUIRE(c != nullptr, "no column " << name << ":\n" << t);
    return *c;
}

/// The type each database reports for one of strata's types.
std::string reported(strata::backend b, const std::string& postgresql, const std::string& sqlite) {
    return b == strata::backend::postgresql ? postgresql : sqlite;
}

text_rows people(soci::session& sql) {
    return query_text(sql, "SELECT CAST(id AS TEXT), CAST(nick AS TEXT), CAST(age AS TEXT), CAST(score AS TEXT) FROM people ORDER BY id");
}

/// PostgreSQL: the names of the constraints of `table`, sorted.
std::vector<std::string> constraints_of(soci::session& sql, const std::string& table) {
    auto rows = query_text(sql, "SELECT CAST(conname AS TEXT) FROM pg_constraint WHERE conrelid = CAST(:p AS regclass) ORDER BY conname",
                           table);
    std::vector<std::string> out;
    for (const auto& r : rows.rows) out.push_back(r[0].value_or("?"));
    return out;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

STRATA_BACKEND_TEST(change_column_changes_type_default_and_nullability_and_down_restores_the_schema) {
    auto db = temp_database::create(backend);
    auto units = change_units();
    auto sql = open_session(db.url());
    const auto empty = user_schema(*sql);
    strata::runner(*units, db.url()).up(1);
    for (const char* row : {"INSERT INTO people (id, nick, age, score) VALUES (1, 'ada', '36', 100)",
                            "INSERT INTO people (id, nick, age, score) VALUES (2, 'alan', '41', NULL)",
                            "INSERT INTO people (id, nick, score) VALUES (3, 'grace', 3000000000)"})
        BOOST_TEST_REQUIRE(run(*sql, row) == refusal::none, row);
    const auto before = user_schema(*sql);
    BOOST_TEST(run(*sql, "INSERT INTO people (id, nick) VALUES (9, 'a nickname of 29 characters.')") == refusal::too_long);

    // 2: varchar(20) -> text, text DEFAULT '0' -> integer DEFAULT 0 with USING.
    strata::runner(*units, db.url()).up(2);
    BOOST_TEST(column_of(*sql, "people", "nick").type == reported(backend, "text", "TEXT"));
    const auto age = column_of(*sql, "people", "age");
    BOOST_TEST(age.type == reported(backend, "integer", "INTEGER"));
    BOOST_TEST(age.nullable);
    BOOST_TEST(age.default_value.has_value());
    BOOST_TEST(people(*sql) == (text_rows{{{"1", "ada", "36", "100"}, {"2", "alan", "41", std::nullopt}, {"3", "grace", "0", "3000000000"}}}));
    BOOST_TEST(query_value(*sql, "SELECT CAST(sum(age) AS TEXT) FROM people") == std::optional<std::string>("77"));
    BOOST_TEST(run(*sql, "INSERT INTO people (id, nick) VALUES (4, 'a nickname of 29 characters.')") == refusal::none);
    BOOST_TEST(query_value(*sql, "SELECT CAST(age AS TEXT) FROM people WHERE id = 4") == std::optional<std::string>("0"));
    BOOST_TEST(run(*sql, "DELETE FROM people WHERE id = 4") == refusal::none);
    const auto after_2 = user_schema(*sql);

    // 3: bigint -> integer fails on a value out of integer's range, on both databases, and
    // leaves the schema as unit 2 left it.
    BOOST_CHECK_THROW(strata::runner(*units, db.url()).up(3), strata::error);
    BOOST_TEST(user_schema(*sql) == after_2, schema_diff(after_2, user_schema(*sql)));
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2}), boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(run(*sql, "UPDATE people SET score = 3 WHERE id = 3") == refusal::none);
    strata::runner(*units, db.url()).up(3);
    BOOST_TEST(column_of(*sql, "people", "score").type == reported(backend, "integer", "INTEGER"));
    BOOST_TEST(people(*sql) == (text_rows{{{"1", "ada", "36", "100"}, {"2", "alan", "41", std::nullopt}, {"3", "grace", "0", "3"}}}));
    const auto after_3 = user_schema(*sql);

    // 4: NOT NULL DEFAULT 7 fails while a row holds NULL, and nothing of it stays (not the default).
    BOOST_CHECK_THROW(strata::runner(*units, db.url()).up(4), strata::error);
    BOOST_TEST(user_schema(*sql) == after_3, schema_diff(after_3, user_schema(*sql)));
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(run(*sql, "UPDATE people SET score = 0 WHERE id = 2") == refusal::none);
    strata::runner(*units, db.url()).up(4);
    const auto score = column_of(*sql, "people", "score");
    BOOST_TEST(!score.nullable);
    BOOST_TEST(score.default_value.has_value());
    BOOST_TEST(run(*sql, "INSERT INTO people (id, nick, score) VALUES (5, 'edsger', NULL)") == refusal::not_null);
    BOOST_TEST(run(*sql, "INSERT INTO people (id, nick) VALUES (5, 'edsger')") == refusal::none);
    BOOST_TEST(query_value(*sql, "SELECT CAST(score AS TEXT) FROM people WHERE id = 5") == std::optional<std::string>("7"));

    // 5: back to nullable without a default: the schema after unit 3.
    strata::runner(*units, db.url()).up(5);
    BOOST_TEST(user_schema(*sql) == after_3, schema_diff(after_3, user_schema(*sql)));
    BOOST_TEST(run(*sql, "INSERT INTO people (id, nick, score) VALUES (6, 'barbara', NULL)") == refusal::none);
    BOOST_TEST(run(*sql, "DELETE FROM people WHERE id IN (5, 6)") == refusal::none);

    // Down, one unit at a time, restores each schema exactly.
    strata::runner(*units, db.url(), {.allow_data_loss = true}).down();
    const auto back_to_4 = column_of(*sql, "people", "score");
    BOOST_TEST(!back_to_4.nullable);
    BOOST_TEST(back_to_4.default_value.has_value());
    strata::runner(*units, db.url(), {.allow_data_loss = true}).down({.to = 2});
    BOOST_TEST(user_schema(*sql) == after_2, schema_diff(after_2, user_schema(*sql)));
    strata::runner(*units, db.url(), {.allow_data_loss = true}).down({.to = 1});
    const auto reverted = user_schema(*sql);
    BOOST_TEST(reverted == before, schema_diff(before, reverted));
    BOOST_TEST(people(*sql) == (text_rows{{{"1", "ada", "36", "100"}, {"2", "alan", "41", "0"}, {"3", "grace", "0", "3"}}}));
    BOOST_TEST(run(*sql, "INSERT INTO people (id, nick) VALUES (9, 'a nickname of 29 characters.')") == refusal::too_long);
    BOOST_TEST(recorded_versions(*sql) == (versions{1}), boost::test_tools::per_element());

    strata::runner(*units, db.url(), {.allow_data_loss = true}).down({.all = true});
    BOOST_TEST(user_schema(*sql) == empty, schema_diff(empty, user_schema(*sql)));
}

// Shrinking a varchar refuses values that do not fit, on SQLite too (its length CHECK).
STRATA_BACKEND_TEST(change_column_to_a_shorter_varchar_fails_on_a_value_too_long_and_keeps_the_column) {
    auto db = temp_database::create(backend);
    auto units = registry_of({
        unit(1, "create_tags", [](builder& b) { b.create_table("tags", [](table& t) { t.column("label", type::text()).not_null(); }); }),
        unit(2, "shorten_label", [](builder& b) { b.change_column("tags", column("label", type::text()).not_null(), column("label", type::varchar(5)).not_null()); }),
    });
    strata::runner(*units, db.url()).up(1);
    auto sql = open_session(db.url());
    BOOST_TEST_REQUIRE(run(*sql, "INSERT INTO tags (label) VALUES ('short'), ('much too long')") == refusal::none);
    const auto before = user_schema(*sql);
    try {
        strata::runner(*units, db.url()).up();
        BOOST_ERROR("a label of 13 characters went into varchar(5)");
    } catch (const strata::error& e) {
        // SQLite: the rows of the table the user knows, not of strata's copy of it.
        if (backend == strata::backend::sqlite)
            BOOST_TEST(contains(e.message(), "the rows of table \"tags\" do not fit its new definition: CHECK constraint failed: "),
                       e.message());
    }
    BOOST_TEST(user_schema(*sql) == before, schema_diff(before, user_schema(*sql)));
    BOOST_TEST_REQUIRE(run(*sql, "DELETE FROM tags WHERE label = 'much too long'") == refusal::none);
    strata::runner(*units, db.url()).up();
    BOOST_TEST(column_of(*sql, "tags", "label").type == reported(backend, "character varying(5)", "VARCHAR(5)"));
    BOOST_TEST(run(*sql, "INSERT INTO tags (label) VALUES ('sixsix')") == refusal::too_long);
    strata::runner(*units, db.url()).down();
    BOOST_TEST(user_schema(*sql) == before, schema_diff(before, user_schema(*sql)));
}

// A NOT NULL the rows do not meet: the error names the user's table and column, on SQLite too
// (whose rebuild copies the rows into a table of strata's, which SQLite's own text names).
STRATA_BACKEND_TEST(change_column_to_not_null_over_nulls_names_the_users_column) {
    auto db = temp_database::create(backend);
    auto units = registry_of({
        unit(1, "create_people", [](builder& b) { b.create_table("people", [](table& t) { t.column("name", type::text()); }); }),
        unit(2, "require_name", [](builder& b) { b.change_column("people", column("name", type::text()), column("name", type::text()).not_null()); }),
    });
    strata::runner(*units, db.url()).up(1);
    auto sql = open_session(db.url());
    BOOST_TEST_REQUIRE(run(*sql, "INSERT INTO people (name) VALUES (NULL)") == refusal::none);
    try {
        strata::runner(*units, db.url()).up();
        BOOST_ERROR("a NULL name went into a NOT NULL column");
    } catch (const strata::error& e) {
        BOOST_TEST(contains(e.message(), backend == strata::backend::sqlite
                                             ? "the rows of table \"people\" do not fit its new definition: NOT NULL "
                                               "constraint failed: people.name"
                                             : "column \"name\" of relation \"people\" contains null values"),
                   e.message());
    }
    BOOST_TEST(recorded_versions(*sql) == (versions{1}), boost::test_tools::per_element());
}

// A default that stays the same across a type change: DEFAULT 0 on a text column is the text
// '0', which PostgreSQL cannot cast to integer by itself; the change drops it and sets it again.
STRATA_BACKEND_TEST(change_column_keeps_an_unchanged_default_across_a_type_change) {
    auto db = temp_database::create(backend);
    auto units = registry_of({
        unit(1, "create_levels",
             [](builder& b) {
                 b.create_table("levels", [](table& t) {
                     t.column("id", type::bigint()).primary();
                     t.column("level", type::text()).not_null().default_sql("0");
                 });
             }),
        unit(2, "count_levels",
             [](builder& b) {
                 b.change_column("levels", column("level", type::text()).not_null().default_sql("0"),
                                 column("level", type::integer()).not_null().default_sql("0"))
                     .using_sql(R"(CAST("level" AS INTEGER))");
             }),
    });
    strata::runner(*units, db.url()).up(1);
    auto sql = open_session(db.url());
    BOOST_TEST_REQUIRE(run(*sql, "INSERT INTO levels (id, level) VALUES (1, '3')") == refusal::none);
    const auto before = user_schema(*sql);
    strata::runner(*units, db.url()).up();
    const auto level = column_of(*sql, "levels", "level");
    BOOST_TEST(level.type == reported(backend, "integer", "INTEGER"));
    BOOST_TEST(!level.nullable);
    BOOST_TEST(run(*sql, "INSERT INTO levels (id) VALUES (2)") == refusal::none);
    BOOST_TEST(query_value(*sql, "SELECT CAST(sum(level) AS TEXT) FROM levels") == std::optional<std::string>("3"));
    BOOST_TEST(query_value(*sql, "SELECT CAST(level + 1 AS TEXT) FROM levels WHERE id = 2") == std::optional<std::string>("1"));
    strata::runner(*units, db.url()).down();
    BOOST_TEST(user_schema(*sql) == before, schema_diff(before, user_schema(*sql)));
}

// text to timestamptz: PostgreSQL needs a CAST, SQLite keeps the text it stores timestamps as,
// so the USING expression is given per database. A text that is no timestamp is refused on both.
STRATA_BACKEND_TEST(change_column_with_a_using_expression_per_database_converts_text_to_timestamps) {
    auto db = temp_database::create(backend);
    auto units = registry_of({
        unit(1, "create_events", [](builder& b) { b.create_table("events", [](table& t) { t.column("at", type::text()); }); }),
        unit(2, "type_event_times",
             [](builder& b) {
                 b.change_column("events", column("at", type::text()), column("at", type::timestamptz()))
                     .using_sql(sql_text{R"(CAST("at" AS TIMESTAMPTZ))", ""});
             }),
    });
    strata::runner(*units, db.url()).up(1);
    auto sql = open_session(db.url());
    BOOST_TEST_REQUIRE(run(*sql, "INSERT INTO events (at) VALUES ('2024-05-01T10:00:00Z'), ('someday')") == refusal::none);
    const auto before = user_schema(*sql);
    BOOST_CHECK_THROW(strata::runner(*units, db.url()).up(), strata::error);
    BOOST_TEST(user_schema(*sql) == before, schema_diff(before, user_schema(*sql)));
    BOOST_TEST_REQUIRE(run(*sql, "DELETE FROM events WHERE at = 'someday'") == refusal::none);
    strata::runner(*units, db.url()).up();
    BOOST_TEST(column_of(*sql, "events", "at").type == reported(backend, "timestamp with time zone", "TEXT"));
    BOOST_TEST(query_value(*sql, "SELECT CAST(count(*) AS TEXT) FROM events WHERE at < '2024-05-02'") ==
                   std::optional<std::string>("1"));
    strata::runner(*units, db.url()).down();
    BOOST_TEST(user_schema(*sql) == before, schema_diff(before, user_schema(*sql)));
}

// Online NOT NULL: the same column as the plain form on both databases. On PostgreSQL it runs
// outside a transaction, fails on a NULL leaving the unit interrupted (the column still nullable,
// the check it added NOT VALID dropped again: it would refuse NULLs meanwhile), and the next up
// after the rows are fixed finishes it with no check left.
STRATA_BACKEND_TEST(online_change_column_makes_a_column_not_null_and_down_takes_it_back) {
    auto db = temp_database::create(backend);
    auto units = registry_of({
        unit(1, "create_accounts",
             [](builder& b) {
                 b.create_table("accounts", [](table& t) {
                     t.column("id", type::bigint()).primary();
                     t.column("owner", type::text());
                 });
             }),
        unit(2, "require_owner_online",
             [](builder& b) { b.change_column("accounts", column("owner", type::text()), column("owner", type::text()).not_null()).online(); }),
    });
    strata::runner(*units, db.url()).up(1);
    auto sql = open_session(db.url());
    BOOST_TEST_REQUIRE(run(*sql, "INSERT INTO accounts (id, owner) VALUES (1, 'ada'), (2, NULL)") == refusal::none);
    const auto before = user_schema(*sql);

    try {
        strata::runner(*units, db.url()).up();
        BOOST_ERROR("up made a column with a NULL NOT NULL");
    } catch (const strata::error& e) {
        if (backend == strata::backend::postgresql)
            BOOST_TEST(contains(e.what(), "strata dropped what the failed step had half-built: check "
                                          "accounts_owner_not_null_check on accounts, added NOT VALID"),
                       e.what());
    }
    BOOST_TEST(column_of(*sql, "accounts", "owner").nullable);
    if (backend == strata::backend::postgresql) {
        BOOST_TEST(recorded_versions(*sql) == (versions{1, 2}), boost::test_tools::per_element());  // running
        BOOST_TEST(constraints_of(*sql, "accounts") == (std::vector<std::string>{"accounts_pkey"}), boost::test_tools::per_element());
        // Writes go on as before the release.
        BOOST_TEST(run(*sql, "INSERT INTO accounts (id, owner) VALUES (3, NULL)") == refusal::none);
        BOOST_TEST_REQUIRE(run(*sql, "DELETE FROM accounts WHERE id = 3") == refusal::none);
    } else {
        BOOST_TEST(user_schema(*sql) == before, schema_diff(before, user_schema(*sql)));
        BOOST_TEST(recorded_versions(*sql) == (versions{1}), boost::test_tools::per_element());
    }

    BOOST_TEST_REQUIRE(run(*sql, "UPDATE accounts SET owner = 'alan' WHERE id = 2") == refusal::none);
    strata::runner(*units, db.url()).up();
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(!column_of(*sql, "accounts", "owner").nullable);
    if (backend == strata::backend::postgresql)
        BOOST_TEST(constraints_of(*sql, "accounts") == (std::vector<std::string>{"accounts_pkey"}), boost::test_tools::per_element());
    BOOST_TEST(run(*sql, "INSERT INTO accounts (id, owner) VALUES (3, NULL)") == refusal::not_null);

    strata::runner(*units, db.url()).down();
    BOOST_TEST(user_schema(*sql) == before, schema_diff(before, user_schema(*sql)));
    BOOST_TEST(run(*sql, "INSERT INTO accounts (id, owner) VALUES (3, NULL)") == refusal::none);
}

BOOST_AUTO_TEST_SUITE(postgresql)

// A run killed after the check was added and validated (steps 1 and 2 of 4, each committed on
// its own; the history row says running): the next up sets NOT NULL and drops the check. A run
// killed after the last step (the check dropped, the row not yet applied) is finished too.
BOOST_AUTO_TEST_CASE(online_change_column_resumes_after_a_crash) {
    for (std::size_t done : {1u, 2u, 3u, 4u}) {
        BOOST_TEST_CONTEXT("killed after step " << done) {
            auto db = temp_database::postgresql();
            auto units = registry_of({
                unit(1, "create_accounts",
                     [](builder& b) {
                         b.create_table("accounts", [](table& t) {
                             t.column("id", type::bigint()).primary();
                             t.column("owner", type::text());
                         });
                     }),
                unit(2, "require_owner_online",
                     [](builder& b) {
                         b.change_column("accounts", column("owner", type::text()), column("owner", type::text()).not_null()).online();
                     }),
            });
            strata::runner(*units, db.url()).up(1);
            auto sql = open_session(db.url());
            *sql << "INSERT INTO accounts (id, owner) VALUES (1, 'ada'), (2, 'alan')";

            // What up would run, from a dry run: the history row written running first, then the steps.
            strata::runner_options options;
            options.dry_run = true;
            const auto script = strata::runner(*units, db.url(), options).up().script;
            auto running = std::find_if(script.begin(), script.end(), [](const std::string& l) {
                return l.rfind(std::string("INSERT INTO ") + pg_history_written, 0) == 0 && contains(l, "'running'");
            });
            BOOST_TEST_REQUIRE((running != script.end()));
            const std::string row = *running;  // real values: the script runs as-is
            std::vector<std::string> steps(running + 1, running + 5);
            BOOST_TEST_REQUIRE(contains(steps[0], "NOT VALID"), steps[0]);
            BOOST_TEST_REQUIRE(contains(steps[3], "DROP CONSTRAINT IF EXISTS"), steps[3]);

            *sql << row;
            for (std::size_t i = 0; i < done; ++i) *sql << steps[i];

            strata::runner(*units, db.url()).up();
            BOOST_TEST(!column_of(*sql, "accounts", "owner").nullable);
            BOOST_TEST(constraints_of(*sql, "accounts") == (std::vector<std::string>{"accounts_pkey"}), boost::test_tools::per_element());
            BOOST_TEST(query_value(*sql, std::string("SELECT state FROM ") + history_table + " WHERE version = 2") ==
                       std::optional<std::string>("applied"));
        }
    }
}

// A check of the temporary check's name that tests something else is not adopted as the unit
// resumes (made while it was interrupted: on a first run the name alone is refused, see
// online_units_test).
BOOST_AUTO_TEST_CASE(online_change_column_refuses_a_constraint_of_its_check_name_that_is_not_its_own) {
    auto db = temp_database::postgresql();
    auto units = registry_of({
        unit(1, "create_accounts",
             [](builder& b) {
                 b.create_table("accounts", [](table& t) {
                     t.column("id", type::bigint()).primary();
                     t.column("owner", type::text());
                 });
             }),
        unit(2, "require_owner_online",
             [](builder& b) { b.change_column("accounts", column("owner", type::text()), column("owner", type::text()).not_null()).online(); }),
    });
    strata::runner(*units, db.url()).up(1);
    auto sql = open_session(db.url());
    *sql << "ALTER TABLE accounts ADD CONSTRAINT accounts_owner_not_null_check CHECK (owner <> '')";
    const auto unit_2 = strata::runner(*units, db.url()).status().at(1);
    *sql << ("INSERT INTO strata_schema_history (version, name, checksum, execution_ms, applied_by, state) VALUES (2, '" +
             unit_2.name + "', '" + unit_2.checksum + "', 0, 'a run that stopped', 'running')");
    try {
        strata::runner(*units, db.url()).up();
        BOOST_ERROR("up() adopted a check of its name testing something else");
    } catch (const strata::error& e) {
        BOOST_TEST(contains(e.what(), "constraint accounts_owner_not_null_check exists but is not the one this unit adds"), e.what());
    }
    BOOST_TEST(column_of(*sql, "accounts", "owner").nullable);
}

BOOST_AUTO_TEST_SUITE_END()

// The README's USING example on text that is not a number as written: PostgreSQL refuses
// 'lots', '3.7' and '12abc' as integers; SQLite's CAST would make 0, 3 and 12 of them, so the
// unit is refused there too before the rebuild, naming the column, and no row changes. Text
// PostgreSQL takes (blanks around, leading zeros, a sign) converts on both.
STRATA_BACKEND_TEST(change_column_with_a_cast_refuses_text_that_is_not_a_number_like_postgresql) {
    auto db = temp_database::create(backend);
    auto units = registry_of({
        unit(1, "create_stock", [](builder& b) { b.create_table("stock", [](table& t) { t.column("count", type::text()); }); }),
        unit(2, "count_as_integer",
             [](builder& b) {
                 b.change_column("stock", column("count", type::text()), column("count", type::integer()))
                     .using_sql("CAST(\"count\" AS INTEGER)", "CAST(\"count\" AS TEXT)");
             }),
    });
    strata::runner(*units, db.url()).up(1);
    auto sql = open_session(db.url());
    for (const std::string bad : {"lots", "3.7", "12abc", ""}) {
        BOOST_TEST_CONTEXT("count '" << bad << "'") {
            BOOST_TEST_REQUIRE(run(*sql, "INSERT INTO stock (count) VALUES ('12'), ('" + bad + "')") == refusal::none);
            try {
                strata::runner(*units, db.url()).up();
                BOOST_ERROR("the unit converted '" << bad << "' to an integer");
            } catch (const strata::error& e) {
                if (backend == strata::backend::sqlite)
                    BOOST_TEST(contains(e.message(), "strata refuses to convert column stock.count to integer with CAST(\"count\" AS "
                                                     "INTEGER): a value is not a whole number as written"),
                               e.message());
            }
            BOOST_TEST(recorded_versions(*sql) == (versions{1}), boost::test_tools::per_element());
            BOOST_TEST(query_value(*sql, "SELECT count FROM stock WHERE count <> '12'") == std::optional<std::string>(bad));
            BOOST_TEST_REQUIRE(run(*sql, "DELETE FROM stock") == refusal::none);
        }
    }
    BOOST_TEST_REQUIRE(run(*sql, "INSERT INTO stock (count) VALUES ('12'), (' 7 '), ('007'), ('-5'), (NULL)") == refusal::none);
    strata::runner(*units, db.url()).up();
    BOOST_TEST(query_value(*sql, "SELECT CAST(sum(count) AS TEXT) FROM stock") == std::optional<std::string>("21"));
    BOOST_TEST(query_value(*sql, "SELECT CAST(count(*) AS TEXT) FROM stock WHERE count IS NULL") == std::optional<std::string>("1"));
}
