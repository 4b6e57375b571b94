// SQLite rebuilds from the live table (engine/src/dialect/sqlite/table_rebuild.cpp): the
// directive round-trips, and a CREATE TABLE as sqlite_master keeps it (written by strata or by
// hand) is edited without losing what it does not touch.
#include "dialect/sqlite/table_rebuild.hpp"

#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>

namespace {

using strata::sqlite_rebuild::changes;
using strata::sqlite_rebuild::edit_create_table;

const std::string hand_written = R"sql(CREATE TABLE [orders] (
  id INTEGER PRIMARY KEY, -- the key
  `Account` INTEGER NOT NULL CONSTRAINT orders_account_fkey REFERENCES accounts (id) ON DELETE SET NULL NOT DEFERRABLE CHECK (Account > 0),
  "note, with comma" TEXT COLLATE NOCASE DEFAULT 'a, b',
  total NUMERIC(10, 2) CONSTRAINT total_set NOT NULL,
  /* a table constraint */ CONSTRAINT orders_total_positive CHECK (total >= 0 AND "note, with comma" <> 'x'),
  UNIQUE (account, total),
  FOREIGN KEY (total) REFERENCES totals (id)
) WITHOUT ROWID)sql";

changes on_orders() {
    changes c;
    c.table = "orders";
    return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sqlite_table_rebuild)

BOOST_AUTO_TEST_CASE(the_directive_round_trips_every_kind_of_change_and_multi_line_text) {
    changes c;
    c.table = "odd\"name";
    c.add = {"\"a\" TEXT", "CONSTRAINT \"c\" CHECK (\"a\" <> '\nx')"};
    c.drop_columns = {"b"};
    c.drop_constraints = {"k\"1"};
    c.replace_columns = {{"d", "\"d\" BIGINT NOT NULL"}};
    c.copy_as = {{"d", "CAST(\"d\" AS INTEGER)"}};
    const std::string text = strata::sqlite_rebuild::directive(c);
    BOOST_TEST(text == "-- strata:rebuild \"odd\"\"name\" from its definition in sqlite_master\n"
                       "--   add: \"a\" TEXT\n"
                       "--   add: CONSTRAINT \"c\" CHECK (\"a\" <> '\n"
                       "--   | x')\n"
                       "--   drop column: \"b\"\n"
                       "--   drop constraint: \"k\"\"1\"\n"
                       "--   replace column: \"d\" with \"d\" BIGINT NOT NULL\n"
                       "--   copy column: \"d\" as CAST(\"d\" AS INTEGER)");
    BOOST_TEST((strata::sqlite_rebuild::parse_directive(text) == c));
    BOOST_CHECK_THROW(strata::sqlite_rebuild::parse_directive("-- strata:rebuild \"t\" x\n--   frobnicate: y"),
                      std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(an_edit_keeps_everything_it_does_not_touch_as_written) {
    auto c = on_orders();
    c.add = {"\"shipped\" TEXT", "CONSTRAINT \"orders_shipped_fkey\" FOREIGN KEY (\"shipped\") REFERENCES \"ships\" (\"id\")"};
    BOOST_TEST(edit_create_table(hand_written, c, "strata_new_orders") == R"sql(CREATE TABLE "strata_new_orders" (
  id INTEGER PRIMARY KEY,
  `Account` INTEGER NOT NULL CONSTRAINT orders_account_fkey REFERENCES accounts (id) ON DELETE SET NULL NOT DEFERRABLE CHECK (Account > 0),
  "note, with comma" TEXT COLLATE NOCASE DEFAULT 'a, b',
  total NUMERIC(10, 2) CONSTRAINT total_set NOT NULL,
  "shipped" TEXT,
  CONSTRAINT orders_total_positive CHECK (total >= 0 AND "note, with comma" <> 'x'),
  UNIQUE (account, total),
  FOREIGN KEY (total) REFERENCES totals (id),
  CONSTRAINT "orders_shipped_fkey" FOREIGN KEY ("shipped") REFERENCES "ships" ("id")
) WITHOUT ROWID)sql");
}

BOOST_AUTO_TEST_CASE(dropping_a_column_drops_the_constraints_on_it_like_postgresql) {
    auto c = on_orders();
    c.drop_columns = {"TOTAL"};  // names compare without case, as in SQLite
    BOOST_TEST(edit_create_table(hand_written, c, "n") == R"sql(CREATE TABLE "n" (
  id INTEGER PRIMARY KEY,
  `Account` INTEGER NOT NULL CONSTRAINT orders_account_fkey REFERENCES accounts (id) ON DELETE SET NULL NOT DEFERRABLE CHECK (Account > 0),
  "note, with comma" TEXT COLLATE NOCASE DEFAULT 'a, b'
) WITHOUT ROWID)sql");
    // A foreign key whose referenced column has the dropped name stays: only its own columns count.
    auto id = on_orders();
    id.drop_columns = {"note, with comma"};
    const std::string kept = edit_create_table(hand_written, id, "n");
    BOOST_TEST(kept.find("FOREIGN KEY (total) REFERENCES totals (id)") != std::string::npos, kept);
    BOOST_TEST(kept.find("orders_total_positive") == std::string::npos, kept);
}

