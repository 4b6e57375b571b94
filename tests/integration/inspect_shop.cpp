#include "inspect_shop.hpp"

#include <strata/registry.hpp>

#include <functional>

#include "support/change_unit.hpp"

namespace strata::test::inspect_shop {

using namespace strata::schema;

std::unique_ptr<registry> shop(backend backend) {
    auto r = std::make_unique<registry>();
    auto add = [&](std::int64_t v, std::string name, std::function<void(builder&)> ops) {
        r->add(std::make_shared<const change_unit>(v, std::move(name), std::move(ops)), "inspect_shop.cpp");
    };
    add(1, "create_shop", [](builder& b) {
        b.create_table("customers", [](table& t) {
            t.column("id", type::bigint()).primary().identity();
            t.column("email", type::text()).not_null();
            t.column("code", type::text());
            t.column("deleted_at", type::timestamp());
            t.check("customers_email_has_at", R"("email" LIKE '%@%')");
            t.unique({"code"}, "customers_code_key");
        });
        b.create_table("orders", [](table& t) {
            t.column("id", type::bigint()).primary();
            t.column("customer", type::bigint()).references("customers", "id").on_delete(fk_action::cascade);
            t.column("total", type::numeric(10, 2)).not_null().default_sql("0");
        });
        b.create_unique_index("customers", {"email"}, "customers_live_email_key").where(R"("deleted_at" IS NULL)");
        b.create_index_on("customers", {R"(lower("email"))"}, "customers_email_lower_idx");
    });
    add(2, "raw_view", [](builder& b) {
        b.sql(R"(CREATE VIEW "order_totals" AS SELECT "customer", sum("total") AS "total" FROM "orders" GROUP BY "customer")",
              R"(DROP VIEW "order_totals")");
    });
    if (backend == backend::postgresql) {
        add(3, "raw_trigger_and_schema", [](builder& b) {
            b.create_schema("archive");
            b.sql(R"(CREATE FUNCTION "orders_positive"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW."total" < 0 )"
                  R"(THEN RAISE EXCEPTION 'negative'; END IF; RETURN NEW; END $$)",
                  R"(DROP FUNCTION "orders_positive"())");
            b.sql(R"(CREATE TRIGGER "orders_positive" BEFORE INSERT ON "orders" FOR EACH ROW )"
                  R"(EXECUTE FUNCTION "orders_positive"())",
                  R"(DROP TRIGGER "orders_positive" ON "orders")");
            b.create_table(qualified("archive", "old_orders"), [](table& t) { t.column("id", type::bigint()).primary(); });
        });
        add(4, "raw_generated_and_sequence", [](builder& b) {
            b.sql(R"(ALTER TABLE "orders" ADD COLUMN "cents" numeric GENERATED ALWAYS AS ("total" * 100) STORED)",
                  R"(ALTER TABLE "orders" DROP COLUMN "cents")");
            b.sql(R"(CREATE SEQUENCE "archive"."invoice_numbers" START 1000)", R"(DROP SEQUENCE "archive"."invoice_numbers")");
            b.sql(R"(CREATE INDEX "orders_total_desc_idx" ON "orders" ("total" DESC))", R"(DROP INDEX "orders_total_desc_idx")");
            b.sql(R"(ALTER TABLE "archive"."old_orders" ADD COLUMN "customer" bigint REFERENCES "customers" ("id"))",
                  R"(ALTER TABLE "archive"."old_orders" DROP COLUMN "customer")");
            b.sql(R"(CREATE INDEX "old_orders_customer_idx" ON "archive"."old_orders" ("customer"))",
                  R"(DROP INDEX "archive"."old_orders_customer_idx")");
        });
    } else {
        add(3, "raw_trigger", [](builder& b) {
            b.sql(R"(CREATE TRIGGER "orders_positive" BEFORE INSERT ON "orders" WHEN NEW."total" < 0 )"
                  R"(BEGIN SELECT RAISE(ABORT, 'negative'); END)",
                  R"(DROP TRIGGER "orders_positive")");
        });
        // What strata does not write: a UNIQUE table constraint (strata makes unique indexes), an
        // unnamed column CHECK, quotes, commas and a comment where a scan could trip.
        add(4, "raw_generated_and_constraints", [](builder& b) {
            b.sql(R"(ALTER TABLE "orders" ADD COLUMN "cents" NUMERIC GENERATED ALWAYS AS ("total" * 100) VIRTUAL)",
                  R"(ALTER TABLE "orders" DROP COLUMN "cents")");
            b.sql("CREATE TABLE \"tags\" (\"name\" TEXT NOT NULL CHECK (length(\"name\") > 0) /* CHECK (no) */, \"kind\" TEXT "
                  "DEFAULT 'a,b', UNIQUE (\"name\", \"kind\"), CONSTRAINT \"tags_kind_ok\" CHECK (\"kind\" <> ')'))",
                  R"(DROP TABLE "tags")");
            b.sql(R"(CREATE INDEX "tags_expr_idx" ON "tags" ("kind", lower("name") DESC) WHERE "kind" <> 'x')",
                  R"(DROP INDEX "tags_expr_idx")");
        });
    }
    return r;
}


/// The shop's tables as SQLite reports them: declared types, defaults without parentheses, the
/// texts of checks, expression keys and predicates as the CREATE statements write them.
std::vector<inspect::table> sqlite_tables() {
    inspect::table customers{
        .name = "customers",
        .columns = {{"id", "INTEGER", false}, {"email", "TEXT", false}, {"code", "TEXT"}, {"deleted_at", "TEXT"}},
        .primary_key = {"id"},
        .checks = {{"", R"(CHECK ("deleted_at" IS NULL OR (julianday("deleted_at") IS NOT NULL AND )"
                        R"(date("deleted_at", '+0 days') IS substr("deleted_at", 1, 10))))"},
                   {"customers_email_has_at", R"(CHECK ("email" LIKE '%@%'))"}},
        // strata makes SQLite's unique constraints indexes (the only kind it can drop again).
        .indexes = {{.name = "customers_code_key", .unique = true, .keys = {"code"}},
                    {.name = "customers_email_lower_idx", .keys = {R"((lower("email")))"}},
                    {.name = "customers_live_email_key",
                     .unique = true,
                     .keys = {"email"},
                     .where = R"(("deleted_at" IS NULL))"}}};
    inspect::table orders{
        .name = "orders",
        .columns = {{"id", "BIGINT", false},
                    {"customer", "BIGINT"},
                    {"total", "NUMERIC(10, 2)", false, "0"},
                    {.name = "cents", .type = "NUMERIC", .generated = R"(generated: "total" * 100)"}},
        .primary_key = {"id"},
        .foreign_keys = {{"", {"customer"}, "customers", {"id"}, "NO ACTION", "CASCADE"}},
        .checks = {{"", R"(CHECK ("customer" BETWEEN -9223372036854775808 AND 9223372036854775807))"},
                   {"", R"(CHECK ("id" BETWEEN -9223372036854775808 AND 9223372036854775807))"},
                   {"", R"(CHECK ("total" IS NULL OR (typeof("total") IN ('integer', 'real') AND )"
                        R"(abs(round("total", 2)) < 1e8)))"}},
        .triggers = {{"orders.orders_positive", R"(CREATE TRIGGER "orders_positive" BEFORE INSERT ON "orders" )"
                                                R"(WHEN NEW."total" < 0 )"
                                                R"(BEGIN SELECT RAISE(ABORT, 'negative'); END)"}}};
    inspect::table tags{.name = "tags",
                        .columns = {{"name", "TEXT", false}, {"kind", "TEXT", true, "'a,b'"}},
                        .uniques = {{"", {"name", "kind"}}},
                        .checks = {{"", R"(CHECK (length("name") > 0))"}, {"tags_kind_ok", R"(CHECK ("kind" <> ')'))"}},
                        .indexes = {{.name = "tags_expr_idx",
                                     .keys = {"kind", R"(lower("name") DESC)"},
                                     .where = R"("kind" <> 'x')"}}};
    return {customers, orders, tags};
}

/// The shop's tables as PostgreSQL reports them: format_type, pg_get_expr, pg_get_constraintdef.
std::vector<inspect::table> postgresql_tables() {
    inspect::table old_orders{.name = "archive.old_orders",
                              .columns = {{"id", "bigint", false}, {"customer", "bigint"}},
                              .primary_key = {"id"},
                              .primary_key_name = "old_orders_pkey",
                              .foreign_keys = {{"old_orders_customer_fkey", {"customer"}, "customers", {"id"}, "NO ACTION",
                                                "NO ACTION"}},
                              .indexes = {{.name = "archive.old_orders_customer_idx", .keys = {"customer"}}}};
    inspect::table customers{
        .name = "customers",
        .columns = {{.name = "id", .type = "bigint", .nullable = false, .generated = "identity by default"},
                    {"email", "text", false},
                    {"code", "text"},
                    {"deleted_at", "timestamp without time zone"}},
        .primary_key = {"id"},
        .primary_key_name = "customers_pkey",
        .uniques = {{"customers_code_key", {"code"}}},
        .checks = {{"customers_email_has_at", "CHECK ((email ~~ '%@%'::text))"}},
        .indexes = {{.name = "customers_email_lower_idx", .keys = {"lower(email)"}},
                    {.name = "customers_live_email_key", .unique = true, .keys = {"email"}, .where = "(deleted_at IS NULL)"}}};
    inspect::table orders{
        .name = "orders",
        .columns = {{"id", "bigint", false},
                    {"customer", "bigint"},
                    {"total", "numeric(10,2)", false, "0"},
                    {.name = "cents", .type = "numeric", .generated = "generated: (total * (100)::numeric)"}},
        .primary_key = {"id"},
        .primary_key_name = "orders_pkey",
        .foreign_keys = {{"orders_customer_fkey", {"customer"}, "customers", {"id"}, "NO ACTION", "CASCADE"}},
        .indexes = {{.name = "orders_total_desc_idx", .keys = {"total"}, .method = "btree (total DESC)"}},
        .triggers = {{"orders.orders_positive",
                      "CREATE TRIGGER orders_positive BEFORE INSERT ON public.orders FOR EACH ROW EXECUTE FUNCTION "
                      "orders_positive()"}}};
    return {old_orders, customers, orders};
}


}  // namespace strata::test::inspect_shop
