// Golden rendering for SQLite: operation in, exact SQL out, including the table rebuilds.
#include <strata/dialect.hpp>
#include <strata/error.hpp>
#include <strata/schema/builder.hpp>

#include <boost/test/unit_test.hpp>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "reference_units.hpp"
#include "render_support.hpp"
#include "dialect/sqlite/table_rebuild.hpp"

namespace {

using namespace strata::schema;
using statements = std::vector<std::string>;

const strata::dialect& sqlite() { return strata::dialect_for(strata::backend::sqlite); }

strata::rendering render(const builder& b, strata::catalog state = {}) {
    return sqlite().render(b.operations(), state);
}

statements sql_of(const builder& b) { return render(b).statements; }

using strata::test::state_after;

const std::string now_default = R"sql((strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))sql";

const std::string random_uuid_default =
    R"sql((lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))))sql";

/// The CHECK body SQLite puts on a uuid column, for an already quoted column name.
std::string uuid_check(const std::string& quoted) {
    return "length(" + quoted + ") = 36 AND " + quoted + " NOT GLOB '*[^0-9a-fA-F-]*' AND substr(" + quoted +
           ", 9, 1) || substr(" + quoted + ", 14, 1) || substr(" + quoted + ", 19, 1) || substr(" + quoted +
           ", 24, 1) = '----'";
}

/// posts: one column of each kind a rebuild must handle, and the indexes it must recreate.
builder posts_schema() {
    builder b;
    b.create_table("posts", [](table& t) {
        t.column("id", type::bigint()).primary();
        t.column("author", type::bigint()).not_null().references("people", "id").on_delete(fk_action::cascade);
        t.column("editor", type::bigint());
        t.column("slug", type::text()).not_null();
        t.column("title", type::text());
        t.column("reviewer", type::bigint());
        t.foreign_key({.columns = {"editor"}, .ref_table = "people", .ref_columns = {"id"},
                       .on_delete = fk_action::set_null});
        t.unique({"slug"});
    });
    b.create_index("posts", {"title"});
    return b;
}

const std::string id_line = R"sql("id" BIGINT NOT NULL PRIMARY KEY CHECK ("id" BETWEEN -9223372036854775808 AND 9223372036854775807))sql";
const std::string author_line =
    R"sql("author" BIGINT NOT NULL CONSTRAINT "posts_author_fkey" REFERENCES "people" ("id") ON DELETE CASCADE CHECK ("author" BETWEEN -9223372036854775808 AND 9223372036854775807))sql";
const std::string editor_line = R"sql("editor" BIGINT CHECK ("editor" BETWEEN -9223372036854775808 AND 9223372036854775807))sql";
const std::string slug_line = R"sql("slug" TEXT NOT NULL)sql";
const std::string title_line = R"sql("title" TEXT)sql";
const std::string reviewer_line = R"sql("reviewer" BIGINT CHECK ("reviewer" BETWEEN -9223372036854775808 AND 9223372036854775807))sql";
const std::string editor_fk_line =
    R"sql(CONSTRAINT "posts_editor_fkey" FOREIGN KEY ("editor") REFERENCES "people" ("id") ON DELETE SET NULL)sql";
const std::string slug_index = R"sql(CREATE UNIQUE INDEX "posts_slug_key" ON "posts" ("slug"))sql";
const std::string title_index = R"sql(CREATE INDEX "posts_title_idx" ON "posts" ("title"))sql";

/// The CREATE TABLE statement of `table` among `sql`.
std::string create_statement_of(const statements& sql, const std::string& table) {
    for (const auto& s : sql)
        if (s.starts_with("CREATE TABLE " + strata::dialect::quote(table) + " (")) return s;
    throw std::logic_error("no CREATE TABLE of " + table);
}

/// The rebuild `r` ends with, carried out on `table` as `setup` created it: the new table's
/// CREATE TABLE, as the SQLite connection runs it (the copy, the indexes and triggers kept
/// are checked on a real database by the integration tests).
std::string rebuilt(const strata::rendering& r, const builder& setup, const std::string& table) {
    BOOST_TEST_REQUIRE(!r.statements.empty());
    BOOST_TEST_REQUIRE(r.statements.back().starts_with(strata::sqlite_rebuild::directive_prefix), r.statements.back());
    BOOST_TEST(r.foreign_keys_off);
    const auto changes = strata::sqlite_rebuild::parse_directive(r.statements.back());
    BOOST_TEST(changes.table == table);
    return strata::sqlite_rebuild::edit_create_table(create_statement_of(sql_of(setup), table), changes, "strata_new_" + table);
}

/// The CREATE TABLE of the new posts with `lines` as its body.
std::string posts_rebuilt(const std::vector<std::string>& lines) {
    std::string create = "CREATE TABLE \"strata_new_posts\" (";
    const char* sep = "\n  ";
    for (const auto& line : lines) {
        create += sep + line;
        sep = ",\n  ";
    }
    return create + "\n)";
}

/// What posts_schema() leaves, rebuilt by the directive `r` ends with.
std::string rebuilt_posts(const strata::rendering& r) { return rebuilt(r, posts_schema(), "posts"); }

/// tags: no primary key, and an index a rebuild must recreate.
builder tags_schema() {
    builder b;
    b.create_table("tags", [](table& t) {
        t.column("label", type::text()).not_null();
        t.column("colour", type::varchar(7));
    });
    b.create_index("tags", {"colour"});
    return b;
}

/// What tags_schema() renders.
const statements tags_created{
    R"sql(CREATE TABLE "tags" (
  "label" TEXT NOT NULL,
  "colour" VARCHAR(7) CHECK (length("colour") <= 7)
))sql",
    R"sql(CREATE INDEX "tags_colour_idx" ON "tags" ("colour"))sql",
};

/// The CREATE TABLE of the new tags with `added` (a column definition) as its last column.
std::string tags_rebuilt_with(const std::string& added) {
    return "CREATE TABLE \"strata_new_tags\" (\n  \"label\" TEXT NOT NULL,\n  \"colour\" VARCHAR(7) CHECK (length(\"colour\") <= 7),\n  " +
           added + "\n)";
}

/// tags_schema()'s statements then the one rebuild directive of adding `c`.
std::string rebuilt_tags(const strata::rendering& r) {
    BOOST_TEST(r.statements.size() == tags_created.size() + 1);
    BOOST_TEST((statements(r.statements.begin(), r.statements.begin() + 2) == tags_created));
    return rebuilt(r, tags_schema(), "tags");
}

/// tags_schema() then adding `c` to tags, in one builder rendered with one catalog.
strata::rendering render_tags_then_add(column c) {
    builder b = tags_schema();
    b.add_column("tags", std::move(c));
    return render(b);
}

