#include "support/inspect_print.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace strata::inspect {
namespace {

/// (a, b): a list of names or keys.
std::string list(const std::vector<std::string>& names) {
    std::string out = "(";
    for (const auto& n : names) out += (out.size() > 1 ? ", " : "") + n;
    return out + ")";
}

/// Each item on its own line (the items' operators start the line).
template <class T>
std::ostream& lines(std::ostream& out, const std::vector<T>& items) {
    for (const auto& i : items) out << i;
    return out;
}

}  // namespace

std::ostream& operator<<(std::ostream& out, const column& c) {
    out << "\n    column " << c.name << " " << c.type << (c.nullable ? " NULL" : " NOT NULL");
    if (c.default_value) out << " DEFAULT " << *c.default_value;
    out << (c.generated.empty() ? "" : " {" + c.generated + "}");
    return out << (c.comment.empty() ? "" : " COMMENT '" + c.comment + "'");
}

std::ostream& operator<<(std::ostream& out, const foreign_key& k) {
    return out << "\n    foreign key '" << k.name << "' " << list(k.columns) << " REFERENCES " << k.ref_table << " "
               << list(k.ref_columns) << " ON UPDATE " << k.on_update << " ON DELETE " << k.on_delete
               << (k.validated ? "" : " NOT VALID");
}

std::ostream& operator<<(std::ostream& out, const unique_key& u) {
    return out << "\n    unique '" << u.name << "' " << list(u.columns);
}

std::ostream& operator<<(std::ostream& out, const check& c) {
    return out << "\n    check '" << c.name << "' " << c.definition << (c.validated ? "" : " NOT VALID");
}

std::ostream& operator<<(std::ostream& out, const index& i) {
    return out << "\n    index " << i.name << (i.unique ? " UNIQUE " : " ") << list(i.keys) << " WHERE '" << i.where
               << "' method '" << i.method << "'" << (i.valid ? "" : " INVALID");
}

std::ostream& operator<<(std::ostream& out, const definition& d) { return out << "\n    " << d.name << ": " << d.text; }

std::ostream& operator<<(std::ostream& out, const table& t) {
    out << "\n  table " << t.name << (t.comment.empty() ? "" : " COMMENT '" + t.comment + "'");
    lines(out, t.columns) << "\n    primary key '" << t.primary_key_name << "' " << list(t.primary_key);
    lines(out, t.foreign_keys);
    lines(out, t.uniques);
    lines(out, t.checks);
    lines(out, t.indexes);
    return lines(out, t.triggers);
}

std::ostream& operator<<(std::ostream& out, const snapshot& s) {
    out << "snapshot of " << to_string(s.kind) << "\n  schemas " << list(s.schemas);
    lines(out, s.tables) << "\n  views";
    lines(out, s.views) << "\n  functions";
    lines(out, s.functions) << "\n  sequences";
    return lines(out, s.sequences) << "\n";
}

}  // namespace strata::inspect
