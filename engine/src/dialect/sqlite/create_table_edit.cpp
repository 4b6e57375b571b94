// edit_create_table() (table_rebuild.hpp): a rebuild's changes applied to the CREATE TABLE text
// sqlite_master keeps.

#include "dialect/sqlite/table_rebuild.hpp"

#include <strata/dialect.hpp>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "dialect/common.hpp"

namespace strata::sqlite_rebuild {
namespace {

// ---- CREATE TABLE text ------------------------------------------------------------------------

struct token {
    std::size_t begin = 0, end = 0;
    char kind = 'w';  ///< w: word, q: quoted name, s: string, p: punctuation
};

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::vector<token> tokenize(std::string_view sql) {
    std::vector<token> out;
    std::size_t i = 0;
    auto closing = [&](char open) { return open == '[' ? ']' : open; };
    while (i < sql.size()) {
        char c = sql[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            ++i;
        } else if (sql.compare(i, 2, "--") == 0) {
            i = sql.find('\n', i);
            if (i == std::string_view::npos) i = sql.size();
        } else if (sql.compare(i, 2, "/*") == 0) {
            auto end = sql.find("*/", i + 2);
            i = end == std::string_view::npos ? sql.size() : end + 2;
        } else if (c == '"' || c == '`' || c == '[' || c == '\'') {
            char close = closing(c);
            std::size_t j = i + 1;
            for (;; ++j) {
                if (j >= sql.size()) throw std::invalid_argument("unterminated quote in the table's definition");
                if (sql[j] == close) {
                    if (close != ']' && j + 1 < sql.size() && sql[j + 1] == close) {
                        ++j;
                        continue;
                    }
                    break;
                }
            }
            out.push_back({i, j + 1, c == '\'' ? 's' : 'q'});
            i = j + 1;
        } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80) {
            std::size_t j = i;
            while (j < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[j])) || sql[j] == '_' || sql[j] == '$' ||
                                      static_cast<unsigned char>(sql[j]) >= 0x80))
                ++j;
            out.push_back({i, j, 'w'});
            i = j;
        } else {
            out.push_back({i, i + 1, 'p'});
            ++i;
        }
    }
    return out;
}

/// The name a token spells: quotes removed (doubled ones undone), a bare word as written.
std::string name_of(std::string_view sql, const token& t) {
    std::string_view text = sql.substr(t.begin, t.end - t.begin);
    if (t.kind != 'q') return std::string(text);
    char close = text.front() == '[' ? ']' : text.front();
    std::string out;
    for (std::size_t i = 1; i + 1 < text.size(); ++i) {
        out += text[i];
        if (close != ']' && text[i] == close) ++i;
    }
    return out;
}

// SQLite compares names without case.
using detail::same_ignoring_case;

/// One item of the table body: a column definition or a table constraint, as tokens [first, last).
struct item {
    std::size_t first = 0, last = 0;
};

struct table_text {
    std::string_view sql;
    std::vector<token> tokens;
    std::vector<item> items;
    std::size_t body_open = 0, body_close = 0;  ///< token indexes of the body's parentheses

    std::string word(std::size_t t) const { return upper(sql.substr(tokens[t].begin, tokens[t].end - tokens[t].begin)); }
    bool is_word(std::size_t t, std::string_view w) const { return t < tokens.size() && tokens[t].kind == 'w' && word(t) == w; }
    std::string text(std::size_t first, std::size_t last) const {  // tokens [first, last) as written
        if (first >= last) return {};
        return std::string(sql.substr(tokens[first].begin, tokens[last - 1].end - tokens[first].begin));
    }
    bool is_constraint(const item& i) const {
        for (auto w : {"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"})
            if (is_word(i.first, w)) return true;
        return false;
    }
    /// The column an item defines ("" for a table constraint).
    std::string column(const item& i) const { return is_constraint(i) ? std::string() : name_of(sql, tokens[i.first]); }
    /// The name of a table constraint ("" when unnamed or a column).
    std::string constraint_name(const item& i) const {
        return is_word(i.first, "CONSTRAINT") && i.first + 1 < i.last ? name_of(sql, tokens[i.first + 1]) : std::string();
    }
};

