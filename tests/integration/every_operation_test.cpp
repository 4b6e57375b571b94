// Every builder operation and modifier of the DSL (issue 9, "Done when"), on both databases, in
// one registry of the test's own: every column type, identity and composite keys, defaults of
// each kind, inline and table-level foreign keys with actions, uniques, checks, timestamps; then
// columns added, dropped and changed (type with USING, default, nullability, an enumeration
// widened), renames followed by changes, partial and expression indexes, the online variants,
// drops with their definitions, comments, a backfill with its way back and raw SQL with its own.
// Rows go in after the first unit, so SQLite's rebuilds and the backfill have data to carry.
//
// Asserted: the schema read back after each unit has what the units say (spot checks); a
// stepwise down leaves, after each unit reverted, exactly the schema recorded on the way up; up
// again gives exactly the schema of the first up; down --all leaves exactly the empty schema.
// Schemas and qualified() names are PostgreSQL's only: a second registry uses them there, and
// SQLite refuses that registry before anything runs.

#include <strata/error.hpp>
#include <strata/registry.hpp>
#include <strata/runner.hpp>

#include <soci/soci.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backend_test.hpp"
#include "support/change_unit.hpp"
#include "support/schema_history.hpp"
#include "support/schema_reader.hpp"
#include "support/schema_session.hpp"
#include "support/temp_database.hpp"
#include "tutorial.hpp"

using namespace strata::test;
using namespace strata::schema;
using strata::test::tutorial::refusal;
using strata::test::tutorial::run;

