// Backfill (issue 9, point 8): the exact statements on both dialects, the way back given with
// down() (or none: irreversible), the refusals made on render, and the progress a batched run
// reports (its notice, parsed, and the line people read).
#include <strata/dialect.hpp>
#include <strata/error.hpp>
#include <strata/migration.hpp>
#include <strata/runner.hpp>
#include <strata/schema/builder.hpp>

#include <boost/test/unit_test.hpp>

#include <functional>
#include <string>
#include <vector>

#include "checksum.hpp"                               // private to the engine
#include "dialect/postgresql/postgresql_online.hpp"  // private to the engine
#include "progress_notice.hpp"
#include "render_support.hpp"
#include "support/change_unit.hpp"

namespace {

using namespace strata::schema;
using statements = std::vector<std::string>;


/// `users(id, status)`, as an earlier unit left it.
strata::catalog with_users() {
    builder b;
    b.create_table("users", [](table& t) {
        t.column("id", type::bigint()).primary();
        t.column("status", type::text());
    });
    return strata::test::state_after(b);
}

strata::rendering render(strata::backend backend, const builder& b) {
    auto state = with_users();
    return strata::dialect_for(backend).render(b.operations(), state);
}

/// The message of the error rendering `record`'s operations throws, the same on both dialects,
/// or "<rendered>".
std::string refusal(const std::function<void(builder&)>& record) {
    const std::string on_sqlite = strata::test::refusal(strata::backend::sqlite, record, with_users());
    BOOST_TEST(strata::test::refusal(strata::backend::postgresql, record, with_users()) == on_sqlite);
    return on_sqlite;
}

/// The batched DO block for users, SET "status" = 'active' WHERE "status" IS NULL, 2 rows a batch.
const std::string batched_users =
    R"sql(DO $strata$ #variable_conflict use_column
DECLARE strata_total bigint := (SELECT count(*) FROM "users" WHERE ("status" IS NULL)); strata_done bigint := 0; strata_picked tid[]; strata_batch tid[];
BEGIN RAISE NOTICE 'strata:progress % % rows %', strata_done, strata_total, 'backfill users'; LOOP
SELECT array_agg(ctid) INTO strata_picked FROM (SELECT ctid FROM "users" WHERE ("status" IS NULL) LIMIT 2 FOR UPDATE) strata_rows;
EXIT WHEN strata_picked IS NULL;
WITH strata_updated AS (UPDATE "users" SET "status" = 'active' WHERE ctid = ANY (strata_picked) AND ("status" IS NULL) RETURNING ctid) SELECT array_agg(ctid) INTO strata_batch FROM strata_updated;
IF strata_batch IS NULL THEN RAISE EXCEPTION '%: a batch locked % rows matching its where_sql and updated none of them, so its batches would never end; stopped after % rows (committed). A BEFORE UPDATE trigger that skips them, or a where_sql that reads other tables or the clock, does this', 'backfill users', cardinality(strata_picked), strata_done; END IF;
COMMIT; strata_done := strata_done + coalesce(cardinality(strata_batch), 0); RAISE NOTICE 'strata:progress % % rows %', strata_done, strata_total, 'backfill users';
IF EXISTS (SELECT 1 FROM "users" WHERE ctid = ANY (strata_batch) AND ("status" IS NULL)) THEN RAISE EXCEPTION '%: rows it just updated still match its where_sql, so its batches would never end; stopped after % rows (committed). Make the where_sql false for the rows the set_sql updates (such as "status" IS NULL for "status" = ''active'')', 'backfill users', strata_done; END IF;
END LOOP; END $strata$)sql";

}  // namespace

BOOST_AUTO_TEST_SUITE(backfill)

BOOST_AUTO_TEST_CASE(postgresql_backfills_in_batches_that_each_commit_and_a_rerun_resumes) {
    builder b;
    b.backfill("users", R"("status" = 'active')", R"("status" IS NULL)", 2);
    auto r = render(strata::backend::postgresql, b);
    BOOST_TEST(r.statements == statements{batched_users}, boost::test_tools::per_element());
    BOOST_TEST(!r.transactional);  // COMMIT inside the DO block needs it run outside a transaction
    BOOST_TEST(r.resumable);       // the WHERE picks up where a crash stopped
    BOOST_TEST(is_online(b.operations().back()));
}