table_text read(std::string_view sql) {
    table_text t{sql, tokenize(sql), {}, 0, 0};
    const auto& tk = t.tokens;
    auto open = std::find_if(tk.begin(), tk.end(), [&](const token& x) { return x.kind == 'p' && sql[x.begin] == '('; });
    if (open == tk.end()) throw std::invalid_argument("the table's definition has no column list (CREATE TABLE ... AS SELECT?)");
    t.body_open = static_cast<std::size_t>(open - tk.begin());
    int depth = 0;
    std::size_t start = t.body_open + 1;
    for (std::size_t i = t.body_open; i < tk.size(); ++i) {
        if (tk[i].kind != 'p') continue;
        char c = sql[tk[i].begin];
        if (c == '(') ++depth;
        if (c == ')' && --depth == 0) {
            t.items.push_back({start, i});
            t.body_close = i;
            return t;
        }
        if (c == ',' && depth == 1) {
            t.items.push_back({start, i});
            start = i + 1;
        }
    }
    throw std::invalid_argument("the table's definition has unbalanced parentheses");
}

/// Whether a table constraint names `column` among the columns it constrains: the key's own
/// columns for FOREIGN KEY (not the referenced ones), every name for the others (a CHECK's
/// expression).
bool constrains(const table_text& t, const item& i, const std::string& column) {
    std::size_t from = i.first, to = i.last;
    for (std::size_t k = i.first; k < i.last; ++k)
        if (t.is_word(k, "FOREIGN")) {
            from = k;
            while (from < i.last && !(t.tokens[from].kind == 'p' && t.sql[t.tokens[from].begin] == '(')) ++from;
            to = from;
            while (to < i.last && !(t.tokens[to].kind == 'p' && t.sql[t.tokens[to].begin] == ')')) ++to;
            break;
        }
    for (std::size_t k = from; k < to; ++k)
        if ((t.tokens[k].kind == 'q' || t.tokens[k].kind == 'w') && same_ignoring_case(name_of(t.sql, t.tokens[k]), column)) return true;
    return false;
}

/// One clause of a column definition after its type, tokens [first, last): `[CONSTRAINT <name>]
/// <kind> ...`, kind being the clause's first word upper-cased (PRIMARY, NOT, NULL, UNIQUE, CHECK,
/// DEFAULT, COLLATE, REFERENCES, GENERATED, AS).
struct clause {
    std::size_t first = 0, last = 0;
    std::string name;  ///< "" when unnamed
    std::string kind;
    std::size_t body = 0;  ///< the token after the kind's word(s)
};

/// A column definition cut into its name and type, tokens [first, type_end), and its clauses.
struct column_parts {
    std::size_t first = 0, type_end = 0;
    std::vector<clause> clauses;
};

bool starts_clause(const std::string& w) {
    for (auto k : {"CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK", "DEFAULT", "COLLATE", "REFERENCES", "GENERATED", "AS"})
        if (w == k) return true;
    return false;
}

