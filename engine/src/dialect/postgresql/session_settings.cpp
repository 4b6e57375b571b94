#include "dialect/postgresql/session_settings.hpp"

#include <cctype>
#include <string>

namespace strata {
namespace {

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

char upper(char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); }

/// Whether `text` holds `word` (upper case) at `at`, as a whole word.
bool word_at(std::string_view text, std::size_t at, std::string_view word) {
    if (at + word.size() > text.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i)
        if (upper(text[at + i]) != word[i]) return false;
    return (at == 0 || !word_char(text[at - 1])) && (at + word.size() == text.size() || !word_char(text[at + word.size()]));
}

/// The token that ends just before `end` (blanks skipped): a word (upper case), a quoted
/// identifier ("\"" for any), or one other character; empty at the start. `end` moves to it.
std::string token_before(std::string_view text, std::size_t& end) {
    while (end > 0 && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
    if (end == 0) return {};
    if (text[end - 1] == '"') {
        std::size_t at = end - 1;
        while (at > 0 && text[at - 1] != '"') --at;  // a doubled "" inside reads as two identifiers: still "\""
        end = at > 0 ? at - 1 : 0;
        return "\"";
    }
    if (!word_char(text[end - 1])) return std::string(1, text[--end]);
    std::size_t begin = end;
    while (begin > 0 && word_char(text[begin - 1])) --begin;
    std::string word;
    for (std::size_t i = begin; i < end; ++i) word += upper(text[i]);
    end = begin;
    return word;
}

bool identifier(const std::string& token) { return token == "\"" || (!token.empty() && word_char(token.front())); }

/// Whether the SET at `at` is one of the clauses that say SET without changing the session:
/// `ON DELETE SET NULL` (and UPDATE, DEFAULT), `UPDATE [ONLY] t SET`, `ALTER [COLUMN] c SET`,
/// `DO UPDATE SET` of an upsert.
bool harmless_set(std::string_view text, std::size_t at) {
    std::size_t end = at;
    const auto previous = token_before(text, end);
    if (previous == "DELETE" || previous == "UPDATE") return true;  // ON DELETE SET NULL, DO UPDATE SET
    if (!identifier(previous)) return false;
    auto before = token_before(text, end);
    if (before == ".") {  // a qualified name: schema.table
        if (!identifier(token_before(text, end))) return false;
        before = token_before(text, end);
    }
    return before == "UPDATE" || before == "ONLY" || before == "COLUMN" || before == "ALTER";
}

/// `text` with its comments (`--` to the end of the line, `/* */`) blanked, so that a word in
/// one ("-- after the update") is not read as the token before a SET. Single-quoted strings are
/// kept whole (a `--` in one is no comment); dollar-quoted bodies are read as code.
std::string without_comments(std::string_view text) {
    std::string out(text);
    for (std::size_t at = 0; at < out.size();) {
        if (out[at] == '\'') {
            const auto close = out.find('\'', at + 1);  // '' inside: two strings, the same for this
            at = close == std::string::npos ? out.size() : close + 1;
        } else if (out.compare(at, 2, "--") == 0) {
            for (; at < out.size() && out[at] != '\n'; ++at) out[at] = ' ';
        } else if (out.compare(at, 2, "/*") == 0) {
            const auto close = out.find("*/", at + 2);
            const auto end = close == std::string::npos ? out.size() : close + 2;
            for (; at < end; ++at) out[at] = ' ';
        } else {
            ++at;
        }
    }
    return out;
}

bool scan_changes_session(std::string_view statement) {
    for (std::size_t at = 0; at < statement.size(); ++at) {
        if (word_at(statement, at, "SET_CONFIG") || word_at(statement, at, "PG_SETTINGS") || word_at(statement, at, "RESET"))
            return true;
        if (word_at(statement, at, "SET") && !harmless_set(statement, at)) return true;
    }
    return false;
}

}  // namespace

bool may_change_session(std::string_view text) {
    // Read with its comments blanked (a word in one is not the token before a SET); with a
    // dollar-quoted or E'' string, also as written (what looks like a comment may be inside one,
    // which the blanking does not know): a SET either reading finds is one.
    if (scan_changes_session(without_comments(text))) return true;
    const bool strings_blanking_misreads = text.find('$') != std::string_view::npos ||
                                           text.find("E'") != std::string_view::npos ||
                                           text.find("e'") != std::string_view::npos;
    return strings_blanking_misreads && scan_changes_session(text);
}

}  // namespace strata
