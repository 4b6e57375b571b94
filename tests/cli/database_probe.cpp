#include "database_probe.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <algorithm>

namespace strata::test {
namespace {

soci::session open(const database_url& url) {
    if (url.kind() == backend::sqlite) return soci::session(soci::sqlite3, url.connection_string());
    return soci::session(soci::postgresql, url.connection_string());
}

}  // namespace

std::vector<std::int64_t> database_probe::applied_versions() const {
    std::vector<std::int64_t> versions;
    if (!has_table("strata_schema_history")) return versions;
    auto s = open(url_);
    soci::rowset<long long> rows = (s.prepare << "SELECT version FROM strata_schema_history ORDER BY version");
    for (long long v : rows) versions.push_back(v);
    return versions;
}

bool database_probe::has_table(const std::string& name) const {
    auto s = open(url_);
    long long count = 0;
    if (url_.kind() == backend::sqlite)
        s << "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = :n", soci::use(name), soci::into(count);
    else
        s << "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = :n",
            soci::use(name), soci::into(count);
    return count > 0;
}

std::vector<std::string> database_probe::columns(const std::string& table) const {
    auto s = open(url_);
    std::vector<std::string> names;
    const std::string sql = url_.kind() == backend::sqlite
                                ? "SELECT name FROM pragma_table_info(:t) ORDER BY cid"
                                : "SELECT column_name FROM information_schema.columns "
                                  "WHERE table_schema = current_schema() AND table_name = :t ORDER BY ordinal_position";
    soci::rowset<std::string> rows = (s.prepare << sql, soci::use(table));
    for (const auto& name : rows) names.push_back(name);
    return names;
}

bool database_probe::has_column(const std::string& table, const std::string& column) const {
    auto names = columns(table);
    return std::find(names.begin(), names.end(), column) != names.end();
}

std::int64_t database_probe::row_count(const std::string& table) const {
    auto s = open(url_);
    long long count = 0;
    s << "SELECT count(*) FROM \"" + table + "\"", soci::into(count);
    return count;
}

std::int64_t database_probe::count(const std::string& sql) const {
    auto s = open(url_);
    long long count = 0;
    s << sql, soci::into(count);
    return count;
}

void database_probe::execute(const std::string& sql) const {
    auto s = open(url_);
    s << sql;
}

}  // namespace strata::test