namespace {

using strata::test::change_unit;

void add_unit(strata::registry& r, std::int64_t version, std::string name, std::function<void(builder&)> ops) {
    r.add(std::make_shared<const change_unit>(version, std::move(name), std::move(ops)), "every_operation_test.cpp");
}

/// The memberships.member key unit 1 declares at table level and unit 5 drops.
foreign_key member_key() {
    return foreign_key{"memberships_member_fkey", {"member"}, "authors", {"id"}, fk_action::cascade, fk_action::restrict};
}

std::unique_ptr<strata::registry> every_operation_units() {
    auto r = std::make_unique<strata::registry>();
    add_unit(*r, 1, "create_everything", [](builder& b) {
        b.create_table("authors", [](table& t) {
            t.column("id", type::bigint()).primary().identity();
            t.column("email", type::varchar(100)).not_null();
            t.column("name", type::text()).default_sql("'anon'");
            t.column("token", type::uuid()).default_random_uuid();
            t.column("joined", type::timestamptz()).default_now();
            t.column("active", type::boolean()).not_null().default_sql("true");
            t.unique({"email"});
            t.check("authors_email_has_at", "\"email\" LIKE '%@%'");
            t.timestamps();
            // last: down of a drop_column adds the column back at the end on both databases
            t.column("nickname", type::text()).default_null();
        });
        b.comment_on("authors", "Who writes");
        b.comment_on("authors", "email", "Where to write to");
        b.create_table("kinds", [](table& t) {
            t.column("id", type::integer()).primary();
            t.column("small", type::smallint());
            t.column("price", type::numeric(8, 2));
            t.column("ratio", type::real());
            t.column("exact", type::double_precision());
            t.column("day", type::date());
            t.column("at", type::time());
            t.column("local", type::timestamp());
            t.column("doc", type::json());
            t.column("docb", type::jsonb());
            t.column("bytes", type::bytea());
            t.column("status", type::enumeration({"draft", "live"})).not_null().default_sql("'draft'");
            t.column("owner", type::bigint()).references("authors", "id").on_delete(fk_action::set_null).foreign_key_name("kinds_owner_ref");
        });
        b.create_table("books", [](table& t) {
            t.column("id", type::bigint()).primary();
            t.column("author", type::bigint()).not_null().references("authors", "id").on_delete(fk_action::cascade).on_update(fk_action::cascade);
            t.column("title", type::text()).not_null();
            t.check("books_title_not_blank", "\"title\" <> ''");
        });
        b.create_table("memberships", [](table& t) {
            t.column("group", type::integer());
            t.column("member", type::bigint());
            t.column("role", type::text());
            t.primary_key({"group", "member"});
            t.foreign_key(member_key());
        });
        b.create_table("scratch", [](table& t) {
            t.column("id", type::integer()).primary();
            t.column("note", type::text());
        });
        b.create_index("books", {"title"});
        b.create_unique_index("books", {"author", "title"}).where("\"title\" <> 'draft'");
        b.create_index_on("authors", {"lower(\"email\")"}, "authors_email_lower_idx");
        b.create_unique_index_on("authors", {"lower(\"name\")"}, "authors_name_lower_key").where("\"name\" IS NOT NULL");
        b.create_unique_index("kinds", {"small"}, "kinds_small_key_idx");
    });
    add_unit(*r, 2, "columns_added_dropped_changed", [](builder& b) {
        b.add_column("books", column("pages", type::integer()).not_null().default_sql("0"));
        b.add_column("books", column("editor", type::bigint()).references("authors", "id").on_delete(fk_action::set_null)).online();
        b.drop_column("authors", column("nickname", type::text()).default_null());
        // type, with USING both ways
        b.change_column("kinds", column("small", type::smallint()), column("small", type::integer()))
            .using_sql("CAST(\"small\" AS INTEGER)", "CAST(\"small\" AS SMALLINT)");
        // default set, then another default, then nullability
        b.change_column("kinds", column("price", type::numeric(8, 2)), column("price", type::numeric(8, 2)).default_sql("0"));
        b.change_column("authors", column("name", type::text()).default_sql("'anon'"), column("name", type::text()).default_sql("'nobody'"));
        b.change_column("kinds", column("ratio", type::real()), column("ratio", type::real()).not_null().default_sql("1"));
        // an enumeration widened
        b.change_column("kinds", column("status", type::enumeration({"draft", "live"})).not_null().default_sql("'draft'"),
                        column("status", type::enumeration({"draft", "live", "archived"})).not_null().default_sql("'draft'"));
    });
    add_unit(*r, 3, "renames_then_changes", [](builder& b) {
        b.rename_table("books", "volumes");
        b.rename_column("volumes", "title", "heading");
        b.change_column("volumes", column("heading", type::text()).not_null(), column("heading", type::varchar(300)).not_null());
        b.add_check("volumes", "volumes_pages_nonneg", "\"pages\" >= 0");
        b.create_index_on("volumes", {"lower(\"heading\")"}, "volumes_heading_lower_idx");
        // a default dropped on a renamed table's column
        b.change_column("volumes", column("pages", type::integer()).not_null().default_sql("0"),
                        column("pages", type::integer()).not_null());
    });
    add_unit(*r, 4, "online_variants", [](builder& b) {
        b.add_foreign_key("memberships", foreign_key{"memberships_group_fkey", {"group"}, "kinds", {"id"}}).online();
        b.add_unique("volumes", {"heading"}, "volumes_heading_key").online();
        b.create_index("volumes", {"pages"}).online();
        b.add_check("authors", "authors_name_not_blank", "\"name\" <> ''").online();
        b.change_column("authors", column("name", type::text()).default_sql("'nobody'"),
                        column("name", type::text()).not_null().default_sql("'nobody'"))
            .online();
    });
    add_unit(*r, 5, "drops_comments_data_and_raw_sql", [](builder& b) {
        b.drop_foreign_key("memberships", member_key());
        b.add_foreign_key("memberships", foreign_key{"memberships_member_ref", {"member"}, "authors", {"id"}, fk_action::no_action,
                                                     fk_action::cascade});
        b.drop_unique("authors", unique_key{"authors_email_key", {"email"}});
        b.add_unique("authors", {"email", "name"});
        b.drop_index(index_def{"books_title_idx", "volumes", {"heading"}});
        b.drop_index(index_def{"books_author_title_idx", "volumes", {"author", "heading"}, true, "\"heading\" <> 'draft'"});
        b.drop_index(index_def{"authors_email_lower_idx", "authors", {}, false, {}, {"lower(\"email\")"}});
        b.drop_check("authors", check_def{"authors_email_has_at", "\"email\" LIKE '%@%'"});
        b.drop_check("volumes", check_def{"books_title_not_blank", "\"heading\" <> ''"});
        b.drop_table("scratch", [](table& t) {
            t.column("id", type::integer()).primary();
            t.column("note", type::text());
        });
        b.comment_on("authors", "People who write").replacing("Who writes");
        b.comment_on("authors", "email", "").replacing("Where to write to");
        b.backfill("volumes", "\"pages\" = 100", "\"pages\" = 0", 1).down("\"pages\" = 0", "\"pages\" = 100");
        b.sql("CREATE TABLE raw_notes (id INTEGER PRIMARY KEY, body TEXT)", "DROP TABLE raw_notes");
        b.sql(sql_text{"CREATE INDEX raw_notes_body_idx ON raw_notes (body)", "CREATE INDEX raw_notes_body_idx ON raw_notes (body)"},
              sql_text{"DROP INDEX raw_notes_body_idx", "DROP INDEX raw_notes_body_idx"});
        // a rebuild on SQLite after all that: the partial and expression indexes, checks, the
        // identity and the rows must survive it
        b.change_column("authors", column("active", type::boolean()).not_null().default_sql("true"),
                        column("active", type::boolean()).default_sql("false"));
        b.drop_column("memberships", column("role", type::text()));
    });
    return r;
}

}  // namespace

