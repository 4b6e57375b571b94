// Two snapshots compared object by object. Every kind of object goes through one matcher (by
// name, or by what it is when the database keeps no name), then through the attributes that
// kind has, so a new attribute is one line and a new kind one call.

#include <strata/dialect.hpp>
#include <strata/inspect.hpp>

#include <functional>
#include <map>

namespace strata::inspect {
namespace {

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
    return out;
}

std::string yes_no(bool b) { return b ? "yes" : "no"; }

class comparison {
public:
    std::vector<difference> found;

    /// Pairs `expected` and `actual` by `key`; reports the unpaired ones and calls `both` for the pairs.
    template <class T>
    void match(const std::vector<T>& expected, const std::vector<T>& actual, const std::string& kind, const std::string& table,
               const std::function<std::string(const T&)>& key, const std::function<std::string(const T&)>& object,
               const std::function<void(const T&, const T&)>& both = {}) {
        std::map<std::string, std::pair<const T*, const T*>> pairs;
        for (const auto& e : expected) pairs[key(e)].first = &e;
        for (const auto& a : actual) pairs[key(a)].second = &a;
        for (const auto& [k, p] : pairs) {
            if (!p.second) add(difference::change::missing, kind, object(*p.first), table);
            else if (!p.first) add(difference::change::extra, kind, object(*p.second), table);
            else if (both) both(*p.first, *p.second);
        }
    }

    void attribute(const std::string& kind, const std::string& object, const std::string& table, const std::string& name,
                   const std::string& expected, const std::string& actual) {
        if (expected != actual)
            found.push_back({difference::change::altered, kind, object, table, name, expected, actual});
    }

    void tables(const std::vector<table>& expected, const std::vector<table>& actual) {
        match<table>(expected, actual, "table", "", by_name<table>, by_name<table>, [this](const table& e, const table& a) { tables(e, a); });
    }

private:
    template <class T>
    static std::string by_name(const T& t) { return t.name; }

    void add(difference::change what, const std::string& kind, const std::string& object, const std::string& table) {
        found.push_back({what, kind, object, table, "", "", ""});
    }

    void tables(const table& e, const table& a) {
        const std::string& t = e.name;
        auto qualified = [&t](const std::string& name) { return t + "." + name; };
        match<column>(e.columns, a.columns, "column", t, by_name<column>, [&](const column& c) { return qualified(c.name); },
                      [&](const column& x, const column& y) { columns(t, x, y); });
        column_order(e, a);
        attribute("table", t, "", "comment", e.comment, a.comment);
        if (e.primary_key.empty() != a.primary_key.empty()) {
            add(e.primary_key.empty() ? difference::change::extra : difference::change::missing, "primary key", t, t);
        } else {
            attribute("primary key", t, t, "columns", joined(e.primary_key), joined(a.primary_key));
            attribute("primary key", t, t, "name", e.primary_key_name, a.primary_key_name);
        }
        // Unnamed keys and checks (SQLite) are what they are made of.
        auto fk_shape = [&t](const foreign_key& k) { return t + "(" + joined(k.columns) + ") -> " + k.ref_table + "(" + joined(k.ref_columns) + ")"; };
        auto fk_name = [&](const foreign_key& k) { return k.name.empty() ? fk_shape(k) : qualified(k.name); };
        match<foreign_key>(e.foreign_keys, a.foreign_keys, "foreign key", t, fk_name, fk_name, [&](const foreign_key& x, const foreign_key& y) {
            const auto o = fk_name(x);
            attribute("foreign key", o, t, "columns", joined(x.columns), joined(y.columns));
            attribute("foreign key", o, t, "referenced table", x.ref_table, y.ref_table);
            attribute("foreign key", o, t, "referenced columns", joined(x.ref_columns), joined(y.ref_columns));
            attribute("foreign key", o, t, "on update", x.on_update, y.on_update);
            attribute("foreign key", o, t, "on delete", x.on_delete, y.on_delete);
            attribute("foreign key", o, t, "validated", yes_no(x.validated), yes_no(y.validated));
        });
        auto unique_name = [&](const unique_key& u) { return u.name.empty() ? t + "(" + joined(u.columns) + ")" : qualified(u.name); };
        match<unique_key>(e.uniques, a.uniques, "unique constraint", t, unique_name, unique_name, [&](const unique_key& x, const unique_key& y) {
            attribute("unique constraint", unique_name(x), t, "columns", joined(x.columns), joined(y.columns));
        });
        auto check_name = [&](const check& c) { return c.name.empty() ? t + ": " + c.definition : qualified(c.name); };
        match<check>(e.checks, a.checks, "check", t, check_name, check_name, [&](const check& x, const check& y) {
            attribute("check", check_name(x), t, "definition", x.definition, y.definition);
            attribute("check", check_name(x), t, "validated", yes_no(x.validated), yes_no(y.validated));
        });
        match<index>(e.indexes, a.indexes, "index", t, by_name<index>, by_name<index>, [&](const index& x, const index& y) {
            attribute("index", x.name, t, "unique", yes_no(x.unique), yes_no(y.unique));
            attribute("index", x.name, t, "keys", joined(x.keys), joined(y.keys));
            attribute("index", x.name, t, "predicate", x.where, y.where);
            attribute("index", x.name, t, "method", x.method, y.method);
            attribute("index", x.name, t, "valid", yes_no(x.valid), yes_no(y.valid));
        });
        definitions(e.triggers, a.triggers, "trigger", t);
    }

