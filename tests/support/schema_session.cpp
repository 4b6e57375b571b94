#include "support/schema_session.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <ostream>
#include <stdexcept>

namespace strata::test {

std::unique_ptr<soci::session> open_session(const database_url& url) {
    std::unique_ptr<soci::session> s;
    if (url.kind() == backend::sqlite) {
        // The engine's connection may be writing at the same moment: wait instead of failing.
        s = std::make_unique<soci::session>(soci::sqlite3, url.connection_string() + " timeout=30");
        *s << "PRAGMA foreign_keys = ON";
        if (query_value(*s, "SELECT CAST(foreign_keys AS TEXT) FROM pragma_foreign_keys") != "1")
            throw std::runtime_error("could not switch SQLite foreign key enforcement on");
    } else {
        s = std::make_unique<soci::session>(soci::postgresql, url.connection_string());
    }
    return s;
}

backend backend_of(soci::session& session) {
    return session.get_backend_name() == "sqlite3" ? backend::sqlite : backend::postgresql;
}

std::ostream& operator<<(std::ostream& out, const text_rows& rows) {
    out << "{";
    for (const auto& row : rows.rows) {
        out << "\n  (";
        const char* sep = "";
        for (const auto& value : row) {
            out << sep << (value ? "'" + *value + "'" : "NULL");
            sep = ", ";
        }
        out << ")";
    }
    return out << (rows.rows.empty() ? "}" : "\n}");
}

text_rows query_text(soci::session& session, const std::string& sql, const std::optional<std::string>& parameter) {
    text_rows out;
    soci::row row;
    std::string bound = parameter.value_or("");
    soci::statement st = parameter ? (session.prepare << sql, soci::use(bound, "p"), soci::into(row))
                                   : (session.prepare << sql, soci::into(row));
    st.execute();
    while (st.fetch()) {
        std::vector<std::optional<std::string>> values;
        for (std::size_t i = 0; i < row.size(); ++i) {
            if (row.get_indicator(i) == soci::i_null)
                values.emplace_back(std::nullopt);
            else
                values.emplace_back(row.get<std::string>(i));
        }
        out.rows.push_back(std::move(values));
    }
    return out;
}

std::optional<std::string> query_value(soci::session& session, const std::string& sql,
                                       const std::optional<std::string>& parameter) {
    auto result = query_text(session, sql, parameter);
    if (result.rows.size() != 1 || result.rows.front().size() != 1)
        throw std::runtime_error("expected one value from: " + sql);
    return result.rows.front().front();
}

}  // namespace strata::test

namespace std {
std::ostream& boost_test_print_type(std::ostream& out, const std::optional<std::string>& value) {
    return value ? out << "'" << *value << "'" : out << "NULL";
}
std::ostream& boost_test_print_type(std::ostream& out, const std::nullopt_t&) { return out << "NULL"; }
}  // namespace std
