// Which statements of a unit may change its PostgreSQL session's settings (session_settings.hpp):
// after those, strata resets the session before the next unit, and a dry run's script says so.
// The reset's effect is tested against a server (tests/integration/custom_units_test.cpp).

#include <boost/test/unit_test.hpp>

#include "dialect/postgresql/session_settings.hpp"

using strata::may_change_session;

BOOST_AUTO_TEST_SUITE(session_settings)

BOOST_AUTO_TEST_CASE(statements_that_set_the_session_are_seen) {
    BOOST_TEST(may_change_session("SET search_path = side, public"));
    BOOST_TEST(may_change_session("  set statement_timeout = '50ms'"));
    BOOST_TEST(may_change_session("SET LOCAL lock_timeout = '1s'"));
    BOOST_TEST(may_change_session("SET ROLE app_owner"));
    BOOST_TEST(may_change_session("RESET search_path"));
    BOOST_TEST(may_change_session("SELECT set_config('search_path', 'side', false)"));
    BOOST_TEST(may_change_session("SELECT pg_catalog.SET_CONFIG('x.y', '1', false)"));
    BOOST_TEST(may_change_session("CREATE TABLE a (x int); SET search_path = side"));
    BOOST_TEST(may_change_session("DO $$ BEGIN SET search_path = side; END $$"));
    BOOST_TEST(may_change_session("DO $$ BEGIN IF true THEN\n  SET work_mem = '64MB'; END IF; END $$"));
    BOOST_TEST(may_change_session("DO $$ BEGIN EXECUTE 'SET search_path = ' || quote_ident('side'); END $$"));
    // Review 22 H1: what a check for a SET at a statement's start missed.
    BOOST_TEST(may_change_session("DO $$BEGIN SET search_path = side; END$$"));
    BOOST_TEST(may_change_session("DO $$ BEGIN -- switch the path\n  SET search_path = side; END $$"));
    BOOST_TEST(may_change_session("DO $$ BEGIN /* for the copy */ SET search_path = side; END $$"));
    BOOST_TEST(may_change_session("-- after the update\nSET search_path = side"));
    BOOST_TEST(may_change_session("-- alter column\nSET search_path = side"));
    // Review 23 L11: what looks like a comment inside a dollar-quoted or E'' string.
    BOOST_TEST(may_change_session("DO $$ BEGIN COMMENT ON TABLE t IS $c$a -- b$c$; SET search_path = x; END $$"));
    BOOST_TEST(may_change_session("DO $$ BEGIN PERFORM E'it\\'s -- x'; SET search_path = x; END $$"));
    BOOST_TEST(may_change_session("/* pg_dump */ SET search_path = ''"));
    BOOST_TEST(may_change_session("DO $$ BEGIN EXECUTE $q$SET search_path = side$q$; END $$"));
    BOOST_TEST(may_change_session("UPDATE pg_settings SET setting = 'side' WHERE name = 'search_path'"));
    BOOST_TEST(may_change_session("UPDATE t SET a = 1; SET search_path = side"));
    BOOST_TEST(may_change_session("SELECT 1 -- '\nSET search_path = side"));
}

BOOST_AUTO_TEST_CASE(other_statements_saying_set_are_not) {
    BOOST_TEST(!may_change_session(R"(ALTER TABLE "children" ALTER COLUMN "parent" SET NOT NULL)"));
    BOOST_TEST(!may_change_session(R"(ALTER TABLE "t" ADD COLUMN "r" BIGINT REFERENCES "p" ("id") ON DELETE SET NULL)"));
    BOOST_TEST(!may_change_session(R"(UPDATE "t" SET "a" = 1 WHERE "b" IS NULL)"));
    BOOST_TEST(!may_change_session("UPDATE t\nSET a = 1"));
    BOOST_TEST(!may_change_session("ALTER TABLE t ALTER COLUMN a SET DEFAULT 0"));
    BOOST_TEST(!may_change_session("CREATE TABLE settings (offset_value int, reset_at timestamptz, dataset text)"));
    BOOST_TEST(!may_change_session(R"(UPDATE ONLY "app"."t" SET "a" = 1)"));
    BOOST_TEST(!may_change_session("INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET a = excluded.a"));
    BOOST_TEST(!may_change_session(R"(ALTER TABLE "t" ALTER "c" SET DEFAULT 0)"));
    BOOST_TEST(!may_change_session("ALTER TABLE t ADD CONSTRAINT k FOREIGN KEY (a) REFERENCES p (id) ON UPDATE SET DEFAULT"));
    BOOST_TEST(!may_change_session("-- set things up\nCREATE TABLE t (a int)"));  // a comment's SET is none
    BOOST_TEST(!may_change_session(""));
}

BOOST_AUTO_TEST_SUITE_END()
