#include "metadata_queries.hpp"

#include <nlohmann/json.hpp>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

namespace strata::test {

std::vector<text_row> query(const cli_database_test& t, const std::string& sql) {
    const auto& url = t.db.url();
    soci::session s = url.kind() == strata::backend::sqlite ? soci::session(soci::sqlite3, url.connection_string())
                                                            : soci::session(soci::postgresql, url.connection_string());
    soci::rowset<soci::row> rows = (s.prepare << sql);
    std::vector<text_row> out;
    for (const auto& r : rows) {
        text_row values;
        for (std::size_t i = 0; i < r.size(); ++i)
            values.push_back(r.get_indicator(i) == soci::i_null ? std::nullopt : std::optional(r.get<std::string>(i)));
        out.push_back(std::move(values));
    }
    return out;
}

std::string literal(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
}

std::map<std::int64_t, std::string> checksums(const cli_database_test& t) {
    auto r = t.run({"--json", "status"});
    BOOST_TEST_REQUIRE(r.exit_code == 0, r);
    std::map<std::int64_t, std::string> out;
    const auto doc = nlohmann::json::parse(r.out);
    for (const auto& u : doc.at("units"))
        if (u.at("checksum").is_string()) out[u.at("version").get<std::int64_t>()] = u.at("checksum").get<std::string>();
    BOOST_TEST_REQUIRE(out.size() == 3u, r);
    return out;
}

}  // namespace strata::test