BOOST_AUTO_TEST_CASE(sqlite_backfills_with_one_update_in_the_units_transaction) {
    builder b;
    b.backfill("users", R"("status" = 'active', "id" = "id")", R"("status" IS NULL)", 2);
    auto r = render(strata::backend::sqlite, b);
    BOOST_TEST(r.statements == statements{R"(UPDATE "users" SET "status" = 'active', "id" = "id" WHERE ("status" IS NULL))"},
               boost::test_tools::per_element());
    BOOST_TEST(r.transactional);
}

BOOST_AUTO_TEST_CASE(a_backfill_not_online_is_one_update_on_postgresql_too) {
    // What up --atomic runs (online flags cleared): the whole release is one transaction anyway.
    builder b;
    b.add(strata::schema::backfill{"users", R"("status" = 'active')", R"("status" IS NULL)", 2, std::nullopt, false});
    auto r = render(strata::backend::postgresql, b);
    BOOST_TEST(r.statements == statements{R"(UPDATE "users" SET "status" = 'active' WHERE ("status" IS NULL))"},
               boost::test_tools::per_element());
    BOOST_TEST(r.transactional);
}

BOOST_AUTO_TEST_CASE(the_default_batch_is_ten_thousand_rows) {
    builder b;
    b.backfill("users", R"("status" = 'active')", R"("status" IS NULL)");
    BOOST_TEST(std::get<strata::schema::backfill>(b.operations().back()).batch_rows == 10000);
    BOOST_TEST(render(strata::backend::postgresql, b).statements.at(0).find(" LIMIT 10000 FOR UPDATE") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(down_sets_the_way_back_and_inverse_swaps_both_sides) {
    builder b;
    b.backfill("users", R"("status" = 'active')", R"("status" IS NULL)", 5).down(R"("status" = NULL)", R"("status" = 'active')");
    auto back = inverse(b.operations().back());
    BOOST_REQUIRE(back.has_value());
    const auto& o = std::get<strata::schema::backfill>(*back);
    BOOST_TEST(o.table == "users");
    BOOST_TEST(o.set_sql == R"("status" = NULL)");
    BOOST_TEST(o.where_sql == R"("status" = 'active')");
    BOOST_TEST(o.batch_rows == 5);
    BOOST_REQUIRE(o.down.has_value());
    BOOST_TEST(o.down->set_sql == R"("status" = 'active')");
    BOOST_TEST(o.down->where_sql == R"("status" IS NULL)");
    // Twice back is the original.
    const auto twice = inverse(*back);
    const auto& again = std::get<strata::schema::backfill>(*twice);
    BOOST_TEST(again.set_sql == R"("status" = 'active')");
    BOOST_TEST(again.where_sql == R"("status" IS NULL)");
    BOOST_TEST(describe(*back) == "backfill users");
}

BOOST_AUTO_TEST_CASE(a_change_unit_with_a_backfill_renders_its_down_as_the_reverse_backfill) {
    strata::test::change_unit unit(4, "fill_status", [](builder& b) {
        b.backfill("users", R"("status" = 'active')", R"("status" IS NULL)").down("\"status\" = NULL", "\"status\" = 'active'");
    });
    builder down;
    unit.down(down);
    auto state = with_users();
    auto r = strata::dialect_for(strata::backend::sqlite).render(down.operations(), state);
    BOOST_TEST(r.statements == statements{R"(UPDATE "users" SET "status" = NULL WHERE ("status" = 'active'))"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_backfill_without_down_is_irreversible) {
    builder b;
    b.backfill("users", R"("status" = 'active')", R"("status" IS NULL)");
    BOOST_TEST(!inverse(b.operations().back()).has_value());
    strata::test::change_unit unit(4, "fill_status",
                                   [](builder& u) { u.backfill("users", R"("status" = 'active')", R"("status" IS NULL)"); });
    builder down;
    try {
        unit.down(down);
        BOOST_ERROR("down() did not refuse");
    } catch (const strata::irreversible_error& e) {
        BOOST_TEST(std::string(e.what()).find("'backfill users' cannot be reversed") != std::string::npos, e.what());
    }
}

BOOST_AUTO_TEST_CASE(down_after_anything_but_a_backfill_throws_naming_it) {
    builder b;
    try {
        b.down("\"a\" = 1", "\"a\" = 2");
        BOOST_ERROR("down() on an empty builder did not throw");
    } catch (const strata::unsupported_error& e) {
        BOOST_TEST(e.message() == "down(set_sql, where_sql) must follow the backfill it reverses");
    }
    b.create_index("users", {"status"});
    try {
        b.down("\"a\" = 1", "\"a\" = 2");
        BOOST_ERROR("down() after create_index did not throw");
    } catch (const strata::unsupported_error& e) {
        BOOST_TEST(e.message() ==
                   "'create_index users_status_idx' is not a backfill; down(set_sql, where_sql) applies to the backfill just "
                   "recorded (other operations know their inverse, raw sql takes its down text as an argument)");
    }
}

BOOST_AUTO_TEST_CASE(an_empty_where_is_refused_saying_the_batches_would_never_end) {
    BOOST_TEST(refusal([](builder& b) { b.backfill("users", R"("status" = 'active')", "  "); }) ==
               "backfill users: the where_sql is empty; a backfill needs the condition that selects the rows still to "
               "update and that its SET makes false (such as \"status\" IS NULL for \"status\" = 'active'): batches run "
               "until no row matches it, so without one they would never end");
}

BOOST_AUTO_TEST_CASE(a_set_or_where_that_is_not_one_piece_of_sql_is_refused) {
    BOOST_TEST(refusal([](builder& b) { b.backfill("users", "\"status\" = 'a'; DROP TABLE users", "\"status\" IS NULL"); }) ==
               "backfill users: the set_sql is not a SET list: it has a ';' outside string literals; give assignments "
               "separated by commas, such as \"status\" = 'active', \"score\" = 0");
    BOOST_TEST(refusal([](builder& b) { b.backfill("users", " ", "\"status\" IS NULL"); }) ==
               "backfill users: the set_sql is not a SET list: it is empty; give assignments separated by commas, such as "
               "\"status\" = 'active', \"score\" = 0");
    const std::vector<std::pair<std::string, std::string>> cases{
        {"true) OR (true", "it closes a parenthesis it did not open"},
        {"(\"status\" IS NULL", "its parentheses are unbalanced"},
        {"\"status\" = 'open", "it has an unterminated string"},
        {"\"status\" IS NULL -- )", "it has a comment"},
        {"\"status\" = $$x$$", "it has a '$' outside string literals"},
    };
    for (const auto& [where, why] : cases)
        BOOST_TEST(refusal([&](builder& b) { b.backfill("users", "\"status\" = 'x'", where); }) ==
                   "backfill users: the where_sql is not a single SQL condition: " + why +
                       "; give one condition, such as \"status\" IS NULL");
    // Semicolons, comments and parentheses inside strings and quoted names are fine.
    BOOST_TEST(refusal([](builder& b) { b.backfill("users", R"("status" = 'a; -- (b')", R"("status" IS NULL OR "status" = ')')"); }) ==
               "<rendered>");
}

BOOST_AUTO_TEST_CASE(the_down_of_a_backfill_is_checked_when_the_unit_goes_up) {
    BOOST_TEST(refusal([](builder& b) {
                   b.backfill("users", R"("status" = 'active')", R"("status" IS NULL)").down("\"status\" = NULL", "");
               }) ==
               "backfill users: the where_sql of its down() is empty; a backfill needs the condition that selects the rows "
               "still to update and that its SET makes false (such as \"status\" IS NULL for \"status\" = 'active'): "
               "batches run until no row matches it, so without one they would never end");
}

BOOST_AUTO_TEST_CASE(batch_rows_below_one_is_refused) {
    BOOST_TEST(refusal([](builder& b) { b.backfill("users", R"("status" = 'active')", R"("status" IS NULL)", 0); }) ==
               "backfill users: batch_rows is 0; give at least 1 (the default is 10000)");
}

BOOST_AUTO_TEST_CASE(a_progress_notice_is_parsed_and_other_notices_are_not) {
    auto p = strata::detail::parse_progress_notice("strata:progress 20 25 rows backfill my users");
    BOOST_REQUIRE(p.has_value());
    BOOST_TEST(p->done == 20);
    BOOST_TEST(p->total == 25);
    BOOST_TEST(p->unit == "rows");
    BOOST_TEST(p->what == "backfill my users");
    BOOST_TEST(!strata::detail::parse_progress_notice("table \"x\" does not exist, skipping").has_value());
    BOOST_TEST(!strata::detail::parse_progress_notice("strata:progress 20").has_value());
    BOOST_TEST(!strata::detail::parse_progress_notice("strata:progress x 25 rows backfill users").has_value());
}

BOOST_AUTO_TEST_CASE(a_progress_line_says_the_unit_the_work_and_how_far_it_is) {
    strata::progress_event p{4, "fill_status", "backfill users", 20, 25, "rows"};
    BOOST_TEST(describe(p) == "unit 4 fill_status: backfill users: 20 of 25 rows (80%)");
    p.done = 30;  // rows written while it ran
    BOOST_TEST(describe(p) == "unit 4 fill_status: backfill users: 30 rows (25 counted at the start)");
    p.total = 0;
    BOOST_TEST(describe(p) == "unit 4 fill_status: backfill users: 30 rows");
    strata::progress_event build{5, "index_users", "create_index users_email_idx", 120, 4425, "blocks",
                                 "building index: scanning table"};
    BOOST_TEST(describe(build) ==
               "unit 5 index_users: create_index users_email_idx (building index: scanning table): 120 of 4425 blocks (2%)");
}

// --max-replica-lag (issue 13, point 2) changes what runs for a backfill, never what is rendered:
// its wait between batches goes into the block when it runs (after_each_batch), so the checksum
// recorded for a backfill unit does not depend on the option (the reference units' are pinned in
// checksum_tests.cpp). The value: SHA-256 of batched_users and a NUL byte, computed apart
// (Python's hashlib); it changed once, when a batch came to lock and update in two statements.
BOOST_AUTO_TEST_CASE(a_backfill_units_checksum_is_the_one_earlier_builds_recorded) {
    builder b;
    b.backfill("users", R"("status" = 'active')", R"("status" IS NULL)", 2);
    BOOST_TEST(strata::checksum(render(strata::backend::postgresql, b).statements) ==
               "8786a2a4b1bef22d321210e2e40ed008f71f7a55942b619bea5d9f8a4228e73f");
}

BOOST_AUTO_TEST_CASE(the_replica_lag_wait_goes_at_the_end_of_each_batch_of_a_backfill_block) {
    const std::string tail = "\nEND LOOP; END $strata$";
    const std::string waiting = strata::postgresql_online::after_each_batch(batched_users, "PERFORM 1;");
    // Only after a full batch (2 rows here): a shorter one was the last, and the backfill is done.
    BOOST_TEST(waiting == batched_users.substr(0, batched_users.size() - tail.size()) +
                              "\nIF cardinality(strata_picked) >= 2 THEN\nPERFORM 1;\nEND IF;" + tail);
    // After the batch's COMMIT and its progress notice, before the next batch.
    BOOST_TEST(waiting.find("PERFORM 1;") > waiting.rfind("strata:progress"));
}

BOOST_AUTO_TEST_CASE(the_rollback_of_a_backfill_waits_too_and_no_other_statement_changes) {
    builder up;
    up.backfill("users", R"("status" = 'active')", R"("status" IS NULL)", 2);
    up.down(R"("status" = NULL)", R"("status" = 'active')");
    auto rollback = strata::dialect_for(strata::backend::postgresql).render_rollback(up.operations(), with_users());
    BOOST_TEST_REQUIRE(rollback.statements.size() == 1u);
    BOOST_TEST(strata::postgresql_online::after_each_batch(rollback.statements[0], "PERFORM 1;").find("\nPERFORM 1;\nEND IF;\nEND LOOP; END") !=
               std::string::npos);

    builder other;
    other.add_check("users", "users_status_check", R"("status" <> '')").online();
    other.create_index("users", {"status"}).online();
    for (const auto& s : render(strata::backend::postgresql, other).statements)
        BOOST_TEST(strata::postgresql_online::after_each_batch(s, "PERFORM 1;") == s);
    // A unit's own DO block that loops and commits is not a backfill's.
    const std::string own = "DO $strata$ BEGIN LOOP COMMIT; EXIT; \nEND LOOP; END $strata$";
    BOOST_TEST(strata::postgresql_online::after_each_batch(own, "PERFORM 1;") == own);
}

BOOST_AUTO_TEST_SUITE_END()
