#include "dialect/postgresql/history_home.hpp"

#include <strata/dialect.hpp>

namespace strata {
namespace {

bool blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

constexpr std::size_t max_identifier_bytes = 63;  // NAMEDATALEN - 1
// The explanation is the cast's value, which the server quotes in its message in any language.
constexpr std::string_view refusal_marker = "strata: a session starting with search_path ";
constexpr std::string_view refusal_end = " where it is";

}  // namespace

std::optional<std::vector<std::string>> search_path_entries(std::string_view setting) {
    std::vector<std::string> out;
    std::size_t i = 0;
    auto skip_blanks = [&] {
        while (i < setting.size() && blank(setting[i])) ++i;
    };
    skip_blanks();
    if (i == setting.size()) return out;  // an empty search_path
    for (;;) {
        std::string name;
        if (setting[i] == '"') {
            for (++i;; ++i) {
                if (i == setting.size()) return std::nullopt;  // no closing quote
                if (setting[i] == '"') {
                    if (i + 1 < setting.size() && setting[i + 1] == '"') {
                        name += '"';
                        ++i;
                        continue;
                    }
                    ++i;
                    break;
                }
                name += setting[i];
            }
            if (name.empty()) return std::nullopt;  // "" names nothing
        } else {
            for (; i < setting.size() && setting[i] != ',' && !blank(setting[i]); ++i)
                name += setting[i] >= 'A' && setting[i] <= 'Z' ? static_cast<char>(setting[i] - 'A' + 'a') : setting[i];
            if (name.empty()) return std::nullopt;  // ",," or a leading comma
        }
        // The server cuts a name at the last whole UTF-8 character within the limit.
        if (name.size() > max_identifier_bytes) {
            std::size_t cut = max_identifier_bytes;
            while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
            name.resize(cut);
        }
        out.push_back(std::move(name));
        skip_blanks();
        if (i == setting.size()) return out;
        if (setting[i] != ',') return std::nullopt;
        ++i;
        skip_blanks();
        if (i == setting.size()) return std::nullopt;  // a trailing comma
    }
}

std::string history_home_guard(const std::vector<std::string>& entries, std::string_view user, std::string_view schema) {
    std::string names, shown;
    for (const auto& e : entries) {
        const std::string& name = e == "$user" ? std::string(user) : e;
        names += (names.empty() ? "" : ", ") + dialect::quote_literal(name);
        shown += (shown.empty() ? "" : ", ") + name;
    }
    if (names.empty()) return {};
    // f: the first usable schema of the search_path, as the server chooses current_schema() for
    // the session's user (not a role a unit switched to with SET LOCAL ROLE). A
    // scalar subquery without outer references: the server runs it once, before any row. Failing
    // is a cast of the explanation to boolean, the one way plain SQL has to raise; the text
    // depends on the subquery's value, so the planner cannot fold it into a failure of every
    // statement. Unqualified functions: pg_catalog comes first unless a search_path lists it.
    return "(SELECT CASE WHEN f IS NOT DISTINCT FROM " + dialect::quote_literal(schema) +
           " THEN true ELSE CAST('strata: a session starting with search_path " + dialect::quote_literal(shown).substr(1) +
           " || ' would find strata''s history in schema ' || coalesce(quote_ident(f), '(none)') || ', not in schema ' || " +
           dialect::quote_literal(schema) +
           " || ' where it is' AS boolean) END FROM (SELECT (SELECT nspname FROM pg_namespace n, unnest(ARRAY[" + names +
           "]) WITH ORDINALITY e(s, i) WHERE nspname = s AND has_schema_privilege(" + dialect::quote_literal(user) + ", n.oid, 'USAGE') ORDER BY i LIMIT 1) f) g)";
}

std::optional<std::string> history_home_refusal(std::string_view sqlstate, std::string_view message) {
    const auto at = message.find(refusal_marker);
    if (sqlstate != "22P02" || at == std::string_view::npos) return std::nullopt;
    const auto end = message.rfind(refusal_end);
    if (end == std::string_view::npos || end < at) return std::nullopt;
    const std::string_view why = message.substr(at + std::string_view("strata: ").size(), end + refusal_end.size() - at - 8);
    return std::string(why) +
           ": the next run would look for the history there, not find this one, and apply every unit again, so strata "
           "records nothing of this change. If a unit created that schema: create it before strata's first run on a "
           "database (the history is then kept in it), list it after the history's schema in the search_path, or move "
           "strata_schema_history and strata_schema_log into it (ALTER TABLE ... SET SCHEMA). A unit outside a "
           "transaction has created it already: drop it, or move the history into it; until then strata refuses to begin a "
           "new history there";
}

}  // namespace strata
