#include "dialect/postgresql/postgresql_dialect.hpp"

#include <strata/error.hpp>

#include "dialect/common.hpp"
#include "overloaded.hpp"
#include "progress_notice.hpp"

namespace strata {
namespace {

using namespace schema;
using detail::quote_list;

std::string default_sql(const column_default& d) {
    switch (d.kind) {
    case default_kind::none: return {};
    case default_kind::null: return "NULL";
    case default_kind::now: return "now()";
    case default_kind::random_uuid: return "gen_random_uuid()";  // built in since PostgreSQL 13
    // A literal stays as written (the statements, and so the checksums, of units using one do not
    // change); any other expression is parenthesised, so it cannot run into the clauses after it.
    case default_kind::expression: return detail::is_literal(d.expression) ? d.expression : "(" + d.expression + ")";
    }
    return {};
}

std::string create_table_sql(const table_def& t) {
    std::string out = "CREATE TABLE " + dialect::quote(t.name) + " (";
    const char* sep = "\n  ";
    for (const auto& c : t.columns) {
        out += sep + postgresql_dialect::column_definition(c, t.name);
        sep = ",\n  ";
    }
    if (!t.primary_key.empty()) out += std::string(sep) + "PRIMARY KEY (" + quote_list(t.primary_key) + ")";
    for (const auto& k : t.foreign_keys) out += sep + detail::foreign_key_constraint(k);
    for (const auto& u : t.uniques) out += std::string(sep) + "CONSTRAINT " + dialect::quote(u.name) + " UNIQUE (" + quote_list(u.columns) + ")";
    for (const auto& c : t.checks) out += sep + detail::check_constraint(c);
    return out + "\n)";
}

/// `name` in the schema of `table` (a qualified() name), for objects that live there.
std::string in_schema_of(const std::string& table, const std::string& name) {
    auto schema_name = split_qualified(table).schema;
    return schema_name.empty() ? name : qualified(schema_name, name);
}

std::string alter(const std::string& table) { return "ALTER TABLE " + dialect::quote(table) + " "; }

/// An enumeration's CHECK is named after its table and column (change_column replaces it by that
/// name), and PostgreSQL keeps constraint names through renames: the rename renames it too.
void rename_enumeration_check(const std::string& table_now, const std::string& old_table, const std::string& old_column,
                              const std::string& new_table, const std::string& new_column, const column& c,
                              std::vector<std::string>& out) {
    if (c.type.kind != type_kind::enumeration) return;
    out.push_back(alter(table_now) + "RENAME CONSTRAINT " + dialect::quote(detail::enumeration_check_name(old_table, old_column)) +
                  " TO " + dialect::quote(detail::enumeration_check_name(new_table, new_column)));
}

// Online operations. Each statement commits on its own (so no lock is held across steps) and
// first checks what is already there, so a rerun after a crash finishes the job. The checks run
// in DO blocks, sent with PQexec: SOCI would rewrite the `:` inside them.

/// `DO $strata$ <body> $strata$`, with a tag the body does not contain: an identifier holding
/// `$strata$` would otherwise end the block early. Bodies without it keep the plain tag, so the
/// statements (and checksums) of units written before stay the same.
std::string do_block(const std::string& body) {
    std::string tag = "$strata$";
    for (int n = 1; body.find(tag) != std::string::npos; ++n) tag = "$strata" + std::to_string(n) + "$";
    return "DO " + tag + " " + body + " " + tag;
}

/// The names of the columns `attnums` (an int2[] column of a catalog) of table `relation`, in
/// order, compared with `columns`: true when they differ.
std::string columns_differ(const std::string& attnums, const std::string& relation, const std::vector<std::string>& columns) {
    std::string list;
    for (const auto& c : columns) list += (list.empty() ? "" : ", ") + dialect::quote_literal(c);
    return "ARRAY(SELECT a.attname::text FROM unnest(" + attnums + ") WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON "
           "a.attrelid = " + relation + " AND a.attnum = k.attnum ORDER BY k.n) <> ARRAY[" + list + "]::text[]";
}

/// pg_constraint's letter for a foreign key action.
char action_code(fk_action a) {
    switch (a) {
    case fk_action::no_action: return 'a';
    case fk_action::restrict: return 'r';
    case fk_action::cascade: return 'c';
    case fk_action::set_null: return 'n';
    case fk_action::set_default: return 'd';
    }
    return 'a';
}

/// `body` runs unless the table already has a constraint named `name`; one of that name that is
/// not this unit's own (another kind, other columns, or for a foreign key another target or
/// other actions, or where `also_differs` holds) is refused rather than adopted.
std::string unless_constraint_exists(const std::string& table, const std::string& name, char contype,
                                     const std::vector<std::string>& columns, const foreign_key* key,
                                     const std::string& body, const std::string& also_differs = {}) {
    std::string regclass = "to_regclass(" + dialect::quote_literal(dialect::quote(table)) + ")";
    std::string same = "conrelid = " + regclass + " AND conname = " + dialect::quote_literal(name);
    std::string other_kind = "contype <> '" + std::string(1, contype) + "' OR " + columns_differ("conkey", "conrelid", columns);
    if (key)
        other_kind += " OR confrelid IS DISTINCT FROM to_regclass(" + dialect::quote_literal(dialect::quote(key->ref_table)) +
                      ") OR " + columns_differ("confkey", "confrelid", key->ref_columns) + " OR confupdtype <> '" +
                      action_code(key->on_update) + "' OR confdeltype <> '" + action_code(key->on_delete) + "'";
    if (!also_differs.empty()) other_kind += " OR " + also_differs;
    return do_block("BEGIN IF EXISTS (SELECT 1 FROM pg_constraint WHERE " + same + " AND (" + other_kind +
                    ")) THEN RAISE EXCEPTION 'constraint % exists but is not the one this unit adds', " +
                    dialect::quote_literal(name) + "; END IF; IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE " + same +
                    ") THEN " + body + "; END IF; END");
}

/// PostgreSQL's own spelling of a type (format_type), to recognise a column already there.
std::string format_type_name(const column_type& t) {
    switch (t.kind) {
    case type_kind::uuid: return "uuid";
    case type_kind::varchar: return "character varying(" + std::to_string(t.length) + ")";
    case type_kind::text: return "text";
    case type_kind::integer: return "integer";
    case type_kind::bigint: return "bigint";
    case type_kind::boolean: return "boolean";
    case type_kind::timestamptz: return "timestamp with time zone";
    case type_kind::smallint: return "smallint";
    case type_kind::numeric: return "numeric(" + std::to_string(t.precision) + "," + std::to_string(t.scale) + ")";
    case type_kind::real: return "real";
    case type_kind::double_precision: return "double precision";
    case type_kind::date: return "date";
    case type_kind::time: return "time without time zone";
    case type_kind::timestamp: return "timestamp without time zone";
    case type_kind::json: return "json";
    case type_kind::jsonb: return "jsonb";
    case type_kind::bytea: return "bytea";
    case type_kind::enumeration: return "text";
    }
    return "text";
}

/// ADD COLUMN IF NOT EXISTS takes over any column of that name: refuse one of another type.
std::string refuse_other_column(const std::string& table, const column& c) {
    return do_block("BEGIN IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(" +
           dialect::quote_literal(dialect::quote(table)) + ") AND attname = " + dialect::quote_literal(c.name) +
           " AND NOT attisdropped AND format_type(atttypid, atttypmod) <> " + dialect::quote_literal(format_type_name(c.type)) +
           ") THEN RAISE EXCEPTION 'column % exists but is not the one this unit adds', " + dialect::quote_literal(c.name) +
           "; END IF; END");
}

/// A foreign key added NOT VALID (a brief lock, no scan) and validated in a second step, which
/// scans the table without blocking its writes.
void add_foreign_key_online(const std::string& table, const foreign_key& key, std::vector<std::string>& out) {
    out.push_back(unless_constraint_exists(table, key.name, 'f', key.columns, &key,
                                           alter(table) + "ADD " + detail::foreign_key_constraint(key) + " NOT VALID"));
    out.push_back(alter(table) + "VALIDATE CONSTRAINT " + dialect::quote(key.name));  // a no-op once valid
}

/// A unique index built CONCURRENTLY. A killed build leaves an INVALID index on the table behind:
/// drop it first. A relation of that name that is not an index is refused (CREATE INDEX IF NOT
/// EXISTS would skip quietly and the unit would be recorded without its index). A valid index of
/// that name must be this unit's own (same table, same columns, unique), or the unit refuses
/// rather than adopt somebody else's. The index is looked up where PostgreSQL puts it, in the
/// table's schema, not through the search_path, which may find another schema's index first.
/// The DO block create_index_online() runs first: `key_differs` (about `i`, the pg_index row of
/// the index found) says that an index of that name is not the one this unit builds.
std::string index_guard(const std::string& table, const std::string& name, bool unique, const std::string& key_differs) {
    const std::string table_oid = "to_regclass(" + dialect::quote_literal(dialect::quote(table)) + ")";
    return do_block("DECLARE idx regclass := (SELECT c.oid FROM pg_class c WHERE c.relname = " +
                  dialect::quote_literal(name) + " AND c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = " +
                  table_oid + ")); BEGIN IF idx IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = idx) "
                  "THEN RAISE EXCEPTION '% exists and is not an index', " + dialect::quote_literal(name) +
                  "; END IF; IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = idx AND indrelid = " + table_oid +
                  " AND NOT indisvalid) THEN EXECUTE 'DROP INDEX ' || idx::text; idx := NULL; END IF; IF EXISTS (SELECT 1 "
                  "FROM pg_index i "
                  "WHERE i.indexrelid = idx AND (i.indrelid <> " + table_oid + " OR i.indisunique <> " +
                  (unique ? "true" : "false") + " OR " + key_differs +
                  ")) THEN RAISE EXCEPTION 'index % exists but is not the one this unit builds', " +
                  dialect::quote_literal(name) + "; END IF; END");
}

/// A unique index built CONCURRENTLY. A killed build leaves an INVALID index on the table behind:
/// drop it first. A relation of that name that is not an index is refused (CREATE INDEX IF NOT
/// EXISTS would skip quietly and the unit would be recorded without its index). A valid index of
/// that name must be this unit's own (same table, same columns, unique), or the unit refuses
/// rather than adopt somebody else's. The index is looked up where PostgreSQL puts it, in the
/// table's schema, not through the search_path, which may find another schema's index first.
void create_index_online(const std::string& table, const std::string& name, const std::vector<std::string>& columns,
                         bool unique, std::vector<std::string>& out) {
    out.push_back(index_guard(table, name, unique, columns_differ("i.indkey", "i.indrelid", columns)));
    out.push_back("CREATE " + std::string(unique ? "UNIQUE " : "") + "INDEX CONCURRENTLY IF NOT EXISTS " + dialect::quote(name) +
                  " ON " + dialect::quote(table) + " (" + quote_list(columns) + ")");
}

/// A nullable column made NOT NULL without a long lock (PostgreSQL 12+): SET NOT NULL scans the
/// table under an ACCESS EXCLUSIVE lock unless a valid CHECK (c IS NOT NULL) proves it, so the
/// check comes first, added NOT VALID (a brief lock, no scan) and validated apart (a scan that
/// lets writes through). Every step can be rerun: the check is added only while the column is
/// nullable, validated only while it exists, and dropped once the column is NOT NULL.
void set_not_null_online(const std::string& table, const std::string& column, std::vector<std::string>& out) {
    const std::string check = detail::not_null_check_name(table, column);
    const std::string table_oid = "to_regclass(" + dialect::quote_literal(dialect::quote(table)) + ")";
    const std::string nullable = "EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = " + table_oid +
                                 " AND attname = " + dialect::quote_literal(column) + " AND NOT attisdropped AND NOT attnotnull)";
    // A check of that name on that column testing something else is not this unit's.
    const std::string other_test =
        "pg_get_expr(conbin, conrelid) <> '(' || quote_ident(" + dialect::quote_literal(column) + ") || ' IS NOT NULL)'";
    out.push_back(unless_constraint_exists(table, check, 'c', {column}, nullptr,
                                           "IF " + nullable + " THEN " + alter(table) + "ADD CONSTRAINT " +
                                               dialect::quote(check) + " CHECK (" + dialect::quote(column) +
                                               " IS NOT NULL) NOT VALID; END IF",
                                           other_test));
    out.push_back(do_block("BEGIN IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = " + table_oid + " AND conname = " +
                           dialect::quote_literal(check) + " AND NOT convalidated) THEN " + alter(table) +
                           "VALIDATE CONSTRAINT " + dialect::quote(check) + "; END IF; END"));
    out.push_back(alter(table) + "ALTER COLUMN " + dialect::quote(column) + " SET NOT NULL");
    out.push_back(alter(table) + "DROP CONSTRAINT IF EXISTS " + dialect::quote(check));
}

/// One ALTER TABLE making only the changes between before and after. PostgreSQL converts the
/// column's default along with its type, and without the USING expression, so a default that
/// cannot be cast (the text '0' to integer) would fail the change: the default is dropped before
/// the type changes and set again after it. (ALTER TABLE runs DROP DEFAULT, then the type
/// change, then SET DEFAULT, whatever their order in the statement; they are written in that
/// order too.)
std::string change_column_sql(const change_column& o) {
    const column& b = o.before;
    const column& a = o.after;
    const std::string column_sql = "ALTER COLUMN " + dialect::quote(b.name) + " ";
    const bool type_changes = b.type != a.type;
    const bool had_default = b.default_value.kind != default_kind::none;
    const bool has_default = a.default_value.kind != default_kind::none;
    const bool drop_default = had_default && (type_changes || !has_default);
    // An enumeration is text with a CHECK, which PostgreSQL named <table>_<column>_check when
    // the column was made: the values change by replacing that check.
    const std::string enum_check = dialect::quote(detail::enumeration_check_name(o.table, b.name));
    const bool was_enum = b.type.kind == type_kind::enumeration, is_enum = a.type.kind == type_kind::enumeration;
    std::vector<std::string> parts;
    if (was_enum && type_changes) parts.push_back("DROP CONSTRAINT " + enum_check);
    if (drop_default) parts.push_back(column_sql + "DROP DEFAULT");
    if (postgresql_dialect::type_name(b.type) != postgresql_dialect::type_name(a.type) || !o.using_up.postgresql.empty())
        parts.push_back(column_sql + "TYPE " + postgresql_dialect::type_name(a.type) +
                        (o.using_up.postgresql.empty() ? "" : " USING (" + o.using_up.postgresql + ")"));
    if (has_default && (drop_default || b.default_value != a.default_value))
        parts.push_back(column_sql + "SET DEFAULT " + default_sql(a.default_value));
    if (b.nullable != a.nullable) parts.push_back(column_sql + (a.nullable ? "DROP NOT NULL" : "SET NOT NULL"));
    if (is_enum && type_changes) parts.push_back("ADD CONSTRAINT " + enum_check + " CHECK (" + detail::one_of_check(a) + ")");
    std::string out = alter(o.table);
    for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
    return out;
}

/// The same for any index: on expressions, partial. PostgreSQL stores expressions and predicates
/// normalised (`lower((email)::text)`), so their texts are not compared: an index of that name
/// is taken as this unit's own when it has the same table, uniqueness, the same columns (for an
/// index on columns) or as many keys (on expressions), and a predicate when and only when this
/// one has one.
void create_index_online(const index_def& index, std::vector<std::string>& out) {
    if (index.expressions.empty() && index.where.empty()) {
        create_index_online(index.table, index.name, index.columns, index.unique, out);  // the same text as always
        return;
    }
    std::string differs = index.expressions.empty() ? columns_differ("i.indkey", "i.indrelid", index.columns)
                                                    : "i.indnkeyatts <> " + std::to_string(index.expressions.size());
    differs += index.where.empty() ? " OR i.indpred IS NOT NULL" : " OR i.indpred IS NULL";
    out.push_back(index_guard(index.table, index.name, index.unique, differs));
    std::string create = "CREATE " + std::string(index.unique ? "UNIQUE " : "") + "INDEX CONCURRENTLY IF NOT EXISTS " +
                         dialect::quote(index.name) + " ON " + dialect::quote(index.table) + " (" + detail::index_keys(index) + ")";
    if (!index.where.empty()) create += " WHERE (" + index.where + ")";
    out.push_back(create);
}

/// A check added NOT VALID (a brief lock, no scan) unless the table has a constraint of that
/// name already, which must be a check (its expression is not compared: PostgreSQL stores it
/// normalised); then validated in a second step, which scans without blocking writes.
void add_check_online(const std::string& table, const check_def& check, std::vector<std::string>& out) {
    std::string same = "conrelid = to_regclass(" + dialect::quote_literal(dialect::quote(table)) +
                       ") AND conname = " + dialect::quote_literal(check.name);
    out.push_back(do_block("BEGIN IF EXISTS (SELECT 1 FROM pg_constraint WHERE " + same +
                           " AND contype <> 'c') THEN RAISE EXCEPTION 'constraint % exists but is not the one this unit "
                           "adds', " + dialect::quote_literal(check.name) +
                           "; END IF; IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE " + same + ") THEN " + alter(table) +
                           "ADD " + detail::check_constraint(check) + " NOT VALID; END IF; END"));
    out.push_back(alter(table) + "VALIDATE CONSTRAINT " + dialect::quote(check.name));  // a no-op once valid
}

/// A backfill in batches, one DO block whose batches each commit (PostgreSQL 11+ allows COMMIT in
/// a DO block run outside a transaction, as the runner runs non-transactional units). A batch
/// locks up to batch_rows rows still matching the condition and updates them; the outer
/// condition is repeated, so only matching rows are ever updated whatever the ctids (a
/// partitioned table repeats them). The loop ends when a batch finds no row; a rerun after a
/// crash starts over with the rows still matching. The rows are counted first, for progress.
/// A batch whose rows still match after it committed would make the loop endless: it stops.
/// Column names win over the block's variables (#variable_conflict use_column).
std::string backfill_in_batches(const backfill& o) {
    const std::string t = dialect::quote(o.table);
    const std::string where = "(" + o.where_sql + ")";
    const std::string what = dialect::quote_literal("backfill " + o.table);
    const std::string progress =
        "RAISE NOTICE '" + std::string(detail::progress_marker) + "% % rows %', strata_done, strata_total, " + what + ";";
    return do_block(
        "#variable_conflict use_column\n"
        "DECLARE strata_total bigint := (SELECT count(*) FROM " + t + " WHERE " + where + "); strata_done bigint := 0; "
        "strata_batch tid[];\n"
        "BEGIN " + progress + " LOOP\n"
        "WITH strata_updated AS (UPDATE " + t + " SET " + o.set_sql + " WHERE ctid = ANY (ARRAY(SELECT ctid FROM " + t +
        " WHERE " + where + " LIMIT " + std::to_string(o.batch_rows) + " FOR UPDATE)) AND " + where +
        " RETURNING ctid) SELECT array_agg(ctid) INTO strata_batch FROM strata_updated;\n"
        "EXIT WHEN strata_batch IS NULL; COMMIT; strata_done := strata_done + cardinality(strata_batch); " + progress + "\n"
        "IF EXISTS (SELECT 1 FROM " + t + " WHERE ctid = ANY (strata_batch) AND " + where + ") THEN RAISE EXCEPTION "
        "'%: rows it just updated still match its where_sql, so its batches would never end; stopped after % rows "
        "(committed). Make the where_sql false for the rows the set_sql updates (such as \"status\" IS NULL for "
        "\"status\" = ''active'')', " + what + ", strata_done; END IF;\n"
        "END LOOP; END");
}

}  // namespace

std::string postgresql_dialect::type_name(const column_type& t) {
    switch (t.kind) {
    case type_kind::uuid: return "UUID";
    case type_kind::varchar: return "VARCHAR(" + std::to_string(t.length) + ")";
    case type_kind::text: return "TEXT";
    case type_kind::integer: return "INTEGER";
    case type_kind::bigint: return "BIGINT";
    case type_kind::boolean: return "BOOLEAN";
    case type_kind::timestamptz: return "TIMESTAMPTZ";
    case type_kind::smallint: return "SMALLINT";
    case type_kind::numeric: return "NUMERIC(" + std::to_string(t.precision) + ", " + std::to_string(t.scale) + ")";
    case type_kind::real: return "REAL";
    case type_kind::double_precision: return "DOUBLE PRECISION";
    case type_kind::date: return "DATE";
    case type_kind::time: return "TIME";
    case type_kind::timestamp: return "TIMESTAMP";
    case type_kind::json: return "JSON";
    case type_kind::jsonb: return "JSONB";
    case type_kind::bytea: return "BYTEA";
    case type_kind::enumeration: return "TEXT";  // with the CHECK column_definition adds
    }
    return "TEXT";
}

std::string postgresql_dialect::column_definition(const column& c, const std::string& table) {
    std::string out = quote(c.name) + " " + type_name(c.type);
    if (!c.nullable) out += " NOT NULL";
    if (c.is_identity) out += " GENERATED BY DEFAULT AS IDENTITY";
    if (auto d = default_sql(c.default_value); !d.empty()) out += " DEFAULT " + d;
    if (c.primary_key) out += " PRIMARY KEY";
    if (c.reference) out += " CONSTRAINT " + quote(c.reference->name) + " " + detail::references_clause(*c.reference);
    if (c.type.kind == type_kind::enumeration)
        out += " CONSTRAINT " + quote(detail::enumeration_check_name(table, c.name)) + " CHECK (" + detail::one_of_check(c) + ")";
    return out;
}

void postgresql_dialect::render(const operation& op, const catalog& state, rendering& out) const {
    detail::check_operation(op, state);
    auto& s = out.statements;
    if (!is_online(op)) out.resumable = false;
    std::visit(
        detail::overloaded{
            [&](const create_table& o) {
                s.push_back(create_table_sql(o.table));
                for (const auto& i : o.table.indexes)
                    s.push_back(detail::create_index_statement(
                        i, i.name.empty() ? default_index_name(o.table.name, i.columns) : i.name, o.table.name));
            },
            [&](const drop_table& o) { s.push_back("DROP TABLE " + quote(o.name)); },
            [&](const add_column& o) {
                if (!o.online) {
                    s.push_back(alter(o.table) + "ADD COLUMN " + column_definition(o.column, o.table));
                    return;
                }
                column bare = o.column;
                bare.reference.reset();
                s.push_back(refuse_other_column(o.table, bare));
                s.push_back(alter(o.table) + "ADD COLUMN IF NOT EXISTS " + column_definition(bare, o.table));
                if (o.column.reference) {
                    add_foreign_key_online(o.table, *o.column.reference, s);
                    out.transactional = false;  // without a key, a plain ADD COLUMN commits with its unit
                }
            },
            [&](const drop_column& o) { s.push_back(alter(o.table) + "DROP COLUMN " + quote(o.name)); },
            [&](const add_foreign_key& o) {
                if (o.online) {
                    add_foreign_key_online(o.table, o.key, s);
                    out.transactional = false;
                } else {
                    s.push_back(alter(o.table) + "ADD " + detail::foreign_key_constraint(o.key));
                }
            },
            [&](const drop_foreign_key& o) { s.push_back(alter(o.table) + "DROP CONSTRAINT " + quote(o.name)); },
            [&](const add_unique& o) {
                if (o.online) {
                    // Built without blocking writes, then attached: the constraint takes the index over.
                    create_index_online(o.table, o.key.name, o.key.columns, true, s);
                    s.push_back(unless_constraint_exists(o.table, o.key.name, 'u', o.key.columns, nullptr,
                                                         alter(o.table) + "ADD CONSTRAINT " + quote(o.key.name) +
                                                             " UNIQUE USING INDEX " + quote(o.key.name)));
                    out.transactional = false;
                } else {
                    s.push_back(alter(o.table) + "ADD CONSTRAINT " + quote(o.key.name) + " UNIQUE (" +
                                quote_list(o.key.columns) + ")");
                }
            },
            [&](const drop_unique& o) { s.push_back(alter(o.table) + "DROP CONSTRAINT " + quote(o.name)); },
            [&](const create_index& o) {
                if (o.online) {
                    create_index_online(o.index, s);
                    out.transactional = false;
                } else {
                    s.push_back(detail::create_index_statement(o.index, o.index.name, o.index.table));
                }
            },
            // An index lives in its table's schema; DROP INDEX would look for it on the search_path.
            [&](const drop_index& o) { s.push_back("DROP INDEX " + quote(in_schema_of(o.table, o.name))); },
            [&](const rename_table& o) {
                s.push_back(detail::rename_table_statement(o, state));
                if (auto it = state.tables.find(o.from); it != state.tables.end())
                    for (const auto& c : it->second.columns) rename_enumeration_check(o.to, o.from, c.name, o.to, c.name, c, s);
            },
            [&](const rename_column& o) {
                s.push_back(detail::rename_column_statement(o, state));
                if (auto it = state.tables.find(o.table); it != state.tables.end())
                    if (const column* c = it->second.find_column(o.from))
                        rename_enumeration_check(o.table, o.table, o.from, o.table, o.to, *c, s);
            },
            [&](const raw_sql& o) { s.push_back(detail::raw_text(o.up.postgresql, "postgresql")); },
            [&](const raw_statements& o) {
                const auto& statements = detail::script_statements(o.up, backend::postgresql);
                s.insert(s.end(), statements.begin(), statements.end());
            },
            [&](const create_schema& o) { s.push_back("CREATE SCHEMA " + quote(o.name)); },
            [&](const drop_schema& o) { s.push_back("DROP SCHEMA " + quote(o.name)); },
            [&](const comment_on& o) {
                std::string target = o.column.empty() ? "TABLE " + quote(o.table) : "COLUMN " + quote(o.table) + "." + quote(o.column);
                s.push_back("COMMENT ON " + target + " IS " + (o.text.empty() ? std::string("NULL") : quote_literal(o.text)));
            },
            [&](const change_column& o) {
                if (o.online) {
                    set_not_null_online(o.table, o.before.name, s);
                    out.transactional = false;
                } else {
                    s.push_back(change_column_sql(o));
                }
            },
            [&](const add_check& o) {
                if (o.online) {
                    add_check_online(o.table, o.check, s);
                    out.transactional = false;  // the lock of the ADD must not be held while VALIDATE scans
                } else {
                    s.push_back(alter(o.table) + "ADD " + detail::check_constraint(o.check));
                }
            },
            [&](const drop_check& o) { s.push_back(alter(o.table) + "DROP CONSTRAINT " + quote(o.name)); },
            [&](const backfill& o) {
                if (o.online) {
                    s.push_back(backfill_in_batches(o));
                    out.transactional = false;
                } else {
                    s.push_back("UPDATE " + quote(o.table) + " SET " + o.set_sql + " WHERE (" + o.where_sql + ")");
                }
            },
        },
        op);
}

std::string postgresql_dialect::table_exists_query(std::string_view table) const {
    return "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = " +
               quote_literal(table);
}

std::string postgresql_dialect::utc_text(std::string_view column) const {
    return "to_char(" + quote(column) + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
}

}  // namespace strata
