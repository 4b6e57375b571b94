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
    return out << "{" << d.table << ", " << d.column << (d.truncated ? ", truncated" : "")
               << (d.table_before.empty() ? "" : ", before " + d.table_before + "." + d.column_before)
               << (d.search_path.empty() ? "" : ", search_path " + d.search_path) << "}";
}
}  // namespace strata

namespace {

using strata::dropped_data;
using drops = std::vector<dropped_data>;

constexpr auto pg = strata::backend::postgresql;
constexpr auto lite = strata::backend::sqlite;

/// drops_in, statements first as the dialect code reads best.
drops drops_in(strata::backend b, const std::vector<std::string>& statements) { return strata::drops_in(statements, b); }

}  // namespace

BOOST_AUTO_TEST_SUITE(data_loss)

// A unit that sets its own search_path (PostgreSQL) drops its unqualified tables there: each drop
// carries the value as written, for the count (review 31 H1); DEFAULT and RESET set it back.
BOOST_AUTO_TEST_CASE(a_step_s_own_search_path_goes_with_its_drops) {
    const auto found = drops_in(pg, {"SET LOCAL search_path TO app, \"Public\"; DROP TABLE ledger",
                                     "set search_path = 'tenant_a'", "ALTER TABLE notes DROP COLUMN body",
                                     "SET search_path TO DEFAULT; TRUNCATE audit", "SET LOCAL search_path TO x",
                                     "RESET search_path", "DROP TABLE last"});
    BOOST_TEST_REQUIRE(found.size() == 4u);
    BOOST_TEST(found[0].search_path == "app, \"Public\"");
    BOOST_TEST(found[1].search_path == "'tenant_a'");
    BOOST_TEST(found[2].search_path.empty());
    BOOST_TEST(found[3].search_path.empty());
    // Not read on SQLite, which has none, nor as a drop.
    BOOST_TEST(drops_in(lite, {"DROP TABLE ledger"}).at(0).search_path.empty());
}

// DROP TYPE, DOMAIN or EXTENSION with CASCADE takes the columns of that type: read as such
// (counted column by column against the catalog); without CASCADE nothing a column uses goes
// (review 31 H2).
BOOST_AUTO_TEST_CASE(a_type_dropped_with_cascade_is_a_drop) {
    const auto found = drops_in(pg, {"DROP TYPE IF EXISTS mood, app.\"Size\" CASCADE", "DROP DOMAIN us_zip CASCADE",
                                     "DROP EXTENSION \"citext\" CASCADE", "DROP TYPE kept", "DROP EXTENSION hstore"});
    BOOST_TEST_REQUIRE(found.size() == 4u);
    BOOST_TEST(found[0].object_kind == "type");
    BOOST_TEST(found[0].object == "mood");
    BOOST_TEST(found[1].object == "app.\"Size\"");
    BOOST_TEST(found[2].object_kind == "domain");
    BOOST_TEST(found[3].object_kind == "extension");
    BOOST_TEST(found[3].object == "citext");  // as the catalog spells it
    BOOST_TEST(found[0].table.empty());
}

// TRUNCATE ... CASCADE empties the tables that reference the ones it names: marked, for the
// count to find them in the catalog (review 31 M1).
BOOST_AUTO_TEST_CASE(a_truncate_with_cascade_is_marked) {
    const auto found = drops_in(pg, {"TRUNCATE countries, regions RESTART IDENTITY CASCADE", "TRUNCATE TABLE only_this"});
    BOOST_TEST_REQUIRE(found.size() == 3u);
    BOOST_TEST(found[0].cascade);
    BOOST_TEST(found[1].cascade);
    BOOST_TEST(!found[2].cascade);
    BOOST_TEST(found[2].truncated);
}

BOOST_AUTO_TEST_CASE(what_strata_renders_for_a_drop_is_found) {
    BOOST_TEST(drops_in(pg, {R"(DROP TABLE "orders")"}) == (drops{{R"("orders")", ""}}), boost::test_tools::per_element());
    BOOST_TEST(drops_in(pg, {R"(ALTER TABLE "accounts" DROP COLUMN "phone")"}) == (drops{{R"("accounts")", R"("phone")"}}),
               boost::test_tools::per_element());
    // SQLite's rebuild directive names the columns it drops.
    strata::sqlite_rebuild::changes c;
    c.table = "accounts";
    c.drop_columns = {"phone"};
    c.drop_constraints = {"accounts_team_fkey"};
    BOOST_TEST(drops_in(pg, {strata::sqlite_rebuild::directive(c)}) == (drops{{R"("accounts")", R"("phone")"}}),
               boost::test_tools::per_element());
}

