// The PostgreSQL connection, through SOCI's postgresql backend and libpq (libpq_api.hpp); index
// builds are watched from a second session (index_build_watch.hpp).

#include "connection.hpp"
#include "dialect/postgresql/history_home.hpp"
#include "dialect/postgresql/session_settings.hpp"
#include "dialect/postgresql/index_build_watch.hpp"
#include "dialect/postgresql/libpq_api.hpp"
#include "dialect/postgresql/postgresql_online.hpp"
#include "dialect/postgresql/soci_connect_string.hpp"
#include "transaction.hpp"

#include <strata/dialect.hpp>
#include <strata/error.hpp>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <algorithm>
#include <regex>
#include <cctype>
#include <functional>
#include <memory>
#include <string_view>

namespace strata {
namespace {

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

/// libpq's text without SOCI's generic first line, on one line.
std::string libpq_reason(std::string s) {
    const std::string soci_prefix = "Cannot establish connection to the database.";
    if (s.rfind(soci_prefix, 0) == 0) s.erase(0, soci_prefix.size());
    std::string out;
    for (char c : s) {
        if (c == '\n' || c == '\t') c = ' ';
        if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
        out += c;
    }
    return trimmed(out);
}

/// Why libpq says the connection went, on one line: its first line without the severity
/// ("terminating connection due to administrator command", "server closed the connection
/// unexpectedly"); the rest (the CONTEXT, "This probably means ...") says nothing more.
std::string lost_reason(const std::string& error_message) {
    std::string line = error_message.substr(0, error_message.find('\n'));
    for (const char* severity : {"FATAL:", "ERROR:"})
        if (line.rfind(severity, 0) == 0) line.erase(0, std::string(severity).size());
    line = libpq_reason(line);
    return line.empty() ? "the server closed the connection" : line;
}

/// The SQLSTATE the server sent with a refused login, which libpq keeps to itself after a
/// failed connection: 28P01 (a wrong password) or 28000 (no pg_hba.conf entry; peer, ident,
/// LDAP, certificate ... authentication failed), read from its English text; "" otherwise (and
/// for a server whose lc_messages is another language). Shown with the error, for scripts and
/// people to tell a refused login from an unreachable server.
std::string login_refused(const std::string& reason) {
    if (reason.find("password authentication failed") != std::string::npos) return "28P01";
    if (reason.find("no pg_hba.conf entry") != std::string::npos ||
        reason.find(" authentication failed for user") != std::string::npos)
        return "28000";
    return "";
}

/// Whether libpq refused the connection string itself (an unknown option, a value it does not
/// take), before any network activity: a mistake in the URL, which waiting does not mend.
bool bad_connection_option(const std::string& reason) {
    for (const char* text : {"invalid connection option", "for connection option", "invalid port number",
                             "missing \"=\" after", "unterminated quoted string in connection info"})
        if (reason.find(text) != std::string::npos) return true;
    // "invalid sslmode value: "requir"", the same for target_session_attrs, channel_binding, ...
    return reason.starts_with("invalid ") && reason.find(" value: \"") != std::string::npos;
}

// The advisory lock key: a constant class id ('STRA') and the hash of the schema-qualified
// history table, so two histories in two schemas of one database do not block each other.
constexpr const char* lock_key = "1398034753, hashtext(current_schema() || '.strata_schema_history')";

/// A session-level advisory lock: the server drops it when the connection goes, so a killed
/// run never leaves it behind. `release` runs the unlock (never throws).
class advisory_lock final : public migration_lock {
public:
    explicit advisory_lock(std::function<void()> release) : release_(std::move(release)) {}
    ~advisory_lock() override { release_(); }

private:
    std::function<void()> release_;
};

class postgresql_connection final : public connection {
public:
    postgresql_connection(const database_url& url, std::chrono::seconds connect_timeout)
        : connection(url), connect_timeout_(connect_timeout) {
        // libpq first: when it cannot be loaded, that is the error, not a failed connection.
        pq_ = &libpq_api::get();
        try {
            // Keyword form only: SOCI 4.0.3 mangles URI strings and can echo the password.
            // By name, not soci::postgresql: SOCI loads the backend library now (see libpq_api).
            take_connection_string(url, for_soci(url.connection_string(static_cast<int>(connect_timeout.count())), *pq_));
            session_.open("postgresql", connection_string_);
        } catch (const soci::soci_error& e) {
            // libpq's text names the cause (refused, timeout, authentication); it never holds
            // the password in the keyword form, but scrub it anyway.
            const std::string reason = scrub(libpq_reason(e.get_error_message()), url.password());
            if (bad_connection_option(reason))
                throw config_error("the URL's connection parameters: " + reason +
                                       "; fix the URL (libpq's parameters: "
                                       "postgresql.org/docs/current/libpq-connect.html#LIBPQ-PARAMKEYWORDS)",
                                   {.database = url.redacted(), .backend = "postgresql"});
            throw connection_error("cannot connect: " + reason,
                                   {.database = url.redacted(), .backend = "postgresql", .sqlstate = login_refused(reason)});
        }
        conn_ = static_cast<soci::postgresql_session_backend*>(session_.get_backend())->conn_;
        // libpq prints NOTICEs to stderr by default; strata decides what it prints.
        pq_->set_notice_processor(conn_, [](void*, const char*) {}, nullptr);
        // The receiver replaces the processor: it hands the message alone to on_server_notice().
        pq_->set_notice_receiver(conn_, &postgresql_connection::receive_notice, this);
        // The history is written with literals (dialect::quote_literal doubles quotes only): a
        // server or role configured with standard_conforming_strings off would read the
        // backslashes of its JSON as escapes. The server reports the setting at connection start
        // (ParameterStatus): set only when it is not on already, a round trip saved for each run.
        const char* conforming = pq_->parameter_status(conn_, "standard_conforming_strings");
        if (!conforming || std::string_view(conforming) != "on") {
            execute("SET standard_conforming_strings = on");
            conforming_set_ = true;
        }
        // For interrupt(): libpq's cancel request may be sent from another thread with it.
        cancel_ = pq_->get_cancel(conn_);
        if (!url.schema().empty()) check_schema(url);
    }

