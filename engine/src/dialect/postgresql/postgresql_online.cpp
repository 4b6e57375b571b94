#include "dialect/postgresql/postgresql_online.hpp"

#include <strata/dialect.hpp>

#include "dialect/common.hpp"
#include "overloaded.hpp"
#include "progress_notice.hpp"

#include <regex>

namespace strata::postgresql_online {

using namespace schema;
using detail::quote_list;

std::string alter(const std::string& table) { return "ALTER TABLE " + dialect::quote(table) + " "; }

namespace {

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

}  // namespace

/// `body` runs unless the table already has a constraint named `name`; one of that name that is
/// not this unit's own (another kind, other columns, or for a foreign key another target or
/// other actions, or where `also_differs` holds) is refused rather than adopted.
namespace {

/// pg_constraint conditions: `same`, a constraint of that name on that table; `other_kind`, it
/// is not the one this unit adds.
struct constraint_match {
    std::string same;
    std::string other_kind;
};

constraint_match match_constraint(const std::string& table, const std::string& name, char contype,
                                  const std::vector<std::string>& columns, const foreign_key* key,
                                  const std::string& also_differs) {
    std::string regclass = "to_regclass(" + dialect::quote_literal(dialect::quote(table)) + ")";
    std::string same = "conrelid = " + regclass + " AND conname = " + dialect::quote_literal(name);
    std::string other_kind = "contype <> '" + std::string(1, contype) + "'";
    // A check added online is recognised by its name and kind alone (add_check_online): its
    // columns are those its expression names.
    if (!columns.empty() || contype != 'c') other_kind += " OR " + columns_differ("conkey", "conrelid", columns);
    if (key)
        other_kind += " OR confrelid IS DISTINCT FROM to_regclass(" + dialect::quote_literal(dialect::quote(key->ref_table)) +
                      ") OR " + columns_differ("confkey", "confrelid", key->ref_columns) + " OR confupdtype <> '" +
                      action_code(key->on_update) + "' OR confdeltype <> '" + action_code(key->on_delete) + "'";
    if (!also_differs.empty()) other_kind += " OR " + also_differs;
    return {same, other_kind};
}

}  // namespace

std::string unless_constraint_exists(const std::string& table, const std::string& name, char contype,
                                     const std::vector<std::string>& columns, const foreign_key* key,
                                     const std::string& body, const std::string& also_differs) {
    const auto [same, other_kind] = match_constraint(table, name, contype, columns, key, also_differs);
    return do_block("BEGIN IF EXISTS (SELECT 1 FROM pg_constraint WHERE " + same + " AND (" + other_kind +
                    ")) THEN RAISE EXCEPTION 'constraint % exists but is not the one this unit adds', " +
                    dialect::quote_literal(name) + "; END IF; IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE " + same +
                    ") THEN " + body + "; END IF; END");
}

namespace {

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

}  // namespace

/// ADD COLUMN IF NOT EXISTS takes over any column of that name: refuse one of another type.
std::string refuse_other_column(const std::string& table, const column& c) {
    return do_block("BEGIN IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(" +
           dialect::quote_literal(dialect::quote(table)) + ") AND attname = " + dialect::quote_literal(c.name) +
           " AND NOT attisdropped AND format_type(atttypid, atttypmod) <> " + dialect::quote_literal(format_type_name(c.type)) +
           ") THEN RAISE EXCEPTION 'column % exists but is not the one this unit adds', " + dialect::quote_literal(c.name) +
           "; END IF; END");
}

std::string names_taken_query(const std::vector<schema::operation>& up) {
    std::string out;
    auto found = [&out](const std::string& what, const std::string& table, const std::string& condition) {
        out += std::string(out.empty() ? "" : " UNION ALL ") + "SELECT " +
               dialect::quote_literal(what + " of " + schema::display_name(table)) +
               " WHERE EXISTS (" + condition + ")";
    };
    auto oid = [](const std::string& table) { return "to_regclass(" + dialect::quote_literal(dialect::quote(table)) + ")"; };
    auto column = [&](const std::string& table, const std::string& name) {
        found("column " + name, table,
              "SELECT 1 FROM pg_catalog.pg_attribute WHERE attrelid = " + oid(table) + " AND attname = " +
                  dialect::quote_literal(name) + " AND NOT attisdropped");
    };
    auto constraint = [&](const std::string& what, const std::string& table, const std::string& name) {
        found(what + " " + name, table,
              "SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = " + oid(table) + " AND conname = " +
                  dialect::quote_literal(name));
    };
    auto relation = [&](const std::string& what, const std::string& table, const std::string& name) {
        found(what + " " + name, table,
              "SELECT 1 FROM pg_catalog.pg_class WHERE relname = " + dialect::quote_literal(name) +
                  " AND relnamespace = (SELECT relnamespace FROM pg_catalog.pg_class WHERE oid = " + oid(table) + ")");
    };
    for (const auto& op : up)
        std::visit(detail::overloaded{
                       [&](const schema::add_column& o) {
                           if (!o.online) return;
                           column(o.table, o.column.name);
                           if (o.column.reference) constraint("foreign key", o.table, o.column.reference->name);
                       },
                       [&](const schema::add_foreign_key& o) {
                           if (o.online) constraint("foreign key", o.table, o.key.name);
                       },
                       [&](const schema::add_unique& o) {
                           if (!o.online) return;
                           constraint("constraint", o.table, o.key.name);
                           relation("index", o.table, o.key.name);
                       },
                       [&](const schema::create_index& o) {
                           if (o.online) relation("relation", o.index.table, o.index.name);
                       },
                       [&](const schema::add_check& o) {
                           if (o.online) constraint("constraint", o.table, o.check.name);
                       },
                       // Its temporary check: the last step drops whatever has that name.
                       [&](const schema::change_column& o) {
                           if (o.online) constraint("constraint", o.table, detail::not_null_check_name(o.table, o.before.name));
                       },
                       [](const auto&) {},
                   },
                   op);
    return out;
}

/// A foreign key added NOT VALID (a brief lock, no scan) and validated in a second step, which
/// scans the table without blocking its writes.
void add_foreign_key_online(const std::string& table, const foreign_key& key, std::vector<std::string>& out) {
    out.push_back(unless_constraint_exists(table, key.name, 'f', key.columns, &key,
                                           alter(table) + "ADD " + detail::foreign_key_constraint(key) + " NOT VALID"));
    out.push_back(alter(table) + "VALIDATE CONSTRAINT " + dialect::quote(key.name));  // a no-op once valid
}

std::string drop_invalid_index_of(const std::string& table_sql, const std::string& name) {
    // An index another session is building right now is INVALID too: dropping it would undo
    // (or, waiting for its lock, drop the finished) build. It is refused by name instead, with
    // the builder's pid (SQLSTATE 55006, object in use; USING MESSAGE: a % in a name is no
    // format). pg_stat_progress_create_index shows
    // another role's build only to members of pg_read_all_stats: one it hides is dropped, after
    // the lock wait --ddl-lock-timeout bounds. relkind 'i': a partitioned table's index (never
    // built CONCURRENTLY) is left to the statement's own error.
    return "SELECT CASE WHEN p.pid IS NULL THEN 'DROP INDEX CONCURRENTLY IF EXISTS ' || i.indexrelid::regclass::text "
           "ELSE format('DO $strata$BEGIN RAISE EXCEPTION USING ERRCODE = ''55006'', MESSAGE = %L; END$strata$', 'index ' || "
           "i.indexrelid::regclass::text || ' is being built by another session (pid ' || p.pid || ', ' || p.phase || "
           "'): stop that build with SELECT pg_cancel_backend(' || p.pid || '), then run again (what it leaves is dropped "
           "and the unit builds its index)') "
           "END FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid "
           "LEFT JOIN pg_catalog.pg_stat_progress_create_index p ON p.index_relid = i.indexrelid AND p.pid <> pg_backend_pid() "
           "WHERE i.indrelid = to_regclass(" + dialect::quote_literal(table_sql) + ") AND c.relname = " +
           dialect::quote_literal(name) + " AND c.relkind = 'i' AND NOT i.indisvalid";
}

namespace {

/// drop_invalid_index_of the table this unit names.
std::string drop_invalid_index(const std::string& table, const std::string& name) {
    return drop_invalid_index_of(dialect::quote(table), name);
}

/// The two statements create_index_online() runs before the build. A killed build leaves an
/// INVALID index of its name on the table behind: dropped first, CONCURRENTLY (a gexec()
/// statement: no DO block can run that), so the application's reads and writes do not queue
/// behind an ACCESS EXCLUSIVE lock on the table. Then a DO block refuses a relation of that name
/// that is not an index (CREATE INDEX IF NOT EXISTS would skip quietly and the unit would be
/// recorded without its index) and an index of that name that is not this unit's own:
/// `key_differs` (about `i`, the pg_index row of the index found) says so. The index is looked
/// up where PostgreSQL puts it, in the table's schema, not through the search_path, which may
/// find another schema's index first.
void guard_index(const std::string& table, const std::string& name, bool unique, const std::string& key_differs,
                 std::vector<std::string>& out) {
    const std::string table_oid = "to_regclass(" + dialect::quote_literal(dialect::quote(table)) + ")";
    out.push_back(gexec(drop_invalid_index(table, name)));
    out.push_back(do_block("DECLARE idx regclass := (SELECT c.oid FROM pg_class c WHERE c.relname = " +
                  dialect::quote_literal(name) + " AND c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = " +
                  table_oid + ")); BEGIN IF idx IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = idx) "
                  "THEN RAISE EXCEPTION '% exists and is not an index', " + dialect::quote_literal(name) +
                  "; END IF; IF EXISTS (SELECT 1 FROM pg_index i "
                  "WHERE i.indexrelid = idx AND (i.indrelid <> " + table_oid + " OR i.indisunique <> " +
                  (unique ? "true" : "false") + " OR " + key_differs +
                  ")) THEN RAISE EXCEPTION 'index % exists but is not the one this unit builds', " +
                  dialect::quote_literal(name) + "; END IF; END"));
}

}  // namespace

/// An index built CONCURRENTLY, after guard_index()'s statements (a killed build's INVALID
/// leftover dropped, somebody else's index of that name refused).
void create_index_online(const std::string& table, const std::string& name, const std::vector<std::string>& columns,
                         bool unique, std::vector<std::string>& out) {
    guard_index(table, name, unique, columns_differ("i.indkey", "i.indrelid", columns), out);
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

std::string index_differs(const index_def& index) {
    if (index.expressions.empty() && index.where.empty()) return columns_differ("i.indkey", "i.indrelid", index.columns);
    std::string differs = index.expressions.empty() ? columns_differ("i.indkey", "i.indrelid", index.columns)
                                                    : "i.indnkeyatts <> " + std::to_string(index.expressions.size());
    return differs + (index.where.empty() ? " OR i.indpred IS NOT NULL" : " OR i.indpred IS NULL");
}

/// The same for any index: on expressions, partial. PostgreSQL stores expressions and predicates
/// normalised (`lower((email)::text)`), so their texts are not compared: an index of that name
/// is taken as this unit's own when it has the same table, uniqueness, the same columns (for an
/// index on columns) or as many keys (on expressions), and a predicate when and only when this
/// one has one.
void create_index_online(const index_def& index, std::vector<std::string>& out) {
    if (index.expressions.empty() && index.where.empty()) {
        create_index_online(index.table, index.name, index.columns, index.unique, out);
        return;
    }
    guard_index(index.table, index.name, index.unique, index_differs(index), out);
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

namespace {
/// What only a backfill_in_batches() block holds, and where its loop ends.
constexpr const char* batch_exit = "EXIT WHEN strata_picked IS NULL;\n";
constexpr const char* batch_loop_end = "\nEND LOOP; END";
}  // namespace

/// A backfill in batches, one DO block whose batches each commit (PostgreSQL 11+ allows COMMIT in
/// a DO block run outside a transaction, as the runner runs non-transactional units). A batch
/// locks up to batch_rows rows still matching the condition, then updates them in a statement of
/// its own: its snapshot, taken after the locks, sees the rows as locked (one statement doing
/// both updated nothing of a row the application changed after the statement began, and a batch
/// of only such rows ended the loop with rows left). The outer condition is repeated, so only
/// matching rows are ever updated whatever the ctids (a partitioned table repeats them). The loop
/// ends when a batch finds no row to lock; a rerun after a crash starts over with the rows still
/// matching. The rows are counted first, for progress. A batch whose rows still match after it
/// committed, or that updated none of the rows it locked (a trigger skipped them), would make the
/// loop endless: it stops. Column names win over the block's variables (#variable_conflict
/// use_column).
std::string backfill_in_batches(const backfill& o, const std::vector<std::string>& only_if_columns) {
    const std::string t = dialect::quote(o.table);
    const std::string where = "(" + o.where_sql + ")";
    const std::string what = dialect::quote_literal("backfill " + o.table);
    const std::string progress =
        "RAISE NOTICE '" + std::string(detail::progress_marker) + "% % rows %', strata_done, strata_total, " + what + ";";
    const std::string count = "(SELECT count(*) FROM " + t + " WHERE " + where + ")";
    std::string start;  // the declarations and the block's first statements
    if (only_if_columns.empty()) {
        start = "DECLARE strata_total bigint := " + count + "; strata_done bigint := 0; strata_picked tid[]; strata_batch tid[];\nBEGIN ";
    } else {
        // PL/pgSQL plans each statement when it first runs: the count must wait for the check.
        std::string missing;
        for (const auto& c : only_if_columns)
            missing += (missing.empty() ? "" : " OR ") + std::string("NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(") +
                       dialect::quote_literal(t) + ") AND attname = " + dialect::quote_literal(c) + " AND NOT attisdropped)";
        start = "DECLARE strata_total bigint; strata_done bigint := 0; strata_picked tid[]; strata_batch tid[];\nBEGIN IF " + missing +
                " THEN RETURN; END IF; strata_total := " + count + "; ";
    }
    return do_block(
        "#variable_conflict use_column\n" + start + progress + " LOOP\n"
        "SELECT array_agg(ctid) INTO strata_picked FROM (SELECT ctid FROM " + t + " WHERE " + where + " LIMIT " +
        std::to_string(o.batch_rows) + " FOR UPDATE) strata_rows;\n" + batch_exit +
        "WITH strata_updated AS (UPDATE " + t + " SET " + o.set_sql + " WHERE ctid = ANY (strata_picked) AND " + where +
        " RETURNING ctid) SELECT array_agg(ctid) INTO strata_batch FROM strata_updated;\n"
        "IF strata_batch IS NULL THEN RAISE EXCEPTION '%: a batch locked % rows matching its where_sql and updated none of "
        "them, so its batches would never end; stopped after % rows (committed). A BEFORE UPDATE trigger that skips "
        "them, or a where_sql that reads other tables or the clock, does this', " + what +
        ", cardinality(strata_picked), strata_done; END IF;\n"
        "COMMIT; strata_done := strata_done + coalesce(cardinality(strata_batch), 0); " + progress + "\n"
        "IF EXISTS (SELECT 1 FROM " + t + " WHERE ctid = ANY (strata_batch) AND " + where + ") THEN RAISE EXCEPTION "
        "'%: rows it just updated still match its where_sql, so its batches would never end; stopped after % rows "
        "(committed). Make the where_sql false for the rows the set_sql updates (such as \"status\" IS NULL for "
        "\"status\" = ''active'')', " + what + ", strata_done; END IF;" + batch_loop_end);
}

std::string after_each_batch(const std::string& statement, const std::string& wait) {
    if (statement.rfind("DO $strata", 0) != 0 || statement.find(batch_exit) == std::string::npos) return statement;
    const auto end = statement.rfind(batch_loop_end);
    if (end == std::string::npos) return statement;
    // Only after a full batch: a shorter one took the last matching rows, and waiting after it
    // would only delay (or, past the deadline, fail) a backfill that is done. The batch's size
    // is the LIMIT backfill_in_batches() wrote before its FOR UPDATE.
    static const std::regex batch_size(" LIMIT ([0-9]+) FOR UPDATE\\) strata_rows;");
    std::smatch size;
    if (std::regex_search(statement, size, batch_size))
        return statement.substr(0, end) + "\nIF cardinality(strata_picked) >= " + size[1].str() + " THEN\n" + wait + "\nEND IF;" +
               statement.substr(end);
    return statement.substr(0, end) + "\n" + wait + statement.substr(end);
}

std::vector<half_built_object> half_built(const std::vector<schema::operation>& up) {
    std::vector<half_built_object> out;
    auto oid = [](const std::string& table) { return "to_regclass(" + dialect::quote_literal(dialect::quote(table)) + ")"; };
    auto constraint = [&](const std::string& what, const std::string& table, const std::string& name, char contype) {
        out.push_back({what + " " + name + " on " + schema::display_name(table) + ", added NOT VALID",
                       "SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = " + oid(table) + " AND conname = " +
                           dialect::quote_literal(name) + " AND contype = '" + std::string(1, contype) + "' AND NOT convalidated",
                       alter(table) + "DROP CONSTRAINT " + dialect::quote(name)});
    };
    auto index = [&](const std::string& what, const std::string& table, const std::string& name) {
        out.push_back({what + " " + name + " on " + schema::display_name(table) + ", left INVALID by its build",
                       drop_invalid_index(table, name), ""});
    };
    for (const auto& op : up)
        std::visit(detail::overloaded{
                       [&](const schema::add_column& o) {
                           if (o.online && o.column.reference) constraint("foreign key", o.table, o.column.reference->name, 'f');
                       },
                       [&](const schema::add_foreign_key& o) {
                           if (o.online) constraint("foreign key", o.table, o.key.name, 'f');
                       },
                       [&](const schema::add_unique& o) {
                           if (o.online) index("unique index", o.table, o.key.name);
                       },
                       [&](const schema::create_index& o) {
                           if (o.online) index(o.index.unique ? "unique index" : "index", o.index.table, o.index.name);
                       },
                       [&](const schema::add_check& o) {
                           if (o.online) constraint("check", o.table, o.check.name, 'c');
                       },
                       [&](const schema::change_column& o) {
                           if (o.online)
                               constraint("check", o.table, detail::not_null_check_name(o.table, o.before.name), 'c');
                       },
                       [](const auto&) {},
                   },
                   op);
    return out;
}

std::string drop_constraint_if_own(const std::string& table, const std::string& name, char contype,
                                   const std::vector<std::string>& columns, const foreign_key* key) {
    const auto [same, other_kind] = match_constraint(table, name, contype, columns, key, {});
    return do_block("BEGIN IF EXISTS (SELECT 1 FROM pg_constraint WHERE " + same + " AND NOT (" + other_kind + ")) THEN " +
                    alter(table) + "DROP CONSTRAINT " + dialect::quote(name) + "; END IF; END");
}

std::string drop_column_if_own(const std::string& table, const column& c) {
    return do_block("BEGIN IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(" +
                    dialect::quote_literal(dialect::quote(table)) + ") AND attname = " + dialect::quote_literal(c.name) +
                    " AND NOT attisdropped AND format_type(atttypid, atttypmod) = " +
                    dialect::quote_literal(format_type_name(c.type)) + ") THEN " + alter(table) + "DROP COLUMN " +
                    dialect::quote(c.name) + "; END IF; END");
}

std::string drop_index_if_own(const index_def& index) {
    // CONCURRENTLY, which no DO block can run: the application's reads and writes do not queue
    // behind the table's lock while a rollback drops it. Named as the catalog spells it for this
    // session (regclass: qualified when the search_path would not find it).
    const std::string table_oid = "to_regclass(" + dialect::quote_literal(dialect::quote(index.table)) + ")";
    return gexec("SELECT 'DROP INDEX CONCURRENTLY IF EXISTS ' || i.indexrelid::regclass::text FROM pg_catalog.pg_index i "
                 "JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = " + table_oid +
                 " AND c.relname = " + dialect::quote_literal(index.name) +
                 " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conindid = i.indexrelid AND conrelid = "
                 "i.indrelid) AND (NOT i.indisvalid OR (i.indisunique = " + (index.unique ? "true" : "false") + " AND NOT (" +
                 index_differs(index) + ")))");
}

}  // namespace strata::postgresql_online
