#include "run/data_loss.hpp"

#include <strata/dialect.hpp>
#include <strata/error.hpp>

#include <algorithm>
#include <cctype>
#include <set>
#include <stdexcept>

#include "connection.hpp"
#include "dialect/sqlite/table_rebuild.hpp"
#include "run/reconcile.hpp"

namespace strata {
namespace {

/// A word of a statement: a name or keyword (quoted or bare), or one character of punctuation.
struct word {
    std::string text;   ///< as written, quotes included
    std::string value;  ///< quotes removed; upper case when bare (for keywords)
    bool quoted = false;
};

/// The words of `sql`, comments and white space left out. String literals are skipped whole.
std::vector<word> words_of(std::string_view sql) {
    std::vector<word> out;
    std::size_t i = 0;
    auto bare = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; };
    while (i < sql.size()) {
        const char c = sql[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            ++i;
        } else if (sql.substr(i, 2) == "--") {
            i = sql.find('\n', i);
            if (i == std::string_view::npos) break;
        } else if (sql.substr(i, 2) == "/*") {
            i = sql.find("*/", i + 2);
            if (i == std::string_view::npos) break;
            i += 2;
        } else if (c == '"' || c == '\'' || c == '`' || c == '[') {
            // A quoted name ("x", SQLite's `x` and [x] too) or a string literal.
            const char close = c == '[' ? ']' : c;
            std::string value;
            std::size_t j = i + 1;
            for (; j < sql.size(); ++j) {
                if (sql[j] != close) {
                    value += sql[j];
                } else if (close != ']' && j + 1 < sql.size() && sql[j + 1] == close) {
                    value += close;
                    ++j;
                } else {
                    break;
                }
            }
            const std::size_t end = std::min(j + 1, sql.size());
            if (c != '\'') out.push_back({std::string(sql.substr(i, end - i)), value, true});
            else out.push_back({"'", "'", false});  // a literal: nothing to name
            i = end;
        } else if (bare(c)) {
            std::size_t j = i;
            while (j < sql.size() && bare(sql[j])) ++j;
            std::string value(sql.substr(i, j - i));
            std::transform(value.begin(), value.end(), value.begin(), [](unsigned char x) { return std::toupper(x); });
            out.push_back({std::string(sql.substr(i, j - i)), value, false});
            i = j;
        } else {
            out.push_back({std::string(1, c), std::string(1, c), false});
            ++i;
        }
    }
    return out;
}

/// Reads the words of one statement, front to back.
class reader {
public:
    explicit reader(std::vector<word> w) : words_(std::move(w)) {}