column_parts split_column(const table_text& t, const item& i) {
    column_parts out{i.first, i.first + 1, {}};
    auto word_at = [&](std::size_t k) { return k < i.last && t.tokens[k].kind == 'w' ? t.word(k) : std::string(); };
    auto punct_at = [&](std::size_t k, char c) { return k < i.last && t.tokens[k].kind == 'p' && t.sql[t.tokens[k].begin] == c; };
    // The type: names, then an optional parenthesized size (VARCHAR(20), NUMERIC(10, 2)).
    while (out.type_end < i.last && t.tokens[out.type_end].kind != 'p' && !starts_clause(word_at(out.type_end))) ++out.type_end;
    if (punct_at(out.type_end, '(')) {
        while (out.type_end < i.last && !punct_at(out.type_end, ')')) ++out.type_end;
        if (out.type_end < i.last) ++out.type_end;
    }
    std::size_t k = out.type_end;
    while (k < i.last) {
        clause c{k, k, {}, {}, k};
        if (word_at(k) == "CONSTRAINT" && k + 1 < i.last) {
            c.name = name_of(t.sql, t.tokens[k + 1]);
            k += 2;
        }
        c.kind = word_at(k);
        // Words that belong to the kind (NOT NULL, PRIMARY KEY, GENERATED ALWAYS AS), and the
        // token after DEFAULT, which is its value even when it is NULL.
        std::size_t words = c.kind == "NOT" || c.kind == "PRIMARY" || c.kind == "DEFAULT" ? 2 : c.kind == "GENERATED" ? 3 : 1;
        c.body = std::min(k + words, i.last);
        // The clause runs to the next one at this level. Inside a REFERENCES clause "SET NULL",
        // "SET DEFAULT" and "NOT DEFERRABLE" are not new clauses.
        int depth = 0;
        std::size_t end = k + 1;
        for (; end < i.last; ++end) {
            const auto& tk = t.tokens[end];
            if (tk.kind == 'p') {
                char ch = t.sql[tk.begin];
                depth += ch == '(' ? 1 : ch == ')' ? -1 : 0;
                continue;
            }
            if (depth != 0 || tk.kind != 'w' || end < c.body) continue;
            const std::string w = t.word(end);
            const bool after_set = t.is_word(end - 1, "SET");
            if (starts_clause(w) && !((w == "NULL" || w == "DEFAULT") && after_set) &&
                !(w == "NOT" && t.is_word(end + 1, "DEFERRABLE")))
                break;
        }
        c.last = end;
        out.clauses.push_back(std::move(c));
        k = end;
    }
    return out;
}

/// In a column definition, the tokens [first, last) of the inline `CONSTRAINT <name> ...` clause.
std::pair<std::size_t, std::size_t> inline_constraint(const table_text& t, const item& i, const std::string& name) {
    for (const auto& c : split_column(t, i).clauses)
        if (!c.name.empty() && same_ignoring_case(c.name, name)) return {c.first, c.last};
    return {0, 0};
}

