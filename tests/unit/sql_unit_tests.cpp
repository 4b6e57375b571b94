// Units written in plain SQL: splitting a section into statements the way each database reads it,
// parsing the -- strata: directives of a .sql file, the errors that name its lines, and the
// statements a sql_migration renders to.
#include <strata/dialect.hpp>
#include <strata/error.hpp>
#include <strata/lint.hpp>
#include <strata/registry.hpp>
#include <strata/schema/builder.hpp>
#include <strata/sql_unit.hpp>

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace {

using strata::backend;
using statements = std::vector<std::string>;

/// A splitter case: `sql` in, the statements out.
struct split_case {
    std::string what;
    std::string sql;
    statements expected;
};

/// Cases whose statements are the same on both databases.
const std::vector<split_case> common_cases{
    {"plain statements", "SELECT 1; SELECT 2;", {"SELECT 1", "SELECT 2"}},
    {"the last statement needs no ;", "SELECT 1;\nSELECT 2", {"SELECT 1", "SELECT 2"}},
    {"a string with ;", "INSERT INTO t VALUES ('a;b'); SELECT 2", {"INSERT INTO t VALUES ('a;b')", "SELECT 2"}},
    {"a doubled quote in a string", "SELECT 'it''s; here'; SELECT 2", {"SELECT 'it''s; here'", "SELECT 2"}},
    {"a backslash ends nothing in a plain string", R"(SELECT 'a\'; SELECT 2)", {R"(SELECT 'a\')", "SELECT 2"}},
    {"a quoted identifier with ; and a doubled quote", R"(SELECT "a;""b" FROM t; SELECT 2)",
     {R"(SELECT "a;""b" FROM t)", "SELECT 2"}},
    {"a line comment with ; and an apostrophe", "SELECT 1 -- it's; not the end\n, 2; SELECT 3",
     {"SELECT 1 -- it's; not the end\n, 2", "SELECT 3"}},
    {"a block comment with ; and an apostrophe", "SELECT /* don't; stop */ 1; SELECT 2",
     {"SELECT /* don't; stop */ 1", "SELECT 2"}},
    {"comments around statements are trimmed",
     "-- header\n/* before */ SELECT 1 -- after\n;\n-- between\n  SELECT 2 /* tail */ ;\n",
     {"SELECT 1", "SELECT 2"}},
    {"a comment-only tail is dropped", "SELECT 1;\n-- the end\n/* really */\n", {"SELECT 1"}},
    {"empty statements are dropped", ";; SELECT 1 ;;\n;", {"SELECT 1"}},
    {"only comments and whitespace", "  -- nothing\n /* here */ \n", {}},
    {"nothing at all", "", {}},
    {"a comment inside a statement stays", "SELECT 1, -- one\n  2 /* two */ + 3", {"SELECT 1, -- one\n  2 /* two */ + 3"}},
    {"a transaction outside a body", "BEGIN; SELECT 1; END", {"BEGIN", "SELECT 1", "END"}},
    {"parentheses in strings, quoted names and comments are not counted",
     "SELECT '(' || /* ( */ \"a(\" -- (\n; SELECT ((2))", {"SELECT '(' || /* ( */ \"a(\"", "SELECT ((2))"}},
};

const std::vector<split_case> postgresql_cases{
    {"E'' strings take backslash escapes", R"(SELECT E'it\'s; here'; SELECT 2)", {R"(SELECT E'it\'s; here')", "SELECT 2"}},
    {"e'' strings too, with '' as well", R"(SELECT e'a\\'; SELECT e'b'';c')", {R"(SELECT e'a\\')", R"(SELECT e'b'';c')"}},
    {"a word ending in e before a string is no E string", R"(SELECT some'a\'; SELECT 2)", {R"(SELECT some'a\')", "SELECT 2"}},
    {"block comments nest", "SELECT /* a /* b; */ c; */ 1; SELECT 2", {"SELECT /* a /* b; */ c; */ 1", "SELECT 2"}},
    {"a $$ body with ;",
     "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; SELECT 2; $$ LANGUAGE sql; SELECT 3",
     {"CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; SELECT 2; $$ LANGUAGE sql", "SELECT 3"}},
    {"a $fn$ body holding $$ and ;",
     "CREATE FUNCTION g() RETURNS text AS $fn$\nBEGIN\n  RETURN $$a;b$$;\nEND\n$fn$ LANGUAGE plpgsql;\nSELECT g()",
     {"CREATE FUNCTION g() RETURNS text AS $fn$\nBEGIN\n  RETURN $$a;b$$;\nEND\n$fn$ LANGUAGE plpgsql", "SELECT g()"}},
    {"$1 is a parameter, not a quote", "PREPARE q (int) AS SELECT $1 + 1; EXECUTE q(1)",
     {"PREPARE q (int) AS SELECT $1 + 1", "EXECUTE q(1)"}},
    {"$ after a name character is part of the name", "SELECT a$b$c, x$ FROM t$1; SELECT 2",
     {"SELECT a$b$c, x$ FROM t$1", "SELECT 2"}},
    {"a BEGIN ATOMIC body with ; and CASE ... END",
     "CREATE FUNCTION h(x int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT CASE WHEN x > 0 THEN x ELSE 0 END;\nEND;\n"
     "SELECT h(1)",
     {"CREATE FUNCTION h(x int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT CASE WHEN x > 0 THEN x ELSE 0 END;\nEND",
      "SELECT h(1)"}},
    {"CREATE OR REPLACE PROCEDURE with BEGIN ATOMIC",
     "create or replace procedure p() language sql begin atomic insert into t values (1); end; call p()",
     {"create or replace procedure p() language sql begin atomic insert into t values (1); end", "call p()"}},
    {"; inside parentheses (a rule's commands)",
     "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2)); SELECT 1",
     {"CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2))", "SELECT 1"}},
    {"backticks and brackets quote nothing", "SELECT `a; SELECT ARRAY[1;2]", {"SELECT `a", "SELECT ARRAY[1", "2]"}},
    {"parentheses in a dollar-quoted body or an E'' string are not counted",
     "SELECT $$(;$$, $t$ ( $t$; SELECT E'\\'('; SELECT 2", {"SELECT $$(;$$, $t$ ( $t$", "SELECT E'\\'('", "SELECT 2"}},
};

const std::vector<split_case> sqlite_cases{
    {"E'' is a name and a plain string", R"(SELECT E'a\'; SELECT 2)", {R"(SELECT E'a\')", "SELECT 2"}},
    {"block comments do not nest", "SELECT /* a /* b; */ c; */ 1; SELECT 2", {"SELECT /* a /* b; */ c", "*/ 1", "SELECT 2"}},
    {"a backtick identifier with ; and a doubled backtick", "SELECT `a;``b` FROM t; SELECT 2",
     {"SELECT `a;``b` FROM t", "SELECT 2"}},
    {"a [bracketed] identifier with ;", "SELECT [a;b] FROM t; SELECT 2", {"SELECT [a;b] FROM t", "SELECT 2"}},
    {"$$ is no quote", "SELECT $$a; SELECT 2", {"SELECT $$a", "SELECT 2"}},
    {"a trigger body with ; and CASE ... END",
     "CREATE TRIGGER t_check BEFORE INSERT ON t\nBEGIN\n  SELECT CASE WHEN NEW.a < 0 THEN RAISE(ABORT, 'negative; no') END;\n"
     "  UPDATE c SET n = n + 1;\nEND;\nSELECT 1",
     {"CREATE TRIGGER t_check BEFORE INSERT ON t\nBEGIN\n  SELECT CASE WHEN NEW.a < 0 THEN RAISE(ABORT, 'negative; no') END;\n"
      "  UPDATE c SET n = n + 1;\nEND",
      "SELECT 1"}},
    {"a temporary trigger with a WHEN clause holding CASE ... END",
     "create temp trigger x after update on t when case when new.a then 1 end begin delete from u; end; select 2",
     {"create temp trigger x after update on t when case when new.a then 1 end begin delete from u; end", "select 2"}},
    {"CREATE TEMPORARY TRIGGER", "CREATE TEMPORARY TRIGGER y AFTER DELETE ON t BEGIN DELETE FROM u; DELETE FROM v; END; SELECT 3",
     {"CREATE TEMPORARY TRIGGER y AFTER DELETE ON t BEGIN DELETE FROM u; DELETE FROM v; END", "SELECT 3"}},
    {"columns named end and begin in a trigger body (SQLite allows them unquoted)",
     "CREATE TRIGGER r AFTER INSERT ON ranges BEGIN\n  UPDATE ranges SET end = NEW.begin + 1 WHERE id = NEW.id;\n"
     "  UPDATE ranges SET begin = 0 WHERE end IS NULL;\nEND;\nSELECT 5",
     {"CREATE TRIGGER r AFTER INSERT ON ranges BEGIN\n  UPDATE ranges SET end = NEW.begin + 1 WHERE id = NEW.id;\n"
      "  UPDATE ranges SET begin = 0 WHERE end IS NULL;\nEND",
      "SELECT 5"}},
    {"a trigger whose body uses begin only, and a last END without ;",
     "CREATE TRIGGER b AFTER INSERT ON ranges BEGIN UPDATE ranges SET begin = 1; END",
     {"CREATE TRIGGER b AFTER INSERT ON ranges BEGIN UPDATE ranges SET begin = 1; END"}},
    {"END inside a quoted name does not close a body",
     "CREATE TRIGGER z AFTER INSERT ON t BEGIN UPDATE \"end\" SET [end] = 'END'; END; SELECT 4",
     {"CREATE TRIGGER z AFTER INSERT ON t BEGIN UPDATE \"end\" SET [end] = 'END'; END", "SELECT 4"}},
    {"parentheses in [names] and `names` are not counted", "SELECT [a(], `b(` FROM t; SELECT 2",
     {"SELECT [a(], `b(` FROM t", "SELECT 2"}},
    {"parentheses in a trigger body", "CREATE TRIGGER p AFTER INSERT ON t BEGIN INSERT INTO u VALUES ((1)); END; SELECT 2",
     {"CREATE TRIGGER p AFTER INSERT ON t BEGIN INSERT INTO u VALUES ((1)); END", "SELECT 2"}},
};

void check_cases(const std::vector<split_case>& cases, backend dialect) {
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(strata::to_string(dialect) << ": " << c.what) {
            BOOST_TEST(strata::split_sql_statements(c.sql, dialect) == c.expected, boost::test_tools::per_element());
        }
    }
}

