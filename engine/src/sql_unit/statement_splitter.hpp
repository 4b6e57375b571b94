#pragma once
// Private: splitting the text of a `.sql` unit into statements, by each database's lexical rules.

#include <strata/database_url.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace strata::detail::statements {

/// A problem found while splitting, before it is given its file.
struct split_failure {
    std::size_t line;
    std::string problem;
};

/// One statement and the lines it starts and ends on.
struct piece {
    std::string text;
    std::size_t first_line;
    std::size_t last_line;
};

/// Whitespace, as both databases read it.
bool is_space(char c);

/// Splits `text` (whose first line is line `first_line` of its file) into statements for
/// `dialect`. Throws split_failure for an unterminated string, identifier, comment or body, and
/// for an unclosed parenthesis.
std::vector<piece> split(std::string_view text, backend dialect, std::size_t first_line);

}  // namespace strata::detail::statements
