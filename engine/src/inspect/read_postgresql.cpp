// PostgreSQL's catalog (pg_class, pg_attribute, pg_constraint, pg_index, ...) read into the
// normalized model: the same objects dump_postgresql.cpp prints, as values. Lists of names come
// back as json_agg arrays, so a name holding a comma or a quote needs no parsing of its own.

#include <strata/dialect.hpp>

#include <nlohmann/json.hpp>

#include "connection.hpp"
#include "history.hpp"
#include "inspect/read.hpp"
#include "inspect/schema_scope.hpp"

namespace strata::inspect {
namespace {

// Schemas that are the server's, not the application's.
std::string text(const result_row& r, std::size_t i) { return r.at(i).value_or(""); }
bool flag(const result_row& r, std::size_t i) { return text(r, i) == "t"; }

/// A json_agg array of names; NULL (json_agg of no rows) is none.
std::vector<std::string> names(const result_row& r, std::size_t i) {
    if (!r.at(i)) return {};
    return nlohmann::json::parse(*r.at(i)).get<std::vector<std::string>>();
}

/// The names of attributes `numbers` (an int2[] column of the row) of relation `relation`, in array order.
std::string attribute_names(const std::string& numbers, const std::string& relation) {
    return "(SELECT json_agg(a.attname ORDER BY u.n) FROM unnest(" + numbers + ") WITH ORDINALITY AS u(attnum, n) "
           "JOIN pg_attribute a ON a.attrelid = " + relation + " AND a.attnum = u.attnum)";
}

/// pg_constraint's one-letter referential actions, spelled as the model spells them.
std::string action(const std::string& code) {
    if (code == "r") return "RESTRICT";
    if (code == "c") return "CASCADE";
    if (code == "n") return "SET NULL";
    if (code == "d") return "SET DEFAULT";
    return "NO ACTION";  // 'a'
}

std::string without_suffix(std::string s, const std::string& suffix) {
    if (s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0)
        s.erase(s.size() - suffix.size());
    return s;
}

struct reader {
    statements& db;
    std::string current_schema;
    std::string user_schemas;  // schemas_condition()

    /// The model's names: unqualified in the current schema, "schema.name" elsewhere.
    std::string name(const std::string& schema, const std::string& object) const {
        return schema == current_schema ? object : schema + "." + object;
    }

    std::vector<std::string> schemas() {
        std::vector<std::string> out;
        for (const auto& r : db.query("SELECT n.nspname FROM pg_namespace n WHERE " + user_schemas +
                                      " AND n.nspname <> current_schema() AND n.nspname <> 'public'"))
            out.push_back(text(r, 0));
        return out;
    }

    void columns(table& t, const std::string& oid) {
        for (const auto& r : db.query(
                 "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid), "
                 "a.attidentity, a.attgenerated, col_description(a.attrelid, a.attnum) FROM pg_attribute a LEFT JOIN pg_attrdef d "
                 "ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attrelid = " + oid +
                 " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")) {
            column c{.name = text(r, 0), .type = text(r, 1), .nullable = !flag(r, 2), .default_value = r.at(3),
                     .comment = text(r, 6)};
            // An identity has no default; a generated column's "default" is its expression.
            if (text(r, 4) == "a") c.generated = "identity always";
            if (text(r, 4) == "d") c.generated = "identity by default";
            if (text(r, 5) == "s") c.generated = "generated: " + text(r, 3);
            if (!c.generated.empty()) c.default_value.reset();
            t.columns.push_back(std::move(c));
        }
    }

    // Exclusion constraints ('x') have no place in the model; their indexes are left out with them.
    void constraints(table& t, const std::string& oid) {
        for (const auto& r : db.query(
                 "SELECT k.conname, k.contype, k.convalidated, k.confupdtype, k.confdeltype, " +
                 attribute_names("k.conkey", "k.conrelid") + ", n.nspname, c.relname, " +
                 attribute_names("k.confkey", "k.confrelid") +
                 ", pg_get_constraintdef(k.oid) FROM pg_constraint k LEFT JOIN pg_class c ON c.oid = k.confrelid LEFT JOIN "
                 "pg_namespace n ON n.oid = c.relnamespace WHERE k.conrelid = " + oid +
                 " AND k.contype IN ('p', 'u', 'f', 'c')")) {
            const std::string type = text(r, 1);
            if (type == "p") {
                t.primary_key = names(r, 5);
                t.primary_key_name = text(r, 0);
            } else if (type == "u") {
                t.uniques.push_back({text(r, 0), names(r, 5)});
            } else if (type == "f") {
                t.foreign_keys.push_back({text(r, 0), names(r, 5), name(text(r, 6), text(r, 7)), names(r, 8), action(text(r, 3)),
                                          action(text(r, 4)), flag(r, 2)});
            } else {
                t.checks.push_back({text(r, 0), without_suffix(text(r, 9), " NOT VALID"), flag(r, 2)});
            }
        }
    }

