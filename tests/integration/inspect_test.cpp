// runner::schema() (the normalized model of <strata/inspect.hpp>) on the reference units and on a
// schema with every kind of object (inspect_shop.hpp), on both databases: the values a user sees,
// strata's metadata tables never among them, the same snapshot each time it is read.

#include <strata/inspect.hpp>
#include <strata/registry.hpp>
#include <strata/runner.hpp>

#include <soci/soci.h>

#include <memory>
#include <string>

#include "backend_test.hpp"
#include "inspect_shop.hpp"
#include "support/change_unit.hpp"
#include "support/inspect_print.hpp"
#include "support/schema_session.hpp"
#include "support/temp_database.hpp"
#include "tutorial.hpp"

using namespace strata::test;
namespace inspect = strata::inspect;
using strata::test::inspect_shop::shop;

namespace {

bool is_pg(strata::backend b) { return b == strata::backend::postgresql; }

inspect::column column_of(const column_info& c) { return {c.name, c.type, c.nullable, c.default_value}; }

/// The tutorial's table as tutorial.hpp says each database reports it, in the model's terms.
inspect::table table_of(const table_schema& t) {
    inspect::table out{.name = t.name, .primary_key = t.primary_key};
    for (const auto& c : t.columns) out.columns.push_back(column_of(c));
    for (const auto& k : t.foreign_keys)
        out.foreign_keys.push_back({k.name, k.columns, k.ref_table, k.ref_columns, k.on_update, k.on_delete});
    return out;
}

// strata's SQLite checks for the types SQLite does not enforce, as the table's SQL writes them.
inspect::check length_check(const std::string& c, int n) {
    return {"", "CHECK (length(\"" + c + "\") <= " + std::to_string(n) + ")"};
}
inspect::check time_check(const std::string& c) {
    const std::string q = "\"" + c + "\"";
    return {"", "CHECK (" + q + " IS NULL OR (julianday(" + q + ") IS NOT NULL AND date(substr(" + q + ", 1, 10), '+0 days') IS substr(" +
                    q + ", 1, 10)))"};
}
inspect::check uuid_check(const std::string& c) {
    const std::string q = "\"" + c + "\"";
    return {"", "CHECK (length(" + q + ") = 36 AND " + q + " NOT GLOB '*[^0-9a-fA-F-]*' AND substr(" + q + ", 9, 1) || " +
                    "substr(" + q + ", 14, 1) || substr(" + q + ", 19, 1) || substr(" + q + ", 24, 1) = '----')"};
}

}  // namespace

STRATA_BACKEND_TEST(inspect_reads_the_reference_units) {
    tutorial::migrated_database m(backend);
    const auto s = strata::runner(strata::registry::global(), m.db.url()).schema();

    auto users = table_of(tutorial::expected_users(backend, tutorial::users_stage::unit_3));
    auto profiles = table_of(tutorial::expected_user_profiles(backend));
    if (is_pg(backend)) {
        users.primary_key_name = "users_pkey";
        users.uniques = {{"users_profile_key", {"profile"}}};
        profiles.primary_key_name = "user_profiles_pkey";
    } else {
        // The one-to-one UNIQUE is an index on SQLite (the only kind it can drop again).
        users.indexes = {{.name = "users_profile_key", .unique = true, .keys = {"profile"}}};
        users.checks = {time_check("createdAt"),  time_check("updatedAt"), length_check("email", 255),
                        length_check("firstName", 100), length_check("lastName", 100), length_check("phone", 13),
                        length_check("photo", 1024), uuid_check("profile"), uuid_check("userId"), length_check("userName", 255)};
        profiles.checks = {time_check("createdAt"), time_check("updatedAt"), length_check("address", 100),
                           uuid_check("userProfileId")};
    }
    BOOST_TEST_REQUIRE(s.tables.size() == 2u, s);  // strata_schema_history and strata_schema_log are not there
    BOOST_TEST(s.tables[0] == profiles);
    BOOST_TEST(s.tables[1] == users);
    BOOST_TEST((s.kind == backend));
    BOOST_TEST((s.schemas.empty() && s.views.empty() && s.functions.empty() && s.sequences.empty()), s);
}