BOOST_AUTO_TEST_CASE(an_inline_constraint_is_cut_out_of_its_column_up_to_the_next_constraint) {
    auto fk = on_orders();
    fk.drop_constraints = {"ORDERS_ACCOUNT_FKEY"};
    const std::string without_fk = edit_create_table(hand_written, fk, "n");
    BOOST_TEST(without_fk.find("  `Account` INTEGER NOT NULL CHECK (Account > 0),\n") != std::string::npos, without_fk);
    auto not_null = on_orders();
    not_null.drop_constraints = {"total_set"};
    const std::string nullable = edit_create_table(hand_written, not_null, "n");
    BOOST_TEST(nullable.find("  total NUMERIC(10, 2),\n") != std::string::npos, nullable);
    auto check = on_orders();
    check.drop_constraints = {"orders_total_positive"};
    BOOST_TEST(edit_create_table(hand_written, check, "n").find("CHECK (total >= 0") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_replaced_column_takes_its_new_definition_in_place) {
    auto c = on_orders();
    c.replace_columns = {{"note, with comma", "\"note, with comma\" VARCHAR(20) NOT NULL"}};
    const std::string out = edit_create_table(hand_written, c, "n");
    // Its DEFAULT goes (the new definition has none); its collation stays.
    BOOST_TEST(out.find("  \"note, with comma\" VARCHAR(20) NOT NULL COLLATE NOCASE,\n  total") != std::string::npos, out);
}

BOOST_AUTO_TEST_CASE(what_is_not_there_is_named) {
    auto column = on_orders();
    column.drop_columns = {"nope"};
    BOOST_CHECK_EXCEPTION(edit_create_table(hand_written, column, "n"), std::invalid_argument, [](const auto& e) {
        return std::string(e.what()) == "table orders has no column \"nope\"";
    });
    auto constraint = on_orders();
    constraint.drop_constraints = {"nope"};
    BOOST_CHECK_EXCEPTION(edit_create_table(hand_written, constraint, "n"), std::invalid_argument, [](const auto& e) {
        return std::string(e.what()) == "table orders has no constraint named \"nope\"";
    });
    auto replaced = on_orders();
    replaced.replace_columns = {{"nope", "x"}};
    BOOST_CHECK_THROW(edit_create_table(hand_written, replaced, "n"), std::invalid_argument);
    BOOST_CHECK_THROW(edit_create_table("CREATE TABLE t AS SELECT 1", on_orders(), "n"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(a_composite_primary_key_survives) {
    auto c = on_orders();
    c.add = {"\"extra\" TEXT"};
    const std::string out =
        edit_create_table("CREATE TABLE \"m\" (\"g\" BIGINT NOT NULL, \"u\" BIGINT NOT NULL, PRIMARY KEY (\"g\", \"u\"))", c, "n");
    BOOST_TEST(out == "CREATE TABLE \"n\" (\n  \"g\" BIGINT NOT NULL,\n  \"u\" BIGINT NOT NULL,\n  \"extra\" TEXT,\n  PRIMARY KEY (\"g\", "
                      "\"u\")\n)");
}

BOOST_AUTO_TEST_CASE(a_replaced_column_keeps_the_clauses_its_new_definition_does_not_set) {
    // A table a SQL unit wrote: change_column sets the type, NOT NULL and the default; the
    // column's CHECK, COLLATE, UNIQUE and REFERENCES stay as written.
    const std::string items = "CREATE TABLE items (\n  id integer PRIMARY KEY,\n"
                              "  qty integer NOT NULL DEFAULT (1) CHECK (qty > 0),\n"
                              "  label text COLLATE NOCASE CONSTRAINT one_label UNIQUE DEFAULT NULL,\n"
                              "  owner integer REFERENCES accounts (id) ON DELETE SET NULL\n)";
    changes c;
    c.table = "items";
    c.replace_columns = {{"qty", "\"qty\" BIGINT NOT NULL DEFAULT (1)"},
                         {"label", "\"label\" TEXT NOT NULL DEFAULT ('x')"},
                         {"OWNER", "\"owner\" BIGINT"}};
    BOOST_TEST(edit_create_table(items, c, "n") == "CREATE TABLE \"n\" (\n  id integer PRIMARY KEY,\n"
                                                   "  \"qty\" BIGINT NOT NULL DEFAULT (1) CHECK (qty > 0),\n"
                                                   "  \"label\" TEXT NOT NULL DEFAULT ('x') COLLATE NOCASE CONSTRAINT one_label UNIQUE,\n"
                                                   "  \"owner\" BIGINT REFERENCES accounts (id) ON DELETE SET NULL\n)");
    // A NOT NULL that stays keeps its name and its ON CONFLICT.
    changes conflict;
    conflict.table = "c";
    conflict.replace_columns = {{"a", "\"a\" BIGINT NOT NULL DEFAULT (0)"}};
    BOOST_TEST(edit_create_table("CREATE TABLE c (a INTEGER CONSTRAINT a_set NOT NULL ON CONFLICT REPLACE DEFAULT 0)", conflict, "n") ==
               "CREATE TABLE \"n\" (\n  \"a\" BIGINT CONSTRAINT a_set NOT NULL ON CONFLICT REPLACE DEFAULT (0)\n)");
    // A key and a reference strata renders are not doubled.
    changes key;
    key.table = "items";
    key.replace_columns = {{"id", "\"id\" BIGINT NOT NULL PRIMARY KEY"}};
    const std::string out = edit_create_table(items, key, "n");
    BOOST_TEST(out.find("  \"id\" BIGINT NOT NULL PRIMARY KEY,\n") != std::string::npos, out);
}

BOOST_AUTO_TEST_CASE(a_replaced_column_loses_the_type_check_strata_rendered_for_its_old_type) {
    const std::string people = "CREATE TABLE \"people\" (\n"
                               "  \"nick\" VARCHAR(20) NOT NULL CHECK (length(\"nick\") <= 20) CHECK (nick <> ''),\n"
                               "  \"state\" TEXT CHECK (\"state\" IN ('a', 'it''s')),\n"
                               "  \"price\" NUMERIC(10, 2) CHECK (\"price\" IS NULL OR (typeof(\"price\") IN ('integer', 'real') "
                               "AND abs(round(\"price\", 2)) < 1e8)),\n"
                               "  \"on\" BOOLEAN CONSTRAINT named CHECK (\"on\" IN (0, 1)) CHECK (\"on\" IN (0, 1))\n)";
    changes c;
    c.table = "people";
    c.replace_columns = {{"nick", "\"nick\" TEXT NOT NULL"},
                         {"state", "\"state\" TEXT CHECK (\"state\" IN ('a', 'b'))"},
                         {"price", "\"price\" REAL CHECK (\"price\" IS NULL OR typeof(\"price\") IN ('integer', 'real'))"},
                         {"on", "\"on\" INTEGER"}};
    // The unnamed checks strata rendered go; the user's and a named one stay.
    BOOST_TEST(edit_create_table(people, c, "n") ==
               "CREATE TABLE \"n\" (\n  \"nick\" TEXT NOT NULL CHECK (nick <> ''),\n"
               "  \"state\" TEXT CHECK (\"state\" IN ('a', 'b')),\n"
               "  \"price\" REAL CHECK (\"price\" IS NULL OR typeof(\"price\") IN ('integer', 'real')),\n"
               "  \"on\" INTEGER CONSTRAINT named CHECK (\"on\" IN (0, 1))\n)");
    using strata::sqlite_rebuild::is_type_check;
    BOOST_TEST(is_type_check("length(\"nick\") <= 20", "nick"));
    BOOST_TEST(!is_type_check("length(\"nick\") <= 20", "other"));
    BOOST_TEST(!is_type_check("length(\"nick\") <= 20 AND 1", "nick"));
    BOOST_TEST(!is_type_check("length(nick) <= 20", "nick"));
    BOOST_TEST(is_type_check("\"s\" IN ('a', 'it''s')", "s"));
    BOOST_TEST(!is_type_check("\"s\" IN ('a', 'b'", "s"));
    BOOST_TEST(!is_type_check("\"s\" IN ('a', 'b') OR 1", "s"));
    BOOST_TEST(is_type_check("\"d\" IS NULL OR date(\"d\", '+0 days') IS \"d\"", "d"));
    BOOST_TEST(is_type_check("\"n\" BETWEEN -2147483648 AND 2147483647", "n"));
    BOOST_TEST(is_type_check("\"n\" BETWEEN -9223372036854775808 AND 9223372036854775807", "n"));
    BOOST_TEST(!is_type_check("\"n\" BETWEEN 0 AND 2147483647", "n"));
    // A timestamptz column of a table made before its CHECK compared the date (strata 0.2's pre-releases).
    BOOST_TEST(is_type_check("\"at\" IS NULL OR julianday(\"at\") IS NOT NULL", "at"));
    BOOST_TEST(!is_type_check("\"at\" IS NULL OR julianday(\"other\") IS NOT NULL", "at"));
}

BOOST_AUTO_TEST_SUITE_END()
