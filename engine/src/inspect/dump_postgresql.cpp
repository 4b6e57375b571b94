// PostgreSQL's catalog rendered as SQL the way pg_dump would order it, without its volatile parts:
// schemas, enumerated types, domains and sequences, then tables (columns in their order, primary
// key, unique and check constraints), their indexes, triggers and comments, then foreign keys
// (after every table they may reference), views and functions. Every list is sorted by name; the
// current schema's objects are named without it, so every schema the same units made dumps alike.

#include <strata/dialect.hpp>

#include <algorithm>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "connection.hpp"
#include "history.hpp"
#include "inspect/dump.hpp"
#include "inspect/schema_scope.hpp"

namespace strata {
namespace {

// Schemas that are the server's, not the application's.
std::string text(const result_row& r, std::size_t i) { return r.at(i).value_or(""); }

std::string without_semicolon(std::string s) {
    while (!s.empty() && (s.back() == ';' || s.back() == ' ' || s.back() == '\n')) s.pop_back();
    return s;
}

struct dumper {
    statements& db;
    std::string user_schemas;  // schemas_condition()
    std::string current_schema;
    std::string current_prefix;  // `app.`, as the server's definitions write it (quote_ident)
    std::string out;

    /// `"t"` in the current schema, `"s"."t"` elsewhere.
    std::string name(const std::string& schema, const std::string& object) const {
        return schema == current_schema ? dialect::quote(object) : dialect::quote(schema) + "." + dialect::quote(object);
    }

    /// A definition the server wrote (pg_get_indexdef, _triggerdef, _functiondef qualify every
    /// name) without the current schema after the first of `markers` found before `stop`
    /// (where the definition's header ends), as the rest of the dump names it: one file for
    /// every schema the same units made (tenants, a CI database in public).
    std::string unqualified(std::string definition, std::initializer_list<std::string_view> markers,
                            std::string_view stop = {}) const {
        const std::size_t end = stop.empty() ? definition.size() : std::min(definition.size(), definition.find(stop));
        for (auto marker : markers) {
            const std::string qualified = std::string(marker) + current_prefix;
            if (auto at = definition.find(qualified); at != std::string::npos && at < end)
                definition.erase(at + marker.size(), current_prefix.size());
        }
        return definition;
    }

    /// Enumerated types and domains, which tables use, so before them; not an extension's.
    void types() {
        const std::string not_an_extensions = " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = "
                                              "'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')";
        const std::string order = " ORDER BY n.nspname <> current_schema(), n.nspname, t.typname";
        for (const auto& r : db.query("SELECT n.nspname, t.typname, string_agg(quote_literal(e.enumlabel), ', ' ORDER BY "
                                      "e.enumsortorder) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN "
                                      "pg_enum e ON e.enumtypid = t.oid WHERE " + user_schemas + not_an_extensions +
                                      " GROUP BY n.nspname, t.typname, t.oid" + order))
            out += "\nCREATE TYPE " + name(text(r, 0), text(r, 1)) + " AS ENUM (" + text(r, 2) + ");\n";
        // contype 'n': PostgreSQL 17 also keeps a domain's NOT NULL as a constraint (typnotnull says it).
        for (const auto& r : db.query(
                 "SELECT n.nspname, t.typname, format_type(t.typbasetype, t.typtypmod), t.typdefault, t.typnotnull, "
                 "(SELECT string_agg(' CONSTRAINT \"' || replace(c.conname, '\"', '\"\"') || '\" ' || pg_get_constraintdef(c.oid), '' ORDER BY "
                 "c.conname) FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype <> 'n') FROM pg_type t JOIN pg_namespace n ON n.oid = "
                 "t.typnamespace WHERE t.typtype = 'd' AND " + user_schemas + not_an_extensions + order)) {
            out += "\nCREATE DOMAIN " + name(text(r, 0), text(r, 1)) + " AS " + text(r, 2);
            if (r.at(3)) out += " DEFAULT " + text(r, 3);
            if (text(r, 4) == "t") out += " NOT NULL";
            out += text(r, 5) + ";\n";
        }
    }

    /// Sequences of their own (a serial's or an identity's comes with its column), without their
    /// current value; before the tables whose defaults use them.
    void sequences() {
        for (const auto& r : db.query(inspect::sequences_query(user_schemas) +
                                      " ORDER BY n.nspname <> current_schema(), n.nspname, c.relname"))
            out += "\nCREATE SEQUENCE " + name(text(r, 0), text(r, 1)) + " " + text(r, 2) + ";\n";
    }

    void schemas() {
        for (const auto& r : db.query("SELECT n.nspname FROM pg_namespace n WHERE " + user_schemas +
                                      " AND n.nspname <> current_schema() AND n.nspname <> 'public' ORDER BY 1"))
            out += "\nCREATE SCHEMA " + dialect::quote(text(r, 0)) + ";\n";
    }