    ~postgresql_connection() override {
        if (cancel_) pq_->free_cancel(cancel_);
    }

    void on_server_notice(notice_function receiver) override { server_notice_ = std::move(receiver); }

    std::unique_ptr<progress_watch> watch_index_build(std::function<void(const index_progress&)> report) override {
        return start_index_build_watch(connection_string_, pq_->backend_pid(conn_), std::move(report));
    }

    std::int64_t execute(const std::string& sql) override {
        auto res = run(sql, false);
        const char* changed = pq_->cmd_tuples(res.get());
        return changed && *changed ? std::stoll(changed) : 0;
    }

    std::vector<result_row> query(const std::string& sql) override {
        auto res = run(sql, false);
        std::vector<result_row> rows;
        const int n = pq_->ntuples(res.get()), fields = pq_->nfields(res.get());
        rows.reserve(static_cast<std::size_t>(n));
        for (int r = 0; r < n; ++r) {
            auto& row = rows.emplace_back();
            row.reserve(static_cast<std::size_t>(fields));
            for (int f = 0; f < fields; ++f)
                if (pq_->getisnull(res.get(), r, f))
                    row.emplace_back();
                else
                    row.emplace_back(std::in_place, pq_->getvalue(res.get(), r, f),
                                     static_cast<std::size_t>(pq_->getlength(res.get(), r, f)));
        }
        return rows;
    }

    std::unique_ptr<migration_lock> lock(std::chrono::milliseconds timeout, const notice_function& notice) override {
        // The lock and the server session it was taken in (the backend pid).
        // With the session's start (history_guard): the lock comes before any unit runs.
        const std::string sql = std::string("SELECT ") + try_lock("pg_try_advisory_lock") + ", pg_backend_pid(), " + start_query +
                                ", " + watch_client("false");
        std::string locked_in;
        poll_for_lock(timeout,
                      [&] {
                          auto rows = query(sql);
                          if (!rows.empty()) refuse_no_schema(rows.front().at(0));
                          if (rows.empty() || rows.front().at(0) != std::optional<std::string>("1")) return false;
                          locked_in = rows.front().at(1).value_or("");
                          note_start(rows.front(), 2);
                          client_watched_ = rows.front().at(5).has_value();
                          return true;
                      },
                      [this] { return holder(); }, notice);
        auto held = std::make_unique<advisory_lock>([this] { unlock(); });
        // A session lock means something only if the next transaction runs in the same server
        // session. Behind a transaction pooler it may not: then the lock is somewhere else, and
        // another runner could take it too. A session lock lasts as long as its server session,
        // so the next statement running in that session (same backend pid) finds it held.
        if (single("SELECT pg_backend_pid()") != locked_in) {
            held.reset();  // the unlock may reach the session that holds it
            throw config_error(
                "the migration lock strata took is not held by the server session its next statement ran in, so "
                "this connection goes through a transaction pooler (such as pgbouncer's pool_mode = transaction) "
                "where a session lock protects nothing; " +
                    transaction_pooler_advice() +
                    " (the lock may stay with an idle pooled server connection until the pooler closes it)",
                {.database = url().redacted(), .backend = "postgresql"});
        }
        return held;
    }