// Checks and partial/expression indexes (issue 9, points 3 and 6).

/// orders with a check, a partial index and an index on an expression naming `code`.
builder orders_schema() {
    builder b;
    b.create_table("orders", [](table& t) {
        t.column("id", type::bigint()).primary();
        t.column("total", type::integer());
        t.column("code", type::text());
        t.check("orders_total_positive", R"("total" > 0)");
    });
    b.create_unique_index("orders", {"code"}, "orders_open_code_key").where(R"("total" IS NOT NULL)");
    b.create_index_on("orders", {R"(lower("code"))"}, "orders_code_lower_idx");
    return b;
}

/// The new orders with `body` as its lines after id and total.
std::string orders_with(const std::string& body) {
    return "CREATE TABLE \"strata_new_orders\" (\n  \"id\" BIGINT NOT NULL PRIMARY KEY CHECK (\"id\" BETWEEN -9223372036854775808 AND 9223372036854775807),\n  \"total\" INTEGER CHECK (\"total\" BETWEEN -2147483648 AND 2147483647),\n  " + body + "\n)";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(render_sqlite)

BOOST_AUTO_TEST_CASE(sqlite_declares_transactional_ddl_but_no_in_place_constraint_drops) {
    const auto f = sqlite().features();
    BOOST_TEST((sqlite().kind() == strata::backend::sqlite));
    BOOST_TEST(f.transactional_ddl);
    BOOST_TEST(!f.drop_column_with_constraints);
    BOOST_TEST(!f.concurrent_index);
}

BOOST_AUTO_TEST_CASE(sqlite_varchar_gets_a_length_check) {
    builder b;
    b.create_table("people", [](table& t) { t.column("name", type::varchar(100)).not_null(); });
    BOOST_TEST(sql_of(b) == statements{R"sql(CREATE TABLE "people" (
  "name" VARCHAR(100) NOT NULL CHECK (length("name") <= 100)
))sql"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(sqlite_uuid_is_text_with_a_shape_check) {
    builder b;
    b.create_table("people", [](table& t) { t.column("id", type::uuid()); });
    BOOST_TEST(sql_of(b) == statements{R"sql(CREATE TABLE "people" (
  "id" TEXT CHECK (length("id") = 36 AND "id" NOT GLOB '*[^0-9a-fA-F-]*' AND substr("id", 9, 1) || substr("id", 14, 1) || substr("id", 19, 1) || substr("id", 24, 1) = '----')
))sql"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(sqlite_boolean_is_checked_to_be_zero_or_one) {
    builder b;
    b.create_table("people", [](table& t) { t.column("active", type::boolean()).not_null(); });
    BOOST_TEST(sql_of(b) == statements{R"sql(CREATE TABLE "people" (
  "active" BOOLEAN NOT NULL CHECK ("active" IN (0, 1))
))sql"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(sqlite_timestamptz_is_text_checked_by_julianday) {
    builder b;
    b.create_table("people", [](table& t) { t.column("seenAt", type::timestamptz()).not_null(); });
    BOOST_TEST(sql_of(b) == statements{R"sql(CREATE TABLE "people" (
  "seenAt" TEXT NOT NULL CHECK ("seenAt" IS NULL OR (julianday("seenAt") IS NOT NULL AND date(substr("seenAt", 1, 10), '+0 days') IS substr("seenAt", 1, 10)))
))sql"}, boost::test_tools::per_element());
}

// julianday(NULL) is NULL: the CHECK must let NULL through itself, or a nullable column refuses NULL.
BOOST_AUTO_TEST_CASE(sqlite_nullable_timestamptz_check_lets_null_through) {
    builder b;
    b.create_table("people", [](table& t) { t.column("seenAt", type::timestamptz()); });
    b.add_column("visits", column("leftAt", type::timestamptz()));
    BOOST_TEST(sql_of(b) == (statements{
        R"sql(CREATE TABLE "people" (
  "seenAt" TEXT CHECK ("seenAt" IS NULL OR (julianday("seenAt") IS NOT NULL AND date(substr("seenAt", 1, 10), '+0 days') IS substr("seenAt", 1, 10)))
))sql",
        R"sql(ALTER TABLE "visits" ADD COLUMN "leftAt" TEXT CHECK ("leftAt" IS NULL OR (julianday("leftAt") IS NOT NULL AND date(substr("leftAt", 1, 10), '+0 days') IS substr("leftAt", 1, 10))))sql",
    }), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(sqlite_integer_and_bigint_are_checked_for_their_range_and_text_needs_no_check) {
    builder b;
    b.create_table("people", [](table& t) {
        t.column("notes", type::text());
        t.column("age", type::integer());
        t.column("visits", type::bigint());
    });
    BOOST_TEST(sql_of(b) == statements{R"sql(CREATE TABLE "people" (
  "notes" TEXT,
  "age" INTEGER CHECK ("age" BETWEEN -2147483648 AND 2147483647),
  "visits" BIGINT CHECK ("visits" BETWEEN -9223372036854775808 AND 9223372036854775807)
))sql"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(sqlite_renders_every_default_kind_and_the_primary_key) {
    builder b;
    b.create_table("defaults", [](table& t) {
        t.column("id", type::bigint()).primary();
        t.column("nothing", type::text()).default_null();
        t.column("at", type::timestamptz()).not_null().default_now();
        t.column("token", type::uuid()).not_null().default_random_uuid();
        t.column("score", type::integer()).not_null().default_sql("0");
    });
    BOOST_TEST(sql_of(b) == statements{R"sql(CREATE TABLE "defaults" (
  "id" BIGINT NOT NULL PRIMARY KEY CHECK ("id" BETWEEN -9223372036854775808 AND 9223372036854775807),
  "nothing" TEXT DEFAULT NULL,
  "at" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) CHECK ("at" IS NULL OR (julianday("at") IS NOT NULL AND date(substr("at", 1, 10), '+0 days') IS substr("at", 1, 10))),
  "token" TEXT NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))) CHECK (length("token") = 36 AND "token" NOT GLOB '*[^0-9a-fA-F-]*' AND substr("token", 9, 1) || substr("token", 14, 1) || substr("token", 19, 1) || substr("token", 24, 1) = '----'),
  "score" INTEGER NOT NULL DEFAULT (0) CHECK ("score" BETWEEN -2147483648 AND 2147483647)
))sql"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(sqlite_uuid_primary_key_is_not_null_and_checked) {
    builder b;
    b.create_table("people", [](table& t) { t.column("id", type::uuid()).primary().default_random_uuid(); });
    BOOST_TEST(sql_of(b) == statements{"CREATE TABLE \"people\" (\n  \"id\" TEXT NOT NULL DEFAULT " + random_uuid_default +
                                       " PRIMARY KEY CHECK (" + uuid_check("\"id\"") + ")\n)"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(sqlite_inline_references_carry_their_name_and_actions) {
    builder b;
    b.create_table("orders", [](table& t) {
        t.column("id", type::bigint()).primary();
        t.column("customer", type::bigint()).not_null().references("customers", "id");
        t.column("coupon", type::bigint())
            .references("coupons", "id")
            .on_update(fk_action::cascade)
            .on_delete(fk_action::set_null);
        t.column("warehouse", type::integer())
            .references("warehouses", "id")
            .on_update(fk_action::restrict)
            .on_delete(fk_action::restrict)
            .foreign_key_name("orders_from_warehouse");
        t.column("region", type::integer())
            .not_null()
            .default_sql("1")
            .references("regions", "id")
            .on_delete(fk_action::set_default);
        t.column("code", type::varchar(8)).references("codes", "code");
    });
    BOOST_TEST(sql_of(b) == statements{R"sql(CREATE TABLE "orders" (
  "id" BIGINT NOT NULL PRIMARY KEY CHECK ("id" BETWEEN -9223372036854775808 AND 9223372036854775807),
  "customer" BIGINT NOT NULL CONSTRAINT "orders_customer_fkey" REFERENCES "customers" ("id") CHECK ("customer" BETWEEN -9223372036854775808 AND 9223372036854775807),
  "coupon" BIGINT CONSTRAINT "orders_coupon_fkey" REFERENCES "coupons" ("id") ON UPDATE CASCADE ON DELETE SET NULL CHECK ("coupon" BETWEEN -9223372036854775808 AND 9223372036854775807),
  "warehouse" INTEGER CONSTRAINT "orders_from_warehouse" REFERENCES "warehouses" ("id") ON UPDATE RESTRICT ON DELETE RESTRICT CHECK ("warehouse" BETWEEN -2147483648 AND 2147483647),
  "region" INTEGER NOT NULL DEFAULT (1) CONSTRAINT "orders_region_fkey" REFERENCES "regions" ("id") ON DELETE SET DEFAULT CHECK ("region" BETWEEN -2147483648 AND 2147483647),
  "code" VARCHAR(8) CONSTRAINT "orders_code_fkey" REFERENCES "codes" ("code") CHECK (length("code") <= 8)
))sql"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(sqlite_table_level_uniques_become_unique_indexes_after_the_table) {
    builder b;
    b.create_table("enrolments", [](table& t) {
        t.column("student", type::bigint()).not_null();
        t.column("course", type::bigint()).not_null();
        t.column("term", type::integer()).not_null();
        t.foreign_key({.columns = {"student"}, .ref_table = "students", .ref_columns = {"id"},
                       .on_delete = fk_action::cascade});
        t.foreign_key({.name = "enrolments_offering", .columns = {"course", "term"}, .ref_table = "offerings",
                       .ref_columns = {"course", "term"}, .on_update = fk_action::cascade});
        t.unique({"student", "course", "term"});
        t.unique({"term"}, "enrolments_one_per_term");
    });
    const auto r = render(b);
    BOOST_TEST(r.statements == (statements{
        R"sql(CREATE TABLE "enrolments" (
  "student" BIGINT NOT NULL CHECK ("student" BETWEEN -9223372036854775808 AND 9223372036854775807),
  "course" BIGINT NOT NULL CHECK ("course" BETWEEN -9223372036854775808 AND 9223372036854775807),
  "term" INTEGER NOT NULL CHECK ("term" BETWEEN -2147483648 AND 2147483647),
  CONSTRAINT "enrolments_student_fkey" FOREIGN KEY ("student") REFERENCES "students" ("id") ON DELETE CASCADE,
  CONSTRAINT "enrolments_offering" FOREIGN KEY ("course", "term") REFERENCES "offerings" ("course", "term") ON UPDATE CASCADE
))sql",
        R"sql(CREATE UNIQUE INDEX "enrolments_student_course_term_key" ON "enrolments" ("student", "course", "term"))sql",
        R"sql(CREATE UNIQUE INDEX "enrolments_one_per_term" ON "enrolments" ("term"))sql",
    }), boost::test_tools::per_element());
    BOOST_TEST(!r.foreign_keys_off);
}