    /// An index lives in its table's schema and is named by the same rule.
    void indexes(table& t, const std::string& schema, const std::string& oid) {
        // Keys: a plain column by its name (pg_get_indexdef would quote it), an expression as
        // pg_get_indexdef prints it. `plain`: a btree with nothing but its keys (no DESC, NULLS
        // order, operator class or INCLUDE), whose method the model leaves empty.
        for (const auto& r : db.query(
                 "SELECT i.relname, x.indisunique, x.indisvalid, pg_get_expr(x.indpred, x.indrelid), "
                 "(SELECT json_agg(CASE WHEN x.indkey[k - 1] = 0 THEN pg_get_indexdef(x.indexrelid, k, true) ELSE "
                 "(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = x.indrelid AND a.attnum = x.indkey[k - 1]) "
                 "END ORDER BY k) FROM generate_series(1, x.indnkeyatts) AS k), "
                 "am.amname = 'btree' AND x.indnatts = x.indnkeyatts AND 0 = ALL (x.indoption::int2[]) AND NOT EXISTS (SELECT 1 "
                 "FROM unnest(x.indclass::oid[]) AS o JOIN pg_opclass oc ON oc.oid = o WHERE NOT oc.opcdefault), "
                 "am.amname, pg_get_indexdef(x.indexrelid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_am am "
                 "ON am.oid = i.relam WHERE x.indrelid = " + oid + " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE "
                 "k.conindid = x.indexrelid AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u', 'x'))")) {
            index i{.name = name(schema, text(r, 0)), .unique = flag(r, 1), .keys = names(r, 4), .where = text(r, 3),
                    .valid = flag(r, 2)};
            if (!flag(r, 5)) i.method = method(text(r, 7), text(r, 6), i.where);
            t.indexes.push_back(std::move(i));
        }
    }

    /// What pg_get_indexdef shows from the access method on (`gin (data jsonb_path_ops)`,
    /// `btree (email DESC)`), without the predicate the model keeps apart.
    static std::string method(const std::string& definition, const std::string& access_method, const std::string& where) {
        const auto at = definition.find(" USING " + access_method + " ");
        if (at == std::string::npos) return access_method;
        std::string m = definition.substr(at + 7);
        return where.empty() ? m : without_suffix(m, " WHERE " + where);
    }

    void triggers(table& t, const std::string& oid) {
        // Named "table.trigger" as <strata/inspect.hpp> says, so a trigger's name is unique in the snapshot.
        for (const auto& r : db.query("SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = " + oid +
                                      " AND NOT tgisinternal"))
            t.triggers.push_back({t.name + "." + text(r, 0), text(r, 1)});
    }

    std::vector<table> tables() {
        std::vector<table> out;
        // Comments as `schema dump` prints them: COMMENT ON TABLE and COLUMN (comment_on) are part of the schema.
        for (const auto& r : db.query("SELECT n.nspname, c.relname, c.oid, obj_description(c.oid, 'pg_class') FROM pg_class c "
                                      "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND " +
                                      user_schemas + " AND " + not_metadata_condition())) {
            table t{.name = name(text(r, 0), text(r, 1)), .comment = text(r, 3)};
            const std::string oid = text(r, 2);
            columns(t, oid);
            constraints(t, oid);
            indexes(t, text(r, 0), oid);
            triggers(t, oid);
            out.push_back(std::move(t));
        }
        return out;
    }

    std::vector<definition> views() {
        std::vector<definition> out;
        // A materialized view is told apart by its text: the same query as a plain view is another object.
        for (const auto& r : db.query("SELECT n.nspname, c.relname, pg_get_viewdef(c.oid), c.relkind FROM pg_class c JOIN "
                                      "pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm') AND " +
                                      user_schemas))
            out.push_back({name(text(r, 0), text(r, 1)), (text(r, 3) == "m" ? "materialized: " : "") + text(r, 2)});
        return out;
    }

    std::vector<definition> functions() {
        std::vector<definition> out;
        // Functions and procedures of the application's schemas, not those an extension brought.
        for (const auto& r : db.query("SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), "
                                      "pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                                      "WHERE p.prokind IN ('f', 'p') AND " + user_schemas +
                                      " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND "
                                      "d.objid = p.oid AND d.deptype = 'e')"))
            out.push_back({name(text(r, 0), text(r, 1)) + "(" + text(r, 2) + ")", text(r, 3)});
        return out;
    }

    std::vector<definition> sequences() {
        std::vector<definition> out;
        // A serial's ('a') or an identity's ('i') sequence belongs to its column, whose model says it.
        for (const auto& r : db.query(sequences_query(user_schemas)))
            out.push_back({name(text(r, 0), text(r, 1)), text(r, 2)});
        return out;
    }
};

}  // namespace

snapshot detail::read_postgresql(statements& db, schema_scope scope) {
    reader r{db, text(db.query("SELECT current_schema()").at(0), 0), schemas_condition(scope)};
    return {.kind = backend::postgresql,
            .schemas = r.schemas(),
            .tables = r.tables(),
            .views = r.views(),
            .functions = r.functions(),
            .sequences = r.sequences()};
}

}  // namespace strata::inspect
