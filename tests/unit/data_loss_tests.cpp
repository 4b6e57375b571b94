// What a down drops (engine/src/run/data_loss.cpp): the tables and columns read from its
// statements before it runs, so that one holding data stops the rollback.
#include "run/data_loss.hpp"

#include "dialect/sqlite/table_rebuild.hpp"

#include <boost/test/unit_test.hpp>

#include <ostream>
#include <string>
#include <vector>

namespace strata {
std::ostream& boost_test_print_type(std::ostream& out, const dropped_data& d) {
    return out << "{" << d.table << ", " << d.column << (d.truncated ? ", truncated" : "") << "}";
}
}  // namespace strata

namespace {

using strata::dropped_data;
using strata::drops_in;
using drops = std::vector<dropped_data>;

}  // namespace

BOOST_AUTO_TEST_SUITE(data_loss)

BOOST_AUTO_TEST_CASE(what_strata_renders_for_a_drop_is_found) {
    BOOST_TEST(drops_in({R"(DROP TABLE "orders")"}) == (drops{{R"("orders")", ""}}), boost::test_tools::per_element());
    BOOST_TEST(drops_in({R"(ALTER TABLE "accounts" DROP COLUMN "phone")"}) == (drops{{R"("accounts")", R"("phone")"}}),
               boost::test_tools::per_element());
    // SQLite's rebuild directive names the columns it drops.
    strata::sqlite_rebuild::changes c;
    c.table = "accounts";
    c.drop_columns = {"phone"};
    c.drop_constraints = {"accounts_team_fkey"};
    BOOST_TEST(drops_in({strata::sqlite_rebuild::directive(c)}) == (drops{{R"("accounts")", R"("phone")"}}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(raw_sql_is_read_as_written) {
    BOOST_TEST(drops_in({"drop table if exists public.orders, \"Line Items\" cascade"}) ==
                   (drops{{"public.orders", ""}, {"\"Line Items\"", ""}}),
               boost::test_tools::per_element());
    BOOST_TEST(drops_in({"/* gone */ ALTER TABLE ONLY shop.accounts DROP phone, ALTER COLUMN name DROP DEFAULT, "
                         "DROP CONSTRAINT accounts_name_key, DROP COLUMN IF EXISTS \"faxNumber\" CASCADE"}) ==
                   (drops{{"shop.accounts", "phone"}, {"shop.accounts", "\"faxNumber\""}}),
               boost::test_tools::per_element());
    BOOST_TEST(drops_in({"TRUNCATE TABLE ONLY audit_log *, [events]"}) ==
                   (drops{{"audit_log", "", true}, {"[events]", "", true}}),
               boost::test_tools::per_element());
    BOOST_TEST(drops_in({"alter table `t` add column c int check (c in (1, 2)), drop column `d`"}) == (drops{{"`t`", "`d`"}}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(what_drops_no_data_is_not_counted) {
    BOOST_TEST(drops_in({"DROP INDEX orders_idx", "DROP VIEW v", "ALTER TABLE t DROP CONSTRAINT c",
                         "ALTER TABLE t RENAME COLUMN a TO b", "CREATE TABLE dropped (x int)", "SELECT 'DROP TABLE t'",
                         "-- DROP TABLE t", "DELETE FROM t", "DO $$ BEGIN DROP TABLE t; END $$"})
                   .empty());
}

BOOST_AUTO_TEST_CASE(a_table_the_same_statements_created_first_holds_nothing_of_before) {
    // SQLite's guard of a change_column: a temporary table made and dropped in one unit.
    BOOST_TEST(drops_in({R"(CREATE TEMP TABLE "strata_change_guard" ("ok" INTEGER))", R"(DROP TABLE "strata_change_guard")"})
                   .empty());
    BOOST_TEST(drops_in({"create table if not exists Scratch (x int)", "drop table scratch", "drop table kept"}) ==
                   (drops{{"kept", ""}}),
               boost::test_tools::per_element());
    // A name quoted differently is another table on PostgreSQL.
    BOOST_TEST(drops_in({R"(CREATE TABLE "Scratch" (x int))", "DROP TABLE scratch"}).size() == 1u);
}

BOOST_AUTO_TEST_CASE(the_count_reads_at_most_a_bound_of_rows) {
    BOOST_TEST(strata::rows_holding_data_query({"\"accounts\"", "\"phone\""}) ==
               "SELECT count(*) FROM (SELECT 1 FROM \"accounts\" WHERE \"phone\" IS NOT NULL LIMIT 1000) AS strata_rows");
    BOOST_TEST(strata::rows_holding_data_query({"t", ""}) == "SELECT count(*) FROM (SELECT 1 FROM t LIMIT 1000) AS strata_rows");
}

BOOST_AUTO_TEST_SUITE_END()