/// The sql_file_error `run` throws; fails the test when it throws nothing.
template <class F>
strata::sql_file_error file_error(F run) {
    try {
        run();
    } catch (const strata::sql_file_error& e) {
        return e;
    }
    BOOST_FAIL("no sql_file_error");
    throw std::logic_error("unreachable");
}

strata::sql_file_error parse_error(const std::string& text) {
    return file_error([&] { strata::parse_sql_unit(text, "units/0007_x.sql"); });
}

strata::sql_file_error split_error(const std::string& sql, backend dialect, std::size_t first_line = 1) {
    return file_error([&] { strata::split_sql_statements(sql, dialect, "s.sql", first_line); });
}

using optional_statements = std::optional<statements>;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// A database's statements, or a line saying there are none, for BOOST_TEST to compare and print.
statements listed(const optional_statements& s) { return s ? *s : statements{"<no section>"}; }

const std::string every_directive = R"(-- 0007: orders, with a trigger per database
-- strata:no-transaction

-- strata:up
CREATE TABLE orders (id integer PRIMARY KEY, total integer NOT NULL);
CREATE INDEX orders_total_idx ON orders (total);

-- strata:up postgresql
CREATE TABLE orders (id integer PRIMARY KEY, total integer NOT NULL);
CREATE FUNCTION orders_check() RETURNS trigger AS $$
BEGIN
  IF NEW.total < 0 THEN RAISE EXCEPTION 'negative; total'; END IF;
  RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER orders_check BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION orders_check();

-- strata:down
DROP TABLE orders;

-- strata:down postgresql
DROP TABLE orders;
DROP FUNCTION orders_check();
)";

strata::rendering render(const strata::migration& unit, strata::direction dir, backend b) {
    strata::schema::builder ops;
    if (dir == strata::direction::up)
        unit.up(ops);
    else
        unit.down(ops);
    strata::catalog state;
    return strata::dialect_for(b).render(ops.operations(), state);
}

const char* registered_text = "-- strata:up\nCREATE TABLE registered (a integer);\n-- strata:down\nDROP TABLE registered;\n";

}  // namespace

// What generated code writes. Never called: the macro registers with registry::global(), whose
// units the golden tests pin (the reference units), so this only proves that it compiles; the
// registrar it expands to is tested below with a registry of its own.
[[maybe_unused]] static void generated_code_compiles() {
    STRATA_SQL_MIGRATION(sql_unit_tests_registered, 9001, "registered", registered_text, "units/9001_registered.sql");
}

BOOST_AUTO_TEST_SUITE(sql_units)

BOOST_AUTO_TEST_CASE(splitting_on_both_databases) {
    check_cases(common_cases, backend::postgresql);
    check_cases(common_cases, backend::sqlite);
}

BOOST_AUTO_TEST_CASE(splitting_by_postgresql_rules) { check_cases(postgresql_cases, backend::postgresql); }

BOOST_AUTO_TEST_CASE(splitting_by_sqlite_rules) { check_cases(sqlite_cases, backend::sqlite); }

