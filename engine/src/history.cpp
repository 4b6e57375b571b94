#include "history.hpp"

#include <strata/dialect.hpp>
#include <strata/error.hpp>

#include <nlohmann/json.hpp>
#include <soci/soci.h>

#include "connection.hpp"

namespace strata {
namespace {

using schema::type::bigint;
using schema::type::text;
using schema::type::timestamptz;

/// The tables, defined with strata's own operations so each dialect renders its faithful types.
std::vector<schema::operation> metadata_tables() {
    schema::table h(history::table_name);
    h.column("version", bigint()).primary();
    h.column("name", text()).not_null();
    h.column("checksum", text()).not_null();
    h.column("applied_at", timestamptz()).not_null().default_now();
    h.column("execution_ms", bigint()).not_null();
    h.column("applied_by", text()).not_null();
    h.column("state", text()).not_null().default_sql("'applied'");
    h.column("down_statements", text());  // JSON, so an older build can revert this unit

    schema::table l(history::log_table_name);
    l.column("version", bigint()).not_null();
    l.column("name", text()).not_null();
    l.column("action", text()).not_null();
    l.column("at", timestamptz()).not_null().default_now();
    l.column("by", text()).not_null();
    l.column("duration_ms", bigint()).not_null();
    l.column("outcome", text()).not_null();
    l.column("message", text());
    return {schema::create_table{h.definition()}, schema::create_table{l.definition()}};
}

const char* to_text(row_state s) { return s == row_state::running ? "running" : "applied"; }

std::string down_json(const std::optional<rendering>& down) {
    if (!down) return {};
    return nlohmann::json{{"statements", down->statements},
                          {"foreign_keys_off", down->foreign_keys_off},
                          {"transactional", down->transactional}}
        .dump();
}

}  // namespace

std::optional<rendering> recorded_down(const history_row& row) {
    if (!row.down_json || row.down_json->empty()) return std::nullopt;
    try {
        auto j = nlohmann::json::parse(*row.down_json);
        rendering r;
        r.statements = j.at("statements").get<std::vector<std::string>>();
        r.foreign_keys_off = j.value("foreign_keys_off", false);
        r.transactional = j.value("transactional", true);
        r.resumable = false;  // replayed text: strata cannot tell what an interrupted run left
        return r;
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;  // unreadable: treated as "no stored down", which refuses, never guesses
    }
}

error_context history::where(const std::string& sql) const {
    return {.database = conn_.url().redacted(), .backend = to_string(dialect_.kind()), .statement = sql};
}

// SOCI errors on the metadata tables become statement_errors naming the statement (or a
// connection_error when the connection is gone); the message is SOCI's bare one, since what()
// appends bound values.
template <class F>
auto history::guarded(const std::string& sql, F&& f) {
    try {
        return f();
    } catch (const soci::soci_error& e) {
        if (auto why = conn_.lost()) throw connection_error("lost the connection to the database: " + *why, where(sql));
        throw statement_error("the metadata table: " + e.get_error_message(), where(sql));
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

std::vector<std::string> history::ensure_preview() {
    if (exists()) return {};
    catalog scratch;
    return dialect_.render(metadata_tables(), scratch).statements;
}

void history::ensure() {
    auto statements = ensure_preview();
    if (statements.empty()) return;
    // One transaction, so a concurrent first run never sees half of the metadata.
    conn_.begin(false);
    try {
        for (const auto& statement : statements) conn_.execute(statement);
        conn_.commit();
    } catch (...) {
        conn_.rollback();
        throw;
    }
    exists_ = true;
}

std::vector<history_row> history::read() {
    std::vector<history_row> rows;
    // Where an unqualified name finds only this schema's table (SQLite), no catalog lookup
    // first: once the table exists (every run but the first) the history is this one query.
    if (dialect_.names_may_resolve_elsewhere() && !exists()) return rows;
    const std::string sql = "SELECT version, name, checksum, " + dialect_.utc_text("applied_at") +
                            ", execution_ms, applied_by, state, down_statements FROM " + dialect::quote(table_name) +
                            " ORDER BY version";
    try {
        guarded(sql, [&] {
            history_row r;
            long long version = 0, ms = 0;
            std::string state, down;
            soci::indicator down_ind = soci::i_ok;
            soci::statement st = (conn_.session().prepare << sql, soci::into(version), soci::into(r.name), soci::into(r.checksum),
                                  soci::into(r.applied_at), soci::into(ms), soci::into(r.applied_by), soci::into(state),
                                  soci::into(down, down_ind));
            st.execute();
            while (st.fetch()) {
                r.version = version;
                r.execution_ms = ms;
                r.state = state == "running" ? row_state::running : row_state::applied;
                r.down_json = down_ind == soci::i_null ? std::nullopt : std::optional<std::string>(down);
                rows.push_back(r);
            }
        });
    } catch (const statement_error&) {
        // A missing table reads as an empty history; anything else is the error it is.
        bool missing = false;
        try {
            missing = !exists();
        } catch (const error&) {
            // The query's own error says more than this one.
        }
        if (missing) return {};
        throw;
    }
    exists_ = true;
    return rows;
}

// A prepared INSERT and the values bound to it: each run fills the values and executes it
// again, so the database parses it once per connection, not once per unit.
struct history::insert_statement {
    long long version = 0, ms = 0;
    std::string name, checksum, by, state, down;
    soci::indicator down_ind = soci::i_ok;
    soci::statement st;  // after the values it binds

    insert_statement(soci::session& s, const std::string& sql)
        : st((s.prepare << sql, soci::use(version), soci::use(name), soci::use(checksum), soci::use(ms), soci::use(by),
              soci::use(state), soci::use(down, down_ind))) {}
};

struct history::log_statement {
    long long version = 0, ms = 0;
    std::string name, action, by, outcome, message;
    soci::indicator message_ind = soci::i_ok;
    soci::statement st;

    log_statement(soci::session& s, const std::string& sql)
        : st((s.prepare << sql, soci::use(version), soci::use(name), soci::use(action), soci::use(by), soci::use(ms),
              soci::use(outcome), soci::use(message, message_ind))) {}
};

history::history(connection& conn, const dialect& d) : conn_(conn), dialect_(d) {}
history::~history() = default;

void history::insert(const history_entry& e) {
    const std::string sql = "INSERT INTO " + dialect::quote(table_name) +
                            " (version, name, checksum, execution_ms, applied_by, state, down_statements)"
                            " VALUES (:v, :n, :c, :ms, :by, :st, :down)";
    guarded(sql, [&] {
        if (!insert_) insert_ = std::make_unique<insert_statement>(conn_.session(), sql);
        auto& i = *insert_;
        i.version = e.version;
        i.name = e.name;
        i.checksum = e.checksum;
        i.ms = e.execution_ms;
        i.by = conn_.applied_by();
        i.state = to_text(e.state);
        i.down = down_json(e.down);
        i.down_ind = e.down ? soci::i_ok : soci::i_null;
        i.st.execute(true);
    });
}

void history::set_state(std::int64_t version, row_state state, std::int64_t execution_ms) {
    const std::string sql = "UPDATE " + dialect::quote(table_name) + " SET state = :st, execution_ms = :ms WHERE version = :v";
    std::string st = to_text(state);
    long long v = version, ms = execution_ms;
    guarded(sql, [&] { conn_.session() << sql, soci::use(st), soci::use(ms), soci::use(v); });
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
                              where(sql));
}

void history::log(const log_entry& e) {
    const std::string sql = "INSERT INTO " + dialect::quote(log_table_name) +
                            " (version, name, action, by, duration_ms, outcome, message)"
                            " VALUES (:v, :n, :a, :by, :ms, :o, :m)";
    guarded(sql, [&] {
        if (!log_) log_ = std::make_unique<log_statement>(conn_.session(), sql);
        auto& l = *log_;
        l.version = e.version;
        l.name = e.name;
        l.action = e.action;
        l.by = conn_.applied_by();
        l.ms = e.duration_ms;
        l.outcome = e.outcome;
        l.message = e.message;
        l.message_ind = e.message.empty() ? soci::i_null : soci::i_ok;
        l.st.execute(true);
    });
}

std::string history::insert_preview(const history_entry& e) const {
    auto literal = [](const std::string& s) { return dialect::quote_literal(s); };
    return "INSERT INTO " + dialect::quote(table_name) +
           " (version, name, checksum, execution_ms, applied_by, state, down_statements) VALUES (" +
           std::to_string(e.version) + ", " + literal(e.name) + ", " + literal(e.checksum) + ", <ms>, <user>, " +
           literal(to_text(e.state)) + ", " + (e.down ? literal(down_json(e.down)) : std::string("NULL")) + ")";
}

std::string history::remove_preview(std::int64_t version) const {
    return "DELETE FROM " + dialect::quote(table_name) + " WHERE version = " + std::to_string(version);
}

std::string history::set_state_preview(std::int64_t version, row_state state) const {
    return "UPDATE " + dialect::quote(table_name) + " SET state = " + dialect::quote_literal(to_text(state)) +
           ", execution_ms = <ms> WHERE version = " + std::to_string(version);
}

std::string history::log_preview(const log_entry& e) const {
    return "INSERT INTO " + dialect::quote(log_table_name) + " (version, name, action, by, duration_ms, outcome, message) VALUES (" +
           std::to_string(e.version) + ", " + dialect::quote_literal(e.name) + ", " + dialect::quote_literal(e.action) +
           ", <user>, <ms>, 'ok', NULL)";
}

}  // namespace strata