    bool done() const { return at_ >= words_.size(); }
    /// Whether the next word is the keyword (or punctuation) `k`; takes it when so.
    bool take(std::string_view k) {
        if (done() || words_[at_].quoted || words_[at_].value != k) return false;
        ++at_;
        return true;
    }
    /// A name, qualified or not (`a`, `"s"."t"`): its text as written, and a key for comparing two
    /// names (a bare name folded to lower case, as PostgreSQL folds it). Empty when the next word
    /// is not a name.
    std::pair<std::string, std::string> name() {
        std::string text, key;
        while (!done() && (words_[at_].quoted || std::isalpha(static_cast<unsigned char>(words_[at_].value[0])) ||
                           words_[at_].value[0] == '_')) {
            const auto& w = words_[at_++];
            text += w.text;
            std::string k = w.value;
            if (!w.quoted) std::transform(k.begin(), k.end(), k.begin(), [](unsigned char x) { return std::tolower(x); });
            key += k;
            if (!take(".")) break;
            text += ".";
            key += ".";
        }
        return {text, key};
    }
    /// Skips to just after the next `,` outside parentheses; false at the end.
    bool next_item() {
        int depth = 0;
        while (!done()) {
            const auto& w = words_[at_++];
            if (w.quoted) continue;
            if (w.value == "(") ++depth;
            else if (w.value == ")") --depth;
            else if (w.value == "," && depth == 0) return true;
        }
        return false;
    }

private:
    std::vector<word> words_;
    std::size_t at_ = 0;
};

/// What one statement drops (see drops_in); `created`: the keys of the tables the step's earlier
/// statements created, and this one's, when it creates one.
void read_statement(const std::string& statement, std::set<std::string>& created, std::vector<dropped_data>& out) {
    if (statement.starts_with(sqlite_rebuild::directive_prefix)) {
        try {
            const auto c = sqlite_rebuild::parse_directive(statement);
            for (const auto& column : c.drop_columns) out.push_back({dialect::quote(c.table), dialect::quote(column)});
        } catch (const std::invalid_argument&) {
            // Not one strata wrote: the rebuild itself says what is wrong with it.
        }
        return;
    }
    reader r(words_of(statement));
    if (r.take("CREATE")) {
        while (r.take("TEMP") || r.take("TEMPORARY") || r.take("UNLOGGED") || r.take("GLOBAL") || r.take("LOCAL")) {
        }
        if (!r.take("TABLE")) return;
        if (r.take("IF") && !(r.take("NOT") && r.take("EXISTS"))) return;
        created.insert(r.name().second);
    } else if (r.take("DROP")) {
        if (!r.take("TABLE")) return;
        if (r.take("IF") && !r.take("EXISTS")) return;
        do {
            const auto [text, key] = r.name();
            if (!text.empty() && !created.contains(key)) out.push_back({text, {}});
        } while (r.take(","));
    } else if (r.take("TRUNCATE")) {
        r.take("TABLE");
        do {
            r.take("ONLY");
            const auto [text, key] = r.name();
            r.take("*");
            if (!text.empty() && !created.contains(key)) out.push_back({text, {}, true});
        } while (r.take(","));
    } else if (r.take("ALTER")) {
        if (!r.take("TABLE")) return;
        if (r.take("IF") && !r.take("EXISTS")) return;
        r.take("ONLY");
        const auto [table, key] = r.name();
        if (table.empty() || created.contains(key)) return;
        r.take("*");
        do {
            // Each action: DROP [COLUMN] [IF EXISTS] name; DROP CONSTRAINT drops no data.
            if (!r.take("DROP") || r.take("CONSTRAINT")) continue;
            r.take("COLUMN");
            if (r.take("IF") && !r.take("EXISTS")) continue;
            if (auto column = r.name().first; !column.empty()) out.push_back({table, column});
        } while (r.next_item());
    }
}

std::string what(const dropped_data& d) {
    if (!d.column.empty()) return "drops column " + d.table + "." + d.column;
    return (d.truncated ? "truncates table " : "drops table ") + d.table;
}

std::string rows(std::int64_t n) {
    return n >= rows_counted_at_most ? "at least " + std::to_string(rows_counted_at_most) + " rows"
                                     : std::to_string(n) + (n == 1 ? " row" : " rows");
}

}  // namespace

std::vector<dropped_data> drops_in(const std::vector<std::string>& statements) {
    std::set<std::string> created;
    std::vector<dropped_data> out;
    for (const auto& s : statements) read_statement(s, created, out);
    return out;
}

std::string rows_holding_data_query(const dropped_data& d) {
    return "SELECT count(*) FROM (SELECT 1 FROM " + d.table + (d.column.empty() ? "" : " WHERE " + d.column + " IS NOT NULL") +
           " LIMIT " + std::to_string(rows_counted_at_most) + ") AS strata_rows";
}

std::vector<std::string> data_at_risk(connection& db, const std::vector<step>& steps) {
    std::vector<std::string> out;
    for (const auto& s : steps) {
        for (const auto& d : drops_in(s.statements->statements)) {
            const std::string unit = unit_label(s.version, s.name) + " " + what(d);
            try {
                const auto found = db.query(rows_holding_data_query(d));
                const std::int64_t n = found.empty() || !found[0][0] ? 0 : std::stoll(*found[0][0]);
                if (n == 0) continue;
                out.push_back(unit + (d.column.empty() ? " with its " + rows(n) : ", which holds values in " + rows(n)));
            } catch (const error& e) {
                if (db.is_undefined_object(e)) continue;  // not there (yet): nothing of it to lose
                out.push_back(unit + ", which could not be read to see whether it holds data (" + e.message() + ")");
            }
        }
    }
    return out;
}

std::vector<std::string> drops_of(const std::vector<step>& steps) {
    std::vector<std::string> out;
    for (const auto& s : steps)
        for (const auto& d : drops_in(s.statements->statements)) out.push_back(unit_label(s.version, s.name) + " " + what(d));
    return out;
}

}  // namespace strata
