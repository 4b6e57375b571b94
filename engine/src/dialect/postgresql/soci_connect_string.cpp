#include "dialect/postgresql/soci_connect_string.hpp"

#include "dialect/postgresql/libpq_api.hpp"

#include <soci/version.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

// as_soci_passes_it() is a model of SOCI 4.0's PostgreSQL backend factory. Another SOCI may split
// the string otherwise, or not at all: check the model against it before building with it.
static_assert(SOCI_VERSION / 100 == 4000, "soci_connect_string.cpp models SOCI 4.0.x's connection-string handling");

namespace strata {
namespace {

bool is_blank(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

using values = std::vector<std::pair<std::string, std::string>>;

/// What libpq reads in `conninfo`, keyword and value, in libpq's order; nothing when it cannot.
std::optional<values> read(const std::string& conninfo, const libpq_api& pq) {
    char* problem = nullptr;
    PQconninfoOption* options = pq.conninfo_parse(conninfo.c_str(), &problem);
    if (problem) pq.freemem(problem);  // it may quote the string, password included: never shown
    if (!options) return std::nullopt;
    values out;
    for (const PQconninfoOption* o = options; o->keyword; ++o)
        if (o->val) out.emplace_back(o->keyword, o->val);
    pq.conninfo_free(options);
    return out;
}

/// The `options` value as the server reads it: one blank between words (the server splits at
/// any run of blanks; a backslash keeps the next character in its word) and `-c name=value` as
/// `-cname=value`. So written, every word has a '=', which is what SOCI needs to pass a value
/// with blanks and double quotes (a quoted schema name in search_path) unchanged.
std::string normalized_options(const std::string& options) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    for (std::size_t i = 0; i < options.size(); ++i) {
        if (options[i] == '\\' && i + 1 < options.size()) {
            word += options.substr(i, 2);
            ++i;
            in_word = true;
        } else if (is_blank(options[i])) {
            if (in_word) words.push_back(std::move(word));
            word.clear();
            in_word = false;
        } else {
            word += options[i];
            in_word = true;
        }
    }
    if (in_word) words.push_back(std::move(word));
    std::string out;
    for (std::size_t i = 0; i < words.size(); ++i) {
        out += (out.empty() ? "" : " ") + words[i];
        if (words[i] == "-c" && i + 1 < words.size()) out += words[++i];
    }
    return out;
}

/// libpq's quoting, with the double quote escaped too (libpq reads \" as "), so that no piece
/// SOCI cuts at a blank starts `key="`.
std::string pq_quoted(const std::string& value) {
    std::string out = "'";
    for (char c : value) {
        if (c == '\'' || c == '\\' || c == '"') out += '\\';
        out += c;
    }
    return out + "'";
}

}  // namespace

std::string as_soci_passes_it(const std::string& text) {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        std::string key, value;
        for (; i < text.size() && text[i] != '='; ++i)
            if (!is_blank(text[i])) key += text[i];
        if (i < text.size()) {
            ++i;  // the '='
            const bool quoted = i < text.size() && text[i] == '"';
            if (quoted) ++i;
            for (; i < text.size() && !(quoted ? text[i] == '"' : is_blank(text[i])); ++i) value += text[i];
            if (i < text.size()) ++i;  // the blank or quote that ended it
        }
        if (key == "singlerow" || key == "singlerows") continue;
        out += (out.empty() ? "" : " ") + key + "=" + value;
    }
    return out;
}

soci_connect_string for_soci(const std::string& conninfo, const libpq_api& pq) {
    auto meant = read(conninfo, pq);
    if (!meant) return {conninfo, {}};
    // Values whose pieces SOCI must glue back (blanks and a double quote) go first: each such
    // piece without '=' is glued to the next keyword, harmless, where at the end of the string
    // SOCI would append a '=' libpq refuses.
    std::vector<std::string> first, rest;
    for (auto& [keyword, value] : *meant) {
        if (keyword == "options") value = normalized_options(value);
        const std::string quoted = pq_quoted(value);
        if (std::none_of(quoted.begin(), quoted.end(), is_blank)) rest.push_back(keyword + "=" + quoted);
        else if (quoted.find('"') == std::string::npos) rest.push_back(keyword + "=\"" + quoted + "\"");
        else first.push_back(keyword + "=" + quoted);
    }
    soci_connect_string out;
    for (const auto* part : {&first, &rest})
        for (const auto& piece : *part) out.text += (out.text.empty() ? "" : " ") + piece;
    const auto passed = read(as_soci_passes_it(out.text), pq);
    if (!passed) {
        out.changed.push_back("the connection string");
        return out;
    }
    const std::map<std::string, std::string> got(passed->begin(), passed->end());
    std::map<std::string, std::string> wanted(meant->begin(), meant->end());
    for (const auto& [keyword, value] : wanted)
        if (auto it = got.find(keyword); it == got.end() || it->second != value) out.changed.push_back(keyword);
    for (const auto& [keyword, value] : got)
        if (!wanted.contains(keyword)) out.changed.push_back(keyword);
    return out;
}

}  // namespace strata
