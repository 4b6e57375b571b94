#include "dialect/postgresql/session_settings.hpp"

#include <array>
#include <cctype>
#include <string>

namespace strata {
namespace {

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }

char upper(char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); }

/// Whether `text` holds `word` (upper case) at `at`, as a whole word.
bool word_at(std::string_view text, std::size_t at, std::string_view word) {
    if (at + word.size() > text.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i)
        if (upper(text[at + i]) != word[i]) return false;
    return (at == 0 || !word_char(text[at - 1])) && (at + word.size() == text.size() || !word_char(text[at + word.size()]));
}

/// Whether a statement starts at `at`: only blanks before it since the start, a `;`, a quote
/// (EXECUTE 'SET ...') or a word after which a PL/pgSQL statement starts.
bool starts_statement(std::string_view text, std::size_t at) {
    std::size_t end = at;
    while (end > 0 && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
    if (end == 0 || text[end - 1] == ';' || text[end - 1] == '\'') return true;
    std::size_t begin = end;
    while (begin > 0 && word_char(text[begin - 1])) --begin;
    static constexpr std::array<std::string_view, 4> openers{"BEGIN", "THEN", "ELSE", "LOOP"};
    for (auto opener : openers)
        if (end - begin == opener.size() && word_at(text, begin, opener)) return true;
    return false;
}

}  // namespace

bool may_change_session(std::string_view statement) {
    for (std::size_t at = 0; at < statement.size(); ++at) {
        if (word_at(statement, at, "SET_CONFIG")) return true;
        if ((word_at(statement, at, "SET") || word_at(statement, at, "RESET")) && starts_statement(statement, at)) return true;
    }
    return false;
}

}  // namespace strata
