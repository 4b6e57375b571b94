// A small line diff for `schema dump --check`: longest common subsequence, printed as `diff -u`
// prints it. Schema files are hundreds of lines, so the quadratic table is a few megabytes.

#include <algorithm>
#include <sstream>
#include <vector>

#include "command_line.hpp"

namespace strata::cli {
namespace {

/// The lines of `text`; a CR before the newline (a checkout with Windows line endings) and a
/// missing final newline do not count: neither is a difference in the schema.
std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        out.push_back(line);
    }
    return out;
}

struct edit {
    char op;  // ' ' kept, '-' only in expected, '+' only in actual
    std::string line;
};

std::vector<edit> edits_between(const std::vector<std::string>& all_a, const std::vector<std::string>& all_b) {
    // The lines both share at the start and at the end stay out of the table (quadratic in what
    // is left): a schema file with one changed table compares in a small square.
    std::size_t head = 0, tail = 0;
    while (head < all_a.size() && head < all_b.size() && all_a[head] == all_b[head]) ++head;
    while (tail < all_a.size() - head && tail < all_b.size() - head &&
           all_a[all_a.size() - 1 - tail] == all_b[all_b.size() - 1 - tail])
        ++tail;
    const std::vector<std::string> a(all_a.begin() + static_cast<std::ptrdiff_t>(head), all_a.end() - static_cast<std::ptrdiff_t>(tail));
    const std::vector<std::string> b(all_b.begin() + static_cast<std::ptrdiff_t>(head), all_b.end() - static_cast<std::ptrdiff_t>(tail));
    const std::size_t n = a.size(), m = b.size();
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    std::vector<std::vector<std::uint32_t>> lcs(n + 1, std::vector<std::uint32_t>(m + 1, 0));
    for (std::size_t i = n; i-- > 0;)
        for (std::size_t j = m; j-- > 0;)
            lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    std::vector<edit> out;
    for (std::size_t k = 0; k < head; ++k) out.push_back({' ', all_a[k]});
    std::size_t i = 0, j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && a[i] == b[j]) {
            out.push_back({' ', a[i++]});
            ++j;
        } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
            out.push_back({'-', a[i++]});  // removals first, as diff -u shows them
        } else {
            out.push_back({'+', b[j++]});
        }
    }
    for (std::size_t k = all_a.size() - tail; k < all_a.size(); ++k) out.push_back({' ', all_a[k]});
    return out;
}

}  // namespace

std::string unified_diff(const std::string& expected, const std::string& actual, const std::string& expected_name,
                         const std::string& actual_name) {
    const auto expected_lines = lines_of(expected), actual_lines = lines_of(actual);
    if (expected_lines == actual_lines) return {};
    const auto edits = edits_between(expected_lines, actual_lines);
    constexpr std::size_t context = 3;
    std::vector<std::size_t> changes;
    for (std::size_t e = 0; e < edits.size(); ++e)
        if (edits[e].op != ' ') changes.push_back(e);
    std::string out = "--- " + expected_name + "\n+++ " + actual_name + "\n";
    for (std::size_t c = 0; c < changes.size();) {
        // A hunk: changes less than two contexts apart, with `context` unchanged lines around.
        std::size_t last = c;
        while (last + 1 < changes.size() && changes[last + 1] - changes[last] <= 2 * context) ++last;
        const std::size_t start = changes[c] > context ? changes[c] - context : 0;
        const std::size_t end = std::min(edits.size(), changes[last] + context + 1);
        std::size_t a_line = 1, b_line = 1, a_count = 0, b_count = 0;
        for (std::size_t e = 0; e < start; ++e) {
            if (edits[e].op != '+') ++a_line;
            if (edits[e].op != '-') ++b_line;
        }
        std::string body;
        for (std::size_t e = start; e < end; ++e) {
            if (edits[e].op != '+') ++a_count;
            if (edits[e].op != '-') ++b_count;
            body += edits[e].op + edits[e].line + "\n";
        }
        // diff -u numbers an empty side by the line before it.
        out += "@@ -" + std::to_string(a_count ? a_line : a_line - 1) + "," + std::to_string(a_count) + " +" +
               std::to_string(b_count ? b_line : b_line - 1) + "," + std::to_string(b_count) + " @@\n" + body;
        c = last + 1;
    }
    return out;
}

}  // namespace strata::cli