STRATA_BACKEND_TEST(inspect_reads_every_kind_of_object) {
    auto db = temp_database::create(backend);
    auto units = shop(backend);
    strata::runner(*units, db.url()).up();
    const auto s = strata::runner(*units, db.url()).schema();

    const auto expected = is_pg(backend) ? inspect_shop::postgresql_tables() : inspect_shop::sqlite_tables();
    BOOST_TEST_REQUIRE(s.tables.size() == expected.size(), s);
    for (std::size_t i = 0; i < expected.size(); ++i) BOOST_TEST(s.tables[i] == expected[i]);

    BOOST_TEST_REQUIRE(s.views.size() == 1u, s);
    BOOST_TEST(s.views[0].name == "order_totals");
    if (!is_pg(backend)) {
        BOOST_TEST(s.views[0].text == R"(CREATE VIEW "order_totals" AS SELECT "customer", sum("total") AS "total" FROM "orders" )"
                                      R"(GROUP BY "customer")");
        BOOST_TEST((s.schemas.empty() && s.functions.empty() && s.sequences.empty()), s);
        return;
    }
    BOOST_TEST(s.views[0].text ==
               " SELECT orders.customer,\n    sum(orders.total) AS total\n   FROM orders\n  GROUP BY orders.customer;");
    BOOST_TEST(s.schemas == std::vector<std::string>{"archive"}, s);
    BOOST_TEST_REQUIRE(s.functions.size() == 1u, s);
    BOOST_TEST(s.functions[0].name == "orders_positive()");
    const std::string function_start =
        "CREATE OR REPLACE FUNCTION public.orders_positive()\n RETURNS trigger\n LANGUAGE plpgsql\n";
    BOOST_TEST(s.functions[0].text.starts_with(function_start), s.functions[0].text);
    // The identity's sequence belongs to customers.id; only the free-standing one is listed.
    const inspect::definition sequence{
        "archive.invoice_numbers", "AS bigint INCREMENT 1 MINVALUE 1 MAXVALUE 9223372036854775807 START 1000 CACHE 1 NO CYCLE"};
    BOOST_TEST(s.sequences == std::vector<inspect::definition>{sequence}, s);
}

STRATA_BACKEND_TEST(inspect_reads_the_same_snapshot_twice_and_nothing_of_strata) {
    auto db = temp_database::create(backend);
    auto units = shop(backend);
    strata::runner(*units, db.url()).up();
    BOOST_TEST(strata::runner(*units, db.url()).schema() == strata::runner(*units, db.url()).schema());

    // Nothing applied, but the metadata tables (and their indexes) made: nothing to see.
    auto empty = temp_database::create(backend);
    strata::registry none;
    strata::runner(none, empty.url()).up();
    const std::string metadata_tables =
        is_pg(backend) ? "SELECT CAST(count(*) AS TEXT) FROM pg_tables WHERE tablename LIKE 'strata\\_schema\\_%'"
                       : "SELECT CAST(count(*) AS TEXT) FROM sqlite_master WHERE name LIKE 'strata\\_schema\\_%' ESCAPE '\\' "
                         "AND type = 'table'";
    const auto count = query_value(*open_session(empty.url()), metadata_tables);
    BOOST_TEST(count == std::optional<std::string>("2"));
    BOOST_TEST(strata::runner(none, empty.url()).schema() == inspect::snapshot{.kind = backend});
}

