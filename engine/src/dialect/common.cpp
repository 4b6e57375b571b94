// The SQL both dialects spell the same way (common.hpp).

#include "dialect/common.hpp"

#include <strata/error.hpp>

#include <algorithm>
#include <cctype>

#include "overloaded.hpp"

namespace strata::detail {

bool is_literal(const std::string& expression) {
    if (expression == "NULL" || expression == "TRUE" || expression == "FALSE") return true;
    if (expression.size() >= 2 && expression.front() == '\'' && expression.back() == '\'') {
        for (std::size_t i = 1; i + 1 < expression.size(); ++i)
            if (expression[i] == '\'' && expression[++i] != '\'') return false;  // 'a' || 'b'
        return true;
    }
    std::size_t i = expression.empty() ? 0 : (expression[0] == '-' || expression[0] == '+');
    return i < expression.size() && expression.find_first_not_of("0123456789.", i) == std::string::npos;
}

std::string quote_list(const std::vector<std::string>& identifiers) {
    std::string out;
    for (const auto& id : identifiers) {
        if (!out.empty()) out += ", ";
        out += dialect::quote(id);
    }
    return out;
}

std::string enumeration_check_name(const std::string& table, const std::string& column) {
    return schema::split_qualified(table).table + "_" + column + "_check";
}

std::string one_of_check(const schema::column& c) {
    std::string values;
    for (const auto& v : c.type.values) values += (values.empty() ? "" : ", ") + dialect::quote_literal(v);
    return dialect::quote(c.name) + " IN (" + values + ")";
}

const char* to_sql(schema::fk_action action) {
    switch (action) {
    case schema::fk_action::no_action: return "NO ACTION";
    case schema::fk_action::restrict: return "RESTRICT";
    case schema::fk_action::cascade: return "CASCADE";
    case schema::fk_action::set_null: return "SET NULL";
    case schema::fk_action::set_default: return "SET DEFAULT";
    }
    return "NO ACTION";
}

std::string references_clause(const schema::foreign_key& key) {
    std::string out = "REFERENCES " + dialect::quote(key.ref_table) + " (" + quote_list(key.ref_columns) + ")";
    if (key.on_update != schema::fk_action::no_action) out += std::string(" ON UPDATE ") + to_sql(key.on_update);
    if (key.on_delete != schema::fk_action::no_action) out += std::string(" ON DELETE ") + to_sql(key.on_delete);
    return out;
}

std::string foreign_key_constraint(const schema::foreign_key& key) {
    return "CONSTRAINT " + dialect::quote(key.name) + " FOREIGN KEY (" + quote_list(key.columns) + ") " +
           references_clause(key);
}

std::string create_index_statement(const std::string& name, const std::string& table,
                                   const std::vector<std::string>& columns, bool unique) {
    return std::string("CREATE ") + (unique ? "UNIQUE " : "") + "INDEX " + dialect::quote(name) + " ON " +
           dialect::quote(table) + " (" + quote_list(columns) + ")";
}

std::string index_keys(const schema::index_def& index) {
    if (index.expressions.empty()) return quote_list(index.columns);
    std::string out;
    for (const auto& e : index.expressions) out += (out.empty() ? "(" : ", (") + e + ")";
    return out;
}

std::string create_index_statement(const schema::index_def& index, const std::string& name, const std::string& table) {
    std::string out = std::string("CREATE ") + (index.unique ? "UNIQUE " : "") + "INDEX " + dialect::quote(name) + " ON " +
                      dialect::quote(table) + " (" + index_keys(index) + ")";
    if (!index.where.empty()) out += " WHERE (" + index.where + ")";
    return out;
}

std::string check_constraint(const schema::check_def& check) {
    return "CONSTRAINT " + dialect::quote(check.name) + " CHECK (" + check.expression + ")";
}

bool same_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string lower_case(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

namespace {

bool word_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80; }
bool word_char(char c) { return word_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$'; }


/// Words that are SQL syntax where they stand bare; a column of that name must be quoted.
bool is_keyword(std::string_view word) {
    static const char* const keywords[] = {"AND", "OR", "NOT", "IS", "IN", "LIKE", "ILIKE", "GLOB", "REGEXP", "BETWEEN",
                                           "NULL", "TRUE", "FALSE", "CASE", "WHEN", "THEN", "ELSE", "END", "CAST", "AS",
                                           "COLLATE", "ESCAPE", "DISTINCT", "FROM", "SIMILAR", "ANY", "ALL", "SOME",
                                           "EXISTS", "ISNULL", "NOTNULL"};
    for (const char* k : keywords)
        if (same_ignoring_case(word, k)) return true;
    return false;
}

/// Whether the word ending before `i` (skipping blanks) is `word`, as AS in `CAST(x AS date)`.
/// A quoted identifier may follow it without a blank (`COLLATE"C"`).
bool after_word(const std::string& text, std::size_t i, std::string_view word) {
    if (i == 0) return false;
    std::size_t end = text.find_last_not_of(" \t\r\n", i - 1);
    if (end == std::string::npos || end + 1 < word.size() || (end == i - 1 && text[i] != '"')) return false;  // not a separate word
    const std::size_t from = end + 1 - word.size();
    return same_ignoring_case(std::string_view(text).substr(from, word.size()), word) && (from == 0 || !word_char(text[from - 1]));
}

/// Calls `f(begin, end, id)` for each identifier in `text` (identifier_use). String literals
/// are skipped.
template <class F>
void for_each_identifier(const std::string& text, F f) {
    auto next_char = [&](std::size_t j) {
        std::size_t next = text.find_first_not_of(" \t\r\n", j);
        return next == std::string::npos ? '\0' : text[next];
    };
    auto qualified = [&](std::size_t i, std::size_t j) { return (i > 0 && text[i - 1] == '.') || next_char(j) == '.'; };
    auto after_cast = [&](std::size_t i) {  // `x::type`, `x :: type`
        std::size_t end = i == 0 ? std::string::npos : text.find_last_not_of(" \t\r\n", i - 1);
        return end != std::string::npos && end >= 1 && text.compare(end - 1, 2, "::") == 0;
    };
    auto type = [&](std::size_t i, std::size_t j) {
        return after_cast(i) || after_word(text, i, "AS") || after_word(text, i, "COLLATE") || next_char(j) == '\'';
    };
    for (std::size_t i = 0; i < text.size();) {
        char ch = text[i];
        if (ch == '\'' || ch == '"') {
            std::string inside;
            std::size_t j = i + 1;
            for (; j < text.size(); ++j) {
                if (text[j] == ch) {
                    if (j + 1 < text.size() && text[j + 1] == ch) {
                        inside += ch;
                        ++j;
                        continue;
                    }
                    break;
                }
                inside += text[j];
            }
            std::size_t end = std::min(j + 1, text.size());
            if (ch == '"') f(i, end, identifier_use{inside, true, next_char(end) != '(' && !type(i, end), qualified(i, end)});
            i = end;
        } else if (word_start(ch)) {
            std::size_t j = i;
            while (j < text.size() && word_char(text[j])) ++j;
            const std::string_view word = std::string_view(text).substr(i, j - i);
            f(i, j, identifier_use{std::string(word), false, next_char(j) != '(' && !type(i, j) && !is_keyword(word), qualified(i, j)});
            i = j;
        } else if (std::isdigit(static_cast<unsigned char>(ch))) {
            while (i < text.size() && (word_char(text[i]) || text[i] == '.')) ++i;  // 1e5, 2.5
        } else {
            ++i;
        }
    }
}

/// Calls `f(begin, end)` for each identifier in `text` that names `column`: a quoted identifier
/// spelled exactly so, or a bare word spelled so in any case that is not a keyword, a function
/// name, a type or a typed literal's type.
template <class F>
void for_each_use(const std::string& text, const std::string& column, F f) {
    for_each_identifier(text, [&](std::size_t begin, std::size_t end, const identifier_use& id) {
        if (id.quoted ? id.name == column : id.plain && same_ignoring_case(id.name, column)) f(begin, end);
    });
}

}  // namespace

std::vector<identifier_use> identifiers_in(const std::string& expression) {
    std::vector<identifier_use> out;
    for_each_identifier(expression, [&](std::size_t, std::size_t, const identifier_use& id) { out.push_back(id); });
    return out;
}

bool expression_uses(const std::string& expression, const std::string& column) {
    bool used = false;
    for_each_use(expression, column, [&](std::size_t, std::size_t) { used = true; });
    return used;
}

std::string expression_renamed(const std::string& expression, const std::string& from, const std::string& to) {
    std::string out;
    std::size_t last = 0;
    for_each_use(expression, from, [&](std::size_t begin, std::size_t end) {
        out += expression.substr(last, begin - last) + dialect::quote(to);
        last = end;
    });
    return out + expression.substr(last);
}

std::string rename_table_statement(const schema::rename_table& op, const catalog& state) {
    // Only what the model knows is refused: a table made by raw sql is not in it, and the
    // database has the last word.
    if (state.tables.contains(op.to))
        throw error("cannot " + schema::describe(op) + ": an earlier unit already created a table \"" +
                    schema::display_name(op.to) + "\"");
    // RENAME TO takes a bare name and keeps the table in its schema.
    const auto from = schema::split_qualified(op.from), to = schema::split_qualified(op.to);
    if (from.schema != to.schema)
        throw unsupported_error(schema::describe(op) + ": a rename keeps the table in its schema" +
                                (from.schema.empty() ? std::string() : " (" + from.schema + ")") + "; write the new name as " +
                                (from.schema.empty() ? "a plain name" : "qualified(\"" + from.schema + "\", \"" + to.table + "\")"));
    return "ALTER TABLE " + dialect::quote(op.from) + " RENAME TO " + dialect::quote(to.table);
}

std::vector<std::string> tables_named(const schema::operation& op) {
    std::vector<std::string> names;
    auto key = [&](const schema::foreign_key& k) { names.push_back(k.ref_table); };
    auto column = [&](const schema::column& c) {
        if (c.reference) key(*c.reference);
    };
    std::visit(overloaded{
                   [&](const schema::create_table& o) {
                       names.push_back(o.table.name);
                       for (const auto& c : o.table.columns) column(c);
                       for (const auto& k : o.table.foreign_keys) key(k);
                   },
                   [&](const schema::drop_table& o) { names.push_back(o.name); },
                   [&](const schema::add_column& o) {
                       names.push_back(o.table);
                       column(o.column);
                   },
                   [&](const schema::add_foreign_key& o) {
                       names.push_back(o.table);
                       key(o.key);
                   },
                   [&](const schema::create_index& o) { names.push_back(o.index.table); },
                   [&](const schema::rename_table& o) {
                       names.push_back(o.from);
                       names.push_back(o.to);
                   },
                   [&](const auto& o) {
                       if constexpr (requires { std::string_view(o.table); }) names.push_back(o.table);
                   },
               },
               op);
    return names;
}

std::string rename_column_statement(const schema::rename_column& op, const catalog& state) {
    if (auto it = state.tables.find(op.table); it != state.tables.end()) {
        if (!it->second.find_column(op.from))
            throw error("cannot " + schema::describe(op) + ": table " + op.table + " has no column \"" + op.from + "\"");
        if (it->second.find_column(op.to))
            throw error("cannot " + schema::describe(op) + ": table " + op.table + " already has a column \"" + op.to +
                        "\"");
    }
    return "ALTER TABLE " + dialect::quote(op.table) + " RENAME COLUMN " + dialect::quote(op.from) + " TO " +
           dialect::quote(op.to);
}

const std::string& raw_text(const std::string& text, const char* dialect_name) {
    if (text.empty())
        throw unsupported_error(std::string("a raw sql operation has no text for ") + dialect_name +
                                "; give it with sql(sql_text{...})");
    return text;
}

const std::vector<std::string>& script_statements(const schema::sql_script& script, backend b) {
    const auto& list = b == backend::postgresql ? script.postgresql : script.sqlite;
    if (list) return *list;
    const std::string dialect_name = to_string(b);
    const std::string word = to_string(script.role);
    std::string message = script.source.empty()
                              ? "a raw statements operation has no " + word + " statements for " + dialect_name
                              : script.source + " has no \"-- strata:" + word + " " + dialect_name +
                                    "\" section (nor a generic \"-- strata:" + word + "\")";
    if (script.role == direction::up) throw unsupported_error(message + ", so it cannot run on " + dialect_name);
    throw irreversible_error(message + ", so it cannot be reverted on " + dialect_name);
}

}  // namespace strata::detail