    bool can_lock_transactions() const noexcept override { return true; }

    void lock_transaction(std::chrono::milliseconds timeout, std::chrono::milliseconds table_lock_timeout,
                          const notice_function& notice) override {
        // Read committed, whatever the server's default: each statement after the wait must see
        // what the runner that held the lock before committed (its history rows).
        execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
        // SET LOCAL: a session setting may stay behind in another server session of a pooler.
        execute("SET LOCAL standard_conforming_strings = on; SET LOCAL lock_timeout = '" +
                std::to_string(table_lock_timeout.count()) + "ms'");
        const std::string sql = std::string("SELECT ") + try_lock("pg_try_advisory_xact_lock") + ", " + start_query + ", " +
                                watch_client("true");
        poll_for_lock(
            timeout,
            [&] {
                const auto rows = query(sql);
                if (rows.empty()) return false;
                refuse_no_schema(rows.front().at(0));
                if (rows.front().at(0) != std::optional<std::string>("1")) return false;
                note_start(rows.front(), 1);
                return true;
            },
            [this] { return holder(); }, notice);
    }

    connection_route route() override {
        connection_route r;
        auto server = query(
            "SELECT CASE WHEN pg_is_in_recovery() THEN 1 ELSE 0 END, current_setting('transaction_read_only'), pg_backend_pid()");
        if (!server.empty() && server.front().at(0) == std::optional<std::string>("1"))
            r.read_only = "the server is a hot standby (pg_is_in_recovery() is true), which takes no writes";
        else if (!server.empty() && server.front().at(1) == std::optional<std::string>("on"))
            r.read_only = "transactions on this server are read-only (transaction_read_only is on, e.g. "
                          "default_transaction_read_only)";
        // The backend pid libpq was told at connection start (BackendKeyData) is the server
        // session's own on a direct connection; a pooler such as pgbouncer hands out a cancel key
        // of its own instead. Only then is the probe (a second connection) worth its cost.
        const bool direct = !server.empty() && server.front().at(2) == std::optional<std::string>(std::to_string(pq_->backend_pid(conn_)));
        if (!direct) probe_pooler(r);
        return r;
    }

    void set_lock_timeout(std::chrono::milliseconds timeout) override {
        execute("SET lock_timeout = '" + std::to_string(timeout.count()) + "ms'");
        lock_timeout_ = timeout;
    }

    void set_transaction_lock_timeout(std::chrono::milliseconds timeout) override {
        execute("SET LOCAL lock_timeout = '" + std::to_string(timeout.count()) + "ms'");
    }

    std::vector<std::string> session_reset(const std::vector<std::string>& statements) override {
        // Other units go without the round trip (and a dry run's script without the RESETs).
        if (std::none_of(statements.begin(), statements.end(), [](const std::string& s) { return may_change_session(s); }))
            return {};
        // RESET ALL goes back to how the session started (the URL's options, the role's and the
        // database's settings) but leaves the role alone; then strata's own settings again.
        std::vector<std::string> out{"RESET ALL", "RESET ROLE"};
        if (conforming_set_) out.emplace_back("SET standard_conforming_strings = on");
        if (lock_timeout_) out.push_back("SET lock_timeout = '" + std::to_string(lock_timeout_->count()) + "ms'");
        if (client_watched_) out.push_back("SET " + std::string(client_check) + " = 1000");
        return out;
    }

    void reset_session(const std::vector<std::string>& statements) override {
        // Not inside a transaction (up --atomic): RESET ALL there is a session change that
        // outlasts the commit, on a server connection a transaction pooler then hands to the
        // application, undoing what the pool set up (pgbouncer's connect_query).
        if (pq_->transaction_status(conn_) != PQTRANS_IDLE) return;
        std::string sql;
        for (const auto& statement : session_reset(statements)) sql += (sql.empty() ? "" : "; ") + statement;
        if (!sql.empty()) execute(sql);  // one round trip
    }

    bool is_lock_timeout(const error& e) const override { return e.context().sqlstate == "55P03"; }