namespace {

long long count_of(soci::session& sql, const std::string& query) { return std::stoll(query_value(sql, query).value_or("-1")); }

std::vector<std::string> index_names(const table_schema& t) {
    std::vector<std::string> names;
    for (const auto& i : t.indexes) names.push_back(i.name);
    for (const auto& u : t.uniques) names.push_back(u.name);
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<std::string> check_names(const table_schema& t) {
    std::vector<std::string> names;
    for (const auto& c : t.checks) names.push_back(c.name);
    return names;
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

/// The rows every later unit carries along (inserted after unit 1).
void insert_rows(soci::session& sql, bool pg) {
    const std::string bytes = pg ? "'\\x01ff'::bytea" : "x'01ff'";
    for (const std::string& row :
         {std::string("INSERT INTO authors (email, name) VALUES ('ada@example.org', 'Ada')"),
          std::string("INSERT INTO authors (email, name) VALUES ('alan@example.org', 'Alan')"),
          std::string("INSERT INTO authors (email) VALUES ('grace@example.org')"),
          "INSERT INTO kinds (id, small, price, ratio, exact, day, at, local, doc, docb, bytes, status, owner) VALUES "
          "(1, 5, 12.5, 1.5, 2.25, '2024-02-29', '10:00', '2024-05-01 10:00:00', '{\"a\": 1}', '[]', " +
              bytes + ", 'live', 1)",
          std::string("INSERT INTO kinds (id, small, ratio) VALUES (2, 7, 2)"),
          std::string("INSERT INTO books (id, author, title) VALUES (10, 1, 'Sketch')"),
          std::string("INSERT INTO books (id, author, title) VALUES (11, 2, 'Machines')"),
          std::string("INSERT INTO books (id, author, title) VALUES (12, 2, 'draft')"),
          std::string("INSERT INTO memberships (\"group\", member, role) VALUES (1, 1, 'admin')"),
          std::string("INSERT INTO memberships (\"group\", member) VALUES (2, 2)")})
        BOOST_TEST_REQUIRE(run(sql, row) == refusal::none, row);
}

/// Spot checks of the schema and rows all five units leave.
void check_final_state(soci::session& sql, const database_schema& s, bool pg) {
    BOOST_TEST(s.table_names() == (std::vector<std::string>{"authors", "kinds", "memberships", "raw_notes", "volumes"}),
               boost::test_tools::per_element());
    const auto* volumes = s.find("volumes");
    const auto* authors = s.find("authors");
    const auto* kinds = s.find("kinds");
    const auto* memberships = s.find("memberships");
    BOOST_TEST_REQUIRE((volumes && authors && kinds && memberships));

    const auto* heading = volumes->find_column("heading");
    BOOST_TEST_REQUIRE(heading);
    BOOST_TEST(lower(heading->type) == (pg ? "character varying(300)" : "varchar(300)"));
    BOOST_TEST(!heading->nullable);
    BOOST_TEST(!volumes->find_column("title"));
    BOOST_TEST_REQUIRE(volumes->find_column("pages"));
    BOOST_TEST(!volumes->find_column("pages")->default_value.has_value());
    BOOST_TEST(index_names(*volumes) == (std::vector<std::string>{"volumes_heading_key", "volumes_heading_lower_idx", "volumes_pages_idx"}),
               boost::test_tools::per_element());
    BOOST_TEST(check_names(*volumes) == (std::vector<std::string>{"volumes_pages_nonneg"}), boost::test_tools::per_element());
    BOOST_TEST(volumes->foreign_keys.size() == 2u);

    BOOST_TEST(!authors->find_column("nickname"));
    BOOST_TEST_REQUIRE(authors->find_column("name"));
    BOOST_TEST(!authors->find_column("name")->nullable);
    BOOST_TEST(authors->find_column("active")->nullable);
    BOOST_TEST(authors->primary_key == (std::vector<std::string>{"id"}), boost::test_tools::per_element());
    BOOST_TEST(check_names(*authors) == (std::vector<std::string>{"authors_name_not_blank"}), boost::test_tools::per_element());
    BOOST_TEST(index_names(*authors) == (std::vector<std::string>{"authors_email_name_key", "authors_name_lower_key"}),
               boost::test_tools::per_element());

    BOOST_TEST(lower(kinds->find_column("small")->type) == "integer");
    BOOST_TEST(!kinds->find_column("ratio")->nullable);
    BOOST_TEST(kinds->find_column("price")->default_value.has_value());

    BOOST_TEST(memberships->primary_key == (std::vector<std::string>{"group", "member"}), boost::test_tools::per_element());
    BOOST_TEST(!memberships->find_column("role"));
    BOOST_TEST(memberships->foreign_keys.size() == 2u);

    // The rows came through every rebuild, the backfill ran, the keys and checks hold.
    BOOST_TEST(count_of(sql, "SELECT CAST(count(*) AS TEXT) FROM authors") == 3);
    BOOST_TEST(count_of(sql, "SELECT CAST(count(*) AS TEXT) FROM volumes WHERE pages = 100") == 3);
    BOOST_TEST(count_of(sql, "SELECT CAST(count(*) AS TEXT) FROM memberships") == 2);
    BOOST_TEST(query_value(sql, "SELECT name FROM authors WHERE email = 'grace@example.org'") == std::optional<std::string>("anon"));
    BOOST_TEST(query_value(sql, "SELECT heading FROM volumes WHERE id = 11") == std::optional<std::string>("Machines"));
    BOOST_TEST(query_value(sql, "SELECT CAST(small AS TEXT) FROM kinds WHERE id = 1") == std::optional<std::string>("5"));
    BOOST_TEST(query_value(sql, "SELECT status FROM kinds WHERE id = 1") == std::optional<std::string>("live"));
    BOOST_TEST(run(sql, "UPDATE kinds SET status = 'archived' WHERE id = 2") == refusal::none);
    BOOST_TEST(!(run(sql, "UPDATE kinds SET status = 'gone' WHERE id = 2") == refusal::none));
    BOOST_TEST(run(sql, "UPDATE kinds SET status = 'draft' WHERE id = 2") == refusal::none);
    BOOST_TEST(!(run(sql, "UPDATE volumes SET pages = -1 WHERE id = 10") == refusal::none));
    BOOST_TEST(!(run(sql, "UPDATE authors SET name = '' WHERE id = 1") == refusal::none));
    BOOST_TEST(run(sql, "UPDATE volumes SET heading = 'Sketch' WHERE id = 11") == refusal::unique);
    BOOST_TEST(run(sql, "INSERT INTO memberships (\"group\", member) VALUES (9, 1)") == refusal::foreign_key);
    // authors_email_has_at was dropped; the unique key on email gave way to one on (email, name).
    BOOST_TEST(run(sql, "UPDATE authors SET email = 'no at sign' WHERE id = 1") == refusal::none);
    BOOST_TEST(run(sql, "UPDATE authors SET email = 'ada@example.org' WHERE id = 1") == refusal::none);
    BOOST_TEST(run(sql, "UPDATE authors SET email = 'ada@example.org' WHERE id = 2") == refusal::none);
    BOOST_TEST(run(sql, "UPDATE authors SET email = 'alan@example.org' WHERE id = 2") == refusal::none);
    // The identity still numbers rows after the rebuilds.
    BOOST_TEST(run(sql, "INSERT INTO authors (email, name) VALUES ('new@example.org', 'New')") == refusal::none);
    BOOST_TEST(count_of(sql, "SELECT CAST(id AS TEXT) FROM authors WHERE email = 'new@example.org'") > 3);
    BOOST_TEST(run(sql, "DELETE FROM authors WHERE email = 'new@example.org'") == refusal::none);
    if (pg) {
        BOOST_TEST(query_value(sql, "SELECT obj_description('authors'::regclass, 'pg_class')") ==
                   std::optional<std::string>("People who write"));
        BOOST_TEST(!query_value(sql, "SELECT col_description('authors'::regclass, 2)").has_value());
    }
}

}  // namespace

STRATA_BACKEND_TEST(every_operation_goes_up_and_down_stepwise_and_round_trips) {
    auto db = temp_database::create(backend);
    auto units = every_operation_units();
    strata::runner r(*units, db.url(), {.allow_data_loss = true});
    auto sql = open_session(db.url());
    const bool pg = backend == strata::backend::postgresql;

    std::vector<database_schema> after{user_schema(*sql)};  // after[n]: the schema with units 1..n applied
    for (std::int64_t v = 1; v <= 5; ++v) {
        r.up(v);
        if (v == 1) insert_rows(*sql, pg);
        after.push_back(user_schema(*sql));
        BOOST_TEST_REQUIRE(recorded_versions(*sql).size() == static_cast<std::size_t>(v));
    }
    BOOST_TEST(after[1].find("books"));
    BOOST_TEST(after[2].find("books")->find_column("pages"));
    check_final_state(*sql, after[5], pg);

    // Stepwise down, with the rows: each unit reverted leaves exactly the schema before it.
    for (std::int64_t v = 5; v >= 1; --v) {
        r.down({.steps = 1});
        const auto now = user_schema(*sql);
        BOOST_TEST(now == after[v - 1], "down from " << v << ": " << schema_diff(after[v - 1], now));
        if (v == 5) BOOST_TEST(count_of(*sql, "SELECT CAST(count(*) AS TEXT) FROM volumes WHERE pages = 0") == 3);
        if (v == 2) BOOST_TEST(query_value(*sql, "SELECT CAST(small AS TEXT) FROM kinds WHERE id = 1") == std::optional<std::string>("5"));
    }
    BOOST_TEST(recorded_versions(*sql).empty());

    // Round trip: up again gives exactly the first up's schema; down --all the empty one.
    r.up();
    BOOST_TEST(user_schema(*sql) == after[5], schema_diff(after[5], user_schema(*sql)));
    r.down({.all = true});
    BOOST_TEST(user_schema(*sql) == after[0], schema_diff(after[0], user_schema(*sql)));
}

namespace {

std::string q(const char* table) { return qualified("billing", table); }

/// PostgreSQL's schemas: unit 1 a plain table first (so SQLite's refusal is seen to come before
/// anything runs), then schemas and qualified tables; units 2 and 3 every operation on a
/// qualified table that has one.
std::unique_ptr<strata::registry> schema_units() {
    auto r = std::make_unique<strata::registry>();
    add_unit(*r, 1, "create_billing", [](builder& b) {
        b.create_table("plain_first", [](table& t) { t.column("id", type::integer()).primary(); });
        b.create_schema("billing");
        b.create_schema("scratch_ns");
        b.create_table(q("accounts"), [](table& t) {
            t.column("id", type::bigint()).primary().identity();
            t.column("owner", type::text());
            t.column("balance", type::integer()).default_sql("0");
            t.column("status", type::enumeration({"open", "closed"})).not_null().default_sql("'open'");
            t.check("accounts_status_known", "\"status\" <> ''");
        });
        b.create_table(q("invoices"), [](table& t) {
            t.column("id", type::bigint()).primary().identity();
            t.column("account", type::bigint()).not_null().references(q("accounts"), "id").on_delete(fk_action::cascade);
            t.column("payer", type::bigint());
            t.unique({"account", "id"});
        });
    });
    add_unit(*r, 2, "everything_on_qualified_tables", [](builder& b) {
        b.backfill(q("accounts"), "\"owner\" = 'nobody'", "\"owner\" IS NULL", 1).down("\"owner\" = NULL", "\"owner\" = 'nobody'");
        b.add_check(q("accounts"), "accounts_balance_nonneg", "\"balance\" >= 0").online();
        b.change_column(q("accounts"), column("balance", type::integer()).default_sql("0"), column("balance", type::bigint()).default_sql("0"));
        b.change_column(q("accounts"), column("status", type::enumeration({"open", "closed"})).not_null().default_sql("'open'"),
                        column("status", type::enumeration({"open", "closed", "frozen"})).not_null().default_sql("'open'"));
        b.change_column(q("accounts"), column("owner", type::text()), column("owner", type::text()).not_null()).online();
        b.comment_on(q("accounts"), "Who pays");
        b.comment_on(q("accounts"), "owner", "The holder");
        b.create_index_on(q("accounts"), {"lower(\"owner\")"}, "accounts_owner_lower_idx").where("\"owner\" <> 'nobody'");
        b.create_index(q("accounts"), {"status"}).online();
        b.add_unique(q("accounts"), {"owner", "id"}).online();
        b.add_foreign_key(q("invoices"), foreign_key{"invoices_payer_fkey", {"payer"}, q("accounts"), {"id"}}).online();
        b.add_column(q("invoices"), column("approver", type::bigint()).references(q("accounts"), "id")).online();
        b.drop_schema("scratch_ns");
    });
    add_unit(*r, 3, "renames_on_qualified_tables", [](builder& b) {
        b.rename_table(q("accounts"), q("ledgers"));
        b.rename_column(q("ledgers"), "owner", "holder");
        b.change_column(q("ledgers"), column("holder", type::text()).not_null(), column("holder", type::varchar(50)).not_null());
        b.add_check(q("ledgers"), "ledgers_holder_not_blank", "\"holder\" <> ''");
        b.create_unique_index_on(q("ledgers"), {"upper(\"holder\")", "\"id\""}, "ledgers_holder_upper_key");
        b.drop_index(index_def{"accounts_owner_lower_idx", q("ledgers"), {}, false, "\"holder\" <> 'nobody'", {"lower(\"holder\")"}});
        b.drop_check(q("ledgers"), check_def{"accounts_status_known", "\"status\" <> ''"});
        b.drop_column(q("invoices"), column("approver", type::bigint()).references(q("ledgers"), "id").foreign_key_name("invoices_approver_fkey"));
    });
    return r;
}

/// Everything PostgreSQL knows about schema billing (and whether scratch_ns exists), as text.
text_rows billing_catalog(soci::session& sql) {
    return query_text(
        sql,
        "SELECT 'column', table_name::text, column_name || ' ' || data_type || ' ' || is_nullable || ' ' || "
        "coalesce(column_default, '') || ' ' || is_identity FROM information_schema.columns WHERE table_schema = 'billing' "
        "UNION ALL SELECT 'constraint', c.conrelid::regclass::text, c.conname || ' ' || pg_get_constraintdef(c.oid) "
        "FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'billing' "
        "UNION ALL SELECT 'index', tablename::text, indexdef FROM pg_indexes WHERE schemaname = 'billing' "
        "UNION ALL SELECT 'comment', c.relname::text, coalesce(obj_description(c.oid, 'pg_class'), '') || ' / ' || "
        "coalesce((SELECT string_agg(a.attname || '=' || col_description(c.oid, a.attnum), ',' ORDER BY a.attnum) FROM pg_attribute a "
        "WHERE a.attrelid = c.oid AND a.attnum > 0 AND col_description(c.oid, a.attnum) IS NOT NULL), '') "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'billing' AND c.relkind = 'r' "
        "UNION ALL SELECT 'schema', nspname::text, '' FROM pg_namespace WHERE nspname IN ('billing', 'scratch_ns') "
        "ORDER BY 1, 2, 3");
}

}  // namespace

STRATA_BACKEND_TEST(every_operation_on_qualified_tables_round_trips_on_postgresql_and_sqlite_refuses_it_first) {
    auto db = temp_database::create(backend);
    auto units = schema_units();
    auto sql = open_session(db.url());
    if (backend == strata::backend::sqlite) {
        BOOST_CHECK_EXCEPTION(strata::runner(*units, db.url()).up(), strata::error, [](const strata::error& e) {
            BOOST_TEST_MESSAGE(e.what());
            return std::string(e.what()).find("sqlite has no schemas") != std::string::npos;
        });
        BOOST_TEST(recorded_versions(*sql).empty());
        BOOST_TEST(user_schema(*sql).tables.empty(), user_schema(*sql));
        return;
    }
    strata::runner r(*units, db.url(), {.allow_data_loss = true});
    std::vector<text_rows> after{billing_catalog(*sql)};
    const auto empty = user_schema(*sql);
    for (std::int64_t v = 1; v <= 3; ++v) {
        r.up(v);
        if (v == 1)
            for (const char* row : {"INSERT INTO billing.accounts (owner, balance) VALUES ('Ada', 5)",
                                    "INSERT INTO billing.accounts (balance) VALUES (7)", "INSERT INTO billing.accounts DEFAULT VALUES",
                                    "INSERT INTO billing.invoices (account, payer) VALUES (1, 2)",
                                    "INSERT INTO billing.invoices (account) VALUES (3)"})
                BOOST_TEST_REQUIRE(run(*sql, row) == refusal::none, row);
        after.push_back(billing_catalog(*sql));
    }
    BOOST_TEST(count_of(*sql, "SELECT CAST(count(*) AS TEXT) FROM billing.ledgers WHERE holder = 'nobody'") == 2);
    BOOST_TEST(run(*sql, "UPDATE billing.ledgers SET balance = -1") == refusal::other);
    BOOST_TEST(run(*sql, "UPDATE billing.ledgers SET status = 'frozen' WHERE id = 1") == refusal::none);
    BOOST_TEST(run(*sql, "UPDATE billing.ledgers SET status = 'open' WHERE id = 1") == refusal::none);  // down narrows it again
    BOOST_TEST(run(*sql, "UPDATE billing.ledgers SET holder = '' WHERE id = 1") == refusal::other);
    BOOST_TEST(query_value(*sql, "SELECT obj_description('billing.ledgers'::regclass, 'pg_class')") == std::optional<std::string>("Who pays"));
    BOOST_TEST(query_value(*sql, "SELECT data_type FROM information_schema.columns WHERE table_schema = 'billing' AND "
                                 "table_name = 'ledgers' AND column_name = 'holder'") == std::optional<std::string>("character varying"));
    BOOST_TEST(count_of(*sql, "SELECT CAST(count(*) AS TEXT) FROM pg_namespace WHERE nspname = 'scratch_ns'") == 0);
    BOOST_TEST(count_of(*sql, "SELECT CAST(count(*) AS TEXT) FROM pg_constraint WHERE convalidated = false") == 0);

    for (std::int64_t v = 3; v >= 1; --v) {
        r.down({.steps = 1});
        const auto now = billing_catalog(*sql);
        BOOST_TEST(now == after[v - 1], "down from " << v);
    }
    BOOST_TEST(count_of(*sql, "SELECT CAST(count(*) AS TEXT) FROM pg_namespace WHERE nspname = 'billing'") == 0);
    r.up();
    BOOST_TEST(billing_catalog(*sql) == after[3]);
    r.down({.all = true});
    BOOST_TEST(billing_catalog(*sql) == after[0]);
    BOOST_TEST(user_schema(*sql) == empty, schema_diff(empty, user_schema(*sql)));
}