    void columns(const std::string& t, const column& x, const column& y) {
        const std::string o = t + "." + x.name;
        attribute("column", o, t, "type", x.type, y.type);
        attribute("column", o, t, "nullability", x.nullable ? "NULL" : "NOT NULL", y.nullable ? "NULL" : "NOT NULL");
        attribute("column", o, t, "default", x.default_value.value_or("none"), y.default_value.value_or("none"));
        attribute("column", o, t, "generated", x.generated, y.generated);
        attribute("column", o, t, "comment", x.comment, y.comment);
    }

    /// The same columns in another order (a column dropped and added again) is a difference too:
    /// `SELECT *` and positional INSERTs see it.
    void column_order(const table& e, const table& a) {
        std::vector<std::string> x, y;
        for (const auto& c : e.columns)
            if (a.find_column(c.name)) x.push_back(c.name);
        for (const auto& c : a.columns)
            if (e.find_column(c.name)) y.push_back(c.name);
        attribute("table", e.name, "", "column order", joined(x), joined(y));
    }

public:
    void definitions(const std::vector<definition>& expected, const std::vector<definition>& actual, const std::string& kind,
                     const std::string& table) {
        match<definition>(expected, actual, kind, table, by_name<definition>, by_name<definition>,
                          [&](const definition& x, const definition& y) { attribute(kind, x.name, table, "definition", x.text, y.text); });
    }

    void names(const std::vector<std::string>& expected, const std::vector<std::string>& actual, const std::string& kind) {
        auto itself = [](const std::string& s) { return s; };
        match<std::string>(expected, actual, kind, "", itself, itself);
    }
};

}  // namespace

const char* to_string(difference::change c) noexcept {
    switch (c) {
        case difference::change::missing: return "missing";
        case difference::change::extra: return "extra";
        case difference::change::altered: return "altered";
    }
    return "?";
}

std::vector<difference> compare(const snapshot& expected, const snapshot& actual) {
    comparison c;
    c.names(expected.schemas, actual.schemas, "schema");
    c.tables(expected.tables, actual.tables);
    c.definitions(expected.views, actual.views, "view", "");
    c.definitions(expected.functions, actual.functions, "function", "");
    c.definitions(expected.sequences, actual.sequences, "sequence", "");
    return c.found;
}

std::string describe(const difference& d, wording w) {
    // An index's name does not say its table; a column's, a constraint's and a trigger's do.
    std::string object = d.object_kind + " " + d.object;
    auto names_table = [&d] {
        if (d.object == d.table) return true;
        for (const char* after : {".", "(", ":"})
            if (d.object.rfind(d.table + after, 0) == 0) return true;
        return false;
    };
    if (!d.table.empty() && !names_table()) object += " on " + d.table;
    const bool round_trip = w == wording::round_trip;
    switch (d.what) {
        case difference::change::missing: return (round_trip ? "does not restore " : "missing ") + object;
        case difference::change::extra: return (round_trip ? "leaves " : "extra ") + object;
        case difference::change::altered: break;
    }
    // A comment is free text (commas, "the units make" even): quoted as COMMENT ON writes it.
    auto value = [&d](const std::string& v) {
        if (v.empty()) return std::string("(none)");
        return d.attribute == "comment" ? dialect::quote_literal(v) : v;
    };
    if (round_trip)
        return "leaves " + object + " with " + d.attribute + " " + value(d.actual) + " (was " + value(d.expected) + ")";
    return object + ": " + d.attribute + " is " + value(d.actual) + ", the units make " + value(d.expected);
}

}  // namespace strata::inspect
