#include "support/schema_reader.hpp"

#include <soci/soci.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <ostream>
#include <stdexcept>

#include "support/schema_session.hpp"

namespace strata::test {
namespace {

std::string text(const std::optional<std::string>& value) { return value.value_or(""); }

/// Groups rows (key, value) into key -> values, keeping the row order of the values.
template <class Rows>
std::map<std::string, std::vector<std::string>> grouped(const Rows& rows, std::size_t key, std::size_t value) {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& row : rows.rows) out[text(row[key])].push_back(text(row[value]));
    return out;
}

void sort_keys(table_schema& t) {
    auto by_columns = [](const foreign_key_info& a, const foreign_key_info& b) {
        return std::tie(a.columns, a.name, a.ref_table) < std::tie(b.columns, b.name, b.ref_table);
    };
    std::sort(t.foreign_keys.begin(), t.foreign_keys.end(), by_columns);
    std::sort(t.uniques.begin(), t.uniques.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    std::sort(t.indexes.begin(), t.indexes.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    std::sort(t.checks.begin(), t.checks.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
}

// ---- SQLite: pragma functions and sqlite_master ------------------------------------------------

std::vector<std::string> sqlite_tables(soci::session& s) {
    std::vector<std::string> names;
    for (const auto& row : query_text(s, "SELECT name FROM sqlite_master WHERE type = 'table' "
                                         "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
                               .rows)
        names.push_back(text(row[0]));
    return names;
}

// SQLite keeps no catalog of checks, index expressions or predicates: they are read from the
// CREATE statements sqlite_master keeps, skipping strings and quoted identifiers.

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }

std::size_t skip_space(const std::string& sql, std::size_t p) {
    while (p < sql.size() && std::isspace(static_cast<unsigned char>(sql[p]))) ++p;
    return p;
}

/// The position after the quoted text (string, identifier) starting at `p`.
std::size_t after_quoted(const std::string& sql, std::size_t p) {
    const char close = sql[p] == '[' ? ']' : sql[p];
    for (++p; p < sql.size(); ++p) {
        if (sql[p] != close) continue;
        if (close != ']' && p + 1 < sql.size() && sql[p + 1] == close) {
            ++p;
            continue;
        }
        return p + 1;
    }
    return sql.size();
}

bool starts_quoted(char c) { return c == '\'' || c == '"' || c == '`' || c == '['; }

/// Whether the keyword `word` (upper case) starts at `p`, case-insensitively, as a whole word.
bool keyword_at(const std::string& sql, std::size_t p, std::string_view word) {
    if (p + word.size() > sql.size() || (p > 0 && is_word_char(sql[p - 1]))) return false;
    for (std::size_t i = 0; i < word.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(sql[p + i])) != word[i]) return false;
    return p + word.size() == sql.size() || !is_word_char(sql[p + word.size()]);
}

/// The position of the ')' closing the '(' at `open`.
std::size_t closing_paren(const std::string& sql, std::size_t open) {
    int depth = 0;
    for (std::size_t p = open; p < sql.size();) {
        if (starts_quoted(sql[p])) {
            p = after_quoted(sql, p);
            continue;
        }
        if (sql[p] == '(') ++depth;
        if (sql[p] == ')' && --depth == 0) return p;
        ++p;
    }
    return sql.size();
}

std::string trimmed(const std::string& text) {
    auto b = text.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    return text.substr(b, text.find_last_not_of(" \t\r\n") - b + 1);
}

/// `CONSTRAINT name CHECK (...)` in a CREATE TABLE statement.
std::vector<check_info> sqlite_checks(const std::string& sql) {
    std::vector<check_info> out;
    for (std::size_t p = 0; p < sql.size();) {
        if (starts_quoted(sql[p])) {
            p = after_quoted(sql, p);
        } else if (keyword_at(sql, p, "CONSTRAINT")) {
            std::size_t n = skip_space(sql, p + 10), after = n;
            std::string name;
            if (n < sql.size() && starts_quoted(sql[n])) {
                after = after_quoted(sql, n);
                const char q = sql[n];
                for (std::size_t i = n + 1; i + 1 < after; ++i) {
                    name += sql[i];
                    if (sql[i] == q) ++i;  // a doubled quote is one
                }
            } else {
                while (after < sql.size() && is_word_char(sql[after])) ++after;
                name = sql.substr(n, after - n);
            }
            std::size_t check = skip_space(sql, after);
            std::size_t open = skip_space(sql, check + 5);
            if (keyword_at(sql, check, "CHECK") && open < sql.size() && sql[open] == '(') {
                std::size_t close = closing_paren(sql, open);
                out.push_back({name, "CHECK " + sql.substr(open, close + 1 - open)});
                p = close + 1;
            } else {
                p = after;
            }
        } else {
            ++p;
        }
    }
    return out;
}

/// The key texts of a CREATE INDEX statement (its first parenthesised list) and its predicate.
std::pair<std::vector<std::string>, std::string> sqlite_index_parts(const std::string& sql) {
    std::size_t open = 0;
    while (open < sql.size() && sql[open] != '(') open = starts_quoted(sql[open]) ? after_quoted(sql, open) : open + 1;
    if (open >= sql.size()) return {};
    const std::size_t close = closing_paren(sql, open);
    std::vector<std::string> keys;
    int depth = 0;
    std::size_t start = open + 1;
    for (std::size_t p = open + 1; p < close;) {
        if (starts_quoted(sql[p])) {
            p = after_quoted(sql, p);
            continue;
        }
        if (sql[p] == '(') ++depth;
        if (sql[p] == ')') --depth;
        if (sql[p] == ',' && depth == 0) {
            keys.push_back(trimmed(sql.substr(start, p - start)));
            start = p + 1;
        }
        ++p;
    }
    keys.push_back(trimmed(sql.substr(start, close - start)));
    std::string rest = close < sql.size() ? trimmed(sql.substr(close + 1)) : std::string();
    std::string where = keyword_at(rest, 0, "WHERE") ? trimmed(rest.substr(5)) : std::string();
    return {keys, where};
}

table_schema sqlite_table(soci::session& s, const std::string& name) {
    table_schema t{.name = name};
    // pk is the column's position in the primary key (0: not in it).
    auto columns = query_text(s,
                              "SELECT name, type, CAST(\"notnull\" AS TEXT), dflt_value, CAST(pk AS TEXT) "
                              "FROM pragma_table_info(:p) ORDER BY cid",
                              name);
    if (columns.rows.empty()) throw std::runtime_error("no table \"" + name + "\" in the SQLite database");
    std::vector<std::pair<int, std::string>> key;
    for (const auto& row : columns.rows) {
        t.columns.push_back({text(row[0]), text(row[1]), text(row[2]) == "0", row[3]});
        if (int position = std::stoi(text(row[4])); position > 0) key.emplace_back(position, text(row[0]));
    }
    std::sort(key.begin(), key.end());
    for (auto& [position, column] : key) t.primary_key.push_back(column);

    // One row per column of each key; `id` numbers the keys, `seq` orders their columns.
    auto keys = query_text(s,
                           "SELECT CAST(id AS TEXT), \"from\", \"table\", \"to\", on_update, on_delete "
                           "FROM pragma_foreign_key_list(:p) ORDER BY id, seq",
                           name);
    std::map<std::string, foreign_key_info> by_id;
    for (const auto& row : keys.rows) {
        auto& k = by_id[text(row[0])];
        k.columns.push_back(text(row[1]));
        k.ref_table = text(row[2]);
        k.ref_columns.push_back(text(row[3]));  // NULL (empty) when the key names no column
        k.on_update = text(row[4]);
        k.on_delete = text(row[5]);
    }
    for (auto& [id, k] : by_id) t.foreign_keys.push_back(std::move(k));

    // origin: 'pk' the primary key's index, 'u' a UNIQUE in CREATE TABLE, 'c' CREATE INDEX.
    auto indexes = query_text(s, "SELECT name, CAST(\"unique\" AS TEXT), origin, CAST(partial AS TEXT) FROM pragma_index_list(:p)", name);
    for (const auto& row : indexes.rows) {
        std::string index = text(row[0]);
        if (text(row[2]) == "pk") continue;  // reported as primary_key
        std::vector<std::string> cols;
        bool has_expression = false;
        for (const auto& c : query_text(s, "SELECT name FROM pragma_index_info(:p) ORDER BY seqno", index).rows) {
            cols.push_back(c[0] ? *c[0] : "<expression>");
            has_expression = has_expression || !c[0];
        }
        std::vector<std::string> expressions;
        std::string where;
        if (has_expression || text(row[3]) == "1") {
            auto [keys, predicate] =
                sqlite_index_parts(text(query_value(s, "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :p", index)));
            for (std::size_t k = 0; k < keys.size() && k < cols.size(); ++k)
                if (cols[k] == "<expression>") expressions.push_back(keys[k]);
            where = predicate;
        }
        if (text(row[1]) == "1")
            t.uniques.push_back({index, cols, text(row[2]) == "u" ? unique_info::kind::constraint : unique_info::kind::index,
                                 expressions, where});
        else
            t.indexes.push_back({index, cols, expressions, where});
    }
    t.checks = sqlite_checks(text(query_value(s, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :p", name)));
    sort_keys(t);
    return t;
}

// ---- PostgreSQL: information_schema and pg_indexes ------------------------------------------

std::vector<std::string> postgresql_tables(soci::session& s) {
    std::vector<std::string> names;
    for (const auto& row : query_text(s, "SELECT CAST(table_name AS TEXT) FROM information_schema.tables "
                                         "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")
                               .rows)
        names.push_back(text(row[0]));
    return names;
}

/// `character varying` + 100 -> `character varying(100)`, the way psql's \d spells it.
std::string postgresql_type(const std::string& data_type, const std::optional<std::string>& length) {
    return length ? data_type + "(" + *length + ")" : data_type;
}

table_schema postgresql_table(soci::session& s, const std::string& name) {
    table_schema t{.name = name};
    auto columns = query_text(s,
                              "SELECT CAST(column_name AS TEXT), CAST(data_type AS TEXT), "
                              "CAST(character_maximum_length AS TEXT), CAST(is_nullable AS TEXT), "
                              "CAST(column_default AS TEXT) "
                              "FROM information_schema.columns "
                              "WHERE table_schema = current_schema() AND table_name = :p ORDER BY ordinal_position",
                              name);
    if (columns.rows.empty()) throw std::runtime_error("no table \"" + name + "\" in the current PostgreSQL schema");
    for (const auto& row : columns.rows)
        t.columns.push_back({text(row[0]), postgresql_type(text(row[1]), row[2]), text(row[3]) == "YES", row[4]});

    // Primary key and UNIQUE constraints, their columns in key order.
    auto constraints = query_text(s,
                                  "SELECT CAST(tc.constraint_name AS TEXT), CAST(tc.constraint_type AS TEXT), "
                                  "CAST(kcu.column_name AS TEXT) "
                                  "FROM information_schema.table_constraints tc "
                                  "JOIN information_schema.key_column_usage kcu "
                                  "  ON kcu.constraint_schema = tc.constraint_schema "
                                  " AND kcu.constraint_name = tc.constraint_name AND kcu.table_name = tc.table_name "
                                  "WHERE tc.table_schema = current_schema() AND tc.table_name = :p "
                                  "  AND tc.constraint_type IN ('PRIMARY KEY', 'UNIQUE') "
                                  "ORDER BY tc.constraint_name, kcu.ordinal_position",
                                  name);
    std::map<std::string, std::string> type_of;
    for (const auto& row : constraints.rows) type_of[text(row[0])] = text(row[1]);
    for (auto& [constraint, cols] : grouped(constraints, 0, 2)) {
        if (type_of[constraint] == "PRIMARY KEY")
            t.primary_key = cols;
        else
            t.uniques.push_back({constraint, cols, unique_info::kind::constraint});
    }

    // Foreign keys: the referencing columns from key_column_usage; the referenced table from
    // constraint_column_usage; the referenced columns, in the order matching the referencing
    // ones, from the referenced key's key_column_usage (position_in_unique_constraint).
    auto keys = query_text(s,
                           "SELECT CAST(rc.constraint_name AS TEXT), CAST(kcu.column_name AS TEXT), "
                           "CAST((SELECT min(ccu.table_name) FROM information_schema.constraint_column_usage ccu "
                           "      WHERE ccu.constraint_schema = rc.constraint_schema "
                           "        AND ccu.constraint_name = rc.constraint_name) AS TEXT), "
                           "CAST(ref.column_name AS TEXT), CAST(rc.update_rule AS TEXT), CAST(rc.delete_rule AS TEXT) "
                           "FROM information_schema.referential_constraints rc "
                           "JOIN information_schema.key_column_usage kcu "
                           "  ON kcu.constraint_schema = rc.constraint_schema AND kcu.constraint_name = rc.constraint_name "
                           "JOIN information_schema.key_column_usage ref "
                           "  ON ref.constraint_schema = rc.unique_constraint_schema "
                           " AND ref.constraint_name = rc.unique_constraint_name "
                           " AND ref.ordinal_position = kcu.position_in_unique_constraint "
                           "WHERE kcu.table_schema = current_schema() AND kcu.table_name = :p "
                           "ORDER BY rc.constraint_name, kcu.ordinal_position",
                           name);
    std::map<std::string, foreign_key_info> by_name;
    for (const auto& row : keys.rows) {
        auto& k = by_name[text(row[0])];
        k.name = text(row[0]);
        k.columns.push_back(text(row[1]));
        k.ref_table = text(row[2]);
        k.ref_columns.push_back(text(row[3]));
        k.on_update = text(row[4]);
        k.on_delete = text(row[5]);
    }
    for (auto& [n, k] : by_name) t.foreign_keys.push_back(std::move(k));

    // Indexes that back no primary key, unique or exclusion constraint (those are reported
    // above); keys in index order: a column's name, or for an expression (attnum 0) "<expression>"
    // and its text; the predicate of a partial index.
    auto indexes = query_text(s,
                              "SELECT CAST(c.relname AS TEXT), CAST(CAST(x.indisunique AS INTEGER) AS TEXT), "
                              "       CAST(a.attname AS TEXT), "
                              "       CASE WHEN k.attnum = 0 THEN pg_get_indexdef(x.indexrelid, CAST(k.n AS INTEGER), true) END, "
                              "       pg_get_expr(x.indpred, x.indrelid, true) "
                              "FROM pg_index x "
                              "JOIN pg_class c ON c.oid = x.indexrelid "
                              "JOIN pg_class r ON r.oid = x.indrelid "
                              "JOIN pg_namespace n ON n.oid = r.relnamespace "
                              "CROSS JOIN LATERAL unnest(CAST(x.indkey AS int2[])) WITH ORDINALITY AS k(attnum, n) "
                              "LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum "
                              "WHERE n.nspname = current_schema() AND r.relname = :p "
                              "  AND NOT EXISTS (SELECT 1 FROM pg_constraint pc "
                              "                  WHERE pc.conindid = x.indexrelid AND pc.contype IN ('p', 'u', 'x')) "
                              "ORDER BY c.relname, k.n",
                              name);
    std::map<std::string, index_info> by_index;
    std::map<std::string, bool> unique;
    for (const auto& row : indexes.rows) {
        auto& i = by_index[text(row[0])];
        i.name = text(row[0]);
        unique[i.name] = text(row[1]) == "1";
        i.columns.push_back(row[2] ? *row[2] : "<expression>");
        if (row[3]) i.expressions.push_back(*row[3]);
        i.where = text(row[4]);
    }
    for (auto& [index, i] : by_index) {
        if (unique[index])
            t.uniques.push_back({index, i.columns, unique_info::kind::index, i.expressions, i.where});
        else
            t.indexes.push_back(std::move(i));
    }

    auto checks = query_text(s,
                             "SELECT CAST(k.conname AS TEXT), pg_get_constraintdef(k.oid) "
                             "FROM pg_constraint k JOIN pg_class r ON r.oid = k.conrelid "
                             "JOIN pg_namespace n ON n.oid = r.relnamespace "
                             "WHERE n.nspname = current_schema() AND r.relname = :p AND k.contype = 'c'",
                             name);
    for (const auto& row : checks.rows) t.checks.push_back({text(row[0]), text(row[1])});
    sort_keys(t);
    return t;
}

void print_list(std::ostream& out, const std::vector<std::string>& names) {
    out << "(";
    const char* sep = "";
    for (const auto& n : names) {
        out << sep << n;
        sep = ", ";
    }
    out << ")";
}

}  // namespace

const column_info* table_schema::find_column(std::string_view column) const {
    for (const auto& c : columns)
        if (c.name == column) return &c;
    return nullptr;
}

std::vector<std::string> database_schema::table_names() const {
    std::vector<std::string> names;
    for (const auto& t : tables) names.push_back(t.name);
    return names;
}

const table_schema* database_schema::find(std::string_view table) const {
    for (const auto& t : tables)
        if (t.name == table) return &t;
    return nullptr;
}

database_schema database_schema::without(std::string_view table) const {
    database_schema out = *this;
    std::erase_if(out.tables, [&](const table_schema& t) { return t.name == table; });
    return out;
}

std::vector<std::string> read_table_names(soci::session& session) {
    auto names = backend_of(session) == backend::sqlite ? sqlite_tables(session) : postgresql_tables(session);
    std::sort(names.begin(), names.end());
    return names;
}

table_schema read_table(soci::session& session, const std::string& table) {
    return backend_of(session) == backend::sqlite ? sqlite_table(session, table) : postgresql_table(session, table);
}

database_schema read_schema(soci::session& session) {
    database_schema out;
    for (const auto& name : read_table_names(session)) out.tables.push_back(read_table(session, name));
    return out;
}

std::ostream& operator<<(std::ostream& out, const column_info& c) {
    out << "column " << c.name << " " << c.type << (c.nullable ? " NULL" : " NOT NULL");
    if (c.default_value) out << " DEFAULT " << *c.default_value;
    return out;
}

std::ostream& operator<<(std::ostream& out, const foreign_key_info& k) {
    out << "foreign key " << (k.name.empty() ? "(unnamed)" : k.name) << " ";
    print_list(out, k.columns);
    out << " REFERENCES " << k.ref_table << " ";
    print_list(out, k.ref_columns);
    return out << " ON UPDATE " << k.on_update << " ON DELETE " << k.on_delete;
}

namespace {

/// " expressions (...)" and " WHERE ..." when there are any.
void print_expressions(std::ostream& out, const std::vector<std::string>& expressions, const std::string& where) {
    if (!expressions.empty()) {
        out << " expressions ";
        print_list(out, expressions);
    }
    if (!where.empty()) out << " WHERE " << where;
}

}  // namespace

std::ostream& operator<<(std::ostream& out, const unique_info& u) {
    out << (u.made_by == unique_info::kind::constraint ? "unique constraint " : "unique index ") << u.name << " ";
    print_list(out, u.columns);
    print_expressions(out, u.expressions, u.where);
    return out;
}

std::ostream& operator<<(std::ostream& out, const index_info& i) {
    out << "index " << i.name << " ";
    print_list(out, i.columns);
    print_expressions(out, i.expressions, i.where);
    return out;
}

std::ostream& operator<<(std::ostream& out, const check_info& c) { return out << "check " << c.name << " " << c.definition; }

std::ostream& operator<<(std::ostream& out, const table_schema& t) {
    out << "table " << t.name << "\n";
    for (const auto& c : t.columns) out << "  " << c << "\n";
    out << "  primary key ";
    print_list(out, t.primary_key);
    out << "\n";
    for (const auto& k : t.foreign_keys) out << "  " << k << "\n";
    for (const auto& u : t.uniques) out << "  " << u << "\n";
    for (const auto& i : t.indexes) out << "  " << i << "\n";
    for (const auto& c : t.checks) out << "  " << c << "\n";
    return out;
}

std::ostream& operator<<(std::ostream& out, const database_schema& d) {
    if (d.tables.empty()) return out << "(no tables)\n";
    for (const auto& t : d.tables) out << t;
    return out;
}

std::string line_diff(const std::string& expected, const std::string& actual) {
    auto lines = [](const std::string& s) {
        std::vector<std::string> out;
        std::istringstream in(s);
        for (std::string line; std::getline(in, line);) out.push_back(line);
        return out;
    };
    const auto a = lines(expected), b = lines(actual);
    // Longest common subsequence, then walk it: small inputs, clarity over speed.
    std::vector<std::vector<std::size_t>> lcs(a.size() + 1, std::vector<std::size_t>(b.size() + 1, 0));
    for (std::size_t i = a.size(); i-- > 0;)
        for (std::size_t j = b.size(); j-- > 0;)
            lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    std::string out;
    std::size_t i = 0, j = 0;
    while (i < a.size() || j < b.size()) {
        if (i < a.size() && j < b.size() && a[i] == b[j]) {
            out += "  " + a[i++] + "\n";
            ++j;
        } else if (i < a.size() && (j == b.size() || lcs[i + 1][j] >= lcs[i][j + 1])) {
            out += "- " + a[i++] + "\n";
        } else {
            out += "+ " + b[j++] + "\n";
        }
    }
    return out;
}

}  // namespace strata::test
