// verify, diff and validate --schema (issue 11, points 1 and 3), as a user runs them: the
// reference units round-trip; a down that forgets an index is named and fails verify; an
// irreversible unit is reported and skipped; the target is never changed; a hand ALTER is drift,
// exit 4, in words and JSON; PostgreSQL's temporary scratch database is gone afterwards.

#include "strata_cli.hpp"

#include <nlohmann/json.hpp>

using namespace strata::test;

namespace {

/// PostgreSQL's temporary scratch databases still on the server.
std::int64_t leftover_scratch_databases(const cli_database_test& t) {
    if (t.db.kind() != strata::backend::postgresql) return 0;
    return t.probe.count(R"(SELECT count(*) FROM pg_database WHERE datname LIKE 'strata\_scratch\_%')");
}

namespace scenario {

void verify_passes_the_reference_units_and_changes_nothing(strata::backend b) {
    cli_database_test t(b);
    const auto before = leftover_scratch_databases(t);
    auto r = t.run({"verify"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(matches(r.out, "verifying the units of " + t.shown_url() + "'s build on {*}\n"
                              "ok           1 create_users\n"
                              "ok           2 create_user_profiles\n"
                              "ok           3 add_profile_to_users\n"
                              "ok: 3 units round-trip\n"),
               r);
    // The target is not touched: not even strata's history table.
    BOOST_TEST(!t.probe.has_table("strata_schema_history"));
    BOOST_TEST(!t.probe.has_table("users"));
    BOOST_TEST(leftover_scratch_databases(t) == before);

    auto doc = nlohmann::json::parse(t.run({"verify", "--json"}).out);
    BOOST_TEST(doc.at("ok") == true);
    BOOST_TEST(doc.at("units").size() == 3u);
    BOOST_TEST(doc.at("units")[2].at("result") == "ok");
}

void verify_names_what_a_down_forgets_and_skips_an_irreversible_unit(strata::backend b) {
    cli_database_test t(b, STRATA_VERIFY_FIXTURE_PATH);
    auto r = t.run({"verify"});
    BOOST_TEST(r.exit_code == 1, r);
    const auto lines = lines_of(r.out);
    const bool pg = b == strata::backend::postgresql;
    BOOST_TEST_REQUIRE(lines.size() == (pg ? 11u : 9u), r);
    BOOST_TEST(lines[1] == "ok           1 create_orders", r);
    BOOST_TEST(lines[2] == "differs      2 index_orders", r);
    BOOST_TEST(lines[3] == "             down leaves index orders_account_id_idx on orders", r);
    // What down left makes the second up fail; verify goes on with a fresh scratch database.
    BOOST_TEST(lines[4].starts_with("             up again after down failed: "), r);
    BOOST_TEST(contains(lines[4], "orders_account_id_idx"), r);
    BOOST_TEST(matches(lines[5], "irreversible 3 create_audit: no down ({*}); applied, not reverted"), r);
    BOOST_TEST(lines[6] == "ok           4 add_shipped", r);
    if (pg) {
        // Comments are part of the schema (schema dump prints them): a down that leaves them differs.
        BOOST_TEST(lines[7] == "differs      5 comment_orders", r);
        BOOST_TEST(lines[8] == "             down leaves column orders.shipped with comment 'set by the warehouse' (was (none))", r);
        BOOST_TEST(lines[9] == "             down leaves table orders with comment 'one row per order' (was (none))", r);
        BOOST_TEST(lines[10] == "2 units round-trip, 2 differ, 1 irreversible (not reverted)", r);
    } else {
        BOOST_TEST(lines[7] == "ok           5 comment_orders", r);
        BOOST_TEST(lines[8] == "3 units round-trip, 1 differ, 1 irreversible (not reverted)", r);
    }
    BOOST_TEST(!t.probe.has_table("orders"));

    auto doc = nlohmann::json::parse(t.run({"verify", "--json"}).out);
    BOOST_TEST(doc.at("ok") == false);
    const auto& unit2 = doc.at("units")[1];
    BOOST_TEST(unit2.at("result") == "differs");
    BOOST_TEST(unit2.at("differences")[0].at("change") == "extra");
    BOOST_TEST(unit2.at("differences")[0].at("object_kind") == "index");
    BOOST_TEST(unit2.at("differences")[0].at("object") == "orders_account_id_idx");
    BOOST_TEST(unit2.at("differences")[0].at("table") == "orders");
    BOOST_TEST(doc.at("units")[2].at("result") == "irreversible");
    if (pg) {
        const auto& comment = doc.at("units")[4].at("differences")[1];
        BOOST_TEST(comment.at("change") == "altered");
        BOOST_TEST(comment.at("object_kind") == "table");
        BOOST_TEST(comment.at("attribute") == "comment");
        BOOST_TEST(comment.at("actual") == "one row per order");
    }
}

void diff_and_validate_schema_report_a_hand_alter(strata::backend b) {
    cli_database_test t(b);
    BOOST_TEST_REQUIRE(t.run({"up"}).exit_code == 0);
    auto r = t.run({"diff"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.out == "ok: " + t.shown_url() + " has the schema its 3 applied units make\n", r);
    BOOST_TEST(t.run({"validate", "--schema"}).exit_code == 0);

    t.probe.execute(R"(ALTER TABLE "users" ADD COLUMN "nickname" text)");
    t.probe.execute(R"(CREATE INDEX "users_phone_by_hand" ON "users" ("phone"))");
    r = t.run({"diff"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(r.out == "2 differences between " + t.shown_url() +
                            " and the schema its 3 applied units make (missing: the units make it, the database lacks it; "
                            "extra: the other way round):\n"
                            "  - extra column users.nickname\n"
                            "  - extra index users_phone_by_hand on users\n",
               r);
    BOOST_TEST(contains(r.err, "has drifted from its units"), r);

    // validate alone checks the history only; --schema adds the same comparison, exit 4.
    BOOST_TEST(t.run({"validate"}).exit_code == 0);
    r = t.run({"validate", "--schema"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(contains(r.out, "ok: the history of " + t.shown_url() + " agrees with this build\n2 differences"), r);
    BOOST_TEST(contains(r.out, "  - extra column users.nickname\n"), r);

    auto doc = nlohmann::json::parse(t.run({"diff", "--json"}).out);
    BOOST_TEST(doc.at("equal") == false);
    BOOST_TEST(doc.at("applied") == nlohmann::json::parse("[1, 2, 3]"));
    BOOST_TEST(doc.at("differences")[0].at("object") == "users.nickname");
    BOOST_TEST(doc.at("differences")[0].at("description") == "extra column users.nickname");
    doc = nlohmann::json::parse(t.run({"validate", "--schema", "--json"}).out);
    BOOST_TEST(doc.at("ok") == false);
    BOOST_TEST(doc.at("schema").at("differences").size() == 2u);

    // A column the units make and the database lost; a unit rolled back by hand is drift too.
    t.probe.execute(R"(ALTER TABLE "users" DROP COLUMN "nickname")");
    t.probe.execute(R"(DROP INDEX "users_phone_by_hand")");
    // Unit 3's unique key: a constraint on PostgreSQL, a unique index on SQLite.
    const bool pg = b == strata::backend::postgresql;
    t.probe.execute(pg ? R"(ALTER TABLE "users" DROP CONSTRAINT "users_profile_key")" : R"(DROP INDEX "users_profile_key")");
    r = t.run({"diff"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(contains(r.out, pg ? "  - missing unique constraint users.users_profile_key\n" : "  - missing index users_profile_key on users\n"), r);
    BOOST_TEST(leftover_scratch_databases(t) == 0);
}

/// PostgreSQL: a comment added, changed or removed by hand is drift, as `schema dump --check`
/// sees it; the units' own comments (comment_on) are not.
void diff_and_validate_schema_report_a_hand_comment(strata::backend b) {
    cli_database_test t(b, STRATA_VERIFY_FIXTURE_PATH);
    BOOST_TEST_REQUIRE(t.run({"up"}).exit_code == 0);
    auto r = t.run({"diff"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.out == "ok: " + t.shown_url() + " has the schema its 5 applied units make\n", r);
    if (b != strata::backend::postgresql) return;  // SQLite keeps no comments

    t.probe.execute(R"(COMMENT ON TABLE "orders" IS 'orders, by hand')");
    t.probe.execute(R"(COMMENT ON COLUMN "orders"."shipped" IS NULL)");
    t.probe.execute(R"(COMMENT ON COLUMN "orders"."account_id" IS 'who pays')");
    r = t.run({"diff"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(contains(r.out, "3 differences between " + t.shown_url()), r);
    BOOST_TEST(contains(r.out, "  - column orders.account_id: comment is 'who pays', the units make (none)\n"
                               "  - column orders.shipped: comment is (none), the units make 'set by the warehouse'\n"
                               "  - table orders: comment is 'orders, by hand', the units make 'one row per order'\n"),
               r);
    r = t.run({"validate", "--schema"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(contains(r.out, "  - table orders: comment is 'orders, by hand', the units make 'one row per order'\n"), r);
    auto doc = nlohmann::json::parse(t.run({"diff", "--json"}).out);
    BOOST_TEST(doc.at("differences").size() == 3u);
    BOOST_TEST(doc.at("differences")[2].at("attribute") == "comment");
    BOOST_TEST(doc.at("differences")[2].at("expected") == "one row per order");
    BOOST_TEST(doc.at("differences")[2].at("actual") == "orders, by hand");

    // Put back as the units wrote them: no drift.
    t.probe.execute(R"(COMMENT ON TABLE "orders" IS 'one row per order')");
    t.probe.execute(R"(COMMENT ON COLUMN "orders"."shipped" IS 'set by the warehouse')");
    t.probe.execute(R"(COMMENT ON COLUMN "orders"."account_id" IS '')");  // '' removes it, as NULL does
    r = t.run({"diff"});
    BOOST_TEST(r.exit_code == 0, r);
}

void diff_of_a_partly_migrated_database_builds_only_what_it_applied(strata::backend b) {
    cli_database_test t(b);
    BOOST_TEST_REQUIRE(t.run({"up", "--to", "2"}).exit_code == 0);
    auto r = t.run({"diff"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.out == "ok: " + t.shown_url() + " has the schema its 2 applied units make\n", r);
}

void scratch_must_be_another_empty_database_of_the_same_kind(strata::backend b) {
    cli_database_test t(b);
    BOOST_TEST_REQUIRE(t.run({"up"}).exit_code == 0);
    auto r = t.run({"verify", "--scratch", t.db.url_text()});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "--scratch names the target database"), r);

    cli_database_test other(b);
    other.probe.execute(R"(CREATE TABLE "keep_me" ("id" integer))");
    r = t.run({"diff", "--scratch", other.db.url_text()});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "is not empty (it has table keep_me)"), r);
    BOOST_TEST(other.probe.has_table("keep_me"));

    r = t.run({"verify", "--scratch", b == strata::backend::sqlite ? "postgresql://localhost/x" : "sqlite::memory:"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "--scratch must be a"), r);

    // An empty one is used, and keeps what verify applied.
    cli_database_test empty(b);
    r = t.run({"verify", "--scratch", empty.db.url_text()});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(contains(r.out, "on " + empty.shown_url() + "\n"), r);
    BOOST_TEST(empty.probe.has_table("users"));
    BOOST_TEST(t.run({"validate", "--scratch", empty.db.url_text()}).exit_code == 2);
}

}  // namespace scenario
}  // namespace

STRATA_CLI_TEST_ON_EACH_DATABASE(verify_passes_the_reference_units_and_changes_nothing)
STRATA_CLI_TEST_ON_EACH_DATABASE(verify_names_what_a_down_forgets_and_skips_an_irreversible_unit)
STRATA_CLI_TEST_ON_EACH_DATABASE(diff_and_validate_schema_report_a_hand_alter)
STRATA_CLI_TEST_ON_EACH_DATABASE(diff_and_validate_schema_report_a_hand_comment)
STRATA_CLI_TEST_ON_EACH_DATABASE(diff_of_a_partly_migrated_database_builds_only_what_it_applied)
STRATA_CLI_TEST_ON_EACH_DATABASE(scratch_must_be_another_empty_database_of_the_same_kind)