    std::string leftover_cleanup(const std::string& statement) const override {
        // CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name ON [ONLY] table: the index's
        // name as the catalog spells it and the table as written. Read word by word, comments
        // and white space between them skipped (no std::regex: it recurses per character and a
        // long comment overflowed the stack).
        std::size_t at = 0;
        auto skip = [&] {
            for (;;) {
                while (at < statement.size() && std::isspace(static_cast<unsigned char>(statement[at]))) ++at;
                if (statement.compare(at, 2, "--") == 0) {
                    at = statement.find('\n', at);
                    if (at == std::string::npos) at = statement.size();
                } else if (statement.compare(at, 2, "/*") == 0) {
                    const auto end = statement.find("*/", at + 2);
                    at = end == std::string::npos ? statement.size() : end + 2;
                } else {
                    return;
                }
            }
        };
        auto bare = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || (c & 0x80); };
        // The next name: {as written, as the catalog spells it}; empty when there is none.
        auto name = [&]() -> std::pair<std::string, std::string> {
            skip();
            const auto from = at;
            std::string spelled;
            if (at < statement.size() && statement[at] == '"') {
                for (++at; at < statement.size(); ++at) {
                    if (statement[at] != '"') spelled += statement[at];
                    else if (at + 1 < statement.size() && statement[at + 1] == '"') spelled += statement[++at];
                    else break;
                }
                if (at >= statement.size() || spelled.empty()) return {};
                ++at;
            } else {
                if (at >= statement.size() || std::isdigit(static_cast<unsigned char>(statement[at])) || !bare(statement[at])) return {};
                while (at < statement.size() && bare(statement[at]))
                    spelled += static_cast<char>(std::tolower(static_cast<unsigned char>(statement[at++])));
            }
            return {statement.substr(from, at - from), spelled};
        };
        auto keyword = [&](std::string_view word) {
            const auto before = at;
            if (name().second == word) return true;
            at = before;
            return false;
        };
        if (!keyword("create")) return {};
        keyword("unique");
        if (!keyword("index") || !keyword("concurrently")) return {};
        if (keyword("if") && !(keyword("not") && keyword("exists"))) return {};
        const auto index = name();
        if (index.second.empty() || index.second == "on" || !keyword("on")) return {};
        keyword("only");
        auto table = name();
        if (table.first.empty()) return {};
        skip();
        if (at < statement.size() && statement[at] == '.') {
            ++at;
            const auto part = name();
            if (part.first.empty()) return {};
            table.first += "." + part.first;
        }
        return gexec(postgresql_online::drop_invalid_index_of(table.first, index.second));
    }

    // PostgreSQL's lock_timeout error does not say whose lock it was. strata quotes every
    // identifier, so the tables a statement touches are those whose quoted name it contains;
    // but an index it drops CONCURRENTLY is named as the catalog spells it (drop_index_if_own(),
    // guard_index(): the rows of a gexec query), so for that one the relation is the index's table.
    std::string lock_holders(const std::string& statement) override {
        auto literal = [](std::string_view text) {
            std::string quoted = "'";
            for (char c : text) quoted += c == '\'' ? std::string("''") : std::string(1, c);
            return quoted + "'";
        };
        // Ours is one name as regclass::text spells it (a user's own DROP INDEX of several, or
        // with CASCADE, is read like any statement); a session holding the index holds its table.
        static const std::regex ours(R"(DROP INDEX CONCURRENTLY IF EXISTS ((?:"(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)(?:\.(?:"(?:[^"]|"")+"|[a-z_][a-z0-9_$]*))?))");
        std::smatch name;
        const bool drops_index = std::regex_match(statement, name, ours);
        const std::string touched =
            drops_index ? "c.oid = (SELECT indrelid FROM pg_index WHERE indexrelid = to_regclass(" + literal(name[1].str()) + "))"
                        : "position('\"' || replace(c.relname, '\"', '\"\"') || '\"' IN " + literal(statement) + ") > 0";
        // PQexec with the statement as a literal: a SOCI prepared statement (st_N) would not
        // survive a transaction pooler.
        const std::string bound =
            "SELECT c.relname, a.pid, coalesce(a.application_name, ''), coalesce(a.state, ''), "
            "coalesce(to_char(now() - a.xact_start, 'HH24:MI:SS'), '') "
            "FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.granted AND l.locktype = 'relation' AND l.pid <> pg_backend_pid() "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND " + touched +
            " ORDER BY a.xact_start LIMIT 3";
        std::string out;
        try {
            for (const auto& row : query(bound)) {
                auto text = [&](std::size_t i) { return row.at(i).value_or(""); };
                const std::string age = text(4);
                out += std::string(out.empty() ? "the lock on " : "; on ") + text(0) + " is held by pid " + text(1) +
                       " (application '" + text(2) + "', " + text(3) + (age.empty() ? "" : ", in a transaction for " + age) + ")";
            }
            // An index built or dropped CONCURRENTLY also waits, table lock granted, for every
            // transaction of the database that may still read the table without the index: an old
            // transaction on any table (one idle in transaction, a long report) is its usual
            // blocker, and holds no lock on this table to name.
            if (out.empty() && contains_word(statement, "CONCURRENTLY"))
                for (const auto& row : query(
                         "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.state, ''), "
                         "coalesce(to_char(now() - a.xact_start, 'HH24:MI:SS'), '') FROM pg_stat_activity a "
                         "WHERE a.pid <> pg_backend_pid() AND a.datname = current_database() AND a.backend_xmin IS NOT NULL "
                         "AND a.backend_type = 'client backend' ORDER BY a.xact_start LIMIT 3")) {
                    auto text = [&](std::size_t i) { return row.at(i).value_or(""); };
                    const std::string age = text(3);
                    out += std::string(out.empty() ? (drops_index ? "the index drop waits for older transactions to end: "
                                                                  : "the index build waits for older transactions to end: ")
                                                   : "; ") +
                           "pid " +
                           text(0) + " (application '" + text(1) + "', " + text(2) +
                           (age.empty() ? "" : ", in a transaction for " + age) + ")";
                }
        } catch (const error&) {
            // Naming the holder is a courtesy; the retry goes on without it.
        }
        return out;
    }