    void columns(const std::string& oid) {
        const auto rows = db.query(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid), "
            "a.attidentity, a.attgenerated FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND "
            "d.adnum = a.attnum WHERE a.attrelid = " + oid + " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum");
        bool first = true;
        for (const auto& r : rows) {
            out += std::string(first ? "" : ",\n") + "  " + dialect::quote(text(r, 0)) + " " + text(r, 1);
            first = false;
            const std::string identity = text(r, 4), generated = text(r, 5);
            if (identity == "a") out += " GENERATED ALWAYS AS IDENTITY";
            if (identity == "d") out += " GENERATED BY DEFAULT AS IDENTITY";
            if (generated == "s") out += " GENERATED ALWAYS AS (" + text(r, 3) + ") STORED";
            else if (r.at(3)) out += " DEFAULT " + text(r, 3);
            if (text(r, 2) == "t") out += " NOT NULL";
        }
        // Primary key, unique and check constraints belong to the table; foreign keys come later.
        for (const auto& c : db.query("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = " + oid +
                                      " AND contype IN ('p', 'u', 'c', 'x') ORDER BY CASE contype WHEN 'p' THEN 0 ELSE 1 END, conname"))
            out += std::string(first ? "" : ",\n") + "  CONSTRAINT " + dialect::quote(text(c, 0)) + " " + text(c, 1), first = false;
        out += "\n);\n";
    }

    void table(const std::string& schema, const std::string& table_name, const std::string& oid) {
        const std::string qualified = name(schema, table_name);
        out += "\nCREATE TABLE " + qualified + " (\n";
        columns(oid);
        // Indexes that back no constraint (those come with their constraint).
        for (const auto& r : db.query("SELECT pg_get_indexdef(x.indexrelid), x.indisvalid FROM pg_index x JOIN pg_class i ON "
                                      "i.oid = x.indexrelid WHERE x.indrelid = " + oid +
                                      " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND "
                                      "k.conrelid = x.indrelid AND k.contype IN ('p', 'u', 'x')) ORDER BY i.relname"))
            out += unqualified(text(r, 0), {" ON ", " ON ONLY "}, " USING ") + ";" +
                   (text(r, 1) == "t" ? "" : " -- INVALID: an interrupted CREATE INDEX CONCURRENTLY") + "\n";
        for (const auto& r : db.query("SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = " + oid +
                                      " AND NOT tgisinternal ORDER BY tgname"))
            out += unqualified(text(r, 0), {" ON ", " EXECUTE FUNCTION ", " EXECUTE PROCEDURE "}) + ";\n";
        if (auto c = db.query("SELECT obj_description(" + oid + ", 'pg_class')"); !c.empty() && c.front().at(0))
            out += "COMMENT ON TABLE " + qualified + " IS " + dialect::quote_literal(text(c.front(), 0)) + ";\n";
        for (const auto& r : db.query("SELECT attname, col_description(attrelid, attnum) FROM pg_attribute WHERE attrelid = " + oid +
                                      " AND attnum > 0 AND NOT attisdropped AND col_description(attrelid, attnum) IS NOT NULL "
                                      "ORDER BY attnum"))
            out += "COMMENT ON COLUMN " + qualified + "." + dialect::quote(text(r, 0)) + " IS " +
                   dialect::quote_literal(text(r, 1)) + ";\n";
    }

    void run() {
        const auto current = db.query("SELECT current_schema(), quote_ident(current_schema())").at(0);
        current_schema = text(current, 0);
        current_prefix = text(current, 1) + ".";
        out = detail::dump_header(backend::postgresql);
        schemas();
        types();
        sequences();
        const auto tables = db.query(
            "SELECT n.nspname, c.relname, c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind "
            "IN ('r', 'p') AND " + user_schemas + " AND " + inspect::not_metadata_condition() +
            " ORDER BY n.nspname <> current_schema(), n.nspname, c.relname");
        for (const auto& t : tables) table(text(t, 0), text(t, 1), text(t, 2));
        std::string keys;
        for (const auto& t : tables)
            for (const auto& k : db.query("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = " +
                                          text(t, 2) + " AND contype = 'f' ORDER BY conname"))
                keys += "ALTER TABLE " + name(text(t, 0), text(t, 1)) + " ADD CONSTRAINT " + dialect::quote(text(k, 0)) + " " +
                        text(k, 1) + ";\n";
        if (!keys.empty()) out += "\n" + keys;
        for (const auto& v : db.query("SELECT n.nspname, c.relname, pg_get_viewdef(c.oid), c.relkind FROM pg_class c JOIN pg_namespace n ON "
                                      "n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm') AND " + user_schemas +
                                      " ORDER BY n.nspname <> current_schema(), n.nspname, c.relname"))
            out += std::string("\nCREATE ") + (text(v, 3) == "m" ? "MATERIALIZED VIEW " : "VIEW ") + name(text(v, 0), text(v, 1)) +
                   " AS\n" + without_semicolon(text(v, 2)) + ";\n";
        // Functions of the application's schemas, not those an extension brought.
        for (const auto& f : db.query("SELECT pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n ON n.oid = "
                                      "p.pronamespace WHERE p.prokind IN ('f', 'p') AND " + user_schemas +
                                      " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') "
                                      "ORDER BY n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)"))
            out += "\n" + unqualified(without_semicolon(text(f, 0)), {" FUNCTION ", " PROCEDURE "}, "\n") + ";\n";
    }
};

}  // namespace

std::string detail::postgresql_schema_dump(statements& db, inspect::schema_scope scope) {
    dumper d{db, inspect::schemas_condition(scope), {}, {}};
    d.run();
    return d.out;
}

}  // namespace strata
