#include "history.hpp"

#include <strata/dialect.hpp>
#include <strata/error.hpp>

#include <soci/soci.h>

#include "connection.hpp"

namespace strata {
namespace {

/// The table, defined with strata's own operations so each dialect renders its faithful types.
schema::operation history_table() {
    schema::table t(history::table_name);
    t.column("version", schema::type::bigint()).primary();
    t.column("name", schema::type::text()).not_null();
    t.column("checksum", schema::type::text()).not_null();
    t.column("applied_at", schema::type::timestamptz()).not_null().default_now();
    t.column("execution_ms", schema::type::bigint()).not_null();
    t.column("applied_by", schema::type::text()).not_null();
    return schema::create_table{t.definition()};
}

}  // namespace

// SOCI errors on the history table become statement_errors naming the statement; the message is
// SOCI's bare one, since what() appends bound values.
template <class F>
auto history::guarded(const std::string& sql, F&& f) {
    try {
        return f();
    } catch (const soci::soci_error& e) {
        throw statement_error("the history table " + std::string(table_name) + ": " + e.get_error_message(),
                              {.database = conn_.url().redacted(), .backend = to_string(dialect_.kind()), .statement = sql});
    }
}

bool history::exists() {
    if (exists_) return true;
    const std::string sql = dialect_.table_exists_query(table_name);
    long long count = 0;
    guarded(sql, [&] { conn_.session() << sql, soci::into(count); });
    exists_ = count > 0;
    return exists_;
}

void history::ensure() {
    if (exists()) return;
    catalog scratch;
    for (const auto& statement : dialect_.render({history_table()}, scratch).statements) conn_.execute(statement);
    exists_ = true;
}

std::vector<history_row> history::read() {
    std::vector<history_row> rows;
    if (!exists()) return rows;
    const std::string sql = "SELECT version, name, checksum, " + dialect_.utc_text("applied_at") +
                            ", execution_ms, applied_by FROM " + dialect::quote(table_name) + " ORDER BY version";
    guarded(sql, [&] {
        history_row r;
        long long version = 0, ms = 0;
        soci::statement st = (conn_.session().prepare << sql, soci::into(version), soci::into(r.name), soci::into(r.checksum),
                              soci::into(r.applied_at), soci::into(ms), soci::into(r.applied_by));
        st.execute();
        while (st.fetch()) {
            r.version = version;
            r.execution_ms = ms;
            rows.push_back(r);
        }
    });
    return rows;
}

void history::insert(std::int64_t version, const std::string& name, const std::string& checksum, std::int64_t execution_ms) {
    const std::string sql = "INSERT INTO " + dialect::quote(table_name) +
                            " (version, name, checksum, execution_ms, applied_by) VALUES (:v, :n, :c, :ms, :by)";
    long long v = version, ms = execution_ms;
    std::string by = conn_.applied_by();
    guarded(sql, [&] {
        conn_.session() << sql, soci::use(v), soci::use(name), soci::use(checksum), soci::use(ms), soci::use(by);
    });
}

void history::remove(std::int64_t version) {
    const std::string sql = "DELETE FROM " + dialect::quote(table_name) + " WHERE version = :v";
    long long v = version;
    long long removed = guarded(sql, [&] {
        soci::statement st = (conn_.session().prepare << sql, soci::use(v));
        st.execute(true);
        return st.get_affected_rows();
    });
    // A history that says a unit is applied when it is not would lie to the next run.
    if (removed != 1)
        throw statement_error("the history table " + std::string(table_name) + " had " + std::to_string(removed) +
                                  " rows for version " + std::to_string(version) + " where 1 was expected",
                              {.database = conn_.url().redacted(), .backend = to_string(dialect_.kind()), .statement = sql});
}

}  // namespace strata
