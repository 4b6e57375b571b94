#include "dialect/sqlite/table_rebuild.hpp"

#include <strata/dialect.hpp>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace strata::sqlite_rebuild {
namespace {

// ---- the directive ----------------------------------------------------------------------------

/// `--   <verb>: <payload>`; a payload's further lines follow as `--   | <line>`.
void line(std::string& out, std::string_view verb, std::string_view payload) {
    out += "\n--   ";
    out += verb;
    out += ": ";
    for (char c : payload) {
        if (c == '\n')
            out += "\n--   | ";
        else
            out += c;
    }
}

/// Reads a quoted name at the start of `text`, returning it and the rest.
std::pair<std::string, std::string_view> take_quoted(std::string_view text) {
    if (text.empty() || text.front() != '"') throw std::invalid_argument("expected a quoted name in: " + std::string(text));
    std::string name;
    for (std::size_t i = 1; i < text.size(); ++i) {
        if (text[i] == '"') {
            if (i + 1 < text.size() && text[i + 1] == '"') {
                name += '"';
                ++i;
                continue;
            }
            return {name, text.substr(i + 1)};
        }
        name += text[i];
    }
    throw std::invalid_argument("unterminated quoted name in: " + std::string(text));
}

std::string_view trim_left(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    return s;
}

}  // namespace

std::string directive(const changes& c) {
    std::string out = std::string(directive_prefix) + dialect::quote(c.table) + " from its definition in sqlite_master";
    for (const auto& a : c.add) line(out, "add", a);
    for (const auto& d : c.drop_columns) line(out, "drop column", dialect::quote(d));
    for (const auto& d : c.drop_constraints) line(out, "drop constraint", dialect::quote(d));
    for (const auto& [column, definition] : c.replace_columns) line(out, "replace column", dialect::quote(column) + " with " + definition);
    for (const auto& [column, expression] : c.copy_as) line(out, "copy column", dialect::quote(column) + " as " + expression);
    return out;
}

changes parse_directive(std::string_view statement) {
    if (!statement.starts_with(directive_prefix)) throw std::invalid_argument("not a rebuild directive");
    changes c;
    std::vector<std::string> lines;
    for (std::size_t at = 0; at <= statement.size();) {
        auto end = statement.find('\n', at);
        if (end == std::string_view::npos) end = statement.size();
        lines.emplace_back(statement.substr(at, end - at));
        at = end + 1;
    }
    auto first = std::string_view(lines.front()).substr(directive_prefix.size());
    c.table = take_quoted(first).first;
    std::string verb, payload;
    auto flush = [&] {
        if (verb.empty()) return;
        auto split = [&](std::string_view word) {
            auto [name, rest] = take_quoted(payload);
            rest = trim_left(rest);
            if (!rest.starts_with(word)) throw std::invalid_argument("expected '" + std::string(word) + "' in: " + payload);
            return std::pair{name, std::string(trim_left(rest.substr(word.size())))};
        };
        if (verb == "add")
            c.add.push_back(payload);
        else if (verb == "drop column")
            c.drop_columns.push_back(take_quoted(payload).first);
        else if (verb == "drop constraint")
            c.drop_constraints.push_back(take_quoted(payload).first);
        else if (verb == "replace column")
            c.replace_columns.push_back(split("with"));
        else if (verb == "copy column")
            c.copy_as.push_back(split("as"));
        else
            throw std::invalid_argument("unknown rebuild step '" + verb + "'");
        verb.clear();
    };
    for (std::size_t i = 1; i < lines.size(); ++i) {
        std::string_view l = lines[i];
        if (l.starts_with("--   | ")) {
            payload += "\n" + std::string(l.substr(7));
            continue;
        }
        if (!l.starts_with("--   ")) throw std::invalid_argument("unexpected line in a rebuild directive: " + std::string(l));
        flush();
        l.remove_prefix(5);
        auto colon = l.find(": ");
        if (colon == std::string_view::npos) throw std::invalid_argument("no ':' in rebuild step: " + std::string(l));
        verb = std::string(l.substr(0, colon));
        payload = std::string(l.substr(colon + 2));
    }
    flush();
    return c;
}

}  // namespace strata::sqlite_rebuild