    /// Whether `word` (upper case) is in `sql` as a word, in any case.
    static bool contains_word(const std::string& sql, std::string_view word) {
        std::string upper(sql.size(), ' ');
        std::transform(sql.begin(), sql.end(), upper.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        for (auto at = upper.find(word); at != std::string::npos; at = upper.find(word, at + 1)) {
            const bool starts = at == 0 || !(std::isalnum(static_cast<unsigned char>(upper[at - 1])) || upper[at - 1] == '_');
            const auto end = at + word.size();
            const bool ends = end == upper.size() || !(std::isalnum(static_cast<unsigned char>(upper[end])) || upper[end] == '_');
            if (starts && ends) return true;
        }
        return false;
    }

    void begin(bool) override { execute("BEGIN"); }
    void commit() override {
        // In a transaction that already failed, the server answers COMMIT with ROLLBACK (and
        // success): that is no commit.
        auto res = run("COMMIT", true);
        if (const char* status = pq_->cmd_status(res.get()); status && std::string(status) == "ROLLBACK")
            throw statement_error("the transaction had already failed, so COMMIT rolled it back",
                                  {.database = url().redacted(), .backend = "postgresql", .statement = "COMMIT"});
    }
    void rollback() noexcept override {
        try {
            if (pq_->transaction_status(conn_) != PQTRANS_IDLE) execute("ROLLBACK");
        } catch (...) {
        }
    }

    bool read_only() const noexcept override { return false; }  // one connection serves both
    bool is_undefined_object(const error& e) const override {
        const auto& s = e.context().sqlstate;
        return s == "42P01" || s == "42703" || s == "42704" || s == "3F000";
    }

    /// libpq's cancel request (thread-safe with its own PGcancel): the server ends the running
    /// statement with SQLSTATE 57014, also one waiting for a table lock, and the session stays
    /// usable (the rollback, the audit row). With no statement running the server ignores it.
    void cancel_statement() noexcept override {
        if (!cancel_) return;
        char why[256];
        pq_->cancel(cancel_, why, sizeof why);  // when it cannot be sent, the statement runs on: nothing better to do
    }

    std::string migration_lock_holder() override { return held_by().value_or(""); }

    std::string applied_by() override {
        const char* user = pq_->user(conn_);
        return user ? user : "";
    }

    std::string history_table(std::string_view table) override {
        const auto& started = start();
        return started.schema.empty() ? dialect::quote(table) : dialect::quote(started.schema) + "." + dialect::quote(table);
    }

    std::string history_guard() override { return start().guard; }

    name_resolution resolve_further(std::string_view table) override {
        // current_schemas(false): the search_path's existing schemas this role may use, in order,
        // the current schema first. A table this role may not read is not counted (NULL when
        // there is none).
        const auto rows = query(
            "SELECT current_schema(), current_setting('search_path'), s.name FROM (SELECT 1) AS one LEFT JOIN "
            "(SELECT name, position FROM unnest(current_schemas(false)) WITH ORDINALITY AS p(name, position) "
            "WHERE name <> current_schema() AND has_table_privilege(to_regclass(quote_ident(name) || '.' || quote_ident(" +
            dialect::quote_literal(table) + ")), 'SELECT') IS TRUE) AS s ON true ORDER BY s.position");
        name_resolution found;
        for (const auto& r : rows) {
            if (r.size() < 3) continue;
            found.current_schema = r.at(0).value_or("");
            found.search_path = r.at(1).value_or("");
            if (r.at(2)) found.further_on.push_back(*r.at(2));
        }
        return found;
    }

private:
    /// How the session started, for history_table() and history_guard(): read with the migration
    /// lock, before any unit runs (or, in a dry run, whose units run nowhere, when first needed).
    static constexpr const char* start_query = "current_setting('search_path'), current_user, current_schema()";

    /// A statement that sends the client nothing (an index build, a lock wait, a validating scan)
    /// goes on after strata is killed (SIGKILL: the OOM killer, a pod's grace period), holding the
    /// migration lock, until the server notices the client gone; PostgreSQL 14+ checks every
    /// client_connection_check_interval. Set (to 1 s) with the lock, where the server has it.
    static constexpr const char* client_check = "client_connection_check_interval";
    /// The lock query's column setting client_check for the session (`local` "false") or the
    /// transaction ("true"); NULL on a server without it.
    static std::string watch_client(const char* local) {
        return std::string("CASE WHEN current_setting('") + client_check + "', true) IS NULL THEN NULL ELSE set_config('" +
               client_check + "', '1000', " + local + ") END";
    }
    bool client_watched_ = false;                            ///< client_check set for the session
    bool conforming_set_ = false;                            ///< standard_conforming_strings was set on
    std::optional<std::chrono::milliseconds> lock_timeout_;  ///< the last set_lock_timeout()

    struct session_start {
        std::string schema;  ///< current_schema(): where the history is; empty when none
        std::string guard;   ///< empty for a search_path strata cannot read: unguarded
    };
    std::optional<session_start> start_;

    const session_start& start() {
        if (!start_) {
            const auto rows = query(std::string("SELECT ") + start_query);
            if (!rows.empty()) note_start(rows.front(), 0);
            if (!start_) start_.emplace();
        }
        return *start_;
    }

    /// Keeps the first reading of start_query's columns, from `first` on in `row`.
    void note_start(const result_row& row, std::size_t first) {
        if (start_ || row.size() < first + 3) return;
        session_start started{.schema = row.at(first + 2).value_or("")};
        const auto entries = search_path_entries(row.at(first).value_or(""));
        if (entries && !started.schema.empty())
            started.guard = history_home_guard(*entries, row.at(first + 1).value_or(""), started.schema);
        start_ = std::move(started);
    }

    /// 1 when `function` took the lock, 0 when another session holds it, -1 when no schema of
    /// the search_path exists: the key (the history's schema) is NULL then, and the try would
    /// answer NULL, "not taken", for as long as one waited.
    static std::string try_lock(const char* function) {
        return std::string("CASE WHEN current_schema() IS NULL THEN -1 WHEN ") + function + "(" + lock_key +
               ") THEN 1 ELSE 0 END";
    }

    void refuse_no_schema(const std::optional<std::string>& tried) {
        if (tried != std::optional<std::string>("-1")) return;
        throw config_error("no schema of the connection's search_path (" + single("SELECT current_setting('search_path')") +
                               ") exists, or the role may use none of them (the USAGE privilege), so strata's history "
                               "has nowhere to be; create the schema or grant its use, or correct the search_path (the "
                               "URL's options, or the role's or the database's setting); nothing was changed",
                           {.database = url().redacted(), .backend = "postgresql"});
    }

    /// Keeps the string written for SOCI 4.0.3, which re-splits it before libpq reads it
    /// (soci_connect_string.hpp). A value passes unchanged unless it holds blanks and a double
    /// quote in a way SOCI's pieces cannot carry: refused, naming the keyword (never its value).
    void take_connection_string(const database_url& url, soci_connect_string for_soci) {
        connection_string_ = std::move(for_soci.text);
        if (for_soci.changed.empty()) return;
        std::string names;
        for (const auto& k : for_soci.changed) names += (names.empty() ? "" : ", ") + k;
        throw config_error("cannot hand " + names +
                               " to libpq as the URL says: SOCI 4.0.3, which strata connects through, splits the "
                               "connection string at blanks before libpq reads it, and this value, with both blanks "
                               "and a double quote, cannot pass that unchanged; change it (a password can come from "
                               "PGPASSWORD or ~/.pgpass instead, which libpq reads itself); nothing was changed",
                           {.database = url.redacted(), .backend = "postgresql"});
    }

    /// A target made with database_url::with_schema() runs in that schema alone: the server must
    /// have taken the search_path strata put in `options` (a pooler such as pgbouncer refuses or
    /// drops `options`), and the schema must exist (without it current_schema() is NULL and the
    /// history would have nowhere to go).
    void check_schema(const database_url& url) {
        const auto now = query("SELECT current_schema(), current_setting('search_path'), current_user, "
                               "(SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname = " +
                               dialect::quote_literal(url.schema()) + ")");
        if (now.empty() || now.front().size() < 4) return;  // cannot tell: the commands find out
        const auto& row = now.front();
        const std::optional<std::string> schema = row.at(0);
        if (schema == url.schema()) return;
        const std::string search_path = row.at(1).value_or(""), user = row.at(2).value_or("");
        std::string why;
        if (!schema && row.at(3) == std::optional<std::string>("0"))
            why = "schema \"" + url.schema() + "\" does not exist (the connection's search_path is " + search_path +
                  "); create it, or leave it out of the targets";
        else if (!schema)
            why = "role " + user + " may not use schema \"" + url.schema() + "\" (it lacks the USAGE privilege): GRANT USAGE, "
                  "CREATE ON SCHEMA " + dialect::quote(url.schema()) + " TO " + dialect::quote(user) + ", or leave it out of the targets";
        else
            why = "the connection runs in schema \"" + *schema + "\" (search_path " + search_path + "), not in \"" + url.schema() +
                  "\": the server did not take the search_path strata passes in the options parameter (a pooler such as "
                  "pgbouncer refuses or drops options; connect directly for a schema per tenant)";
        throw config_error(why + "; nothing was changed", {.database = url.redacted(), .backend = "postgresql"});
    }

    using result = std::unique_ptr<PGresult, decltype(&::PQclear)>;

    // PQexec, not SOCI: SOCI rewrites `:name` to `$n` even when nothing is bound (inside $$
    // bodies and after an apostrophe in a comment), which would change a unit's raw SQL.
    // `committing`: `sql` is the COMMIT, whose outcome is unknown when the connection is lost
    // while it runs.
    result run(const std::string& sql, bool committing) {
        result res(pq_->exec(conn_, sql.c_str()), pq_->clear);
        auto status = res ? pq_->result_status(res.get()) : PGRES_FATAL_ERROR;
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY) return res;
        std::string message;
        std::string sqlstate;
        if (res) {
            if (const char* primary = pq_->result_error_field(res.get(), PG_DIAG_MESSAGE_PRIMARY)) message = primary;
            if (const char* state = pq_->result_error_field(res.get(), PG_DIAG_SQLSTATE)) sqlstate = state;
            if (const char* detail = pq_->result_error_field(res.get(), PG_DIAG_MESSAGE_DETAIL)) message += " (" + std::string(detail) + ")";
        }
        if (message.empty()) message = trimmed(pq_->error_message(conn_));
        error_context where{.database = url().redacted(), .backend = "postgresql", .statement = sql, .sqlstate = sqlstate};
        // After a failure libpq says CONNECTION_BAD when the session is gone (the server ended the
        // backend, the network dropped): the statement was not the problem. A COMMIT may have
        // reached the server and succeeded before the connection went; an earlier statement's
        // transaction is discarded by the server when its session ends.
        if (auto why = lost()) {
            if (committing)
                throw commit_unknown_error("lost the connection to the database during COMMIT (" + *why +
                                               "), so its changes may or may not be applied; run status to see",
                                           where);
            throw connection_error("lost the connection to the database: " + *why, where);
        }
        // query_canceled after interrupt()'s cancel request (not a statement_timeout's).
        if (sqlstate == "57014" && interrupted()) throw interrupted_error(interruption(), where);
        if (auto why = history_home_refusal(sqlstate, message)) {
            where.sqlstate.clear();  // the guard's cast, not a value of the unit's
            throw statement_error(*why, where);
        }
        throw statement_error(scrub(message, url().password()), where);
    }