/// A column replaced by a change_column: `definition`, strata's rendering of the column as it
/// should be, gives the type, NOT NULL and the DEFAULT, and its PRIMARY KEY, REFERENCES and
/// type CHECK; the live column keeps every other clause as written (a CHECK or COLLATE of a
/// table made by a SQL unit, an inline REFERENCES or UNIQUE strata did not render), except the
/// type CHECK strata rendered for its type before (a varchar's length would outlive a widening).
/// A NOT NULL both have stays as the live column writes it (its name, its ON CONFLICT).
std::string replaced_column(const table_text& t, const item& live, const std::string& definition) {
    const std::string probe_sql = "CREATE TABLE x (" + definition + ")";
    const table_text probe = read(probe_sql);
    const item& fresh = probe.items.front();
    const column_parts now = split_column(t, live), next = split_column(probe, fresh);
    const std::string column = t.column(live);
    auto has = [](const column_parts& p, std::string_view kind) {
        return std::any_of(p.clauses.begin(), p.clauses.end(), [&](const clause& c) { return c.kind == kind; });
    };
    std::string out = probe.text(fresh.first, next.type_end);
    // A NOT NULL that stays keeps its own text: its name, its ON CONFLICT.
    const auto live_not_null = std::find_if(now.clauses.begin(), now.clauses.end(), [](const clause& c) { return c.kind == "NOT"; });
    for (const auto& c : next.clauses)
        if (c.kind == "NOT" && live_not_null != now.clauses.end())
            out += " " + t.text(live_not_null->first, live_not_null->last);
        else if (c.kind == "NOT" || c.kind == "NULL" || c.kind == "DEFAULT")
            out += " " + probe.text(c.first, c.last);
    for (const auto& c : now.clauses) {
        if (c.kind == "NOT" || c.kind == "NULL" || c.kind == "DEFAULT") continue;
        if (c.kind == "CHECK" && c.name.empty() && c.body + 1 < c.last &&
            is_type_check(t.text(c.body + 1, c.last - 1), column))
            continue;
        out += " " + t.text(c.first, c.last);
    }
    for (const auto& c : next.clauses) {
        const bool live_has_it = (c.kind == "PRIMARY" || c.kind == "REFERENCES") && has(now, c.kind);
        if (c.kind != "NOT" && c.kind != "NULL" && c.kind != "DEFAULT" && !live_has_it) out += " " + probe.text(c.first, c.last);
    }
    return out;
}

}  // namespace
std::string edit_create_table(std::string_view create_table_sql, const changes& c, std::string_view new_name) {
    const table_text t = read(create_table_sql);
    std::vector<std::string> columns, constraints;
    std::vector<std::string> dropped_constraints_found;
    auto wanted = [](const std::vector<std::string>& names, const std::string& n) {
        return std::any_of(names.begin(), names.end(), [&](const std::string& x) { return same_ignoring_case(x, n); });
    };
    std::vector<bool> replaced(c.replace_columns.size(), false), dropped(c.drop_columns.size(), false);
    for (const auto& i : t.items) {
        if (t.is_constraint(i)) {
            const std::string name = t.constraint_name(i);
            if (!name.empty() && wanted(c.drop_constraints, name)) {
                dropped_constraints_found.push_back(name);
                continue;
            }
            // Like PostgreSQL's DROP COLUMN: a constraint on a dropped column goes with it.
            if (std::any_of(c.drop_columns.begin(), c.drop_columns.end(), [&](const auto& d) { return constrains(t, i, d); }))
                continue;
            constraints.push_back(t.text(i.first, i.last));
            continue;
        }
        const std::string column = t.column(i);
        if (auto d = std::find_if(c.drop_columns.begin(), c.drop_columns.end(), [&](const auto& x) { return same_ignoring_case(x, column); });
            d != c.drop_columns.end()) {
            dropped[static_cast<std::size_t>(d - c.drop_columns.begin())] = true;
            continue;
        }
        if (auto r = std::find_if(c.replace_columns.begin(), c.replace_columns.end(),
                                  [&](const auto& x) { return same_ignoring_case(x.first, column); });
            r != c.replace_columns.end()) {
            replaced[static_cast<std::size_t>(r - c.replace_columns.begin())] = true;
            columns.push_back(replaced_column(t, i, r->second));
            continue;
        }
        // An inline constraint to drop: the definition without that clause.
        std::string text = t.text(i.first, i.last);
        for (const auto& name : c.drop_constraints) {
            auto [from, to] = inline_constraint(t, i, name);
            if (from == 0) continue;
            text = t.text(i.first, from);
            if (to < i.last) text += " " + t.text(to, i.last);
            dropped_constraints_found.push_back(name);
            break;
        }
        columns.push_back(text);
    }
    for (std::size_t k = 0; k < c.drop_columns.size(); ++k)
        if (!dropped[k]) throw std::invalid_argument("table " + c.table + " has no column \"" + c.drop_columns[k] + "\"");
    for (std::size_t k = 0; k < c.replace_columns.size(); ++k)
        if (!replaced[k]) throw std::invalid_argument("table " + c.table + " has no column \"" + c.replace_columns[k].first + "\"");
    for (const auto& name : c.drop_constraints)
        if (!wanted(dropped_constraints_found, name))
            throw std::invalid_argument("table " + c.table + " has no constraint named \"" + name + "\"");
    for (const auto& a : c.add) {
        // Column definitions come before table constraints in SQLite's grammar.
        // Named: a table_text views its SQL, which must outlive it (ASan found a temporary here).
        const std::string probe_sql = "CREATE TABLE x (" + a + ")";
        const table_text probe = read(probe_sql);
        (probe.is_constraint(probe.items.front()) ? constraints : columns).push_back(a);
    }
    std::string out = "CREATE TABLE " + dialect::quote(new_name) + " (";
    const char* sep = "\n  ";
    for (const auto* list : {&columns, &constraints})
        for (const auto& s : *list) {
            out += sep + s;
            sep = ",\n  ";
        }
    out += "\n)";
    // Table options after the body (WITHOUT ROWID, STRICT) stay.
    if (t.body_close + 1 < t.tokens.size()) out += " " + t.text(t.body_close + 1, t.tokens.size());
    return out;
}

}  // namespace strata::sqlite_rebuild