BOOST_AUTO_TEST_CASE(an_unterminated_construct_is_an_error_naming_the_line_it_starts_on) {
    struct error_case {
        std::string what;
        backend dialect;
        std::string sql;
        std::size_t line;
        std::string problem;
    };
    const std::vector<error_case> cases{
        {"string", backend::postgresql, "SELECT 1;\nSELECT 'abc;\nSELECT 2", 2,
         "unterminated string starting here; close it with '"},
        {"string", backend::sqlite, "SELECT 1;\n\nSELECT 'it''s;", 3, "unterminated string starting here; close it with '"},
        {"E string ended by an escaped quote", backend::postgresql, "SELECT E'a\\';", 1,
         "unterminated string starting here; close it with '"},
        {"quoted identifier", backend::postgresql, "SELECT \"a;\n", 1,
         "unterminated quoted identifier starting here; close it with \""},
        {"backtick identifier", backend::sqlite, "SELECT 1;\nSELECT `a;", 2,
         "unterminated quoted identifier starting here; close it with `"},
        {"bracket identifier", backend::sqlite, "SELECT [a;", 1,
         "unterminated [quoted identifier] starting here; close it with ]"},
        {"block comment", backend::sqlite, "SELECT 1; /* no end\n;", 1, "unterminated /* comment starting here; close it with */"},
        {"nested block comment", backend::postgresql, "SELECT 1;\n/* a /* b */\nSELECT 2;", 2,
         "unterminated /* comment starting here; close it with */ (PostgreSQL nests /* */ comments: each /* needs its */)"},
        {"dollar quote", backend::postgresql, "SELECT 1;\nDO $body$ BEGIN NULL; END $$;", 2,
         "unterminated dollar-quoted body starting here; close it with $body$"},
        {"trigger body", backend::sqlite, "SELECT 1;\nCREATE TRIGGER t AFTER INSERT ON x\nBEGIN\n  DELETE FROM y;\n", 3,
         "unterminated trigger body: this BEGIN has no matching END (the END closing a trigger is followed by ;)"},
        {"BEGIN ATOMIC body", backend::postgresql, "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC SELECT 1;", 2,
         "unterminated function body: this BEGIN has no matching END"},
        // A `(` never closed: PostgreSQL takes the `;` (and every statement after it) into the
        // statement; SQLite ends the statement there. Both are errors naming the ( and the ;.
        {"parenthesis taking in the statements after it", backend::postgresql,
         "SELECT 1;\nCREATE TABLE q (\n  id int;\nCREATE TABLE r (id int);\n", 2,
         "unclosed parenthesis starting here: there is no ) before the ; on line 12; close it with )"},
        {"parenthesis before a ;", backend::sqlite, "SELECT 1;\nCREATE TABLE q (\n  id int;\nCREATE TABLE r (id int);\n", 2,
         "unclosed parenthesis starting here: there is no ) before the ; on line 12; close it with )"},
        {"inner parenthesis before a ;", backend::sqlite, "SELECT (1, (2;", 1,
         "unclosed parenthesis starting here: there is no ) before the ; on line 10; close it with )"},
        {"parenthesis at the end", backend::postgresql, "SELECT 1;\n\nSELECT (1, (2)", 3,
         "unclosed parenthesis starting here: there is no ) before the end of the section; close it with )"},
        {"parenthesis at the end", backend::sqlite, "SELECT (1", 1,
         "unclosed parenthesis starting here: there is no ) before the end of the section; close it with )"},
        {"parenthesis around a rule's commands", backend::postgresql,
         "CREATE RULE r AS ON INSERT TO t DO ALSO (\n  INSERT INTO a VALUES (1);\n  INSERT INTO b VALUES (2);\nSELECT 1;", 1,
         "unclosed parenthesis starting here: there is no ) before the ; on line 11; close it with )"},
        {"parenthesis in a trigger body", backend::sqlite,
         "CREATE TRIGGER t AFTER INSERT ON x BEGIN\n  INSERT INTO y VALUES (1;\nEND;", 2,
         "unclosed parenthesis starting here: there is no ) before the ; on line 11; close it with )"},
        {"parenthesis hiding a BEGIN ATOMIC body's END", backend::postgresql,
         "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC SELECT (1;\nEND;", 2,
         "unclosed parenthesis starting here: there is no ) before the ; on line 11; close it with )"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(strata::to_string(c.dialect) << ": " << c.what) {
            const auto e = split_error(c.sql, c.dialect, 10);
            BOOST_TEST(e.file() == "s.sql");
            BOOST_TEST(e.line() == c.line + 9);
            BOOST_TEST(std::string(e.what()) == "s.sql:" + std::to_string(c.line + 9) + ": " + c.problem);
        }
    }
}

// SQL probe L5: an unclosed ( in a PostgreSQL section took the ; and the statements after it
// into one statement, and the build accepted it.
BOOST_AUTO_TEST_CASE(an_unclosed_parenthesis_fails_the_file_naming_its_line_and_the_semicolon) {
    const std::string forgot = "-- strata:up\nCREATE TABLE q (\n  id int;\nCREATE TABLE r (id int);\n-- strata:down\nDROP TABLE q;\n";
    for (const char* section : {"-- strata:up\n", "-- strata:up postgresql\n", "-- strata:up sqlite\n"}) {
        BOOST_TEST_CONTEXT(section) {
            std::string text = forgot;
            text.replace(0, std::string("-- strata:up\n").size(), section);
            BOOST_TEST(std::string(parse_error(text).what()) ==
                       "units/0007_x.sql:2: unclosed parenthesis starting here: there is no ) before the ; on line 3; close "
                       "it with )");
        }
    }
    // A rule's commands in parentheses hold ; on PostgreSQL: valid in its own section; SQLite
    // cannot read it, so not in a section for both.
    const std::string rule = "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));\n";
    const auto unit = strata::parse_sql_unit("-- strata:up postgresql\n" + rule + "-- strata:up sqlite\nSELECT 1;\n", "u.sql");
    BOOST_TEST(listed(unit.up.postgresql) == (statements{rule.substr(0, rule.size() - 2)}), boost::test_tools::per_element());
    BOOST_TEST(std::string(parse_error("-- strata:up\n" + rule).what()) ==
               "units/0007_x.sql:2: unclosed parenthesis starting here: there is no ) before the ; on line 2; close it with ) "
               "(as sqlite reads it)");
}

BOOST_AUTO_TEST_CASE(a_file_with_every_directive_parses_into_statements_per_database) {
    const auto unit = strata::parse_sql_unit(every_directive, "units/0007_orders.sql");
    BOOST_TEST(unit.no_transaction);
    BOOST_TEST(unit.up.source == "units/0007_orders.sql");
    BOOST_TEST((unit.up.role == strata::direction::up));
    BOOST_TEST_REQUIRE(unit.up.postgresql.has_value());
    BOOST_TEST(*unit.up.postgresql == (statements{
        "CREATE TABLE orders (id integer PRIMARY KEY, total integer NOT NULL)",
        "CREATE FUNCTION orders_check() RETURNS trigger AS $$\nBEGIN\n  IF NEW.total < 0 THEN RAISE EXCEPTION 'negative; total'; "
        "END IF;\n  RETURN NEW;\nEND\n$$ LANGUAGE plpgsql",
        "CREATE TRIGGER orders_check BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION orders_check()",
    }), boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(unit.up.sqlite.has_value());
    BOOST_TEST(*unit.up.sqlite == (statements{
        "CREATE TABLE orders (id integer PRIMARY KEY, total integer NOT NULL)",
        "CREATE INDEX orders_total_idx ON orders (total)",
    }), boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(unit.down.has_value());
    BOOST_TEST((unit.down->role == strata::direction::down));
    BOOST_TEST(listed(unit.down->postgresql) == (statements{"DROP TABLE orders", "DROP FUNCTION orders_check()"}),
               boost::test_tools::per_element());
    BOOST_TEST(listed(unit.down->sqlite) == (statements{"DROP TABLE orders"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_database_section_alone_leaves_the_other_database_without_statements) {
    const auto unit = strata::parse_sql_unit("-- strata:up sqlite\nPRAGMA optimize;\n-- strata:down postgresql\nSELECT 1;\n",
                                             "u.sql");
    BOOST_TEST(!unit.up.postgresql.has_value());
    BOOST_TEST(listed(unit.up.sqlite) == (statements{"PRAGMA optimize"}), boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(unit.down.has_value());
    BOOST_TEST(listed(unit.down->postgresql) == (statements{"SELECT 1"}), boost::test_tools::per_element());
    BOOST_TEST(!unit.down->sqlite.has_value());
    BOOST_TEST(!unit.no_transaction);
}

BOOST_AUTO_TEST_CASE(one_databases_empty_section_is_a_no_op_there_and_no_down_section_is_none) {
    const auto unit = strata::parse_sql_unit("-- strata:up\nSELECT 1;\n-- strata:up sqlite\n-- nothing on SQLite\n\n", "u.sql");
    BOOST_TEST(listed(unit.up.postgresql) == (statements{"SELECT 1"}), boost::test_tools::per_element());
    BOOST_TEST(unit.up.sqlite.has_value());
    BOOST_TEST(listed(unit.up.sqlite).empty());
    BOOST_TEST(!unit.down.has_value());
}

BOOST_AUTO_TEST_CASE(a_unit_with_no_up_statement_anywhere_is_not_written_yet) {
    // What `new --sql` writes, built before anything was written into it.
    const std::string skeleton = "-- Unit 5: x.\n\n-- strata:up\n\n-- strata:down\n";
    BOOST_TEST(parse_error(skeleton).what() ==
               std::string("units/0007_x.sql:3: the up section has no statement; write the unit's SQL under it (a unit that does nothing on "
               "one database gives that database an empty section of its own)"));
    BOOST_TEST(parse_error("-- strata:up postgresql\n-- strata:up sqlite\n").line() == 1u);
}

BOOST_AUTO_TEST_CASE(a_byte_order_mark_is_not_part_of_the_first_line) {
    const auto unit = strata::parse_sql_unit("\xEF\xBB\xBF-- strata:up\nSELECT 1;\n", "bom.sql");
    BOOST_TEST(listed(unit.up.sqlite) == (statements{"SELECT 1"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(windows_line_endings_are_read_like_unix_ones) {
    const auto unit = strata::parse_sql_unit("-- head\r\n-- strata:up\r\nSELECT 1;\r\n-- strata:down sqlite  \r\nSELECT 2;\r\n", "u.sql");
    BOOST_TEST(listed(unit.up.postgresql) == (statements{"SELECT 1"}), boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(unit.down.has_value());
    BOOST_TEST(listed(unit.down->sqlite) == (statements{"SELECT 2"}), boost::test_tools::per_element());
    // A statement over several lines, a string among them: the same statements (and checksum)
    // as the file checked out with LF.
    const std::string lf = "-- strata:up\nCREATE TABLE t (\n  a text DEFAULT 'x\ny'\n);\n-- strata:down\nDROP TABLE t;\n";
    std::string crlf;
    for (char c : lf) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    const auto from_lf = strata::parse_sql_unit(lf, "u.sql"), from_crlf = strata::parse_sql_unit(crlf, "u.sql");
    BOOST_TEST(listed(from_crlf.up.sqlite) == listed(from_lf.up.sqlite), boost::test_tools::per_element());
    BOOST_TEST(listed(from_crlf.up.postgresql) == (statements{"CREATE TABLE t (\n  a text DEFAULT 'x\ny'\n)"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(no_transaction_may_stand_anywhere_between_statements) {
    for (const std::string text : {
             "-- strata:no-transaction\n-- strata:up\nSELECT 1;\n",
             "-- strata:up\n-- strata:no-transaction\nSELECT 1;\n",
             "-- strata:up\nSELECT 1;\n  --strata:no-transaction\nSELECT 2;\n-- strata:down\nSELECT 3;\n",
             "-- strata:up\nSELECT 1;\n-- strata:down\nSELECT 3;\n-- strata:no-transaction\n",
         }) {
        BOOST_TEST_CONTEXT(text) {
            const auto unit = strata::parse_sql_unit(text, "u.sql");
            BOOST_TEST(unit.no_transaction);
            BOOST_TEST_REQUIRE(unit.up.postgresql.has_value());
            BOOST_TEST(unit.up.postgresql->front() == "SELECT 1");
        }
    }
    const auto e = parse_error("-- strata:up\nCREATE TABLE t (\n-- strata:no-transaction\n  a integer);\n");
    BOOST_TEST(std::string(e.what()) ==
               "units/0007_x.sql:3: -- strata:no-transaction inside the statement that starts on line 2; put it on a line "
               "of its own between statements or at the top of the file");
}

BOOST_AUTO_TEST_CASE(unknown_directives_are_errors_listing_the_valid_ones) {
    const std::string valid = "-- strata:up, -- strata:down, -- strata:up postgresql, -- strata:up sqlite, "
                              "-- strata:down postgresql, -- strata:down sqlite, -- strata:no-transaction, -- strata:allow <lint code> <reason>, "
                              "-- strata:allow data-loss <reason>";
    struct directive_case {
        std::string line;
        std::string message;
    };
    const std::vector<directive_case> cases{
        {"-- strata:upp", "unknown directive \"-- strata:upp\"; the directives are " + valid},
        {"--strata:up sqlite extra", "unknown directive \"--strata:up sqlite extra\"; the directives are " + valid},
        {"-- strata:no-transaction please", "unknown directive \"-- strata:no-transaction please\"; the directives are " + valid},
        {"-- strata:up postgres",
         "unknown dialect \"postgres\" in \"-- strata:up postgres\"; the dialects are postgresql and sqlite (the directives are " +
             valid + ")"},
        {"-- strata:", "\"-- strata:\" names no directive; the directives are " + valid},
        {"-- strata: up", "a space after \"strata:\" in \"-- strata: up\"; write the directive right after it (the directives are " +
                              valid + ")"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.line) {
            const auto e = parse_error("-- header\n-- strata:up\nSELECT 1;\n" + c.line + "\nSELECT 2;\n");
            BOOST_TEST(e.file() == "units/0007_x.sql");
            BOOST_TEST(e.line() == 4u);
            BOOST_TEST(std::string(e.what()) == "units/0007_x.sql:4: " + c.message);
        }
    }
}

// A directive in another case, or with a blank before its colon, was read as a comment: the
// down's statements after "-- STRATA:DOWN" ran as part of up (a DROP TABLE, with its data).
BOOST_AUTO_TEST_CASE(a_line_meant_as_a_directive_but_not_written_as_one_is_an_error) {
    for (const char* line : {"-- STRATA:DOWN", "-- Strata:down", "-- strata :down", "--  strata\t: down"}) {
        BOOST_TEST_CONTEXT(line) {
            const auto e = parse_error("-- strata:up\nCREATE TABLE t (a int);\n" + std::string(line) + "\nDROP TABLE t;\n");
            BOOST_TEST(e.line() == 3u);
            BOOST_TEST(contains(e.what(), "is not a directive as written, so it would be a comment and the statements after it "
                                          "would belong to the section above"),
                       e.what());
        }
    }
    // A comment that merely mentions strata stays a comment.
    BOOST_CHECK_NO_THROW(strata::parse_sql_unit("-- strata does this\n-- strata:up\n-- strata runs it\n-- Strata: a note\nSELECT 1;\n",
                                                "x.sql"));
}

// strata owns the unit's transaction: a COMMIT inside kept what came before a failing statement
// while the report said "rolled back"; a ROLLBACK undid what the history recorded as applied.
BOOST_AUTO_TEST_CASE(a_statement_that_ends_or_starts_the_transaction_is_an_error) {
    for (const char* statement : {"COMMIT", "commit work", "END", "ROLLBACK", "BEGIN", "begin transaction", "START TRANSACTION",
                                  "ABORT", "/* done */ COMMIT", "-- done\nCOMMIT", "PREPARE TRANSACTION 'x'"}) {
        BOOST_TEST_CONTEXT(statement) {
            const auto e = parse_error("-- strata:up\nCREATE TABLE t (a int);\n" + std::string(statement) + ";\n");
            BOOST_TEST(e.line() == (std::string(statement).starts_with("--") ? 4u : 3u));  // the line the statement is on
            BOOST_TEST(contains(e.what(), "ends or starts a transaction, which strata manages"), e.what());
        }
    }
    for (const char* fine : {"SAVEPOINT a;\nROLLBACK TO SAVEPOINT a;\nROLLBACK TRANSACTION TO a;\nROLLBACK WORK TO SAVEPOINT a;\n"
                             "RELEASE SAVEPOINT a;",
                             "DO $$BEGIN PERFORM 1; END$$;", "CREATE TABLE begin_log (a int);"}) {
        BOOST_TEST_CONTEXT(fine) {
            BOOST_CHECK_NO_THROW(strata::parse_sql_unit("-- strata:up postgresql\n" + std::string(fine) + "\n", "x.sql"));
        }
    }
    BOOST_CHECK_NO_THROW(strata::parse_sql_unit(
        "-- strata:up sqlite\nCREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET a = 1; END;\n", "x.sql"));
    // A unit outside a transaction manages its own (sqlite.org's table rebuild: BEGIN ... COMMIT).
    BOOST_CHECK_NO_THROW(strata::parse_sql_unit(
        "-- strata:no-transaction\n-- strata:up sqlite\nPRAGMA foreign_keys = OFF;\nBEGIN;\nDROP TABLE t;\nCOMMIT;\n", "x.sql"));
}

BOOST_AUTO_TEST_CASE(a_section_given_twice_is_an_error_naming_both_lines) {
    auto e = parse_error("-- strata:up\nSELECT 1;\n-- strata:down\nSELECT 2;\n-- strata:up\nSELECT 3;\n");
    BOOST_TEST(std::string(e.what()) ==
               "units/0007_x.sql:5: a second \"-- strata:up\" section (the first starts on line 1); merge them into one");
    e = parse_error("-- strata:up\n-- strata:down sqlite\n\n-- strata:down sqlite\n");
    BOOST_TEST(std::string(e.what()) ==
               "units/0007_x.sql:4: a second \"-- strata:down sqlite\" section (the first starts on line 2); merge them into one");
    e = parse_error("-- strata:no-transaction\n-- strata:up\nSELECT 1;\n-- strata:no-transaction\n");
    BOOST_TEST(std::string(e.what()) ==
               "units/0007_x.sql:4: a second -- strata:no-transaction (the first is on line 1); remove one");
}

BOOST_AUTO_TEST_CASE(a_statement_before_the_first_directive_is_an_error_with_its_line) {
    const auto e = parse_error("-- orders\n/* about; it */\n\nCREATE TABLE t (a int);\n-- strata:up\nSELECT 1;\n");
    BOOST_TEST(std::string(e.what()) ==
               "units/0007_x.sql:4: a statement before the first -- strata: directive; only comments may come before it "
               "(put statements under \"-- strata:up\" or \"-- strata:down\")");
}

BOOST_AUTO_TEST_CASE(a_file_without_an_up_section_is_an_error) {
    for (const std::string text : {"", "-- just a comment\n", "-- strata:down\nDROP TABLE t;\n",
                                   "-- strata:no-transaction\n-- strata:down sqlite\n"}) {
        BOOST_TEST_CONTEXT(text) {
            const auto e = parse_error(text);
            BOOST_TEST(e.line() == 1u);
            BOOST_TEST(std::string(e.what()) ==
                       "units/0007_x.sql:1: no -- strata:up section; put the unit's statements under a \"-- strata:up\" line "
                       "(or under \"-- strata:up postgresql\" and \"-- strata:up sqlite\"), and the statements that undo "
                       "them under \"-- strata:down\"");
        }
    }
}

BOOST_AUTO_TEST_CASE(an_unterminated_quote_is_reported_on_its_line_of_the_file) {
    auto e = parse_error("-- header\n-- strata:up\nSELECT 1;\nINSERT INTO t VALUES ('oops);\n-- strata:down\nSELECT 2;\n");
    BOOST_TEST(std::string(e.what()) == "units/0007_x.sql:4: unterminated string starting here; close it with '");
    // A directive line ends the section even inside a string or body, which is then unterminated.
    e = parse_error("-- strata:up postgresql\nDO $$\nBEGIN\n-- strata:down\nEND $$;\n");
    BOOST_TEST(std::string(e.what()) == "units/0007_x.sql:2: unterminated dollar-quoted body starting here; close it with $$");
}

BOOST_AUTO_TEST_CASE(a_generic_section_is_checked_by_both_databases_rules) {
    // Nested comments: fine for PostgreSQL, unbalanced for SQLite, and the other way round.
    auto e = parse_error("-- strata:up\n/* a /* b */ SELECT 1;\n");
    BOOST_TEST(std::string(e.what()) ==
               "units/0007_x.sql:2: unterminated /* comment starting here; close it with */ (PostgreSQL nests /* */ "
               "comments: each /* needs its */) (as postgresql reads it)");
    e = parse_error("-- strata:up\nSELECT 1;\nSELECT `x;\n");
    BOOST_TEST(std::string(e.what()) == "units/0007_x.sql:3: unterminated quoted identifier starting here; close it with ` "
                                        "(as sqlite reads it)");
    // The same text in a PostgreSQL section is fine.
    const auto unit = strata::parse_sql_unit("-- strata:up postgresql\nSELECT 1;\nSELECT `x;\n", "u.sql");
    BOOST_TEST(listed(unit.up.postgresql) == (statements{"SELECT 1", "SELECT `x"}), boost::test_tools::per_element());
    // Broken for both: no qualifier.
    e = parse_error("-- strata:up\nSELECT 'x;\n");
    BOOST_TEST(std::string(e.what()) == "units/0007_x.sql:2: unterminated string starting here; close it with '");
}

BOOST_AUTO_TEST_CASE(editing_comments_between_statements_keeps_the_statements) {
    const auto a = strata::parse_sql_unit("-- strata:up\nSELECT 1; -- one\nSELECT 2;\n", "u.sql");
    const auto b = strata::parse_sql_unit("-- v2 of the header\n-- strata:up\n-- first\nSELECT 1;\n/* two */ SELECT 2; -- end\n", "u.sql");
    BOOST_TEST(listed(a.up.postgresql) == listed(b.up.postgresql), boost::test_tools::per_element());
    BOOST_TEST(listed(a.up.sqlite) == listed(b.up.sqlite), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_sql_migration_renders_its_sections_for_each_database) {
    const strata::sql_migration unit(7, "orders", every_directive, "units/0007_orders.sql");
    BOOST_TEST(unit.info().version == 7);
    BOOST_TEST(unit.info().name == "orders");
    BOOST_TEST((unit.info().transaction == strata::transaction_mode::none));

    BOOST_TEST(render(unit, strata::direction::up, backend::postgresql).statements == (statements{
        "CREATE TABLE orders (id integer PRIMARY KEY, total integer NOT NULL)",
        "CREATE FUNCTION orders_check() RETURNS trigger AS $$\nBEGIN\n  IF NEW.total < 0 THEN RAISE EXCEPTION 'negative; total'; "
        "END IF;\n  RETURN NEW;\nEND\n$$ LANGUAGE plpgsql",
        "CREATE TRIGGER orders_check BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION orders_check()",
    }), boost::test_tools::per_element());
    BOOST_TEST(render(unit, strata::direction::up, backend::sqlite).statements == (statements{
        "CREATE TABLE orders (id integer PRIMARY KEY, total integer NOT NULL)",
        "CREATE INDEX orders_total_idx ON orders (total)",
    }), boost::test_tools::per_element());
    BOOST_TEST(render(unit, strata::direction::down, backend::postgresql).statements ==
                   (statements{"DROP TABLE orders", "DROP FUNCTION orders_check()"}),
               boost::test_tools::per_element());
    BOOST_TEST(render(unit, strata::direction::down, backend::sqlite).statements == (statements{"DROP TABLE orders"}),
               boost::test_tools::per_element());

    strata::schema::builder ops;
    unit.up(ops);
    BOOST_TEST_REQUIRE(ops.operations().size() == 1u);
    BOOST_TEST(strata::schema::describe(ops.operations().front()) == "sql");
    BOOST_TEST(!strata::schema::is_online(ops.operations().front()));
}

BOOST_AUTO_TEST_CASE(a_sql_migration_in_a_transaction_unless_the_file_says_otherwise) {
    const strata::sql_migration unit(8, "plain", "-- strata:up\nSELECT 1;\n", "u.sql");
    BOOST_TEST((unit.info().transaction == strata::transaction_mode::per_unit));
}

BOOST_AUTO_TEST_CASE(a_database_without_an_up_section_is_unsupported_naming_the_section) {
    const strata::sql_migration unit(8, "pg_only", "-- strata:up postgresql\nCREATE EXTENSION citext;\n", "units/0008_pg_only.sql");
    BOOST_TEST(render(unit, strata::direction::up, backend::postgresql).statements == (statements{"CREATE EXTENSION citext"}),
               boost::test_tools::per_element());
    BOOST_CHECK_EXCEPTION(render(unit, strata::direction::up, backend::sqlite), strata::unsupported_error,
                          [](const strata::unsupported_error& e) {
                              BOOST_TEST(e.message() == "units/0008_pg_only.sql has no \"-- strata:up sqlite\" section (nor a "
                                                        "generic \"-- strata:up\"), so it cannot run on sqlite");
                              return true;
                          });
}

BOOST_AUTO_TEST_CASE(a_file_without_a_down_section_is_irreversible_and_says_so) {
    const strata::sql_migration unit(9, "seed", "-- strata:up\nINSERT INTO t VALUES (1);\n", "units/0009_seed.sql");
    BOOST_CHECK_EXCEPTION(render(unit, strata::direction::down, backend::sqlite), strata::irreversible_error,
                          [](const strata::irreversible_error& e) {
                              BOOST_TEST(std::string(e.what()) ==
                                         "unit 9 seed (down) cannot run: units/0009_seed.sql has no -- strata:down section; "
                                         "add one to make the unit reversible; nothing was run");
                              return true;
                          });
}

// SQLite ignores PRAGMA foreign_keys in a transaction: a hand-written rebuild in a transactional
// unit deleted the child rows of an ON DELETE CASCADE key (3 rows to 0, exit 0). Refused there,
// with the way out; fine in a unit outside a transaction, and on PostgreSQL's side (no such pragma).
BOOST_AUTO_TEST_CASE(a_foreign_keys_pragma_in_a_transactional_sqlite_unit_is_an_error) {
    for (const char* pragma : {"PRAGMA foreign_keys = OFF", "pragma  main.foreign_keys=0", "PRAGMA foreign_keys(off)",
                               "PRAGMA \"foreign_keys\" = OFF", "/* a pragma note */ PRAGMA foreign_keys = OFF"}) {
        BOOST_TEST_CONTEXT(pragma) {
            const auto e = parse_error("-- strata:up sqlite\n" + std::string(pragma) + ";\nDROP TABLE parent;\n");
            BOOST_TEST(e.line() == 2u);
            BOOST_TEST(contains(e.what(), "PRAGMA foreign_keys does nothing inside the transaction strata runs the unit in"),
                       e.what());
            BOOST_TEST(contains(e.what(), "-- strata:no-transaction"), e.what());
            BOOST_CHECK_NO_THROW(strata::parse_sql_unit(
                "-- strata:no-transaction\n-- strata:up sqlite\n" + std::string(pragma) + ";\nDROP TABLE parent;\n", "x.sql"));
        }
    }
    BOOST_CHECK_NO_THROW(strata::parse_sql_unit("-- strata:up sqlite\nPRAGMA foreign_key_check;\n", "x.sql"));
}

// A plain SET outlives the unit on PostgreSQL (a search_path put the next unit's table in another
// schema; a statement_timeout killed it): refused in a transactional unit, SET LOCAL is fine.
BOOST_AUTO_TEST_CASE(a_session_set_in_a_transactional_postgresql_unit_is_an_error) {
    for (const char* set : {"SET search_path = other", "set statement_timeout TO 0", "SET SESSION lock_timeout = 0", "SET ROLE app"}) {
        BOOST_TEST_CONTEXT(set) {
            const auto e = parse_error("-- strata:up\n" + std::string(set) + ";\nCREATE TABLE t (a int);\n");
            BOOST_TEST(e.line() == 2u);
            BOOST_TEST(contains(e.what(), "write SET LOCAL, which ends with the unit's transaction"), e.what());
        }
    }
    for (const char* fine : {"SET LOCAL lock_timeout = '1s'", "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
                             "SET CONSTRAINTS ALL DEFERRED"})
        BOOST_CHECK_NO_THROW(strata::parse_sql_unit("-- strata:up\n" + std::string(fine) + ";\nSELECT 1;\n", "x.sql"));
    BOOST_CHECK_NO_THROW(strata::parse_sql_unit(
        "-- strata:no-transaction\n-- strata:up\nSET maintenance_work_mem = '1GB';\nCREATE INDEX CONCURRENTLY i ON t (a);\n",
        "x.sql"));
}

// COPY's data lines and psql's meta-commands passed the build and failed at run time with an
// empty message: refused at build time, naming the line.
BOOST_AUTO_TEST_CASE(psql_only_statements_are_an_error) {
    for (const char* statement : {"COPY t FROM stdin", "copy t (a) to STDOUT", "\\set x 1", "  \\i other.sql"}) {
        BOOST_TEST_CONTEXT(statement) {
            const auto e = parse_error("-- strata:up\nCREATE TABLE t (a int);\n" + std::string(statement) + ";\n");
            BOOST_TEST(e.line() == 3u);
            BOOST_TEST(contains(e.what(), "is psql's, not SQL a migration can run"), e.what());
        }
    }
    BOOST_CHECK_NO_THROW(strata::parse_sql_unit("-- strata:up postgresql\nCOPY t FROM '/srv/data.csv' (FORMAT csv);\n", "x.sql"));
}

// `new --sql` writes an empty down section. Left so, down recorded the unit reverted and left its
// table: an empty down on every database is refused as irreversible; empty on one database of
// its own stays a deliberate no-op there.
BOOST_AUTO_TEST_CASE(a_down_section_without_a_statement_is_irreversible) {
    const strata::sql_migration unit(9, "seed", "-- strata:up\nCREATE TABLE t (a int);\n-- strata:down\n-- TODO\n",
                                     "units/0009_seed.sql");
    for (backend b : {backend::postgresql, backend::sqlite}) {
        BOOST_CHECK_EXCEPTION(render(unit, strata::direction::down, b), strata::irreversible_error,
                              [](const strata::irreversible_error& e) {
                                  BOOST_TEST(e.message() == "units/0009_seed.sql's -- strata:down section has no statement; write "
                                                            "the statements that undo its up (for a unit with nothing to undo, "
                                                            "one that says so, such as SELECT 1)");
                                  return true;
                              });
    }
    const strata::sql_migration one(10, "pg_only", "-- strata:up\nSELECT 1;\n-- strata:down postgresql\nSELECT 2;\n-- strata:down sqlite\n",
                                    "units/0010_pg_only.sql");
    BOOST_TEST(render(one, strata::direction::down, backend::sqlite).statements.empty());
}

BOOST_AUTO_TEST_CASE(a_down_for_one_database_is_irreversible_on_the_other) {
    const strata::sql_migration unit(10, "pg_down", "-- strata:up\nSELECT 1;\n-- strata:down postgresql\nSELECT 2;\n",
                                     "units/0010_pg_down.sql");
    BOOST_TEST(render(unit, strata::direction::down, backend::postgresql).statements == (statements{"SELECT 2"}),
               boost::test_tools::per_element());
    BOOST_CHECK_EXCEPTION(render(unit, strata::direction::down, backend::sqlite), strata::irreversible_error,
                          [](const strata::irreversible_error& e) {
                              BOOST_TEST(e.message() == "units/0010_pg_down.sql has no \"-- strata:down sqlite\" section (nor "
                                                        "a generic \"-- strata:down\"), so it cannot be reverted on sqlite");
                              return true;
                          });
}

BOOST_AUTO_TEST_CASE(constructing_a_sql_migration_from_a_broken_file_throws_its_error) {
    BOOST_CHECK_EXCEPTION(strata::sql_migration(11, "broken", "SELECT 1;\n-- strata:up\n", "units/0011_broken.sql"),
                          strata::sql_file_error, [](const strata::sql_file_error& e) {
                              BOOST_TEST(e.file() == "units/0011_broken.sql");
                              BOOST_TEST(e.line() == 1u);
                              return true;
                          });
}

BOOST_AUTO_TEST_CASE(registering_never_throws_and_records_a_broken_file_as_a_problem) {
    static_assert(std::is_nothrow_constructible_v<strata::detail::sql_registrar, strata::registry&, std::int64_t, const char*,
                                                  std::string_view, const char*>);
    strata::registry units;
    strata::detail::sql_registrar good(units, 9001, "registered", registered_text, "units/9001_registered.sql");
    strata::detail::sql_registrar broken(units, 9002, "broken", "-- strata:up\nSELECT 1;\n-- strata:sideways\n",
                                         "units/9002_broken.sql");

    const auto* entry = units.find(9001);
    BOOST_TEST_REQUIRE(entry != nullptr);
    BOOST_TEST(entry->name == "registered");
    BOOST_TEST(entry->source_file == "units/9001_registered.sql");
    BOOST_TEST(render(*entry->unit, strata::direction::up, backend::sqlite).statements ==
                   (statements{"CREATE TABLE registered (a integer)"}),
               boost::test_tools::per_element());
    BOOST_TEST(units.find(9002) == nullptr);
    BOOST_CHECK_EXCEPTION(units.validate(), strata::registry_error, [](const strata::registry_error& e) {
        BOOST_TEST(std::string(e.what()) ==
                   "units/9002_broken.sql:3: unknown directive \"-- strata:sideways\"; the directives are -- strata:up, "
                   "-- strata:down, -- strata:up postgresql, -- strata:up sqlite, -- strata:down postgresql, -- strata:down "
                   "sqlite, -- strata:no-transaction, -- strata:allow <lint code> <reason>, -- strata:allow data-loss <reason>");
        return true;
    });
}

BOOST_AUTO_TEST_CASE(reading_a_file_parses_it_or_names_it_in_the_error) {
    const auto dir = std::filesystem::temp_directory_path() / "strata_sql_unit_tests";
    std::filesystem::create_directories(dir);
    const auto good = dir / "0012_good.sql";
    const auto bad = dir / "0013_bad.sql";
    std::ofstream(good) << "-- strata:up\nSELECT 1;\n";
    std::ofstream(bad) << "-- strata:up\nSELECT 1;\n\n-- strata:up\n";

    const auto unit = strata::read_sql_unit(good);
    BOOST_TEST(listed(unit.up.sqlite) == (statements{"SELECT 1"}), boost::test_tools::per_element());
    BOOST_TEST(unit.up.source == good.string());

    auto e = file_error([&] { strata::read_sql_unit(bad); });
    BOOST_TEST(e.file() == bad.string());
    BOOST_TEST(e.line() == 4u);
    e = file_error([&] { strata::read_sql_unit(dir / "missing.sql"); });
    BOOST_TEST(e.line() == 0u);
    BOOST_TEST(std::string(e.what()) == (dir / "missing.sql").string() + ": cannot open the file");
    std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(an_allow_directive_accepts_a_lint_finding_with_its_reason) {
    const auto unit = strata::parse_sql_unit("-- strata:allow S010 reviewed: a small table, locks for milliseconds\n"
                                             "-- strata:up\nCREATE INDEX i ON t (a);\n-- strata:down\nDROP INDEX i;\n",
                                             "u.sql");
    BOOST_TEST_REQUIRE(unit.allowances.size() == 1u);
    BOOST_TEST(unit.allowances[0].code == "S010");
    BOOST_TEST(unit.allowances[0].reason == "reviewed: a small table, locks for milliseconds");
    BOOST_TEST(listed(unit.up.sqlite) == (statements{"CREATE INDEX i ON t (a)"}), boost::test_tools::per_element());
    BOOST_CHECK_EXCEPTION(strata::parse_sql_unit("-- strata:allow S010\n-- strata:up\nSELECT 1;\n", "u.sql"), strata::sql_file_error,
                          [](const strata::sql_file_error& e) { return e.line() == 1 && std::string(e.what()).find("needs a lint code and a reason") != std::string::npos; });
    BOOST_CHECK_EXCEPTION(strata::parse_sql_unit("-- strata:up\nSELECT 1;\n-- strata:allow S999 because\n", "u.sql"), strata::sql_file_error,
                          [](const strata::sql_file_error& e) { return e.line() == 3 && std::string(e.what()).find("is no lint code") != std::string::npos; });
    // Lint reads it: the unit's S010 is shown allowed, and no longer fails --error-on notice.
    strata::registry units;
    units.add(std::make_shared<const strata::sql_migration>(
                  1, "index_t", "-- strata:allow S010 reviewed\n-- strata:up\nCREATE INDEX i ON t (a);\n-- strata:down\nDROP INDEX i;\n",
                  "units/0001_index_t.sql"),
              "sql_unit_tests.cpp");
    const auto findings = strata::lint(units, strata::backend::postgresql, strata::lint_scope::every_unit());
    BOOST_TEST_REQUIRE(findings.size() == 1u);
    BOOST_TEST(findings[0].code == "S010");
    BOOST_TEST(findings[0].allowed_because.value_or("") == "reviewed");
    BOOST_TEST(!strata::fails(findings[0], strata::lint_level::notice));
}

BOOST_AUTO_TEST_CASE(an_allow_data_loss_directive_goes_with_the_down) {
    const std::string down = "-- strata:down\nINSERT INTO notes_archive SELECT * FROM notes;\nDROP TABLE notes;\n";
    const auto unit = strata::parse_sql_unit("-- strata:up\nCREATE TABLE notes (a text);\n"
                                             "-- strata:allow data-loss the down copies the notes to notes_archive first\n" + down,
                                             "u.sql");
    BOOST_TEST(unit.data_loss_allowed.value_or("") == "the down copies the notes to notes_archive first");
    BOOST_TEST(unit.allowances.empty());
    BOOST_TEST(listed(unit.down->sqlite) == (statements{"INSERT INTO notes_archive SELECT * FROM notes", "DROP TABLE notes"}),
               boost::test_tools::per_element());
    // Through the unit's down, as the runner records it; its up (and checksum) is as without it.
    const strata::sql_migration with(5, "notes", "-- strata:allow data-loss archived\n-- strata:up\nCREATE TABLE notes (a text);\n" + down,
                                     "u.sql");
    strata::schema::builder b;
    with.down(b);
    BOOST_TEST(b.data_loss_allowed().value_or("") == "archived");

    auto fails_on = [](const std::string& text, std::size_t line, const std::string& part) {
        BOOST_CHECK_EXCEPTION(strata::parse_sql_unit(text, "u.sql"), strata::sql_file_error, [&](const strata::sql_file_error& e) {
            BOOST_TEST(e.line() == line, e.what());
            BOOST_TEST(std::string(e.what()).find(part) != std::string::npos, e.what());
            return true;
        });
    };
    fails_on("-- strata:up\nSELECT 1;\n-- strata:allow data-loss\n" + down, 3, "needs a reason, which the rollback prints");
    fails_on("-- strata:allow data-loss one\n-- strata:up\nSELECT 1;\n-- strata:allow data-loss two\n" + down, 4,
             "a second -- strata:allow data-loss (the first is on line 1)");
    fails_on("-- strata:allow data-loss archived\n-- strata:up\nSELECT 1;\n", 1,
             "the file has no -- strata:down section; write the down, or remove the line");
    fails_on("-- strata:up\nSELECT 1;\n-- strata:allow data_loss because\n", 3, "is no lint code (see lint --help) nor data-loss");
    fails_on("-- strata:allow data-loss archived\n-- strata:up\nSELECT 1;\n-- strata:down\n", 1,
             "the file has an empty -- strata:down section; write the down, or remove the line");
    // Every rollback prints and stores it: UTF-8 (a Latin-1 file fails the build, not the rollback).
    fails_on("-- strata:up\nSELECT 1;\n-- strata:allow data-loss copi\xe9" "es ailleurs\n" + down, 3,
             "is not UTF-8 (0xe9 at byte 5)");
    fails_on("-- strata:up\nSELECT 1;\n-- strata:allow data-loss " + std::string(501, 'x') + "\n" + down, 3,
             "is longer than 500 bytes");
    // Inside a statement, the line would change its text (an applied unit's checksum).
    fails_on("-- strata:up\nCREATE TABLE notes (\n-- strata:allow data-loss archived\n  a text\n);\n" + down, 3,
             "-- strata:allow data-loss inside the statement that starts on line 2");
    fails_on("-- strata:up\nCREATE TABLE notes (\n-- strata:allow S010 reviewed\n  a text\n);\n" + down, 3,
             "-- strata:allow inside the statement that starts on line 2");
}

BOOST_AUTO_TEST_CASE(psql_gexec_and_a_down_that_is_not_utf8_fail_the_build) {
    auto fails_on = [](const std::string& text, std::size_t line, const std::string& part) {
        BOOST_CHECK_EXCEPTION(strata::parse_sql_unit(text, "u.sql"), strata::sql_file_error, [&](const strata::sql_file_error& e) {
            BOOST_TEST(e.line() == line, e.what());
            BOOST_TEST(std::string(e.what()).find(part) != std::string::npos, e.what());
            return true;
        });
    };
    // strata runs what such a query returns for its own statements only: a unit's would drop
    // tables nothing counted first.
    fails_on("-- strata:up\nCREATE TABLE t (a int);\n-- strata:down\nSELECT format('DROP TABLE %I', 't')\n\\gexec\n;\n", 4,
             "a \\gexec line (psql's meta-command, not SQL)");
    fails_on("-- strata:up\nCREATE TABLE t (a text);\n-- strata:down\nDELETE FROM t WHERE a = 'caf\xe9';\nDROP TABLE t;\n", 4,
             "the down statement is not UTF-8");
    // An up that is not UTF-8 still builds (SQLite takes it; it is not stored).
    BOOST_CHECK_NO_THROW(strata::parse_sql_unit("-- strata:up\nCREATE TABLE t (a text);\nINSERT INTO t VALUES ('caf\xe9');\n"
                                                "-- strata:down\nDROP TABLE t;\n", "u.sql"));
    // The same from C++: raw SQL with \gexec is refused when the unit records it.
    strata::schema::builder b;
    BOOST_CHECK_THROW(b.sql("SELECT 'DROP TABLE t'\n\\gexec", "SELECT 1"), strata::unsupported_error);
}

BOOST_AUTO_TEST_SUITE_END()