    /// Why the connection is gone, on one line; nullopt while it is usable.
    std::optional<std::string> lost() const {
        if (pq_->status(conn_) == CONNECTION_OK) return std::nullopt;
        return scrub(lost_reason(pq_->error_message(conn_)), url().password());
    }

    /// Called by libpq while a statement runs. Nothing may be thrown through libpq.
    static void receive_notice(void* self, const PGresult* result) {
        auto* c = static_cast<postgresql_connection*>(self);
        if (!c->server_notice_ || !result) return;
        try {
            if (const char* message = c->pq_->result_error_field(result, PG_DIAG_MESSAGE_PRIMARY)) c->server_notice_(message);
        } catch (...) {
            // A report that failed is not worth the statement.
        }
    }

    /// Who holds the advisory lock: pid, application, client address, since when.
    std::string holder() { return held_by().value_or("a session that just let go"); }

    /// Who holds the advisory lock, nullopt when nobody does.
    std::optional<std::string> held_by() {
        const std::string sql = std::string(
                                    "SELECT a.pid, coalesce(a.application_name, ''), coalesce(host(a.client_addr), 'local socket'), "
                                    "to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
                                    "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                                    "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.classid = 1398034753 "
                                    // Advisory locks are per database, pg_locks shows the whole cluster's.
                                    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                                    "AND l.objid = (hashtext(current_schema() || '.strata_schema_history'))::oid");
        try {
            auto rows = query(sql);
            if (rows.empty()) return std::nullopt;
            auto text = [&](std::size_t i) { return rows.front().at(i).value_or(""); };
            return "pid " + text(0) + ", application '" + text(1) + "', from " + text(2) + ", connected since " + text(3);
        } catch (const statement_error&) {
            return "a session strata cannot see (no permission to read pg_stat_activity)";
        }
    }

