#include "inspect/sqlite_sql.hpp"

#include <cctype>
#include <string_view>

namespace strata::inspect::sqlite_sql {
namespace {

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }
bool starts_quoted(char c) { return c == '\'' || c == '"' || c == '`' || c == '['; }

std::string trimmed(const std::string& text) {
    const auto b = text.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    return text.substr(b, text.find_last_not_of(" \t\r\n") - b + 1);
}

std::size_t skip_space(const std::string& sql, std::size_t p) {
    while (p < sql.size() && std::isspace(static_cast<unsigned char>(sql[p]))) ++p;
    return p;
}

/// The position after the quoted text (string, identifier) starting at `p`; a doubled quote is one.
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

/// The position after the token at `p` when it is quoted text or a comment, else `p + 1`: the
/// step every scan below takes, so nothing inside a literal or a comment is looked at.
std::size_t next(const std::string& sql, std::size_t p) {
    if (starts_quoted(sql[p])) return after_quoted(sql, p);
    if (sql.compare(p, 2, "--") == 0) {
        const auto end = sql.find('\n', p);
        return end == std::string::npos ? sql.size() : end + 1;
    }
    if (sql.compare(p, 2, "/*") == 0) {
        const auto end = sql.find("*/", p + 2);
        return end == std::string::npos ? sql.size() : end + 2;
    }
    return p + 1;
}

/// Whether the keyword `word` (upper case) starts at `p`, case-insensitively, as a whole word.
bool keyword_at(const std::string& sql, std::size_t p, std::string_view word) {
    if (p + word.size() > sql.size() || (p > 0 && is_word_char(sql[p - 1]))) return false;
    for (std::size_t i = 0; i < word.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(sql[p + i])) != word[i]) return false;
    return p + word.size() == sql.size() || !is_word_char(sql[p + word.size()]);
}

/// The position of the ')' closing the '(' at `open` (the end when it is not closed).
std::size_t closing_paren(const std::string& sql, std::size_t open) {
    int depth = 0;
    for (std::size_t p = open; p < sql.size(); p = next(sql, p)) {
        if (sql[p] == '(') ++depth;
        if (sql[p] == ')' && --depth == 0) return p;
    }
    return sql.size();
}

/// The first '(' at or after `p` outside quotes and comments.
std::size_t first_paren(const std::string& sql, std::size_t p) {
    while (p < sql.size() && sql[p] != '(') p = next(sql, p);
    return p;
}

/// The comma-separated parts of the list between the parentheses at `open` and `close`, trimmed.
std::vector<std::string> list_items(const std::string& sql, std::size_t open, std::size_t close) {
    std::vector<std::string> items;
    int depth = 0;
    std::size_t start = open + 1;
    for (std::size_t p = open + 1; p < close; p = next(sql, p)) {
        if (sql[p] == '(') ++depth;
        if (sql[p] == ')') --depth;
        if (sql[p] == ',' && depth == 0) {
            items.push_back(trimmed(sql.substr(start, p - start)));
            start = p + 1;
        }
    }
    items.push_back(trimmed(sql.substr(start, close - start)));
    return items;
}

/// The identifier starting at `p` (quoted or bare), unquoted, and the position after it.
std::pair<std::string, std::size_t> identifier_at(const std::string& sql, std::size_t p) {
    if (p < sql.size() && starts_quoted(sql[p])) {
        const std::size_t after = after_quoted(sql, p);
        const char close = sql[p] == '[' ? ']' : sql[p];
        std::string name;
        for (std::size_t i = p + 1; i + 1 < after; ++i) {
            name += sql[i];
            if (sql[i] == close && close != ']') ++i;  // a doubled quote is one
        }
        return {name, after};
    }
    std::size_t after = p;
    while (after < sql.size() && is_word_char(sql[after])) ++after;
    return {sql.substr(p, after - p), after};
}

bool same_name(const std::string& a, const std::string& b) {
    if (a.size() != b.size()) return false;  // SQLite compares names ignoring ASCII case
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
    return true;
}

}  // namespace

std::vector<check> checks(const std::string& sql) {
    std::vector<check> out;
    std::string name;             // of the last CONSTRAINT seen
    std::size_t named_at = std::string::npos;  // where the constraint it names must start
    for (std::size_t p = 0; p < sql.size();) {
        if (keyword_at(sql, p, "CONSTRAINT")) {
            auto [n, after] = identifier_at(sql, skip_space(sql, p + 10));
            name = n;
            named_at = skip_space(sql, after);
            p = after;
        } else if (keyword_at(sql, p, "CHECK")) {
            const std::size_t open = skip_space(sql, p + 5);
            if (open >= sql.size() || sql[open] != '(') return out;  // not a statement SQLite accepted
            const std::size_t close = closing_paren(sql, open);
            out.push_back({p == named_at ? name : std::string(), "CHECK " + sql.substr(open, close + 1 - open)});
            p = close + 1;
        } else {
            p = next(sql, p);
        }
    }
    return out;
}

std::string laid_out_table(const std::string& sql) {
    const std::size_t create = skip_space(sql, 0);
    if (!keyword_at(sql, create, "CREATE") || !keyword_at(sql, skip_space(sql, create + 6), "TABLE")) return sql;
    for (std::size_t p = 0; p < sql.size(); p = next(sql, p))
        if (sql.compare(p, 2, "--") == 0) return sql;
    const std::size_t open = first_paren(sql, 0);
    const std::size_t close = open < sql.size() ? closing_paren(sql, open) : sql.size();
    if (close >= sql.size()) return sql;
    std::string out = trimmed(sql.substr(0, open)) + " (";
    const char* separator = "\n  ";
    for (const auto& item : list_items(sql, open, close)) {
        out += separator + item;
        separator = ",\n  ";
    }
    return out + "\n)" + sql.substr(close + 1);
}

std::optional<std::string> generated_expression(const std::string& sql, const std::string& column) {
    const std::size_t open = first_paren(sql, 0);
    if (open >= sql.size()) return std::nullopt;
    for (const std::string& item : list_items(sql, open, closing_paren(sql, open))) {
        auto [name, p] = identifier_at(item, 0);
        if (!same_name(name, column)) continue;
        // `[GENERATED ALWAYS] AS (expression)`: the only AS at the top level of a column definition.
        for (int depth = 0; p < item.size(); p = next(item, p)) {
            if (item[p] == '(') ++depth;
            if (item[p] == ')') --depth;
            if (depth != 0 || !keyword_at(item, p, "AS")) continue;
            const std::size_t expression = skip_space(item, p + 2);
            if (expression >= item.size() || item[expression] != '(') return std::nullopt;
            return trimmed(item.substr(expression + 1, closing_paren(item, expression) - expression - 1));
        }
        return std::nullopt;
    }
    return std::nullopt;
}

index_parts parse_index(const std::string& sql) {
    const std::size_t open = first_paren(sql, 0);
    if (open >= sql.size()) return {};
    const std::size_t close = closing_paren(sql, open);
    index_parts out{.keys = list_items(sql, open, close)};
    const std::string rest = close < sql.size() ? trimmed(sql.substr(close + 1)) : std::string();
    if (keyword_at(rest, 0, "WHERE")) out.where = trimmed(rest.substr(5));
    return out;
}

}  // namespace strata::inspect::sqlite_sql