BOOST_AUTO_TEST_CASE(sqlite_drop_table_is_one_statement_with_or_without_its_definition) {
    builder b;
    b.drop_table("sessions");
    b.drop_table("tokens", [](table& t) {
        t.column("id", type::bigint()).primary();
        t.unique({"id"});
    });
    BOOST_TEST(sql_of(b) == (statements{R"sql(DROP TABLE "sessions")sql", R"sql(DROP TABLE "tokens")sql"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(sqlite_add_column_renders_the_full_column_definition) {
    builder b;
    b.add_column("users", column("nickname", type::varchar(40)).not_null().default_sql("''"));
    BOOST_TEST(sql_of(b) ==
                   statements{R"sql(ALTER TABLE "users" ADD COLUMN "nickname" VARCHAR(40) NOT NULL DEFAULT ('') CHECK (length("nickname") <= 40))sql"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(sqlite_add_column_with_a_reference_is_in_place) {
    builder b;
    b.add_column("posts", column("approver", type::bigint()).references("users", "id").on_delete(fk_action::set_null));
    const auto r = render(b, state_after(posts_schema()));
    BOOST_TEST(r.statements ==
                   statements{R"sql(ALTER TABLE "posts" ADD COLUMN "approver" BIGINT CONSTRAINT "posts_approver_fkey" REFERENCES "users" ("id") ON DELETE SET NULL CHECK ("approver" BETWEEN -9223372036854775808 AND 9223372036854775807))sql"},
               boost::test_tools::per_element());
    BOOST_TEST(!r.foreign_keys_off);
}

// SQLite's ADD COLUMN refuses a default that is not constant: the table is rebuilt instead.
BOOST_AUTO_TEST_CASE(sqlite_add_column_with_a_now_default_rebuilds_the_table) {
    const auto r = render_tags_then_add(column("taggedAt", type::timestamptz()).not_null().default_now());
    BOOST_TEST(rebuilt_tags(r) ==
                   tags_rebuilt_with(R"sql("taggedAt" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) CHECK ("taggedAt" IS NULL OR (julianday("taggedAt") IS NOT NULL AND date(substr("taggedAt", 1, 10), '+0 days') IS substr("taggedAt", 1, 10))))sql"));
    BOOST_TEST(r.foreign_keys_off);
}

BOOST_AUTO_TEST_CASE(sqlite_add_column_with_a_random_uuid_default_rebuilds_the_table) {
    const auto r = render_tags_then_add(column("token", type::uuid()).default_random_uuid());
    BOOST_TEST(rebuilt_tags(r) == tags_rebuilt_with("\"token\" TEXT DEFAULT " + random_uuid_default + " CHECK (" +
                                                 uuid_check("\"token\"") + ")"));
    BOOST_TEST(r.foreign_keys_off);
}

// SQLite's ADD COLUMN refuses NOT NULL without a default (on a table with rows).
BOOST_AUTO_TEST_CASE(sqlite_add_column_not_null_without_a_default_rebuilds_the_table) {
    const auto r = render_tags_then_add(column("weight", type::integer()).not_null());
    BOOST_TEST(rebuilt_tags(r) == tags_rebuilt_with(R"sql("weight" INTEGER NOT NULL CHECK ("weight" BETWEEN -2147483648 AND 2147483647))sql"));
    BOOST_TEST(r.foreign_keys_off);
}

// The default is constant and the column has one, so only the PRIMARY KEY forces the rebuild.
BOOST_AUTO_TEST_CASE(sqlite_add_column_primary_key_rebuilds_the_table_even_with_a_constant_default) {
    const auto r = render_tags_then_add(column("id", type::bigint()).primary().default_sql("0"));
    BOOST_TEST(rebuilt_tags(r) == tags_rebuilt_with(R"sql("id" BIGINT NOT NULL DEFAULT (0) PRIMARY KEY CHECK ("id" BETWEEN -9223372036854775808 AND 9223372036854775807))sql"));
    BOOST_TEST(r.foreign_keys_off);
}

BOOST_AUTO_TEST_CASE(sqlite_add_column_nullable_default_null_or_constant_default_is_in_place) {
    builder b = tags_schema();
    b.add_column("tags", column("note", type::text()));
    b.add_column("tags", column("owner", type::bigint()).default_null());
    b.add_column("tags", column("weight", type::integer()).not_null().default_sql("0"));
    const auto r = render(b);
    statements expected = tags_created;
    expected.insert(expected.end(), {
        R"sql(ALTER TABLE "tags" ADD COLUMN "note" TEXT)sql",
        R"sql(ALTER TABLE "tags" ADD COLUMN "owner" BIGINT DEFAULT NULL CHECK ("owner" BETWEEN -9223372036854775808 AND 9223372036854775807))sql",
        R"sql(ALTER TABLE "tags" ADD COLUMN "weight" INTEGER NOT NULL DEFAULT (0) CHECK ("weight" BETWEEN -2147483648 AND 2147483647))sql",
    });
    BOOST_TEST(r.statements == expected, boost::test_tools::per_element());
    BOOST_TEST(!r.foreign_keys_off);
}

// No definition to rebuild from: SQLite itself gets the ALTER TABLE (and refuses it if it must).
BOOST_AUTO_TEST_CASE(sqlite_add_column_to_a_table_strata_does_not_know_stays_alter_table) {
    builder b;
    b.add_column("legacy", column("seenAt", type::timestamptz()).not_null().default_now());
    b.add_column("legacy", column("token", type::uuid()).default_random_uuid());
    b.add_column("legacy", column("weight", type::integer()).not_null());
    b.add_column("legacy", column("id", type::bigint()).primary());
    const auto r = render(b);
    BOOST_TEST(r.statements == (statements{
        R"sql(ALTER TABLE "legacy" ADD COLUMN "seenAt" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) CHECK ("seenAt" IS NULL OR (julianday("seenAt") IS NOT NULL AND date(substr("seenAt", 1, 10), '+0 days') IS substr("seenAt", 1, 10))))sql",
        "ALTER TABLE \"legacy\" ADD COLUMN \"token\" TEXT DEFAULT " + random_uuid_default + " CHECK (" +
            uuid_check("\"token\"") + ")",
        R"sql(ALTER TABLE "legacy" ADD COLUMN "weight" INTEGER NOT NULL CHECK ("weight" BETWEEN -2147483648 AND 2147483647))sql",
        R"sql(ALTER TABLE "legacy" ADD COLUMN "id" BIGINT NOT NULL PRIMARY KEY CHECK ("id" BETWEEN -9223372036854775808 AND 9223372036854775807))sql",
    }), boost::test_tools::per_element());
    BOOST_TEST(!r.foreign_keys_off);
}

BOOST_AUTO_TEST_CASE(sqlite_drop_column_outside_any_constraint_is_in_place) {
    builder b;
    b.drop_column("posts", "reviewer");
    const auto r = render(b, state_after(posts_schema()));
    BOOST_TEST(r.statements == statements{R"sql(ALTER TABLE "posts" DROP COLUMN "reviewer")sql"},
               boost::test_tools::per_element());
    BOOST_TEST(!r.foreign_keys_off);
}

BOOST_AUTO_TEST_CASE(sqlite_drop_column_of_a_table_strata_does_not_know_is_in_place) {
    builder b;
    b.drop_column("legacy", "owner");
    const auto r = render(b);
    BOOST_TEST(r.statements == statements{R"sql(ALTER TABLE "legacy" DROP COLUMN "owner")sql"},
               boost::test_tools::per_element());
    BOOST_TEST(!r.foreign_keys_off);
}

BOOST_AUTO_TEST_CASE(sqlite_drop_column_with_an_inline_foreign_key_rebuilds_the_table) {
    builder b;
    b.drop_column("posts", "author");
    const auto r = render(b, state_after(posts_schema()));
    BOOST_TEST(r.statements == statements{"-- strata:rebuild \"posts\" from its definition in sqlite_master\n"
                                          "--   drop column: \"author\""},
               boost::test_tools::per_element());
    BOOST_TEST(rebuilt_posts(r) == R"sql(CREATE TABLE "strata_new_posts" (
  "id" BIGINT NOT NULL PRIMARY KEY CHECK ("id" BETWEEN -9223372036854775808 AND 9223372036854775807),
  "editor" BIGINT CHECK ("editor" BETWEEN -9223372036854775808 AND 9223372036854775807),
  "slug" TEXT NOT NULL,
  "title" TEXT,
  "reviewer" BIGINT CHECK ("reviewer" BETWEEN -9223372036854775808 AND 9223372036854775807),
  CONSTRAINT "posts_editor_fkey" FOREIGN KEY ("editor") REFERENCES "people" ("id") ON DELETE SET NULL
))sql");
}


BOOST_AUTO_TEST_CASE(sqlite_drop_column_in_a_table_level_foreign_key_rebuilds_without_that_key) {
    builder b;
    b.drop_column("posts", "editor");
    const auto r = render(b, state_after(posts_schema()));
    BOOST_TEST(rebuilt_posts(r) ==
                   posts_rebuilt({id_line, author_line, slug_line, title_line, reviewer_line}));
    BOOST_TEST(r.foreign_keys_off);
}

BOOST_AUTO_TEST_CASE(sqlite_drop_column_in_a_unique_rebuilds_without_that_unique) {
    builder b;
    b.drop_column("posts", "slug");
    const auto r = render(b, state_after(posts_schema()));
    BOOST_TEST(rebuilt_posts(r) ==
                   posts_rebuilt({id_line, author_line, editor_line, title_line, reviewer_line, editor_fk_line}));
    BOOST_TEST(r.foreign_keys_off);
}

BOOST_AUTO_TEST_CASE(sqlite_drop_column_in_an_index_rebuilds_without_that_index) {
    builder b;
    b.drop_column("posts", "title");
    const auto r = render(b, state_after(posts_schema()));
    BOOST_TEST(rebuilt_posts(r) ==
                   posts_rebuilt({id_line, author_line, editor_line, slug_line, reviewer_line, editor_fk_line}));
    BOOST_TEST(r.foreign_keys_off);
}

BOOST_AUTO_TEST_CASE(sqlite_add_foreign_key_rebuilds_the_table_with_the_new_key) {
    builder b;
    b.add_foreign_key("posts", {.columns = {"reviewer"}, .ref_table = "people", .ref_columns = {"id"},
                                .on_update = fk_action::cascade});
    const auto r = render(b, state_after(posts_schema()));
    BOOST_TEST(rebuilt_posts(r) ==
                   posts_rebuilt({id_line, author_line, editor_line, slug_line, title_line, reviewer_line, editor_fk_line,
                                  R"sql(CONSTRAINT "posts_reviewer_fkey" FOREIGN KEY ("reviewer") REFERENCES "people" ("id") ON UPDATE CASCADE)sql"}));
    BOOST_TEST(r.foreign_keys_off);
}

BOOST_AUTO_TEST_CASE(sqlite_drop_foreign_key_rebuilds_without_a_table_level_key) {
    builder b;
    b.drop_foreign_key("posts", "posts_editor_fkey");
    const auto r = render(b, state_after(posts_schema()));
    BOOST_TEST(rebuilt_posts(r) ==
                   posts_rebuilt({id_line, author_line, editor_line, slug_line, title_line, reviewer_line}));
    BOOST_TEST(r.foreign_keys_off);
}

BOOST_AUTO_TEST_CASE(sqlite_drop_foreign_key_rebuilds_without_an_inline_reference) {
    builder b;
    b.drop_foreign_key("posts", "posts_author_fkey");
    const auto r = render(b, state_after(posts_schema()));
    BOOST_TEST(rebuilt_posts(r) ==
                   posts_rebuilt({id_line, R"sql("author" BIGINT NOT NULL CHECK ("author" BETWEEN -9223372036854775808 AND 9223372036854775807))sql", editor_line, slug_line, title_line,
                                  reviewer_line, editor_fk_line}));
    BOOST_TEST(r.foreign_keys_off);
}

// The rebuild works from the table in the database, so a table made by raw sql can take one too.
BOOST_AUTO_TEST_CASE(sqlite_foreign_key_change_on_a_table_strata_does_not_know_rebuilds_it_from_the_database) {
    builder b;
    b.add_foreign_key("legacy", {.columns = {"owner"}, .ref_table = "people", .ref_columns = {"id"}});
    b.drop_foreign_key("legacy", "legacy_owner_fkey");
    const auto r = render(b);
    BOOST_TEST(r.statements == (statements{
        "-- strata:rebuild \"legacy\" from its definition in sqlite_master\n"
        "--   add: CONSTRAINT \"legacy_owner_fkey\" FOREIGN KEY (\"owner\") REFERENCES \"people\" (\"id\")",
        "-- strata:rebuild \"legacy\" from its definition in sqlite_master\n"
        "--   drop constraint: \"legacy_owner_fkey\"",
    }), boost::test_tools::per_element());
    BOOST_TEST(r.foreign_keys_off);
}


BOOST_AUTO_TEST_CASE(sqlite_unique_constraints_are_unique_indexes) {
    builder b;
    b.add_unique("users", {"email"});
    b.add_unique("users", {"firstName", "lastName"}, "users_full_name");
    b.drop_unique("users", "users_email_key");
    BOOST_TEST(sql_of(b) == (statements{
        R"sql(CREATE UNIQUE INDEX "users_email_key" ON "users" ("email"))sql",
        R"sql(CREATE UNIQUE INDEX "users_full_name" ON "users" ("firstName", "lastName"))sql",
        R"sql(DROP INDEX "users_email_key")sql",
    }), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(sqlite_creates_plain_and_unique_indexes_and_drops_them_by_name) {
    builder b;
    b.create_index("users", {"lastName"});
    b.create_index("users", {"lastName", "firstName"}, "users_by_name");
    b.create_unique_index("users", {"userName"});
    b.create_unique_index("users", {"phone"}, "users_one_phone");
    b.drop_index("users", "users_by_name");
    BOOST_TEST(sql_of(b) == (statements{
        R"sql(CREATE INDEX "users_lastName_idx" ON "users" ("lastName"))sql",
        R"sql(CREATE INDEX "users_by_name" ON "users" ("lastName", "firstName"))sql",
        R"sql(CREATE UNIQUE INDEX "users_userName_idx" ON "users" ("userName"))sql",
        R"sql(CREATE UNIQUE INDEX "users_one_phone" ON "users" ("phone"))sql",
        R"sql(DROP INDEX "users_by_name")sql",
    }), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(sqlite_raw_sql_renders_its_sqlite_text_as_one_statement) {
    builder b;
    b.sql("UPDATE users SET \"lastName\" = '' WHERE \"lastName\" IS NULL");
    b.sql(sql_text{.postgresql = "SELECT 1", .sqlite = "PRAGMA optimize; SELECT 2"});
    b.sql(sql_text{.postgresql = "", .sqlite = "SELECT 3"});
    BOOST_TEST(sql_of(b) == (statements{
        R"sql(UPDATE users SET "lastName" = '' WHERE "lastName" IS NULL)sql",
        "PRAGMA optimize; SELECT 2",
        "SELECT 3",
    }), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(sqlite_raw_sql_without_sqlite_text_is_unsupported_naming_the_dialect) {
    builder b;
    b.sql(sql_text{.postgresql = "CREATE EXTENSION citext", .sqlite = ""});
    BOOST_CHECK_EXCEPTION(render(b), strata::unsupported_error, [](const strata::unsupported_error& e) {
        BOOST_TEST(e.message() == "a raw sql operation has no text for sqlite; give it with sql(sql_text{...})");
        return true;
    });
}

BOOST_AUTO_TEST_CASE(sqlite_escapes_double_quotes_in_identifiers_also_when_rebuilding) {
    builder setup;
    setup.create_table(R"(odd"table)", [](table& t) {
        t.column(R"(a"b)", type::varchar(5));
        t.column("c", type::integer());
    });
    setup.create_index(R"(odd"table)", {R"(a"b)"});
    BOOST_TEST(sql_of(setup) == (statements{
        R"sql(CREATE TABLE "odd""table" (
  "a""b" VARCHAR(5) CHECK (length("a""b") <= 5),
  "c" INTEGER CHECK ("c" BETWEEN -2147483648 AND 2147483647)
))sql",
        R"sql(CREATE INDEX "odd""table_a""b_idx" ON "odd""table" ("a""b"))sql",
    }), boost::test_tools::per_element());

    builder b;
    b.drop_column(R"(odd"table)", R"(a"b)");
    const auto r = render(b, state_after(setup));
    BOOST_TEST(r.statements == statements{"-- strata:rebuild \"odd\"\"table\" from its definition in sqlite_master\n"
                                          "--   drop column: \"a\"\"b\""},
               boost::test_tools::per_element());
    BOOST_TEST(rebuilt(r, setup, R"(odd"table)") == R"sql(CREATE TABLE "strata_new_odd""table" (
  "c" INTEGER CHECK ("c" BETWEEN -2147483648 AND 2147483647)
))sql");
}


BOOST_AUTO_TEST_CASE(sqlite_renames_a_table_and_a_column_natively_without_a_rebuild) {
    builder b;
    b.rename_table("posts", "articles");
    b.rename_column("articles", "title", "headline");
    const auto r = render(b, state_after(posts_schema()));
    BOOST_TEST(r.statements == (statements{
        R"sql(ALTER TABLE "posts" RENAME TO "articles")sql",
        R"sql(ALTER TABLE "articles" RENAME COLUMN "title" TO "headline")sql",
    }), boost::test_tools::per_element());
    BOOST_TEST(!r.foreign_keys_off);
}

// The rename runs natively; the rebuild after it reads the renamed table from the database (the
// integration test renames_test.cpp checks the rows, keys and indexes that result).
BOOST_AUTO_TEST_CASE(sqlite_rebuild_after_renames_names_the_renamed_table) {
    builder renamed = posts_schema();
    renamed.rename_table("posts", "articles");
    renamed.rename_column("articles", "editor", "editor_id");
    renamed.rename_column("articles", "slug", "handle");
    builder b;
    b.drop_column("articles", "author");
    const auto r = render(b, state_after(renamed));
    BOOST_TEST(r.statements == statements{"-- strata:rebuild \"articles\" from its definition in sqlite_master\n"
                                          "--   drop column: \"author\""},
               boost::test_tools::per_element());
    BOOST_TEST(r.foreign_keys_off);
}


BOOST_AUTO_TEST_CASE(sqlite_refuses_a_rename_the_model_shows_cannot_work_naming_the_operation) {
    builder before = posts_schema();
    before.create_table("articles", [](table& t) { t.column("id", type::bigint()).primary(); });
    const auto state = state_after(before);
    auto refusal = [&](const std::function<void(builder&)>& define) {
        builder b;
        define(b);
        try {
            render(b, state);
        } catch (const strata::error& e) {
            return e.message();
        }
        return std::string("<rendered>");
    };
    BOOST_TEST(refusal([](builder& b) { b.rename_table("posts", "articles"); }) ==
               R"(cannot rename_table posts -> articles: an earlier unit already created a table "articles")");
    BOOST_TEST(refusal([](builder& b) { b.rename_column("posts", "body", "text"); }) ==
               R"(cannot rename_column posts.body -> text: table posts has no column "body")");
    BOOST_TEST(refusal([](builder& b) { b.rename_column("posts", "title", "slug"); }) ==
               R"(cannot rename_column posts.title -> slug: table posts already has a column "slug")");
    // Tables the model does not know (made by raw sql) are the database's to judge.
    BOOST_TEST(refusal([](builder& b) { b.rename_table("legacy", "posts_archive"); }) == "<rendered>");
    BOOST_TEST(refusal([](builder& b) { b.rename_column("legacy", "a", "b"); }) == "<rendered>");
}

const std::string label_line = R"sql("label" TEXT NOT NULL)sql";
const std::string colour_line = R"sql("colour" VARCHAR(7) CHECK (length("colour") <= 7))sql";

/// The new tags with `label` and `colour` as its columns.
std::string tags_with(const std::string& label, const std::string& colour) {
    return "CREATE TABLE \"strata_new_tags\" (\n  " + label + ",\n  " + colour + "\n)";
}

/// The statements after tags_schema()'s: the rebuild directive, then `rest`.
statements after_tags(const builder& b) {
    auto sql = sql_of(b);
    BOOST_TEST_REQUIRE(sql.size() > tags_created.size());
    return statements(sql.begin() + static_cast<std::ptrdiff_t>(tags_created.size()), sql.end());
}

BOOST_AUTO_TEST_CASE(sqlite_change_column_rebuilds_the_table_with_the_new_definition) {
    builder b = tags_schema();
    b.change_column("tags", column("colour", type::varchar(7)), column("colour", type::text()).not_null().default_sql("'red'"));
    BOOST_TEST(after_tags(b) == statements{"-- strata:rebuild \"tags\" from its definition in sqlite_master\n"
                                           "--   replace column: \"colour\" with \"colour\" TEXT NOT NULL DEFAULT ('red')"},
               boost::test_tools::per_element());
    BOOST_TEST(rebuilt_tags(render(b)) == tags_with(label_line, R"sql("colour" TEXT NOT NULL DEFAULT ('red'))sql"));

    builder shrink = tags_schema();
    shrink.change_column("tags", column("colour", type::varchar(7)), column("colour", type::varchar(3)));
    BOOST_TEST(rebuilt_tags(render(shrink)) == tags_with(label_line, R"sql("colour" VARCHAR(3) CHECK (length("colour") <= 3))sql"));
}

// The USING expression gives the copied values; the copy must pass the column's range CHECK,
// and a column now INTEGER is then checked to hold whole numbers, which SQLite's affinity does
// not ensure ('1.5' becomes 1.5) and PostgreSQL does. A CAST of text is checked before:
// SQLite's would make 0 of a word.
BOOST_AUTO_TEST_CASE(sqlite_change_column_copies_the_using_expression_and_checks_whole_numbers) {
    builder b = tags_schema();
    b.change_column("tags", column("label", type::text()).not_null(), column("label", type::integer()).not_null())
        .using_sql(R"(CAST("label" AS INTEGER))");
    BOOST_TEST(after_tags(b) == (statements{
        R"sql(CREATE TEMP TABLE "strata_change_guard" ("ok" INTEGER CONSTRAINT "strata refuses to convert column tags.label to integer with CAST(""label"" AS INTEGER): a value is not a whole number as written, which SQLite's CAST would silently turn into another number (0 for a word) while PostgreSQL refuses it; fix those rows first, or convert them with a using_sql() that says what they become" CHECK ("ok")))sql",
        R"sql(INSERT INTO "strata_change_guard" VALUES (NOT EXISTS (SELECT 1 FROM "tags" WHERE "label" IS NOT NULL AND (typeof("label") = 'text' AND NOT ("label" = CAST("label" AS NUMERIC) AND "label" NOT GLOB '*[.eE]*' AND typeof(CAST("label" AS NUMERIC)) = 'integer')))))sql",
        R"sql(DROP TABLE "strata_change_guard")sql",
        "-- strata:rebuild \"tags\" from its definition in sqlite_master\n"
        "--   replace column: \"label\" with \"label\" INTEGER NOT NULL CHECK (\"label\" BETWEEN -2147483648 AND 2147483647)\n"
        "--   copy column: \"label\" as CAST(\"label\" AS INTEGER)",
        R"sql(CREATE TEMP TABLE "strata_change_guard" ("ok" INTEGER CONSTRAINT "strata refuses to change column tags.label to integer: a value is not a whole number (SQLite keeps a fraction such as '1.5' in a whole-number column); fix those rows, or convert them with using_sql()" CHECK ("ok")))sql",
        R"sql(INSERT INTO "strata_change_guard" VALUES (NOT EXISTS (SELECT 1 FROM "tags" WHERE "label" IS NOT NULL AND typeof("label") <> 'integer')))sql",
        R"sql(DROP TABLE "strata_change_guard")sql",
    }), boost::test_tools::per_element());
}

// A per-dialect USING without a text for sqlite copies the stored values (CAST(x AS TIMESTAMPTZ)
// would make a number of a date there, which the column's CHECK refuses).
BOOST_AUTO_TEST_CASE(sqlite_change_column_uses_its_own_using_text) {
    builder b = tags_schema();
    b.change_column("tags", column("label", type::text()).not_null(), column("label", type::timestamptz()).not_null())
        .using_sql(sql_text{R"(CAST("label" AS TIMESTAMPTZ))", ""});
    BOOST_TEST(after_tags(b) == (statements{
        "-- strata:rebuild \"tags\" from its definition in sqlite_master\n"
        "--   replace column: \"label\" with \"label\" TEXT NOT NULL CHECK (\"label\" IS NULL OR (julianday(\"label\") IS NOT NULL AND date(substr(\"label\", 1, 10), '+0 days') IS substr(\"label\", 1, 10)))",
    }), boost::test_tools::per_element());
}

// The same CAST for both databases: on SQLite it would make 2024 of '2024-05-01', which the
// column's CHECK refuses as if the rows were wrong; refused before anything runs instead.
BOOST_AUTO_TEST_CASE(sqlite_change_column_refuses_a_cast_to_a_time_type) {
    builder b = tags_schema();
    b.change_column("tags", column("label", type::text()).not_null(), column("label", type::timestamptz()).not_null())
        .using_sql(R"(CAST("label" AS TIMESTAMPTZ))");
    try {
        render(b);
        BOOST_ERROR("rendered");
    } catch (const strata::unsupported_error& e) {
        BOOST_TEST(std::string(e.what()).find("makes a number of a date ('2024-05-01' becomes 2024)") != std::string::npos,
                   e.what());
    }
}

// The rebuild reads the table from the database, so one made by raw sql can be changed too.
BOOST_AUTO_TEST_CASE(sqlite_change_column_on_a_table_strata_does_not_know_rebuilds_it_from_the_database) {
    builder b;
    b.change_column("legacy", column("note", type::varchar(10)), column("note", type::text()));
    BOOST_TEST(sql_of(b) == statements{"-- strata:rebuild \"legacy\" from its definition in sqlite_master\n"
                                       "--   replace column: \"note\" with \"note\" TEXT"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(sqlite_table_exists_query_reads_sqlite_master) {
    BOOST_TEST(sqlite().table_exists_query("it's") ==
               "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'it''s'");
}

BOOST_AUTO_TEST_CASE(sqlite_utc_text_is_the_stored_column) {
    BOOST_TEST(sqlite().utc_text("appliedAt") == R"sql("appliedAt")sql");
}

BOOST_AUTO_TEST_SUITE(reference_units)

BOOST_AUTO_TEST_CASE(sqlite_unit_1_creates_users_and_drops_it_on_down) {
    const auto units = strata::test::reference::render_reference_units(strata::backend::sqlite);
    BOOST_TEST(units[0].up.statements == statements{"CREATE TABLE \"users\" (\n"
        "  \"userId\" TEXT NOT NULL DEFAULT " + random_uuid_default + " PRIMARY KEY CHECK (" + uuid_check("\"userId\"") + "),\n" +
        R"sql(  "firstName" VARCHAR(100) NOT NULL CHECK (length("firstName") <= 100),
  "lastName" VARCHAR(100) CHECK (length("lastName") <= 100),
  "email" VARCHAR(255) DEFAULT NULL CHECK (length("email") <= 255),
  "userName" VARCHAR(255) DEFAULT NULL CHECK (length("userName") <= 255),
  "phone" VARCHAR(13) CHECK (length("phone") <= 13),
  "photo" VARCHAR(1024) DEFAULT NULL CHECK (length("photo") <= 1024),
  "createdAt" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) CHECK ("createdAt" IS NULL OR (julianday("createdAt") IS NOT NULL AND date(substr("createdAt", 1, 10), '+0 days') IS substr("createdAt", 1, 10))),
  "updatedAt" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) CHECK ("updatedAt" IS NULL OR (julianday("updatedAt") IS NOT NULL AND date(substr("updatedAt", 1, 10), '+0 days') IS substr("updatedAt", 1, 10)))
))sql"}, boost::test_tools::per_element());
    BOOST_TEST(units[0].down.statements == statements{R"sql(DROP TABLE "users")sql"}, boost::test_tools::per_element());
    BOOST_TEST(!units[0].up.foreign_keys_off);
    BOOST_TEST(!units[0].down.foreign_keys_off);
}

BOOST_AUTO_TEST_CASE(sqlite_unit_2_creates_user_profiles_and_drops_it_on_down) {
    const auto units = strata::test::reference::render_reference_units(strata::backend::sqlite);
    BOOST_TEST(units[1].up.statements == statements{"CREATE TABLE \"user_profiles\" (\n"
        "  \"userProfileId\" TEXT NOT NULL DEFAULT " + random_uuid_default + " PRIMARY KEY CHECK (" +
        uuid_check("\"userProfileId\"") + "),\n" +
        R"sql(  "address" VARCHAR(100) NOT NULL CHECK (length("address") <= 100),
  "createdAt" TEXT NOT NULL DEFAULT )sql" + now_default + R"sql( CHECK ("createdAt" IS NULL OR (julianday("createdAt") IS NOT NULL AND date(substr("createdAt", 1, 10), '+0 days') IS substr("createdAt", 1, 10))),
  "updatedAt" TEXT NOT NULL DEFAULT )sql" + now_default + R"sql( CHECK ("updatedAt" IS NULL OR (julianday("updatedAt") IS NOT NULL AND date(substr("updatedAt", 1, 10), '+0 days') IS substr("updatedAt", 1, 10)))
))sql"}, boost::test_tools::per_element());
    BOOST_TEST(units[1].down.statements == statements{R"sql(DROP TABLE "user_profiles")sql"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(sqlite_unit_3_adds_the_profile_link_in_place_and_a_unique_index) {
    const auto units = strata::test::reference::render_reference_units(strata::backend::sqlite);
    BOOST_TEST(units[2].up.statements == (statements{
        R"sql(ALTER TABLE "users" ADD COLUMN "profile" TEXT CONSTRAINT "users_profile_fkey" REFERENCES "user_profiles" ("userProfileId") ON UPDATE CASCADE ON DELETE SET NULL CHECK ()sql" +
            uuid_check(R"sql("profile")sql") + ")",
        R"sql(CREATE UNIQUE INDEX "users_profile_key" ON "users" ("profile"))sql",
    }), boost::test_tools::per_element());
    BOOST_TEST(!units[2].up.foreign_keys_off);
}

BOOST_AUTO_TEST_CASE(sqlite_unit_3_down_drops_the_index_then_rebuilds_users_without_profile) {
    const auto units = strata::test::reference::render_reference_units(strata::backend::sqlite);
    BOOST_TEST(units[2].down.statements == (statements{
        R"sql(DROP INDEX "users_profile_key")sql",
        "-- strata:rebuild \"users\" from its definition in sqlite_master\n--   drop column: \"profile\"",
    }), boost::test_tools::per_element());
    BOOST_TEST(units[2].down.foreign_keys_off);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(render_sqlite_checks_and_indexes)

BOOST_AUTO_TEST_CASE(sqlite_create_table_renders_named_checks_as_table_constraints_and_partial_expression_indexes) {
    BOOST_TEST(sql_of(orders_schema()) == (statements{
        R"sql(CREATE TABLE "orders" (
  "id" BIGINT NOT NULL PRIMARY KEY CHECK ("id" BETWEEN -9223372036854775808 AND 9223372036854775807),
  "total" INTEGER CHECK ("total" BETWEEN -2147483648 AND 2147483647),
  "code" TEXT,
  CONSTRAINT "orders_total_positive" CHECK ("total" > 0)
))sql",
        R"sql(CREATE UNIQUE INDEX "orders_open_code_key" ON "orders" ("code") WHERE ("total" IS NOT NULL))sql",
        R"sql(CREATE INDEX "orders_code_lower_idx" ON "orders" ((lower("code"))))sql",
    }), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(sqlite_add_check_and_drop_check_rebuild_the_table) {
    builder add;
    add.add_check("orders", "orders_code_short", R"(length("code") < 10)");
    auto added = render(add, state_after(orders_schema()));
    BOOST_TEST(added.statements == statements{"-- strata:rebuild \"orders\" from its definition in sqlite_master\n"
                                              "--   add: CONSTRAINT \"orders_code_short\" CHECK (length(\"code\") < 10)"},
               boost::test_tools::per_element());
    BOOST_TEST(rebuilt(added, orders_schema(), "orders") ==
               orders_with("\"code\" TEXT,\n  CONSTRAINT \"orders_total_positive\" CHECK (\"total\" > 0),\n  "
                           "CONSTRAINT \"orders_code_short\" CHECK (length(\"code\") < 10)"));

    builder drop;
    drop.drop_check("orders", "orders_total_positive");
    BOOST_TEST(rebuilt(render(drop, state_after(orders_schema())), orders_schema(), "orders") == orders_with("\"code\" TEXT"));
}

// The rebuild reads the table from the database, so one made by raw sql can take a check too.
BOOST_AUTO_TEST_CASE(sqlite_check_changes_on_a_table_strata_does_not_know_rebuild_it_from_the_database) {
    builder b;
    b.add_check("legacy", "legacy_ok", "1");
    BOOST_TEST(sql_of(b) == statements{"-- strata:rebuild \"legacy\" from its definition in sqlite_master\n"
                                       "--   add: CONSTRAINT \"legacy_ok\" CHECK (1)"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(sqlite_dropping_a_column_a_check_names_rebuilds_without_the_check) {
    builder b;
    b.drop_column("orders", "total");
    auto r = render(b, state_after(orders_schema()));
    BOOST_TEST(r.statements == statements{"-- strata:rebuild \"orders\" from its definition in sqlite_master\n"
                                          "--   drop column: \"total\""},
               boost::test_tools::per_element());
    BOOST_TEST(rebuilt(r, orders_schema(), "orders") ==
               "CREATE TABLE \"strata_new_orders\" (\n  \"id\" BIGINT NOT NULL PRIMARY KEY CHECK (\"id\" BETWEEN -9223372036854775808 AND 9223372036854775807),\n  \"code\" TEXT\n)");

    // A predicate or expression naming the column counts; one merely containing its name in a
    // string, or a function of that name, does not.
    builder other;
    other.create_table("notes", [](table& t) {
        t.column("id", type::bigint());
        t.column("body", type::text());
        t.column("lower", type::text());
    });
    other.create_index_on("notes", {R"(lower("body"))"}, "notes_body_lower_idx").where(R"("body" <> 'lower')");
    other.drop_column("notes", "lower");
    BOOST_TEST(sql_of(other).back() == R"sql(ALTER TABLE "notes" DROP COLUMN "lower")sql");
}

BOOST_AUTO_TEST_SUITE_END()