    /// The first value of a query's first row ("" for none or NULL).
    std::string single(const std::string& sql) {
        auto rows = query(sql);
        return rows.empty() || rows.front().empty() ? std::string() : rows.front().front().value_or("");
    }

    void unlock() noexcept {
        try {
            execute(std::string("SELECT pg_advisory_unlock(") + lock_key + ")");
        } catch (...) {
            // The lock goes with the connection anyway.
        }
    }

    /// What shows that this connection's transactions may run in different server sessions, or
    /// "" when nothing did. Three observations, none of which a direct connection or a session
    /// pool can produce (a server session serves one client connection for as long as it is
    /// connected): a session setting made by one statement is gone in the next; the next
    /// statement reports another backend pid; a second connection, in a transaction, is given the
    /// backend this one used a moment before (a pooler hands out the server
    /// connection released last: pgbouncer's default, server_round_robin = 0).
    /// Fills r.transaction_pooled and r.statement_pooled with what a second connection and two
    /// consecutive statements of this one show. The probe's session setting (strata.route_probe,
    /// a custom one nothing reads) may stay on a pooled server connection: harmless.
    void probe_pooler(connection_route& r) {
        std::string marker;
        for (char c : std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + std::to_string(pq_->backend_pid(conn_)))
            if (c >= '0' && c <= '9') marker += c;
        auto first = query("SELECT pg_backend_pid(), set_config('strata.route_probe', '" + marker + "', false)");
        const std::string pid = first.empty() ? "" : first.front().at(0).value_or("");
        std::string other_pid;
        std::string refused;
        try {
            // Closed before this connection's next statement: with a pool of one server
            // connection, that statement would wait for the second one's transaction forever.
            postgresql_connection other(url(), connect_timeout_);
            transaction t(other, false);
            other_pid = other.single("SELECT pg_backend_pid()");
        } catch (const error& e) {
            // A pooler in statement mode refuses transaction blocks (pgbouncer: "transaction
            // blocks not allowed in statement pooling mode"); any other failure (too many
            // connections) leaves the two observations below.
            const auto& m = e.message();
            if (m.find("pooling mode") != std::string::npos || m.find("pool mode") != std::string::npos) {
                // The pooler's own words, without what strata said before them (it closes the connection).
                const auto words = m.find("transaction blocks");
                refused = words == std::string::npos ? m : m.substr(words);
            }
        }
        auto second = query("SELECT pg_backend_pid(), coalesce(current_setting('strata.route_probe', true), '')");
        const std::string pid_after = second.empty() ? "" : second.front().at(0).value_or("");
        const std::string marker_after = second.empty() ? "" : second.front().at(1).value_or("");
        if (!refused.empty())
            r.statement_pooled = r.transaction_pooled = "the pooler refused a transaction block (" + refused + ")";
        else if (!other_pid.empty() && other_pid == pid)
            r.transaction_pooled = "a second connection was given the server session (backend pid " + pid + ") this one had used a moment before";
        else if (pid_after != pid)
            r.transaction_pooled = "two consecutive statements ran in different server sessions (backend pids " + pid + " and " + pid_after + ")";
        else if (marker_after != marker)
            r.transaction_pooled = "a session setting made by one statement was gone in the next";
    }

    soci::session session_;
    PGconn* conn_ = nullptr;
    const libpq_api* pq_ = nullptr;
    notice_function server_notice_;
    std::string connection_string_;  ///< for the second session that watches index builds
    std::chrono::seconds connect_timeout_;
    PGcancel* cancel_ = nullptr;     ///< interrupt()'s cancel request; freed with the connection
};

}  // namespace

std::unique_ptr<connection> connect_postgresql(const database_url& url, std::chrono::seconds connect_timeout) {
    return std::make_unique<postgresql_connection>(url, connect_timeout);
}

}  // namespace strata
