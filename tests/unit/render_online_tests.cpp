// Golden rendering of online operations (issue 4, point 3): the exact statements on both
// dialects, whether a unit can run in a transaction and whether an interrupted run can be
// resumed, builder::online() and its refusals, and the way back (plain, exact, transactional).
#include <strata/dialect.hpp>
#include <strata/error.hpp>
#include <strata/migration.hpp>
#include <strata/schema/builder.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "render_support.hpp"

namespace {

using namespace strata::schema;
using statements = std::vector<std::string>;

const strata::dialect& postgresql() { return strata::dialect_for(strata::backend::postgresql); }
const strata::dialect& sqlite() { return strata::dialect_for(strata::backend::sqlite); }

/// `parents(id)` and `children(id, parent)`, as unit 1 of the integration tests creates them.
void create_parents_and_children(builder& b) {
    b.create_table("parents", [](table& t) { t.column("id", type::bigint()).primary(); });
    b.create_table("children", [](table& t) {
        t.column("id", type::bigint()).primary();
        t.column("parent", type::bigint());
    });
}

/// The catalog after create_parents_and_children (SQLite reads it to rebuild tables).
strata::catalog parents_and_children() {
    builder b;
    create_parents_and_children(b);
    return strata::test::state_after(b);
}

strata::rendering render(const strata::dialect& d, const builder& b, strata::catalog state = parents_and_children()) {
    return d.render(b.operations(), state);
}

column parent_ref() {
    return column("parent_ref", type::bigint()).references("parents", "id").on_delete(fk_action::set_null);
}

/// The text of the unsupported_error `f` throws; fails the test when it throws nothing else.
std::string unsupported_message(const std::function<void()>& f) {
    try {
        f();
    } catch (const strata::unsupported_error& e) {
        return e.what();
    } catch (const std::exception& e) {
        BOOST_ERROR("threw something other than unsupported_error: " << e.what());
        return {};
    }
    BOOST_ERROR("did not throw");
    return {};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The statements expected for the PostgreSQL online forms, written out by hand.

/// The DO block that refuses a column of that name but of another type (format_type spelling).
const std::string refuse_other_parent_ref =
    R"sql(DO $strata$ BEGIN IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('"children"') AND attname = 'parent_ref' AND NOT attisdropped AND format_type(atttypid, atttypmod) <> 'bigint') THEN RAISE EXCEPTION 'column % exists but is not the one this unit adds', 'parent_ref'; END IF; END $strata$)sql";
const std::string add_parent_ref_column = R"sql(ALTER TABLE "children" ADD COLUMN IF NOT EXISTS "parent_ref" BIGINT)sql";
const std::string add_parent_ref_fkey_not_valid =
    R"sql(DO $strata$ BEGIN IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass('"children"') AND conname = 'children_parent_ref_fkey' AND (contype <> 'f' OR ARRAY(SELECT a.attname::text FROM unnest(conkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = conrelid AND a.attnum = k.attnum ORDER BY k.n) <> ARRAY['parent_ref']::text[] OR confrelid IS DISTINCT FROM to_regclass('"parents"') OR ARRAY(SELECT a.attname::text FROM unnest(confkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = confrelid AND a.attnum = k.attnum ORDER BY k.n) <> ARRAY['id']::text[] OR confupdtype <> 'a' OR confdeltype <> 'n')) THEN RAISE EXCEPTION 'constraint % exists but is not the one this unit adds', 'children_parent_ref_fkey'; END IF; IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass('"children"') AND conname = 'children_parent_ref_fkey') THEN ALTER TABLE "children" ADD CONSTRAINT "children_parent_ref_fkey" FOREIGN KEY ("parent_ref") REFERENCES "parents" ("id") ON DELETE SET NULL NOT VALID; END IF; END $strata$)sql";
const std::string validate_parent_ref_fkey = R"sql(ALTER TABLE "children" VALIDATE CONSTRAINT "children_parent_ref_fkey")sql";

/// The gexec statement that drops an INVALID leftover of `index` CONCURRENTLY (no DO block can),
/// named as the catalog spells it. `index` and `table` are plain names (no quotes to double).
/// An INVALID index another session is building is refused by name instead (SQLSTATE 55006).
const std::string drop_invalid_select =
    "SELECT CASE WHEN p.pid IS NULL THEN 'DROP INDEX CONCURRENTLY IF EXISTS ' || i.indexrelid::regclass::text ELSE "
    "format('DO $strata$BEGIN RAISE EXCEPTION USING ERRCODE = ''55006'', MESSAGE = %L; END$strata$', 'index ' || "
    "i.indexrelid::regclass::text || ' is being built by another session (pid ' || p.pid || ', ' || p.phase || '): stop "
    "that build with SELECT pg_cancel_backend(' || p.pid || '), then run again (what it leaves is dropped and the unit "
    "builds its index)') END FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid LEFT JOIN "
    "pg_catalog.pg_stat_progress_create_index p ON p.index_relid = i.indexrelid AND p.pid <> pg_backend_pid() WHERE ";

std::string drop_invalid(const std::string& index, const std::string& table) {
    return drop_invalid_select + "i.indrelid = to_regclass('\"" + table + "\"') AND c.relname = '" + index +
           "' AND c.relkind = 'i' AND NOT i.indisvalid\n\\gexec";
}

/// The DO block that refuses a relation of `index`'s name that is not an index, or somebody
/// else's index. The index is looked up in the table's schema (where PostgreSQL puts it), not
/// through the search_path. `index` and `table` are plain names (no quotes to double).
std::string index_guard(const std::string& index, const std::string& table, bool unique, const std::string& column_array) {
    return "DO $strata$ DECLARE idx regclass := (SELECT c.oid FROM pg_class c WHERE c.relname = '" + index +
           "' AND c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = to_regclass('\"" + table +
           "\"'))); BEGIN IF idx IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = idx) THEN "
           "RAISE EXCEPTION '% exists and is not an index', '" + index + "'; END IF; IF EXISTS (SELECT 1 FROM pg_index i "
           "WHERE i.indexrelid = idx AND (i.indrelid <> to_regclass('\"" + table + "\"') OR i.indisunique <> " +
           (unique ? "true" : "false") +
           " OR ARRAY(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON "
           "a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.n) <> ARRAY[" + column_array +
           "]::text[])) THEN RAISE EXCEPTION 'index % exists but is not the one this unit builds', '" + index +
           "'; END IF; END $strata$";
}

const std::string parent_ref_key_invalid = drop_invalid("children_parent_ref_key", "children");
const std::string parent_ref_key_guard = index_guard("children_parent_ref_key", "children", true, "'parent_ref'");
const std::string build_parent_ref_key =
    R"sql(CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "children_parent_ref_key" ON "children" ("parent_ref"))sql";
const std::string attach_parent_ref_key =
    R"sql(DO $strata$ BEGIN IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass('"children"') AND conname = 'children_parent_ref_key' AND (contype <> 'u' OR ARRAY(SELECT a.attname::text FROM unnest(conkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = conrelid AND a.attnum = k.attnum ORDER BY k.n) <> ARRAY['parent_ref']::text[])) THEN RAISE EXCEPTION 'constraint % exists but is not the one this unit adds', 'children_parent_ref_key'; END IF; IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass('"children"') AND conname = 'children_parent_ref_key') THEN ALTER TABLE "children" ADD CONSTRAINT "children_parent_ref_key" UNIQUE USING INDEX "children_parent_ref_key"; END IF; END $strata$)sql";

}  // namespace

BOOST_AUTO_TEST_SUITE(render_online)

// ---- builder::online() and is_online --------------------------------------------------------

BOOST_AUTO_TEST_CASE(online_marks_only_the_operation_just_recorded) {
    builder b;
    b.add_column("children", parent_ref());
    b.add_column("children", parent_ref().foreign_key_name("other_fkey")).online();
    b.add_foreign_key("children", {.columns = {"parent"}, .ref_table = "parents", .ref_columns = {"id"}}).online();
    b.add_unique("children", {"parent_ref"}).online();
    b.create_index("children", {"parent"}).online();
    b.create_unique_index("children", {"id", "parent"}).online();
    b.add_unique("children", {"parent"});
    b.create_index("children", {"id"});

    std::vector<bool> online;
    for (const auto& op : b.operations()) online.push_back(is_online(op));
    BOOST_TEST(online == (std::vector<bool>{false, true, true, true, true, true, false, false}), boost::test_tools::per_element());
    BOOST_TEST(std::get<add_column>(b.operations()[1]).online);
    BOOST_TEST(!std::get<add_column>(b.operations()[0]).online);
}

BOOST_AUTO_TEST_CASE(online_on_an_empty_builder_throws) {
    builder b;
    auto message = unsupported_message([&] { b.online(); });
    BOOST_TEST(contains(message, "online()"), message);
    BOOST_TEST(b.operations().empty());
}

BOOST_AUTO_TEST_CASE(online_after_an_operation_without_an_online_form_throws_naming_it) {
    struct refusal {
        std::function<void(builder&)> record;
        std::string named;  // what describe() says of the operation
    };
    const std::vector<refusal> cases{
        {[](builder& b) { b.create_table("parents", [](table& t) { t.column("id", type::bigint()).primary(); }); },
         "'create_table parents'"},
        {[](builder& b) { b.sql("UPDATE children SET parent = NULL"); }, "'sql'"},
        {[](builder& b) { b.sql(sql_text{"SELECT 1", "SELECT 2"}, sql_text{"SELECT 3", "SELECT 4"}); }, "'sql'"},
        {[](builder& b) { b.drop_table("children"); }, "'drop_table children'"},
        {[](builder& b) { b.drop_column("children", "parent"); }, "'drop_column children.parent'"},
        {[](builder& b) { b.drop_foreign_key("children", "children_parent_fkey"); }, "'drop_foreign_key children.children_parent_fkey'"},
        {[](builder& b) { b.drop_unique("children", "children_parent_key"); }, "'drop_unique children.children_parent_key'"},
        {[](builder& b) { b.drop_index("children", "children_parent_idx"); }, "'drop_index children_parent_idx'"},
    };
    for (const auto& c : cases) {
        builder b;
        c.record(b);
        auto message = unsupported_message([&] { b.online(); });
        BOOST_TEST(contains(message, c.named), "expected the message to name " << c.named << ": " << message);
        BOOST_TEST(contains(message, "no online form"), message);
        BOOST_TEST_REQUIRE(b.operations().size() == 1u);
        BOOST_TEST(!is_online(b.operations().front()));
    }
}

BOOST_AUTO_TEST_CASE(online_throws_for_the_last_operation_even_after_an_online_capable_one) {
    builder b;
    b.add_unique("children", {"parent"});
    b.sql("SELECT 1");
    auto message = unsupported_message([&] { b.online(); });
    BOOST_TEST(contains(message, "'sql'"), message);
    BOOST_TEST(!is_online(b.operations()[0]), "a refused online() marked an earlier operation");
}

// ---- PostgreSQL: the online forms, statement by statement -----------------------------------

BOOST_AUTO_TEST_CASE(postgresql_online_add_column_with_a_reference) {
    builder b;
    b.add_column("children", parent_ref()).online();
    auto r = render(postgresql(), b);
    BOOST_TEST(r.statements == (statements{refuse_other_parent_ref, add_parent_ref_column, add_parent_ref_fkey_not_valid,
                                           validate_parent_ref_fkey}),
               boost::test_tools::per_element());
    BOOST_TEST(!r.transactional);
    BOOST_TEST(r.resumable);
    BOOST_TEST(!r.foreign_keys_off);
}

BOOST_AUTO_TEST_CASE(postgresql_online_add_column_keeps_not_null_default_and_actions_on_the_right_statements) {
    builder b;
    b.add_column("children", column("rank", type::integer())
                                 .not_null()
                                 .default_sql("0")
                                 .references("parents", "id")
                                 .on_update(fk_action::cascade)
                                 .on_delete(fk_action::restrict)
                                 .foreign_key_name("children_rank_parent"))
        .online();
    auto r = render(postgresql(), b);
    BOOST_TEST(r.statements == (statements{
        R"sql(DO $strata$ BEGIN IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('"children"') AND attname = 'rank' AND NOT attisdropped AND format_type(atttypid, atttypmod) <> 'integer') THEN RAISE EXCEPTION 'column % exists but is not the one this unit adds', 'rank'; END IF; END $strata$)sql",
        R"sql(ALTER TABLE "children" ADD COLUMN IF NOT EXISTS "rank" INTEGER NOT NULL DEFAULT 0)sql",
        R"sql(DO $strata$ BEGIN IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass('"children"') AND conname = 'children_rank_parent' AND (contype <> 'f' OR ARRAY(SELECT a.attname::text FROM unnest(conkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = conrelid AND a.attnum = k.attnum ORDER BY k.n) <> ARRAY['rank']::text[] OR confrelid IS DISTINCT FROM to_regclass('"parents"') OR ARRAY(SELECT a.attname::text FROM unnest(confkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = confrelid AND a.attnum = k.attnum ORDER BY k.n) <> ARRAY['id']::text[] OR confupdtype <> 'c' OR confdeltype <> 'r')) THEN RAISE EXCEPTION 'constraint % exists but is not the one this unit adds', 'children_rank_parent'; END IF; IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass('"children"') AND conname = 'children_rank_parent') THEN ALTER TABLE "children" ADD CONSTRAINT "children_rank_parent" FOREIGN KEY ("rank") REFERENCES "parents" ("id") ON UPDATE CASCADE ON DELETE RESTRICT NOT VALID; END IF; END $strata$)sql",
        R"sql(ALTER TABLE "children" VALIDATE CONSTRAINT "children_rank_parent")sql",
    }), boost::test_tools::per_element());
    BOOST_TEST(!r.transactional);
    BOOST_TEST(r.resumable);
}

// Without a reference there is no key to validate apart: the column check and the ADD COLUMN
// commit with the unit, in its transaction.
BOOST_AUTO_TEST_CASE(postgresql_online_add_column_without_a_reference_is_transactional) {
    builder b;
    b.add_column("children", column("note", type::text())).online();
    auto r = render(postgresql(), b);
    BOOST_TEST(r.statements == (statements{
        R"sql(DO $strata$ BEGIN IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('"children"') AND attname = 'note' AND NOT attisdropped AND format_type(atttypid, atttypmod) <> 'text') THEN RAISE EXCEPTION 'column % exists but is not the one this unit adds', 'note'; END IF; END $strata$)sql",
        R"sql(ALTER TABLE "children" ADD COLUMN IF NOT EXISTS "note" TEXT)sql",
    }), boost::test_tools::per_element());
    BOOST_TEST(r.transactional);
    BOOST_TEST(!r.foreign_keys_off);

    // With a plain operation beside it the unit stays transactional too.
    builder mixed;
    mixed.add_column("children", column("note", type::text())).online();
    mixed.create_index("children", {"parent"});
    auto m = render(postgresql(), mixed);
    BOOST_TEST(m.transactional);
    BOOST_TEST(!m.resumable);

    // An online operation with a non-transactional form still takes the unit out of the transaction.
    builder with_key;
    with_key.add_column("children", column("note", type::text())).online();
    with_key.add_foreign_key("children", {.columns = {"parent"}, .ref_table = "parents", .ref_columns = {"id"}}).online();
    BOOST_TEST(!render(postgresql(), with_key).transactional);
}

// The column check compares PostgreSQL's own spelling of the type (format_type), and quotes the
// names as literals.
BOOST_AUTO_TEST_CASE(postgresql_online_add_column_checks_the_type_in_format_type_spelling) {
    struct expectation {
        column_type type;
        std::string format_type;
        std::string definition;
    };
    const std::vector<expectation> cases{
        {type::uuid(), "uuid", "UUID"},
        {type::varchar(80), "character varying(80)", "VARCHAR(80)"},
        {type::text(), "text", "TEXT"},
        {type::integer(), "integer", "INTEGER"},
        {type::bigint(), "bigint", "BIGINT"},
        {type::boolean(), "boolean", "BOOLEAN"},
        {type::timestamptz(), "timestamp with time zone", "TIMESTAMPTZ"},
    };
    for (const auto& c : cases) {
        builder b;
        b.add_column("userProfiles", column("owner's \"id\"", c.type)).online();
        auto r = render(postgresql(), b);
        BOOST_TEST(r.statements == (statements{
            "DO $strata$ BEGIN IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('\"userProfiles\"') AND "
            "attname = 'owner''s \"id\"' AND NOT attisdropped AND format_type(atttypid, atttypmod) <> '" + c.format_type +
            "') THEN RAISE EXCEPTION 'column % exists but is not the one this unit adds', 'owner''s \"id\"'; END IF; END $strata$",
            "ALTER TABLE \"userProfiles\" ADD COLUMN IF NOT EXISTS \"owner's \"\"id\"\"\" " + c.definition,
        }), boost::test_tools::per_element());
        BOOST_TEST(r.transactional, c.format_type);
    }
}

// The foreign key guard refuses a constraint of its name on other columns, pointing at another
// table (named as a quoted identifier inside a literal) or at other columns than the unit
// declares, or with other ON UPDATE / ON DELETE actions (here NO ACTION for both: 'a').
BOOST_AUTO_TEST_CASE(postgresql_online_foreign_key_guard_names_the_referenced_table) {
    builder b;
    b.add_foreign_key("children", {.columns = {"parent"}, .ref_table = "people's \"parents\"", .ref_columns = {"id"}}).online();
    auto r = render(postgresql(), b);
    BOOST_TEST(r.statements == (statements{
        R"sql(DO $strata$ BEGIN IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass('"children"') AND conname = 'children_parent_fkey' AND (contype <> 'f' OR ARRAY(SELECT a.attname::text FROM unnest(conkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = conrelid AND a.attnum = k.attnum ORDER BY k.n) <> ARRAY['parent']::text[] OR confrelid IS DISTINCT FROM to_regclass('"people''s ""parents"""') OR ARRAY(SELECT a.attname::text FROM unnest(confkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = confrelid AND a.attnum = k.attnum ORDER BY k.n) <> ARRAY['id']::text[] OR confupdtype <> 'a' OR confdeltype <> 'a')) THEN RAISE EXCEPTION 'constraint % exists but is not the one this unit adds', 'children_parent_fkey'; END IF; IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass('"children"') AND conname = 'children_parent_fkey') THEN ALTER TABLE "children" ADD CONSTRAINT "children_parent_fkey" FOREIGN KEY ("parent") REFERENCES "people's ""parents""" ("id") NOT VALID; END IF; END $strata$)sql",
        R"sql(ALTER TABLE "children" VALIDATE CONSTRAINT "children_parent_fkey")sql",
    }), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(postgresql_online_add_foreign_key) {
    builder b;
    b.add_foreign_key("children", {.columns = {"parent"}, .ref_table = "parents", .ref_columns = {"id"},
                                   .on_delete = fk_action::cascade})
        .online();
    auto r = render(postgresql(), b);
    BOOST_TEST(r.statements == (statements{
        R"sql(DO $strata$ BEGIN IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass('"children"') AND conname = 'children_parent_fkey' AND (contype <> 'f' OR ARRAY(SELECT a.attname::text FROM unnest(conkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = conrelid AND a.attnum = k.attnum ORDER BY k.n) <> ARRAY['parent']::text[] OR confrelid IS DISTINCT FROM to_regclass('"parents"') OR ARRAY(SELECT a.attname::text FROM unnest(confkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = confrelid AND a.attnum = k.attnum ORDER BY k.n) <> ARRAY['id']::text[] OR confupdtype <> 'a' OR confdeltype <> 'c')) THEN RAISE EXCEPTION 'constraint % exists but is not the one this unit adds', 'children_parent_fkey'; END IF; IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass('"children"') AND conname = 'children_parent_fkey') THEN ALTER TABLE "children" ADD CONSTRAINT "children_parent_fkey" FOREIGN KEY ("parent") REFERENCES "parents" ("id") ON DELETE CASCADE NOT VALID; END IF; END $strata$)sql",
        R"sql(ALTER TABLE "children" VALIDATE CONSTRAINT "children_parent_fkey")sql",
    }), boost::test_tools::per_element());
    BOOST_TEST(!r.transactional);
    BOOST_TEST(r.resumable);
}

BOOST_AUTO_TEST_CASE(postgresql_online_add_unique) {
    builder b;
    b.add_unique("children", {"parent_ref"}).online();
    auto r = render(postgresql(), b, strata::catalog{});  // parent_ref is another test's column
    BOOST_TEST(r.statements == (statements{parent_ref_key_invalid, parent_ref_key_guard, build_parent_ref_key, attach_parent_ref_key}),
               boost::test_tools::per_element());
    BOOST_TEST(!r.transactional);
    BOOST_TEST(r.resumable);
}

BOOST_AUTO_TEST_CASE(postgresql_online_add_unique_quotes_names_in_identifiers_and_in_literals) {
    builder b;
    b.add_unique("userProfiles", {"ownerId", "kind"}, "one kind's \"owner\"").online();
    auto r = render(postgresql(), b);
    BOOST_TEST(r.statements == (statements{
        drop_invalid_select + "i.indrelid = to_regclass('\"userProfiles\"') AND c.relname = "
        "'one kind''s \"owner\"' AND c.relkind = 'i' AND NOT i.indisvalid\n\\gexec",
        R"sql(DO $strata$ DECLARE idx regclass := (SELECT c.oid FROM pg_class c WHERE c.relname = 'one kind''s "owner"' AND c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = to_regclass('"userProfiles"'))); BEGIN IF idx IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = idx) THEN RAISE EXCEPTION '% exists and is not an index', 'one kind''s "owner"'; END IF; IF EXISTS (SELECT 1 FROM pg_index i WHERE i.indexrelid = idx AND (i.indrelid <> to_regclass('"userProfiles"') OR i.indisunique <> true OR ARRAY(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.n) <> ARRAY['ownerId', 'kind']::text[])) THEN RAISE EXCEPTION 'index % exists but is not the one this unit builds', 'one kind''s "owner"'; END IF; END $strata$)sql",
        R"sql(CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "one kind's ""owner""" ON "userProfiles" ("ownerId", "kind"))sql",
        R"sql(DO $strata$ BEGIN IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass('"userProfiles"') AND conname = 'one kind''s "owner"' AND (contype <> 'u' OR ARRAY(SELECT a.attname::text FROM unnest(conkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = conrelid AND a.attnum = k.attnum ORDER BY k.n) <> ARRAY['ownerId', 'kind']::text[])) THEN RAISE EXCEPTION 'constraint % exists but is not the one this unit adds', 'one kind''s "owner"'; END IF; IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass('"userProfiles"') AND conname = 'one kind''s "owner"') THEN ALTER TABLE "userProfiles" ADD CONSTRAINT "one kind's ""owner""" UNIQUE USING INDEX "one kind's ""owner"""; END IF; END $strata$)sql",
    }), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(postgresql_online_create_index_plain_and_unique) {
    builder b;
    b.create_index("children", {"parent"}).online();
    auto plain = render(postgresql(), b);
    BOOST_TEST(plain.statements == (statements{
        drop_invalid("children_parent_idx", "children"),
        index_guard("children_parent_idx", "children", false, "'parent'"),
        R"sql(CREATE INDEX CONCURRENTLY IF NOT EXISTS "children_parent_idx" ON "children" ("parent"))sql",
    }), boost::test_tools::per_element());
    BOOST_TEST(!plain.transactional);
    BOOST_TEST(plain.resumable);

    builder u;
    u.create_unique_index("children", {"parent", "id"}, "children_one_per_parent").online();
    auto unique = render(postgresql(), u);
    BOOST_TEST(unique.statements == (statements{
        drop_invalid("children_one_per_parent", "children"),
        index_guard("children_one_per_parent", "children", true, "'parent', 'id'"),
        R"sql(CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "children_one_per_parent" ON "children" ("parent", "id"))sql",
    }), boost::test_tools::per_element());
    BOOST_TEST(!unique.transactional);
    BOOST_TEST(unique.resumable);
}

BOOST_AUTO_TEST_CASE(postgresql_plain_forms_are_unchanged_and_transactional) {
    builder b;
    b.add_column("children", parent_ref());
    b.add_foreign_key("children", {.columns = {"parent"}, .ref_table = "parents", .ref_columns = {"id"}});
    b.add_unique("children", {"parent_ref"});
    b.create_index("children", {"parent"});
    b.create_unique_index("children", {"id", "parent"});
    auto r = render(postgresql(), b);
    BOOST_TEST(r.statements == (statements{
        R"sql(ALTER TABLE "children" ADD COLUMN "parent_ref" BIGINT CONSTRAINT "children_parent_ref_fkey" REFERENCES "parents" ("id") ON DELETE SET NULL)sql",
        R"sql(ALTER TABLE "children" ADD CONSTRAINT "children_parent_fkey" FOREIGN KEY ("parent") REFERENCES "parents" ("id"))sql",
        R"sql(ALTER TABLE "children" ADD CONSTRAINT "children_parent_ref_key" UNIQUE ("parent_ref"))sql",
        R"sql(CREATE INDEX "children_parent_idx" ON "children" ("parent"))sql",
        R"sql(CREATE UNIQUE INDEX "children_id_parent_idx" ON "children" ("id", "parent"))sql",
    }), boost::test_tools::per_element());
    BOOST_TEST(r.transactional);
    BOOST_TEST(!r.resumable, "a unit of plain operations does not check what is already done");
}

// ---- PostgreSQL: a unit of several operations -----------------------------------------------

BOOST_AUTO_TEST_CASE(postgresql_a_unit_of_online_operations_only_is_resumable_in_order) {
    builder b;
    b.add_column("children", parent_ref()).online();
    b.add_unique("children", {"parent_ref"}).online();
    auto r = render(postgresql(), b);
    BOOST_TEST(r.statements == (statements{refuse_other_parent_ref, add_parent_ref_column, add_parent_ref_fkey_not_valid,
                                           validate_parent_ref_fkey, parent_ref_key_invalid, parent_ref_key_guard, build_parent_ref_key,
                                           attach_parent_ref_key}),
               boost::test_tools::per_element());
    BOOST_TEST(!r.transactional);
    BOOST_TEST(r.resumable);
}

BOOST_AUTO_TEST_CASE(postgresql_mixing_a_plain_operation_or_raw_sql_makes_the_unit_not_resumable) {
    const std::vector<std::pair<std::string, std::function<void(builder&)>>> others{
        {"a plain add_column", [](builder& b) { b.add_column("children", column("note", type::text())); }},
        {"a plain create_index", [](builder& b) { b.create_index("children", {"id"}); }},
        {"raw sql", [](builder& b) { b.sql("UPDATE children SET parent = NULL"); }},
        {"raw sql with a down", [](builder& b) { b.sql("SELECT 1", std::string("SELECT 2")); }},
        {"create_table", [](builder& b) { b.create_table("t", [](table& t) { t.column("a", type::integer()); }); }},
    };
    for (const auto& [what, add_other] : others) {
        for (bool other_first : {false, true}) {
            builder b;
            if (other_first) add_other(b);
            b.add_column("children", parent_ref()).online();
            b.add_unique("children", {"parent_ref"}).online();
            if (!other_first) add_other(b);
            auto r = render(postgresql(), b);
            BOOST_TEST(!r.resumable, what << (other_first ? " before" : " after") << " the online operations left the unit resumable");
            BOOST_TEST(!r.transactional, what << (other_first ? " before" : " after")
                                             << " the online operations made the unit transactional");
        }
    }
}

BOOST_AUTO_TEST_CASE(postgresql_online_operations_move_the_catalog_like_their_plain_forms) {
    builder online, plain;
    online.add_column("children", parent_ref()).online();
    online.add_unique("children", {"parent_ref"}).online();
    online.add_foreign_key("children", {.columns = {"parent"}, .ref_table = "parents", .ref_columns = {"id"}}).online();
    online.create_index("children", {"parent"}).online();
    plain.add_column("children", parent_ref());
    plain.add_unique("children", {"parent_ref"});
    plain.add_foreign_key("children", {.columns = {"parent"}, .ref_table = "parents", .ref_columns = {"id"}});
    plain.create_index("children", {"parent"});

    strata::catalog after_online = parents_and_children(), after_plain = parents_and_children();
    postgresql().render(online.operations(), after_online);
    postgresql().render(plain.operations(), after_plain);
    BOOST_TEST_REQUIRE(after_online.tables.count("children") == 1u);
    BOOST_TEST((after_online.tables.at("children") == after_plain.tables.at("children")));
    BOOST_TEST(after_online.tables.at("children").uniques.size() == 1u);
    BOOST_TEST(after_online.tables.at("children").find_column("parent_ref") != nullptr);
}

// ---- SQLite: the plain equivalents ----------------------------------------------------------

BOOST_AUTO_TEST_CASE(sqlite_online_operations_render_their_plain_equivalents_in_one_transaction) {
    builder b;
    b.add_column("children", parent_ref()).online();
    b.add_unique("children", {"parent_ref"}).online();
    b.create_index("children", {"parent"}).online();
    b.create_unique_index("children", {"id", "parent"}, "children_one_per_parent").online();
    auto r = render(sqlite(), b);
    BOOST_TEST(r.statements == (statements{
        R"sql(ALTER TABLE "children" ADD COLUMN "parent_ref" BIGINT CONSTRAINT "children_parent_ref_fkey" REFERENCES "parents" ("id") ON DELETE SET NULL CHECK ("parent_ref" BETWEEN -9223372036854775808 AND 9223372036854775807))sql",
        R"sql(CREATE UNIQUE INDEX "children_parent_ref_key" ON "children" ("parent_ref"))sql",
        R"sql(CREATE INDEX "children_parent_idx" ON "children" ("parent"))sql",
        R"sql(CREATE UNIQUE INDEX "children_one_per_parent" ON "children" ("id", "parent"))sql",
    }), boost::test_tools::per_element());
    BOOST_TEST(r.transactional);
    BOOST_TEST(!r.resumable);
    BOOST_TEST(!r.foreign_keys_off);
}

BOOST_AUTO_TEST_CASE(sqlite_online_add_foreign_key_is_the_same_rebuild_as_the_plain_one) {
    builder online, plain;
    online.add_foreign_key("children", {.columns = {"parent"}, .ref_table = "parents", .ref_columns = {"id"},
                                        .on_delete = fk_action::cascade})
        .online();
    plain.add_foreign_key("children", {.columns = {"parent"}, .ref_table = "parents", .ref_columns = {"id"},
                                       .on_delete = fk_action::cascade});
    auto o = render(sqlite(), online), p = render(sqlite(), plain);
    BOOST_TEST(o.statements == p.statements, boost::test_tools::per_element());
    BOOST_TEST(o.foreign_keys_off);
    BOOST_TEST(o.transactional);
    BOOST_TEST(!o.resumable);
    BOOST_TEST(std::any_of(o.statements.begin(), o.statements.end(),
                           [](const std::string& s) { return contains(s, "CONSTRAINT \"children_parent_fkey\" FOREIGN KEY (\"parent\") REFERENCES \"parents\" (\"id\") ON DELETE CASCADE"); }),
               "the rebuilt table lacks the foreign key");
    BOOST_TEST(std::none_of(o.statements.begin(), o.statements.end(),
                            [](const std::string& s) { return contains(s, "CONCURRENTLY") || contains(s, "NOT VALID") || contains(s, "DO $"); }));
}

// ---- The way back ---------------------------------------------------------------------------

namespace {

class online_link_unit final : public strata::migration {
public:
    strata::migration_info info() const override { return {2, "link_children_online"}; }
    void change(builder& b) const override {
        b.add_column("children", parent_ref()).online();
        b.add_unique("children", {"parent_ref"}).online();
        b.add_foreign_key("children", {.columns = {"parent"}, .ref_table = "parents", .ref_columns = {"id"}}).online();
        b.create_index("children", {"parent"}).online();
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(inverse_of_an_online_operation_is_the_plain_drop) {
    builder b;
    b.add_column("children", parent_ref()).online();
    b.add_unique("children", {"parent_ref"}).online();
    b.add_foreign_key("children", {.columns = {"parent"}, .ref_table = "parents", .ref_columns = {"id"}}).online();
    b.create_index("children", {"parent"}).online();
    const auto& ops = b.operations();

    auto column_back = inverse(ops[0]);
    BOOST_TEST_REQUIRE(column_back.has_value());
    BOOST_TEST_REQUIRE(std::holds_alternative<drop_column>(*column_back));
    const auto& dc = std::get<drop_column>(*column_back);
    BOOST_TEST(dc.table == "children");
    BOOST_TEST(dc.name == "parent_ref");
    BOOST_TEST_REQUIRE(dc.definition.has_value());
    BOOST_TEST((*dc.definition == std::get<add_column>(ops[0]).column), "the drop lost the column's definition");

    auto unique_back = inverse(ops[1]);
    BOOST_TEST_REQUIRE(unique_back.has_value());
    BOOST_TEST_REQUIRE(std::holds_alternative<drop_unique>(*unique_back));
    BOOST_TEST(std::get<drop_unique>(*unique_back).name == "children_parent_ref_key");
    BOOST_TEST((std::get<drop_unique>(*unique_back).definition == std::get<add_unique>(ops[1]).key));

    auto key_back = inverse(ops[2]);
    BOOST_TEST_REQUIRE(key_back.has_value());
    BOOST_TEST(std::holds_alternative<drop_foreign_key>(*key_back));
    auto index_back = inverse(ops[3]);
    BOOST_TEST_REQUIRE(index_back.has_value());
    BOOST_TEST(std::holds_alternative<drop_index>(*index_back));

    for (const auto* back : {&*column_back, &*unique_back, &*key_back, &*index_back}) BOOST_TEST(!is_online(*back));

    // Reversing the way back gives the plain add (the inverse does not remember "online").
    auto again = inverse(*column_back);
    BOOST_TEST_REQUIRE(again.has_value());
    BOOST_TEST(!is_online(*again));
    BOOST_TEST((std::get<add_column>(*again).column == std::get<add_column>(ops[0]).column));
}

BOOST_AUTO_TEST_CASE(postgresql_down_of_an_online_unit_is_exact_plain_and_transactional) {
    const online_link_unit unit;
    builder down;
    unit.down(down);
    auto r = render(postgresql(), down);
    BOOST_TEST(r.statements == (statements{
        R"sql(DROP INDEX "children_parent_idx")sql",
        R"sql(ALTER TABLE "children" DROP CONSTRAINT "children_parent_fkey")sql",
        R"sql(ALTER TABLE "children" DROP CONSTRAINT "children_parent_ref_key")sql",
        R"sql(ALTER TABLE "children" DROP COLUMN "parent_ref")sql",
    }), boost::test_tools::per_element());
    BOOST_TEST(r.transactional);
    BOOST_TEST(!r.resumable);
}

BOOST_AUTO_TEST_CASE(sqlite_down_of_an_online_unit_is_the_down_of_the_plain_unit) {
    const online_link_unit unit;
    builder up, down;
    unit.up(up);
    unit.down(down);
    builder plain_up;
    plain_up.add_column("children", parent_ref());
    plain_up.add_unique("children", {"parent_ref"});
    plain_up.add_foreign_key("children", {.columns = {"parent"}, .ref_table = "parents", .ref_columns = {"id"}});
    plain_up.create_index("children", {"parent"});
    builder plain_down;
    for (auto it = plain_up.operations().rbegin(); it != plain_up.operations().rend(); ++it) plain_down.add(*inverse(*it));

    // Down renders against the schema the up leaves.
    strata::catalog after_online = parents_and_children(), after_plain = parents_and_children();
    sqlite().render(up.operations(), after_online);
    sqlite().render(plain_up.operations(), after_plain);
    auto o = sqlite().render(down.operations(), after_online);
    auto p = sqlite().render(plain_down.operations(), after_plain);
    BOOST_TEST(o.statements == p.statements, boost::test_tools::per_element());
    BOOST_TEST(o.transactional);
    BOOST_TEST(!o.statements.empty());
    BOOST_TEST((after_online.tables == parents_and_children().tables), "down did not bring the catalog back");
}

// ---- change_column: a nullable column made NOT NULL online ---------------------------------

namespace {

/// Adds the check NOT VALID while the column takes NULL and no constraint of that name exists;
/// refuses one of that name that is not a check of "parent" IS NOT NULL.
const std::string add_parent_not_null_check =
    R"sql(DO $strata$ BEGIN IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass('"children"') AND conname = 'children_parent_not_null_check' AND (contype <> 'c' OR ARRAY(SELECT a.attname::text FROM unnest(conkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = conrelid AND a.attnum = k.attnum ORDER BY k.n) <> ARRAY['parent']::text[] OR pg_get_expr(conbin, conrelid) <> '(' || quote_ident('parent') || ' IS NOT NULL)')) THEN RAISE EXCEPTION 'constraint % exists but is not the one this unit adds', 'children_parent_not_null_check'; END IF; IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass('"children"') AND conname = 'children_parent_not_null_check') THEN IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('"children"') AND attname = 'parent' AND NOT attisdropped AND NOT attnotnull) THEN ALTER TABLE "children" ADD CONSTRAINT "children_parent_not_null_check" CHECK ("parent" IS NOT NULL) NOT VALID; END IF; END IF; END $strata$)sql";
const std::string validate_parent_not_null_check =
    R"sql(DO $strata$ BEGIN IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass('"children"') AND conname = 'children_parent_not_null_check' AND NOT convalidated) THEN ALTER TABLE "children" VALIDATE CONSTRAINT "children_parent_not_null_check"; END IF; END $strata$)sql";

void require_parent(builder& b) {
    b.change_column("children", column("parent", type::bigint()), column("parent", type::bigint()).not_null()).online();
}

}  // namespace

BOOST_AUTO_TEST_CASE(online_marks_a_change_column) {
    builder b;
    require_parent(b);
    BOOST_TEST(is_online(b.operations().front()));
    BOOST_TEST(std::get<change_column>(b.operations().front()).online);
}

BOOST_AUTO_TEST_CASE(postgresql_online_not_null_adds_a_not_valid_check_validates_it_sets_not_null_and_drops_the_check) {
    builder b;
    require_parent(b);
    auto r = render(postgresql(), b);
    BOOST_TEST(r.statements == (statements{
        add_parent_not_null_check,
        validate_parent_not_null_check,
        R"sql(ALTER TABLE "children" ALTER COLUMN "parent" SET NOT NULL)sql",
        R"sql(ALTER TABLE "children" DROP CONSTRAINT IF EXISTS "children_parent_not_null_check")sql",
    }), boost::test_tools::per_element());
    BOOST_TEST(!r.transactional);
    BOOST_TEST(r.resumable);
}

BOOST_AUTO_TEST_CASE(down_of_an_online_not_null_is_the_plain_drop_not_null) {
    builder b;
    require_parent(b);
    auto back = inverse(b.operations().front());
    BOOST_TEST_REQUIRE(back.has_value());
    BOOST_TEST(!is_online(*back));
    builder down;
    down.add(*back);
    strata::catalog after = parents_and_children();
    postgresql().render(b.operations(), after);
    auto r = postgresql().render(down.operations(), after);
    BOOST_TEST(r.statements == (statements{R"sql(ALTER TABLE "children" ALTER COLUMN "parent" DROP NOT NULL)sql"}),
               boost::test_tools::per_element());
    BOOST_TEST(r.transactional);
    BOOST_TEST((after.tables == parents_and_children().tables), "down did not bring the catalog back");
}

BOOST_AUTO_TEST_CASE(sqlite_online_not_null_is_the_plain_rebuild) {
    builder online, plain;
    require_parent(online);
    plain.change_column("children", column("parent", type::bigint()), column("parent", type::bigint()).not_null());
    auto o = render(sqlite(), online);
    auto p = render(sqlite(), plain);
    BOOST_TEST(o.statements == p.statements, boost::test_tools::per_element());
    BOOST_TEST(o.transactional);
    BOOST_TEST(!o.resumable);
}

// ---- checks and partial/expression indexes (issue 9, points 3 and 6) ------------------------

BOOST_AUTO_TEST_CASE(postgresql_online_add_check_is_added_not_valid_then_validated) {
    builder b;
    b.add_check("children", "children_id_positive", R"("id" > 0)").online();
    BOOST_TEST(is_online(b.operations().back()));
    auto r = render(postgresql(), b);
    BOOST_TEST(r.statements == (statements{
        R"sql(DO $strata$ BEGIN IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass('"children"') AND conname = 'children_id_positive' AND contype <> 'c') THEN RAISE EXCEPTION 'constraint % exists but is not the one this unit adds', 'children_id_positive'; END IF; IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass('"children"') AND conname = 'children_id_positive') THEN ALTER TABLE "children" ADD CONSTRAINT "children_id_positive" CHECK ("id" > 0) NOT VALID; END IF; END $strata$)sql",
        R"sql(ALTER TABLE "children" VALIDATE CONSTRAINT "children_id_positive")sql",
    }), boost::test_tools::per_element());
    BOOST_TEST(!r.transactional);
    BOOST_TEST(r.resumable);
}

BOOST_AUTO_TEST_CASE(postgresql_online_partial_and_expression_indexes_keep_the_concurrent_build) {
    const std::string head_partial = index_guard("children_live_parent_idx", "children", false, "'parent'");
    const std::string tail = "]::text[])) THEN RAISE EXCEPTION";
    builder p;
    p.create_index("children", {"parent"}, "children_live_parent_idx").where(R"("parent" IS NOT NULL)").online();
    auto partial = render(postgresql(), p);
    BOOST_TEST_REQUIRE(partial.statements.size() == 3u);
    BOOST_TEST(partial.statements[0] == drop_invalid("children_live_parent_idx", "children"));
    // The guard of an index on columns, which also wants a predicate on the index it finds.
    std::string expected_guard = head_partial;
    expected_guard.replace(expected_guard.find(tail), tail.size(), "]::text[] OR i.indpred IS NULL)) THEN RAISE EXCEPTION");
    BOOST_TEST(partial.statements[1] == expected_guard);
    BOOST_TEST(partial.statements[2] ==
               R"sql(CREATE INDEX CONCURRENTLY IF NOT EXISTS "children_live_parent_idx" ON "children" ("parent") WHERE ("parent" IS NOT NULL))sql");
    BOOST_TEST(!partial.transactional);
    BOOST_TEST(partial.resumable);

    builder e;
    e.create_unique_index_on("children", {R"(("parent" * 2))", R"("id")"}, "children_double_parent_key").online();
    auto expression = render(postgresql(), e);
    BOOST_TEST_REQUIRE(expression.statements.size() == 3u);
    BOOST_TEST(expression.statements[0] == drop_invalid("children_double_parent_key", "children"));
    // As many keys, not their text (PostgreSQL keeps expressions normalised), and no predicate.
    std::string columns_compared = index_guard("children_double_parent_key", "children", true, "'x'");
    const std::string compared =
        "ARRAY(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON "
        "a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.n) <> ARRAY['x']::text[]";
    columns_compared.replace(columns_compared.find(compared), compared.size(), "i.indnkeyatts <> 2 OR i.indpred IS NOT NULL");
    BOOST_TEST(expression.statements[1] == columns_compared);
    BOOST_TEST(expression.statements[2] ==
               R"sql(CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "children_double_parent_key" ON "children" ((("parent" * 2)), ("id")))sql");
}

BOOST_AUTO_TEST_CASE(sqlite_online_check_and_partial_index_are_their_plain_forms) {
    builder online, plain;
    online.add_check("children", "children_id_positive", R"("id" > 0)").online();
    online.create_index("children", {"parent"}).where(R"("parent" IS NOT NULL)").online();
    plain.add_check("children", "children_id_positive", R"("id" > 0)");
    plain.create_index("children", {"parent"}).where(R"("parent" IS NOT NULL)");
    auto o = render(sqlite(), online), p = render(sqlite(), plain);
    BOOST_TEST(o.statements == p.statements, boost::test_tools::per_element());
    BOOST_TEST(o.transactional);
    BOOST_TEST(contains(o.statements.back(), R"(WHERE ("parent" IS NOT NULL))"));
}

// What a step failing on the data may leave half-built, for the runner to drop: every online
// operation that adds a constraint NOT VALID or builds an index, by its name and kind; nothing
// of a plain operation, and nothing on SQLite (one transaction).
BOOST_AUTO_TEST_CASE(half_built_names_each_online_constraint_and_index) {
    builder b;
    b.add_column("children", parent_ref()).online();
    b.add_unique("children", {"parent_ref"}).online();
    b.add_check("children", "children_id_positive", R"("id" > 0)").online();
    b.create_index("children", {"parent"}).online();
    b.change_column("children", column("parent", type::bigint()), column("parent", type::bigint()).not_null()).online();
    b.add_check("children", "children_plain", R"("id" < 10)");
    std::vector<std::string> what;
    for (const auto& h : postgresql().half_built(b.operations())) what.push_back(h.what);
    BOOST_TEST(what == (statements{"foreign key children_parent_ref_fkey on children, added NOT VALID",
                                   "unique index children_parent_ref_key on children, left INVALID by its build",
                                   "check children_id_positive on children, added NOT VALID",
                                   "index children_parent_idx on children, left INVALID by its build",
                                   "check children_parent_not_null_check on children, added NOT VALID"}),
               boost::test_tools::per_element());
    const auto check = postgresql().half_built(b.operations()).at(2);
    BOOST_TEST(check.found == R"sql(SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = to_regclass('"children"') AND conname = 'children_id_positive' AND contype = 'c' AND NOT convalidated)sql");
    BOOST_TEST(check.drop == R"sql(ALTER TABLE "children" DROP CONSTRAINT "children_id_positive")sql");
    // An INVALID index: the query names it as the catalog spells it, for a drop that takes no
    // lock the application's statements queue behind.
    const auto unique = postgresql().half_built(b.operations()).at(1);
    BOOST_TEST(unique.drop.empty());
    BOOST_TEST(unique.found == R"sql(SELECT CASE WHEN p.pid IS NULL THEN 'DROP INDEX CONCURRENTLY IF EXISTS ' || i.indexrelid::regclass::text ELSE format('DO $strata$BEGIN RAISE EXCEPTION USING ERRCODE = ''55006'', MESSAGE = %L; END$strata$', 'index ' || i.indexrelid::regclass::text || ' is being built by another session (pid ' || p.pid || ', ' || p.phase || '): stop that build with SELECT pg_cancel_backend(' || p.pid || '), then run again (what it leaves is dropped and the unit builds its index)') END FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid LEFT JOIN pg_catalog.pg_stat_progress_create_index p ON p.index_relid = i.indexrelid AND p.pid <> pg_backend_pid() WHERE i.indrelid = to_regclass('"children"') AND c.relname = 'children_parent_ref_key' AND c.relkind = 'i' AND NOT i.indisvalid)sql");
    BOOST_TEST(sqlite().half_built(b.operations()).empty());
}

BOOST_AUTO_TEST_SUITE_END()