// COMMENT ON TABLE and COLUMN (comment_on) are part of the schema, as `schema dump` prints them:
// read back as the units wrote them, compared by diff and by verify's round trip. SQLite keeps
// none: comment_on does nothing there, and nothing is read.
STRATA_BACKEND_TEST(inspect_reads_comments_and_diff_and_verify_compare_them) {
    auto db = temp_database::create(backend);
    strata::registry units;
    units.add(std::make_shared<const change_unit>(1, "commented_notes", [](strata::schema::builder& b) {
                  b.create_table("notes", [](strata::schema::table& t) {
                      t.column("id", strata::schema::type::bigint()).primary();
                      t.column("body", strata::schema::type::text());
                  });
                  b.comment_on("notes", "One row per note");
                  b.comment_on("notes", "body", "Markdown; it's free text");
              }),
              "inspect_test.cpp");
    if (is_pg(backend))
        // A down that forgets the comment its up changed.
        units.add(std::make_shared<const change_unit>(2, "recomment", [](strata::schema::builder& b) {
                      b.sql(R"(COMMENT ON TABLE "notes" IS 'Notes, changed')", "SELECT 1");
                  }),
                  "inspect_test.cpp");
    strata::runner(units, db.url()).up(1);

    const auto s = strata::runner(units, db.url()).schema();
    const auto* notes = s.find("notes");
    BOOST_TEST_REQUIRE(notes, s);
    BOOST_TEST(notes->comment == (is_pg(backend) ? "One row per note" : ""));
    BOOST_TEST(notes->find_column("body")->comment == (is_pg(backend) ? "Markdown; it's free text" : ""));
    BOOST_TEST(notes->find_column("id")->comment == "");
    // The units' own comments, read back from the scratch database, are the database's.
    BOOST_TEST(strata::runner(units, db.url()).diff().differences.empty());

    const auto verdicts = strata::runner(units, db.url()).verify();
    BOOST_TEST_REQUIRE(verdicts.size() == (is_pg(backend) ? 2u : 1u));
    BOOST_TEST((verdicts[0].result == strata::unit_verification::outcome::round_trips));  // down removes them
    if (!is_pg(backend)) return;
    BOOST_TEST((verdicts[1].result == strata::unit_verification::outcome::differs));
    BOOST_TEST_REQUIRE(verdicts[1].differences.size() == 1u);
    BOOST_TEST(inspect::describe(verdicts[1].differences[0], inspect::wording::round_trip) ==
               "leaves table notes with comment 'Notes, changed' (was 'One row per note')");

    // By hand: a comment added, one changed, one removed, each a difference.
    auto sql = open_session(db.url());
    *sql << R"(COMMENT ON COLUMN "notes"."id" IS 'by hand')";
    *sql << R"(COMMENT ON COLUMN "notes"."body" IS NULL)";
    *sql << R"(COMMENT ON TABLE "notes" IS 'Notes')";
    std::vector<std::string> found;
    for (const auto& d : strata::runner(units, db.url()).diff().differences) found.push_back(inspect::describe(d));
    BOOST_TEST(found == (std::vector<std::string>{"column notes.body: comment is (none), the units make 'Markdown; it''s free text'",
                                                  "column notes.id: comment is 'by hand', the units make (none)",
                                                  "table notes: comment is 'Notes', the units make 'One row per note'"}),
               boost::test_tools::per_element());
}

// Only PostgreSQL leaves an index INVALID or a constraint NOT VALID.
BOOST_AUTO_TEST_SUITE(postgresql)

BOOST_AUTO_TEST_CASE(inspect_reads_invalid_indexes_and_not_valid_constraints) {
    auto db = temp_database::create(strata::backend::postgresql);
    auto units = shop(strata::backend::postgresql);
    strata::runner(*units, db.url()).up();
    auto sql = open_session(db.url());
    *sql << "INSERT INTO customers (email, deleted_at) VALUES ('a@example.org', now()), ('a@example.org', now())";
    try {
        *sql << R"(CREATE UNIQUE INDEX CONCURRENTLY "customers_email_key" ON "customers" ("email"))";
    } catch (const soci::soci_error&) {
        // Duplicates: the build fails and leaves the index INVALID.
    }
    *sql << R"(ALTER TABLE "orders" ADD CONSTRAINT "orders_total_small" CHECK ("total" < 1000) NOT VALID)";
    *sql << R"(ALTER TABLE "orders" ADD CONSTRAINT "orders_customer_again" FOREIGN KEY ("customer") )"
            R"(REFERENCES "customers" ("id") NOT VALID)";

    const auto s = strata::runner(*units, db.url()).schema();
    const auto* customers = s.find("customers");
    const auto* orders = s.find("orders");
    BOOST_TEST_REQUIRE((customers && orders), s);
    const inspect::index invalid{.name = "customers_email_key", .unique = true, .keys = {"email"}, .valid = false};
    BOOST_TEST(customers->indexes.at(0) == invalid);
    const inspect::check not_valid{"orders_total_small", "CHECK ((total < (1000)::numeric))", false};
    BOOST_TEST(orders->checks == std::vector<inspect::check>{not_valid}, s);
    BOOST_TEST(orders->foreign_keys.at(0) ==
               (inspect::foreign_key{"orders_customer_again", {"customer"}, "customers", {"id"}, "NO ACTION", "NO ACTION",
                                     false}));
    BOOST_TEST(orders->foreign_keys.at(1).validated);
}

BOOST_AUTO_TEST_SUITE_END()
