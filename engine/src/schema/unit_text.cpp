#include "schema/unit_text.hpp"

#include <cstdio>

namespace strata::schema {
namespace {

std::string byte_at(unsigned char c, std::size_t at) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned>(c));
    return std::string(hex) + " at byte " + std::to_string(at + 1);
}

/// The length of the UTF-8 sequence starting at `at`, or 0 when it is not one (overlong forms,
/// surrogates and code points past U+10FFFF included).
std::size_t utf8_length(std::string_view s, std::size_t at) {
    const auto c = static_cast<unsigned char>(s[at]);
    std::size_t n = 0;
    char32_t min = 0, cp = 0;
    if (c < 0x80) return 1;
    if ((c & 0xe0) == 0xc0) n = 2, min = 0x80, cp = c & 0x1f;
    else if ((c & 0xf0) == 0xe0) n = 3, min = 0x800, cp = c & 0x0f;
    else if ((c & 0xf8) == 0xf0) n = 4, min = 0x10000, cp = c & 0x07;
    else return 0;
    if (at + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k) {
        const auto b = static_cast<unsigned char>(s[at + k]);
        if ((b & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return n;
}

}  // namespace

std::size_t invalid_utf8_at(std::string_view text) {
    for (std::size_t at = 0; at < text.size();) {
        if (static_cast<unsigned char>(text[at]) < 0x80) {
            ++at;
            continue;
        }
        const std::size_t n = utf8_length(text, at);
        if (n == 0) return at;
        at += n;
    }
    return std::string_view::npos;
}

bool has_gexec_line(std::string_view text) {
    for (std::size_t at = 0; at <= text.size();) {
        auto end = text.find('\n', at);
        if (end == std::string_view::npos) end = text.size();
        auto line = text.substr(at, end - at);
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
        if (line.starts_with("\\gexec")) return true;
        at = end + 1;
    }
    return false;
}

std::string allowance_reason_problem(std::string_view reason) {
    if (reason.find_first_not_of(" \t\r\n") == std::string_view::npos) return "is empty";
    if (reason.size() > allowance_reason_limit)
        return "is longer than " + std::to_string(allowance_reason_limit) + " bytes (every rollback prints it)";
    for (std::size_t at = 0; at < reason.size();) {
        const auto c = static_cast<unsigned char>(reason[at]);
        if ((c < 0x20 && c != '\t') || c == 0x7f) return "holds a control character (" + byte_at(c, at) + ")";
        const std::size_t n = utf8_length(reason, at);
        if (n == 0) return "is not UTF-8 (" + byte_at(c, at) + ")";
        at += n;
    }
    return {};
}

}  // namespace strata::schema