// A drop is counted under the name the table or column has before the run: an earlier statement
// of the run (a later unit's down, reverted first) may rename it to the dropped name.
BOOST_AUTO_TEST_CASE(a_drop_is_read_through_the_runs_earlier_renames) {
    strata::names_before_run renames;
    // Unit 6's down renames the column back, unit 5's drops it; then the table is renamed and dropped.
    BOOST_TEST(strata::drops_in({R"(ALTER TABLE "t" RENAME COLUMN "y" TO "x")"}, pg, renames).empty());
    BOOST_TEST(strata::drops_in({R"(ALTER TABLE "t" DROP COLUMN "x")"}, pg, renames) ==
                   (drops{{.table = R"("t")", .column = R"("x")", .table_before = R"("t")", .column_before = R"("y")"}}),
               boost::test_tools::per_element());
    BOOST_TEST(strata::drops_in({"alter table t rename to u", "ALTER TABLE u RENAME z TO w", "ALTER TABLE U DROP w, DROP v",
                                 "DROP TABLE u"},
                                lite, renames) ==
                   (drops{{.table = "U", .column = "w", .table_before = "t", .column_before = "z"},
                          {.table = "U", .column = "v", .table_before = "t", .column_before = "v"},
                          {.table = "u", .table_before = "t"}}),
               boost::test_tools::per_element());
    // A name a rename moved away from is read as written (the rename may not happen: IF EXISTS).
    strata::names_before_run moved;
    BOOST_TEST(strata::drops_in({"ALTER TABLE s.a RENAME COLUMN b TO c", "ALTER TABLE s.a ADD COLUMN b int",
                                 "ALTER TABLE s.a DROP COLUMN b", "ALTER TABLE s.a RENAME TO d", "TRUNCATE s.a",
                                 "DROP TABLE s.d"},
                                pg, moved) == (drops{{"s.a", "b"}, {"s.a", "", true}, {.table = "s.d", .table_before = "s.a"}}),
               boost::test_tools::per_element());
    // A constraint's rename moves no data; unrenamed names are read as they are.
    BOOST_TEST(strata::drops_in({"ALTER TABLE t RENAME CONSTRAINT k TO l", "ALTER TABLE t DROP COLUMN k"}, pg) ==
                   (drops{{"t", "k"}}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_drop_counted_under_its_name_before_the_run_is_queried_so) {
    dropped_data d{.table = R"("t")", .column = R"("x")", .table_before = R"("t")", .column_before = R"("y")"};
    BOOST_TEST(strata::rows_holding_data_query(d) ==
               R"(SELECT count(*) FROM (SELECT 1 FROM "t" AS strata_t WHERE NOT (strata_t."y" IS NULL) LIMIT 1000) AS strata_rows)");
}

BOOST_AUTO_TEST_CASE(raw_sql_is_read_as_written) {
    BOOST_TEST(drops_in(pg, {"drop table if exists public.orders, \"Line Items\" cascade"}) ==
                   (drops{{"public.orders", ""}, {"\"Line Items\"", ""}}),
               boost::test_tools::per_element());
    BOOST_TEST(drops_in(pg, {"/* gone */ ALTER TABLE ONLY shop.accounts DROP phone, ALTER COLUMN name DROP DEFAULT, "
                         "DROP CONSTRAINT accounts_name_key, DROP COLUMN IF EXISTS \"faxNumber\" CASCADE"}) ==
                   (drops{{"shop.accounts", "phone"}, {"shop.accounts", "\"faxNumber\""}}),
               boost::test_tools::per_element());
    BOOST_TEST(drops_in(pg, {"TRUNCATE TABLE ONLY audit_log *, [events]"}) ==
                   (drops{{"audit_log", "", true}, {"[events]", "", true}}),
               boost::test_tools::per_element());
    BOOST_TEST(drops_in(pg, {"alter table `t` add column c int check (c in (1, 2)), drop column `d`"}) == (drops{{"`t`", "`d`"}}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(what_drops_no_data_is_not_counted) {
    BOOST_TEST(drops_in(pg, {"DROP INDEX orders_idx", "DROP VIEW v", "ALTER TABLE t DROP CONSTRAINT c",
                         "ALTER TABLE t RENAME COLUMN a TO b", "CREATE TABLE dropped (x int)", "SELECT 'DROP TABLE t'",
                         "-- DROP TABLE t", "DELETE FROM t", "DO $$ BEGIN EXECUTE 'DROP TABLE t'; END $$"})
                   .empty());
}

BOOST_AUTO_TEST_CASE(a_table_the_same_statements_created_first_holds_nothing_of_before) {
    // SQLite's guard of a change_column: a temporary table made and dropped in one unit.
    BOOST_TEST(drops_in(pg, {R"(CREATE TEMP TABLE "strata_change_guard" ("ok" INTEGER))", R"(DROP TABLE "strata_change_guard")"})
                   .empty());
    BOOST_TEST(drops_in(pg, {"create temp table Scratch (x int)", "drop table scratch", "drop table kept"}) ==
                   (drops{{"kept", ""}}),
               boost::test_tools::per_element());
    // A name quoted differently is another table on PostgreSQL.
    BOOST_TEST(drops_in(pg, {R"(CREATE TABLE "Scratch" (x int))", "DROP TABLE scratch"}).size() == 1u);
}

BOOST_AUTO_TEST_CASE(the_count_reads_at_most_a_bound_of_rows) {
    // Through the table: SQLite reads an unknown "column" alone as a string, which is never NULL.
    BOOST_TEST(strata::rows_holding_data_query({"\"accounts\"", "\"phone\""}) ==
               "SELECT count(*) FROM (SELECT 1 FROM \"accounts\" AS strata_t WHERE NOT (strata_t.\"phone\" IS NULL) LIMIT 1000) "
               "AS strata_rows");
    BOOST_TEST(strata::rows_holding_data_query({"t", ""}) == "SELECT count(*) FROM (SELECT 1 FROM t LIMIT 1000) AS strata_rows");
}

BOOST_AUTO_TEST_CASE(several_statements_in_one_text_are_each_read) {
    // A raw sql() holding a whole down, as the database runs it.
    BOOST_TEST(drops_in(lite, {"DROP INDEX m_idx; DROP TABLE m2; drop table m1;"}) == (drops{{"m2", ""}, {"m1", ""}}),
               boost::test_tools::per_element());
    BOOST_TEST(drops_in(pg, {"CREATE TABLE s (x int); INSERT INTO s VALUES (1); DROP TABLE s; DROP TABLE \"Kept\""}) ==
                   (drops{{"\"Kept\"", ""}}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_do_block_is_read_for_what_strata_rollback_drops_in_it) {
    const std::string rollback = "DO $strata$ BEGIN IF EXISTS (SELECT 1 FROM pg_attribute WHERE attname = 'status') THEN "
                                 "ALTER TABLE \"users\" DROP COLUMN \"status\"; END IF; "
                                 "EXECUTE 'DROP TABLE not_read'; END $strata$";
    BOOST_TEST(drops_in(pg, {rollback}) == (drops{{"\"users\"", "\"status\""}}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_schema_dropped_with_cascade_is_counted_by_its_tables) {
    BOOST_TEST(drops_in(pg, {"DROP SCHEMA IF EXISTS Tenant_A, \"Tenant B\" CASCADE"}) ==
                   (drops{{.schema = "tenant_a"}, {.schema = "Tenant B"}}),
               boost::test_tools::per_element());
    BOOST_TEST(drops_in(pg, {"DROP SCHEMA tenant_a"}).empty());  // refused by the database if it holds anything
    BOOST_TEST(strata::rows_holding_data_query({.schema = "Tenant B"}) ==
               "SELECT count(*) FROM (SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = 'Tenant B' LIMIT 1000) AS strata_rows");
}

BOOST_AUTO_TEST_CASE(a_table_that_may_have_been_there_already_counts) {
    // IF NOT EXISTS finds the old table with its rows.
    BOOST_TEST(drops_in(pg, {"CREATE TABLE IF NOT EXISTS kept (x int)", "DROP TABLE kept"}).size() == 1u);
    BOOST_TEST(drops_in(pg, {"DROP TABLE bücher, 顧客"}) == (drops{{"bücher", ""}, {"顧客", ""}}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(each_loss_is_one_sentence_with_its_count) {
    using strata::lost_data;
    const strata::data_loss_error e(
        "m", {},
        {lost_data{.version = 3, .name = "add_phone", .table = "\"accounts\"", .column = "\"phone\"", .rows = 12},
         lost_data{.version = 2, .name = "orders", .table = "orders", .rows = 1000, .at_least = true},
         lost_data{.version = 2, .name = "orders", .table = "audit", .truncated = true, .rows = 1},
         lost_data{.version = 1, .name = "tenants", .schema = "\"t1\"", .rows = 2},
         lost_data{.version = 1, .name = "tenants", .table = "secret", .unread = "permission denied for table secret",
                   .unread_sqlstate = "42501"},
         lost_data{.version = 1, .name = "tenants", .table = "big", .unread = "canceling statement due to statement timeout",
                   .unread_sqlstate = "57014"}});
    BOOST_TEST(e.losses() == (std::vector<std::string>{
                                 "unit 3 add_phone drops column \"accounts\".\"phone\", which holds values in 12 rows",
                                 "unit 2 orders drops table orders with its 1000 or more rows",
                                 "unit 2 orders truncates table audit with its 1 row",
                                 "unit 1 tenants drops schema \"t1\" with CASCADE, which holds 2 tables",
                                 "unit 1 tenants drops table secret, which could not be read to see whether it holds data "
                                 "(permission denied for table secret): let this role read it, or look yourself",
                                 "unit 1 tenants drops table big, which could not be read to see whether it holds data "
                                 "(canceling statement due to statement timeout): the server's statement_timeout cancelled the "
                                 "count; raise it for this run (options=-cstatement_timeout=0 in the URL), or look yourself"}),
               boost::test_tools::per_element());
    BOOST_TEST(strata::describe(e.lost().front(), false) == "unit 3 add_phone drops column \"accounts\".\"phone\"");
}

BOOST_AUTO_TEST_SUITE_END()
