// Golden rendering for PostgreSQL: operation in, exact SQL out.
#include <strata/dialect.hpp>
#include <strata/error.hpp>
#include <strata/schema/builder.hpp>

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "reference_units.hpp"

namespace {

using namespace strata::schema;
using statements = std::vector<std::string>;

const strata::dialect& postgresql() { return strata::dialect_for(strata::backend::postgresql); }

strata::rendering render(const builder& b, strata::catalog state = {}) {
    return postgresql().render(b.operations(), state);
}

statements sql_of(const builder& b) { return render(b).statements; }

}  // namespace

BOOST_AUTO_TEST_SUITE(render_postgresql)

BOOST_AUTO_TEST_CASE(postgresql_declares_transactional_ddl_and_in_place_changes) {
    const auto f = postgresql().features();
    BOOST_TEST((postgresql().kind() == strata::backend::postgresql));
    BOOST_TEST(f.transactional_ddl);
    BOOST_TEST(f.drop_column_with_constraints);
    BOOST_TEST(f.concurrent_index);
}

BOOST_AUTO_TEST_CASE(postgresql_maps_every_column_type) {
    builder b;
    b.create_table("samples", [](table& t) {
        t.column("id", type::uuid());
        t.column("code", type::varchar(12));
        t.column("notes", type::text());
        t.column("quantity", type::integer());
        t.column("total", type::bigint());
        t.column("active", type::boolean());
        t.column("seenAt", type::timestamptz());
    });
    BOOST_TEST(sql_of(b) == statements{R"sql(CREATE TABLE "samples" (
  "id" UUID,
  "code" VARCHAR(12),
  "notes" TEXT,
  "quantity" INTEGER,
  "total" BIGINT,
  "active" BOOLEAN,
  "seenAt" TIMESTAMPTZ
))sql"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(postgresql_renders_every_default_kind_and_the_primary_key) {
    builder b;
    b.create_table("defaults", [](table& t) {
        t.column("id", type::uuid()).primary().default_random_uuid();
        t.column("plain", type::integer());
        t.column("nothing", type::text()).default_null();
        t.column("at", type::timestamptz()).not_null().default_now();
        t.column("token", type::uuid()).not_null().default_random_uuid();
        t.column("score", type::integer()).not_null().default_sql("0");
    });
    BOOST_TEST(sql_of(b) == statements{R"sql(CREATE TABLE "defaults" (
  "id" UUID NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  "plain" INTEGER,
  "nothing" TEXT DEFAULT NULL,
  "at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "token" UUID NOT NULL DEFAULT gen_random_uuid(),
  "score" INTEGER NOT NULL DEFAULT 0
))sql"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(postgresql_inline_references_carry_their_name_and_actions) {
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
            .on_update(fk_action::no_action)
            .on_delete(fk_action::set_default);
    });
    BOOST_TEST(sql_of(b) == statements{R"sql(CREATE TABLE "orders" (
  "id" BIGINT NOT NULL PRIMARY KEY,
  "customer" BIGINT NOT NULL CONSTRAINT "orders_customer_fkey" REFERENCES "customers" ("id"),
  "coupon" BIGINT CONSTRAINT "orders_coupon_fkey" REFERENCES "coupons" ("id") ON UPDATE CASCADE ON DELETE SET NULL,
  "warehouse" INTEGER CONSTRAINT "orders_from_warehouse" REFERENCES "warehouses" ("id") ON UPDATE RESTRICT ON DELETE RESTRICT,
  "region" INTEGER NOT NULL DEFAULT 1 CONSTRAINT "orders_region_fkey" REFERENCES "regions" ("id") ON DELETE SET DEFAULT
))sql"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(postgresql_table_level_foreign_keys_and_uniques_are_named_constraints) {
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
    BOOST_TEST(sql_of(b) == statements{R"sql(CREATE TABLE "enrolments" (
  "student" BIGINT NOT NULL,
  "course" BIGINT NOT NULL,
  "term" INTEGER NOT NULL,
  CONSTRAINT "enrolments_student_fkey" FOREIGN KEY ("student") REFERENCES "students" ("id") ON DELETE CASCADE,
  CONSTRAINT "enrolments_offering" FOREIGN KEY ("course", "term") REFERENCES "offerings" ("course", "term") ON UPDATE CASCADE,
  CONSTRAINT "enrolments_student_course_term_key" UNIQUE ("student", "course", "term"),
  CONSTRAINT "enrolments_one_per_term" UNIQUE ("term")
))sql"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(postgresql_create_table_creates_the_definitions_indexes_after_the_table) {
    table t("events");
    t.column("id", type::bigint()).primary();
    t.column("kind", type::text()).not_null();
    t.column("at", type::timestamptz()).not_null();
    t.unique({"id", "kind"});
    table_def def = t.definition();
    def.indexes = {index_def{"events_kind_idx", "events", {"kind"}, false},
                   index_def{"events_one_per_moment", "events", {"kind", "at"}, true}};
    builder b;
    b.add(strata::schema::create_table{def});
    BOOST_TEST(sql_of(b) == (statements{
        R"sql(CREATE TABLE "events" (
  "id" BIGINT NOT NULL PRIMARY KEY,
  "kind" TEXT NOT NULL,
  "at" TIMESTAMPTZ NOT NULL,
  CONSTRAINT "events_id_kind_key" UNIQUE ("id", "kind")
))sql",
        R"sql(CREATE INDEX "events_kind_idx" ON "events" ("kind"))sql",
        R"sql(CREATE UNIQUE INDEX "events_one_per_moment" ON "events" ("kind", "at"))sql",
    }), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(postgresql_drop_table_is_one_statement_with_or_without_its_definition) {
    builder b;
    b.drop_table("sessions");
    b.drop_table("tokens", [](table& t) { t.column("id", type::bigint()).primary(); });
    BOOST_TEST(sql_of(b) == (statements{R"sql(DROP TABLE "sessions")sql", R"sql(DROP TABLE "tokens")sql"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(postgresql_add_column_renders_the_full_column_definition) {
    builder b;
    b.add_column("users", column("nickname", type::varchar(40)).not_null().default_sql("''"));
    BOOST_TEST(sql_of(b) == statements{R"sql(ALTER TABLE "users" ADD COLUMN "nickname" VARCHAR(40) NOT NULL DEFAULT '')sql"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(postgresql_add_column_with_a_reference_names_the_constraint_after_the_table) {
    builder b;
    b.add_column("posts", column("editor", type::uuid()).references("users", "userId").on_delete(fk_action::set_null));
    BOOST_TEST(sql_of(b) ==
                   statements{R"sql(ALTER TABLE "posts" ADD COLUMN "editor" UUID CONSTRAINT "posts_editor_fkey" REFERENCES "users" ("userId") ON DELETE SET NULL)sql"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(postgresql_drop_column_is_in_place_even_when_constraints_use_it) {
    builder setup;
    setup.create_table("posts", [](table& t) {
        t.column("id", type::bigint()).primary();
        t.column("author", type::bigint()).references("people", "id");
        t.column("slug", type::text());
        t.unique({"slug"});
    });
    strata::catalog state;
    for (const auto& op : setup.operations()) state.apply(op);

    builder b;
    b.drop_column("posts", "author");
    b.drop_column("posts", "slug");
    const auto r = render(b, state);
    BOOST_TEST(r.statements == (statements{R"sql(ALTER TABLE "posts" DROP COLUMN "author")sql",
                                           R"sql(ALTER TABLE "posts" DROP COLUMN "slug")sql"}),
               boost::test_tools::per_element());
    BOOST_TEST(!r.foreign_keys_off);
}

BOOST_AUTO_TEST_CASE(postgresql_adds_and_drops_a_foreign_key_by_constraint_name) {
    builder b;
    b.add_foreign_key("posts", {.columns = {"author"}, .ref_table = "users", .ref_columns = {"userId"},
                                .on_delete = fk_action::cascade});
    b.add_foreign_key("posts", {.name = "posts_reviewed_by", .columns = {"reviewer", "team"}, .ref_table = "members",
                                .ref_columns = {"user", "team"}});
    b.drop_foreign_key("posts", "posts_author_fkey");
    BOOST_TEST(sql_of(b) == (statements{
        R"sql(ALTER TABLE "posts" ADD CONSTRAINT "posts_author_fkey" FOREIGN KEY ("author") REFERENCES "users" ("userId") ON DELETE CASCADE)sql",
        R"sql(ALTER TABLE "posts" ADD CONSTRAINT "posts_reviewed_by" FOREIGN KEY ("reviewer", "team") REFERENCES "members" ("user", "team"))sql",
        R"sql(ALTER TABLE "posts" DROP CONSTRAINT "posts_author_fkey")sql",
    }), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(postgresql_adds_and_drops_a_unique_constraint) {
    builder b;
    b.add_unique("users", {"email"});
    b.add_unique("users", {"firstName", "lastName"}, "users_full_name");
    b.drop_unique("users", "users_email_key");
    BOOST_TEST(sql_of(b) == (statements{
        R"sql(ALTER TABLE "users" ADD CONSTRAINT "users_email_key" UNIQUE ("email"))sql",
        R"sql(ALTER TABLE "users" ADD CONSTRAINT "users_full_name" UNIQUE ("firstName", "lastName"))sql",
        R"sql(ALTER TABLE "users" DROP CONSTRAINT "users_email_key")sql",
    }), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(postgresql_creates_plain_and_unique_indexes_and_drops_them_by_name) {
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

BOOST_AUTO_TEST_CASE(postgresql_raw_sql_renders_its_postgresql_text_as_one_statement) {
    builder b;
    b.sql("UPDATE users SET \"lastName\" = '' WHERE \"lastName\" IS NULL");
    b.sql(sql_text{.postgresql = "CREATE EXTENSION citext; SELECT 1", .sqlite = "SELECT 2"});
    b.sql(sql_text{.postgresql = "SELECT 3", .sqlite = ""});
    BOOST_TEST(sql_of(b) == (statements{
        R"sql(UPDATE users SET "lastName" = '' WHERE "lastName" IS NULL)sql",
        "CREATE EXTENSION citext; SELECT 1",
        "SELECT 3",
    }), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(postgresql_raw_sql_without_postgresql_text_is_unsupported_naming_the_dialect) {
    builder b;
    b.sql(sql_text{.postgresql = "", .sqlite = "PRAGMA optimize"});
    strata::catalog state;
    BOOST_CHECK_EXCEPTION(postgresql().render(b.operations(), state), strata::unsupported_error,
                          [](const strata::unsupported_error& e) {
                              BOOST_TEST(e.message() ==
                                         "a raw sql operation has no text for postgresql; give it with sql(sql_text{...})");
                              return true;
                          });
}

BOOST_AUTO_TEST_CASE(postgresql_escapes_double_quotes_in_identifiers) {
    builder b;
    b.create_table(R"(odd"table)", [](table& t) {
        t.column(R"(a"b)", type::varchar(5)).references(R"(other"table)", R"(i"d)");
    });
    b.add_unique(R"(odd"table)", {R"(a"b)"});
    b.create_index(R"(odd"table)", {R"(a"b)"});
    b.drop_column(R"(odd"table)", R"(a"b)");
    BOOST_TEST(sql_of(b) == (statements{
        R"sql(CREATE TABLE "odd""table" (
  "a""b" VARCHAR(5) CONSTRAINT "odd""table_a""b_fkey" REFERENCES "other""table" ("i""d")
))sql",
        R"sql(ALTER TABLE "odd""table" ADD CONSTRAINT "odd""table_a""b_key" UNIQUE ("a""b"))sql",
        R"sql(CREATE INDEX "odd""table_a""b_idx" ON "odd""table" ("a""b"))sql",
        R"sql(ALTER TABLE "odd""table" DROP COLUMN "a""b")sql",
    }), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(quote_doubles_double_quotes_and_quote_literal_doubles_single_quotes) {
    BOOST_TEST(strata::dialect::quote(R"(say "hi")") == R"("say ""hi""")");
    BOOST_TEST(strata::dialect::quote("") == R"("")");
    BOOST_TEST(strata::dialect::quote_literal("it's") == "'it''s'");
    BOOST_TEST(strata::dialect::quote_literal(R"(a"b)") == R"('a"b')");
}

BOOST_AUTO_TEST_CASE(postgresql_renames_a_table_and_a_column_in_place) {
    builder b;
    b.rename_table("users", "people");
    b.rename_column("people", "e\"mail", "mail");
    const auto r = render(b);
    BOOST_TEST(r.statements == (statements{
        R"sql(ALTER TABLE "users" RENAME TO "people")sql",
        R"sql(ALTER TABLE "people" RENAME COLUMN "e""mail" TO "mail")sql",
    }), boost::test_tools::per_element());
    BOOST_TEST(r.transactional);
}

BOOST_AUTO_TEST_CASE(postgresql_refuses_a_rename_the_model_shows_cannot_work) {
    builder before;
    before.create_table("users", [](table& t) {
        t.column("id", type::bigint()).primary();
        t.column("email", type::text());
    });
    before.create_table("people", [](table& t) { t.column("id", type::bigint()).primary(); });
    strata::catalog state;
    postgresql().render(before.operations(), state);

    builder b;
    b.rename_table("users", "people");
    BOOST_CHECK_EXCEPTION(render(b, state), strata::error, [](const strata::error& e) {
        BOOST_TEST(e.message() == R"(cannot rename_table users -> people: an earlier unit already created a table "people")");
        return true;
    });
}

BOOST_AUTO_TEST_CASE(postgresql_change_column_alters_only_what_changes) {
    builder b;
    b.change_column("users", column("nick", type::varchar(20)), column("nick", type::text()));
    b.change_column("users", column("age", type::text()), column("age", type::integer())).using_sql(R"(CAST("age" AS INTEGER))");
    b.change_column("users", column("age", type::integer()), column("age", type::bigint()));
    b.change_column("users", column("age", type::bigint()), column("age", type::bigint()).default_sql("0"));
    b.change_column("users", column("age", type::bigint()).default_sql("0"), column("age", type::bigint()).default_sql("abs(-1)"));
    b.change_column("users", column("age", type::bigint()).default_sql("abs(-1)"), column("age", type::bigint()));
    b.change_column("users", column("age", type::bigint()), column("age", type::bigint()).not_null());
    b.change_column("users", column("age", type::bigint()).not_null(), column("age", type::bigint()));
    const auto r = render(b);
    BOOST_TEST(r.statements == (statements{
        R"sql(ALTER TABLE "users" ALTER COLUMN "nick" TYPE TEXT)sql",
        R"sql(ALTER TABLE "users" ALTER COLUMN "age" TYPE INTEGER USING (CAST("age" AS INTEGER)))sql",
        R"sql(ALTER TABLE "users" ALTER COLUMN "age" TYPE BIGINT)sql",
        R"sql(ALTER TABLE "users" ALTER COLUMN "age" SET DEFAULT 0)sql",
        R"sql(ALTER TABLE "users" ALTER COLUMN "age" SET DEFAULT (abs(-1)))sql",
        R"sql(ALTER TABLE "users" ALTER COLUMN "age" DROP DEFAULT)sql",
        R"sql(ALTER TABLE "users" ALTER COLUMN "age" SET NOT NULL)sql",
        R"sql(ALTER TABLE "users" ALTER COLUMN "age" DROP NOT NULL)sql",
    }), boost::test_tools::per_element());
    BOOST_TEST(r.transactional);
    BOOST_TEST(!r.resumable);
}

// PostgreSQL converts a default along with the type, without the USING expression: '0' (text)
// has no assignment cast to integer, so the default goes first and comes back after.
BOOST_AUTO_TEST_CASE(postgresql_change_column_drops_the_default_before_a_type_change_and_sets_it_after) {
    builder b;
    b.change_column("users", column("code", type::text()).default_sql("'0'"), column("code", type::integer()).not_null().default_sql("0"))
        .using_sql(R"(CAST("code" AS INTEGER))");
    b.change_column("users", column("nick", type::varchar(20)).default_sql("'x'"), column("nick", type::text()).default_sql("'x'"));
    b.change_column("users", column("seen", type::text()).default_now(), column("seen", type::timestamptz()))
        .using_sql(R"(CAST("seen" AS TIMESTAMPTZ))");
    BOOST_TEST(sql_of(b) == (statements{
        R"sql(ALTER TABLE "users" ALTER COLUMN "code" DROP DEFAULT, ALTER COLUMN "code" TYPE INTEGER USING (CAST("code" AS INTEGER)), ALTER COLUMN "code" SET DEFAULT 0, ALTER COLUMN "code" SET NOT NULL)sql",
        R"sql(ALTER TABLE "users" ALTER COLUMN "nick" DROP DEFAULT, ALTER COLUMN "nick" TYPE TEXT, ALTER COLUMN "nick" SET DEFAULT 'x')sql",
        R"sql(ALTER TABLE "users" ALTER COLUMN "seen" DROP DEFAULT, ALTER COLUMN "seen" TYPE TIMESTAMPTZ USING (CAST("seen" AS TIMESTAMPTZ)))sql",
    }), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(postgresql_change_column_of_a_known_table_moves_the_model_along) {
    builder b;
    b.create_table("users", [](table& t) {
        t.column("id", type::bigint()).primary();
        t.column("age", type::text());
    });
    b.change_column("users", column("age", type::text()), column("age", type::integer()).not_null()).using_sql(R"(CAST("age" AS INTEGER))");
    b.change_column("users", column("age", type::integer()).not_null(), column("age", type::integer()));
    strata::catalog state;
    const auto r = postgresql().render(b.operations(), state);
    BOOST_TEST_REQUIRE(r.statements.size() == 3u);
    BOOST_TEST(r.statements[2] == R"sql(ALTER TABLE "users" ALTER COLUMN "age" DROP NOT NULL)sql");
    const auto* age = state.tables.at("users").find_column("age");
    BOOST_TEST_REQUIRE(age != nullptr);
    BOOST_TEST((*age == column("age", type::integer())));
}

BOOST_AUTO_TEST_CASE(postgresql_table_exists_query_looks_in_the_current_schema) {
    BOOST_TEST(postgresql().table_exists_query("it's") ==
               "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
               "WHERE n.nspname = current_schema() AND c.relname = 'it''s' AND c.relkind IN ('r', 'p')");
}

BOOST_AUTO_TEST_CASE(postgresql_utc_text_formats_iso_8601_in_utc) {
    BOOST_TEST(postgresql().utc_text("appliedAt") ==
               R"sql(to_char("appliedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))sql");
}

// Checks and partial/expression indexes (issue 9, points 3 and 6).
BOOST_AUTO_TEST_CASE(postgresql_create_table_renders_named_checks_after_the_other_constraints) {
    builder b;
    b.create_table("orders", [](table& t) {
        t.column("id", type::bigint()).primary();
        t.column("total", type::integer()).not_null();
        t.column("code", type::text());
        t.unique({"code"});
        t.check("orders_total_positive", R"("total" > 0)");
        t.check("orders_code_upper", R"("code" = upper("code"))");
    });
    BOOST_TEST(sql_of(b) == statements{R"sql(CREATE TABLE "orders" (
  "id" BIGINT NOT NULL PRIMARY KEY,
  "total" INTEGER NOT NULL,
  "code" TEXT,
  CONSTRAINT "orders_code_key" UNIQUE ("code"),
  CONSTRAINT "orders_total_positive" CHECK ("total" > 0),
  CONSTRAINT "orders_code_upper" CHECK ("code" = upper("code"))
))sql"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(postgresql_adds_and_drops_a_check_constraint_in_place) {
    builder b;
    b.add_check("orders", "orders_total_positive", R"("total" > 0)");
    b.drop_check("orders", "orders_total_positive");
    auto r = render(b);
    BOOST_TEST(r.statements == (statements{
        R"sql(ALTER TABLE "orders" ADD CONSTRAINT "orders_total_positive" CHECK ("total" > 0))sql",
        R"sql(ALTER TABLE "orders" DROP CONSTRAINT "orders_total_positive")sql",
    }), boost::test_tools::per_element());
    BOOST_TEST(r.transactional);
}

BOOST_AUTO_TEST_CASE(postgresql_renders_partial_and_expression_indexes_with_parenthesised_texts) {
    builder b;
    b.create_unique_index("users", {"email"}, "users_live_email_key").where(R"("deleted_at" IS NULL)");
    b.create_index("users", {"lastName"}).where(R"("active")");
    b.create_unique_index_on("users", {R"(lower("email"))"}, "users_email_lower_key");
    b.create_index_on("users", {R"(lower("firstName"))", R"("lastName")"}, "users_names_idx").where(R"("active")");
    b.drop_index("users", "users_names_idx");
    BOOST_TEST(sql_of(b) == (statements{
        R"sql(CREATE UNIQUE INDEX "users_live_email_key" ON "users" ("email") WHERE ("deleted_at" IS NULL))sql",
        R"sql(CREATE INDEX "users_lastName_idx" ON "users" ("lastName") WHERE ("active"))sql",
        R"sql(CREATE UNIQUE INDEX "users_email_lower_key" ON "users" ((lower("email"))))sql",
        R"sql(CREATE INDEX "users_names_idx" ON "users" ((lower("firstName")), ("lastName")) WHERE ("active"))sql",
        R"sql(DROP INDEX "users_names_idx")sql",
    }), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE(reference_units)

BOOST_AUTO_TEST_CASE(postgresql_unit_1_creates_users_and_drops_it_on_down) {
    const auto units = strata::test::reference::render_reference_units(strata::backend::postgresql);
    BOOST_TEST(units[0].up.statements == statements{R"sql(CREATE TABLE "users" (
  "userId" UUID NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  "firstName" VARCHAR(100) NOT NULL,
  "lastName" VARCHAR(100),
  "email" VARCHAR(255) DEFAULT NULL,
  "userName" VARCHAR(255) DEFAULT NULL,
  "phone" VARCHAR(13),
  "photo" VARCHAR(1024) DEFAULT NULL,
  "createdAt" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "updatedAt" TIMESTAMPTZ NOT NULL DEFAULT now()
))sql"}, boost::test_tools::per_element());
    BOOST_TEST(units[0].down.statements == statements{R"sql(DROP TABLE "users")sql"}, boost::test_tools::per_element());
    BOOST_TEST(!units[0].up.foreign_keys_off);
    BOOST_TEST(!units[0].down.foreign_keys_off);
}

BOOST_AUTO_TEST_CASE(postgresql_unit_2_creates_user_profiles_and_drops_it_on_down) {
    const auto units = strata::test::reference::render_reference_units(strata::backend::postgresql);
    BOOST_TEST(units[1].up.statements == statements{R"sql(CREATE TABLE "user_profiles" (
  "userProfileId" UUID NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  "address" VARCHAR(100) NOT NULL,
  "createdAt" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "updatedAt" TIMESTAMPTZ NOT NULL DEFAULT now()
))sql"}, boost::test_tools::per_element());
    BOOST_TEST(units[1].down.statements == statements{R"sql(DROP TABLE "user_profiles")sql"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(postgresql_unit_3_adds_the_unique_profile_link_and_down_drops_constraint_then_column) {
    const auto units = strata::test::reference::render_reference_units(strata::backend::postgresql);
    // Both operations are online: the column, its key added NOT VALID then validated, and the
    // unique index built CONCURRENTLY then attached as the constraint; every step re-runnable.
    BOOST_TEST(units[2].up.statements == (statements{
        R"sql(DO $strata$ BEGIN IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('"users"') AND attname = 'profile' AND NOT attisdropped AND format_type(atttypid, atttypmod) <> 'uuid') THEN RAISE EXCEPTION 'column % exists but is not the one this unit adds', 'profile'; END IF; END $strata$)sql",
        R"sql(ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "profile" UUID)sql",
        R"sql(DO $strata$ BEGIN IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass('"users"') AND conname = 'users_profile_fkey' AND (contype <> 'f' OR ARRAY(SELECT a.attname::text FROM unnest(conkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = conrelid AND a.attnum = k.attnum ORDER BY k.n) <> ARRAY['profile']::text[] OR confrelid IS DISTINCT FROM to_regclass('"user_profiles"') OR ARRAY(SELECT a.attname::text FROM unnest(confkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = confrelid AND a.attnum = k.attnum ORDER BY k.n) <> ARRAY['userProfileId']::text[] OR confupdtype <> 'c' OR confdeltype <> 'n')) THEN RAISE EXCEPTION 'constraint % exists but is not the one this unit adds', 'users_profile_fkey'; END IF; IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass('"users"') AND conname = 'users_profile_fkey') THEN ALTER TABLE "users" ADD CONSTRAINT "users_profile_fkey" FOREIGN KEY ("profile") REFERENCES "user_profiles" ("userProfileId") ON UPDATE CASCADE ON DELETE SET NULL NOT VALID; END IF; END $strata$)sql",
        R"sql(ALTER TABLE "users" VALIDATE CONSTRAINT "users_profile_fkey")sql",
        R"sql(SELECT CASE WHEN p.pid IS NULL THEN 'DROP INDEX CONCURRENTLY IF EXISTS ' || i.indexrelid::regclass::text ELSE format('DO $strata$BEGIN RAISE EXCEPTION USING ERRCODE = ''55006'', MESSAGE = %L; END$strata$', 'index ' || i.indexrelid::regclass::text || ' is being built by another session (pid ' || p.pid || ', ' || p.phase || '): stop that build with SELECT pg_cancel_backend(' || p.pid || '), then run again (what it leaves is dropped and the unit builds its index)') END FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid LEFT JOIN pg_catalog.pg_stat_progress_create_index p ON p.index_relid = i.indexrelid AND p.pid <> pg_backend_pid() WHERE i.indrelid = to_regclass('"users"') AND c.relname = 'users_profile_key' AND c.relkind = 'i' AND NOT i.indisvalid)sql"
        "\n\\gexec",
        R"sql(DO $strata$ DECLARE idx regclass := (SELECT c.oid FROM pg_class c WHERE c.relname = 'users_profile_key' AND c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = to_regclass('"users"'))); BEGIN IF idx IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = idx) THEN RAISE EXCEPTION '% exists and is not an index', 'users_profile_key'; END IF; IF EXISTS (SELECT 1 FROM pg_index i WHERE i.indexrelid = idx AND (i.indrelid <> to_regclass('"users"') OR i.indisunique <> true OR ARRAY(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.n) <> ARRAY['profile']::text[])) THEN RAISE EXCEPTION 'index % exists but is not the one this unit builds', 'users_profile_key'; END IF; END $strata$)sql",
        R"sql(CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "users_profile_key" ON "users" ("profile"))sql",
        R"sql(DO $strata$ BEGIN IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass('"users"') AND conname = 'users_profile_key' AND (contype <> 'u' OR ARRAY(SELECT a.attname::text FROM unnest(conkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = conrelid AND a.attnum = k.attnum ORDER BY k.n) <> ARRAY['profile']::text[])) THEN RAISE EXCEPTION 'constraint % exists but is not the one this unit adds', 'users_profile_key'; END IF; IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass('"users"') AND conname = 'users_profile_key') THEN ALTER TABLE "users" ADD CONSTRAINT "users_profile_key" UNIQUE USING INDEX "users_profile_key"; END IF; END $strata$)sql",
    }), boost::test_tools::per_element());
    BOOST_TEST(!units[2].up.transactional, "CREATE INDEX CONCURRENTLY cannot run in a transaction");
    BOOST_TEST(units[2].up.resumable);
    BOOST_TEST(units[2].down.statements == (statements{
        R"sql(ALTER TABLE "users" DROP CONSTRAINT "users_profile_key")sql",
        R"sql(ALTER TABLE "users" DROP COLUMN "profile")sql",
    }), boost::test_tools::per_element());
    BOOST_TEST(!units[2].down.foreign_keys_off);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE_END()
