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
}

BOOST_AUTO_TEST_CASE(other_statements_saying_set_are_not) {
    BOOST_TEST(!may_change_session(R"(ALTER TABLE "children" ALTER COLUMN "parent" SET NOT NULL)"));
    BOOST_TEST(!may_change_session(R"(ALTER TABLE "t" ADD COLUMN "r" BIGINT REFERENCES "p" ("id") ON DELETE SET NULL)"));
    BOOST_TEST(!may_change_session(R"(UPDATE "t" SET "a" = 1 WHERE "b" IS NULL)"));
    BOOST_TEST(!may_change_session("UPDATE t\nSET a = 1"));
    BOOST_TEST(!may_change_session("ALTER TABLE t ALTER COLUMN a SET DEFAULT 0"));
    BOOST_TEST(!may_change_session("CREATE TABLE settings (offset_value int, reset_at timestamptz, dataset text)"));
    BOOST_TEST(!may_change_session("ALTER ROLE app SET search_path = app"));  // later sessions, not this one
    BOOST_TEST(!may_change_session(""));
}

BOOST_AUTO_TEST_SUITE_END()
