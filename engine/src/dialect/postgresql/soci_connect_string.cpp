#include "dialect/postgresql/soci_connect_string.hpp"

#include "dialect/postgresql/libpq_api.hpp"

#include <cctype>
#include <map>
#include <optional>

namespace strata {
namespace {

bool is_blank(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

/// keyword -> value of what libpq reads in `conninfo`, or nothing when it cannot read it.
std::optional<std::map<std::string, std::string>> read(const std::string& conninfo, const libpq_api& pq) {
    char* problem = nullptr;
    PQconninfoOption* options = pq.conninfo_parse(conninfo.c_str(), &problem);
    if (problem) pq.freemem(problem);  // it may quote the string, password included: never shown
    if (!options) return std::nullopt;
    std::map<std::string, std::string> values;
    for (const PQconninfoOption* o = options; o->keyword; ++o)
        if (o->val) values.emplace(o->keyword, o->val);
    pq.conninfo_free(options);
    return values;
}

}  // namespace

std::string as_soci_passes_it(const std::string& conninfo) {
    std::string out;
    std::size_t i = 0;
    while (i < conninfo.size()) {
        std::string key, value;
        for (; i < conninfo.size() && conninfo[i] != '='; ++i)
            if (!is_blank(conninfo[i])) key += conninfo[i];
        if (i < conninfo.size()) {
            ++i;  // the '='
            const bool quoted = i < conninfo.size() && conninfo[i] == '"';
            if (quoted) ++i;
            for (; i < conninfo.size() && !(quoted ? conninfo[i] == '"' : is_blank(conninfo[i])); ++i) value += conninfo[i];
            if (i < conninfo.size()) ++i;  // the blank or quote that ended it
        }
        if (key == "singlerow" || key == "singlerows") continue;
        out += (out.empty() ? "" : " ") + key + "=" + value;
    }
    return out;
}

std::vector<std::string> keywords_soci_changes(const std::string& conninfo, const libpq_api& pq) {
    const auto ours = read(conninfo, pq);
    if (!ours) return {};
    const auto passed = read(as_soci_passes_it(conninfo), pq);
    if (!passed) return {"the connection string"};
    std::vector<std::string> changed;
    for (const auto& [keyword, value] : *ours)
        if (auto it = passed->find(keyword); it == passed->end() || it->second != value) changed.push_back(keyword);
    for (const auto& [keyword, value] : *passed)
        if (!ours->contains(keyword)) changed.push_back(keyword);
    return changed;
}

}  // namespace strata
