// Everything that knows libpq or SOCI's postgresql backend.

#include "connection.hpp"

#include <strata/error.hpp>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <libpq-fe.h>  // types and constants only: the functions are resolved at run time

#include <dlfcn.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace strata {
namespace {

/// libpq, resolved at run time. SOCI's core loads its PostgreSQL backend (and with it libpq) only
/// when a PostgreSQL session opens, so a SQLite run never loads libpq and the thirty libraries it
/// pulls in (Kerberos, LDAP, GnuTLS: 2 ms and 4 MiB of every start, measured by tools/bench).
struct libpq_api {
    decltype(&::PQexec) exec = nullptr;
    decltype(&::PQclear) clear = nullptr;
    decltype(&::PQresultStatus) result_status = nullptr;
    decltype(&::PQresultErrorField) result_error_field = nullptr;
    decltype(&::PQerrorMessage) error_message = nullptr;
    decltype(&::PQstatus) status = nullptr;
    decltype(&::PQtransactionStatus) transaction_status = nullptr;
    decltype(&::PQsetNoticeProcessor) set_notice_processor = nullptr;
    decltype(&::PQsetNoticeReceiver) set_notice_receiver = nullptr;
    decltype(&::PQuser) user = nullptr;
    decltype(&::PQbackendPID) backend_pid = nullptr;
    decltype(&::PQntuples) ntuples = nullptr;
    decltype(&::PQnfields) nfields = nullptr;
    decltype(&::PQgetvalue) getvalue = nullptr;
    decltype(&::PQgetisnull) getisnull = nullptr;
    decltype(&::PQcmdTuples) cmd_tuples = nullptr;

    /// Loads libpq on the first call (before the first PostgreSQL session opens). Throws
    /// config_error when it cannot.
    static const libpq_api& get() {
        static const libpq_api api = load();
        return api;
    }

private:
    static libpq_api load() {
        void* lib = ::dlopen("libpq.so.5", RTLD_NOW | RTLD_NOLOAD);
        if (!lib) lib = ::dlopen("libpq.so.5", RTLD_NOW);
        // An installation problem, not an unreachable server: config_error, which --wait does
        // not retry.
        if (!lib)
            throw config_error(std::string("cannot load libpq, the PostgreSQL client library (Debian package "
                                           "libpq5): ") + ::dlerror());
        libpq_api a;
        auto bind = [lib](auto& fn, const char* name) {
            fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(::dlsym(lib, name));
            if (!fn) throw config_error(std::string("the libpq.so.5 found has no ") + name + "; install Debian's libpq5");
        };
        bind(a.exec, "PQexec");
        bind(a.clear, "PQclear");
        bind(a.result_status, "PQresultStatus");
        bind(a.result_error_field, "PQresultErrorField");
        bind(a.error_message, "PQerrorMessage");
        bind(a.status, "PQstatus");
        bind(a.transaction_status, "PQtransactionStatus");
        bind(a.set_notice_processor, "PQsetNoticeProcessor");
        bind(a.set_notice_receiver, "PQsetNoticeReceiver");
        bind(a.user, "PQuser");
        bind(a.backend_pid, "PQbackendPID");
        bind(a.ntuples, "PQntuples");
        bind(a.nfields, "PQnfields");
        bind(a.getvalue, "PQgetvalue");
        bind(a.getisnull, "PQgetisnull");
        bind(a.cmd_tuples, "PQcmdTuples");
        return a;
    }
};

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

// The advisory lock key: a constant class id ('STRA') and the hash of the schema-qualified
// history table, so two histories in two schemas of one database do not block each other.
constexpr const char* lock_key = "1398034753, hashtext(current_schema() || '.strata_schema_history')";

/// A session-level advisory lock: the server drops it when the connection goes, so a killed
/// run never leaves it behind.
class advisory_lock final : public migration_lock {
public:
    explicit advisory_lock(soci::session& s) : session_(s) {}
    ~advisory_lock() override {
        try {
            int released = 0;
            session_ << std::string("SELECT CASE WHEN pg_advisory_unlock(") + lock_key + ") THEN 1 ELSE 0 END",
                soci::into(released);
        } catch (...) {
            // The lock goes with the connection anyway.
        }
    }

private:
    soci::session& session_;
};

/// Polls pg_stat_progress_create_index for one backend from a session of its own, every 250 ms
/// (the first time at once), until destroyed. Progress is a courtesy: any failure (no
/// connection, no permission) ends the polling quietly and the build goes on.
class index_build_watch final : public progress_watch {
public:
    index_build_watch(std::string connection_string, int pid, std::function<void(const index_progress&)> report)
        : thread_([this, cs = std::move(connection_string), pid, report = std::move(report)] { poll(cs, pid, report); }) {}
    ~index_build_watch() override {
        {
            std::lock_guard<std::mutex> hold(mutex_);
            stop_ = true;
        }
        wake_.notify_all();
        thread_.join();
    }

private:
    void poll(const std::string& connection_string, int pid, const std::function<void(const index_progress&)>& report) {
        try {
            soci::session s("postgresql", connection_string);
            auto* conn = static_cast<soci::postgresql_session_backend*>(s.get_backend())->conn_;
            libpq_api::get().set_notice_processor(conn, [](void*, const char*) {}, nullptr);
            std::unique_lock<std::mutex> lock(mutex_);
            while (!stop_) {
                lock.unlock();
                index_progress p;
                long long blocks_done = 0, blocks_total = 0, tuples_done = 0, tuples_total = 0;
                s << "SELECT coalesce(i.relname::text, ''), coalesce(t.relname::text, ''), p.phase, p.blocks_done, p.blocks_total, p.tuples_done, "
                     "p.tuples_total FROM pg_stat_progress_create_index p LEFT JOIN pg_class i ON i.oid = p.index_relid "
                     "LEFT JOIN pg_class t ON t.oid = p.relid "
                     "WHERE p.pid = :pid",
                    soci::use(pid), soci::into(p.index), soci::into(p.table), soci::into(p.phase), soci::into(blocks_done),
                    soci::into(blocks_total), soci::into(tuples_done), soci::into(tuples_total);
                if (s.got_data()) {
                    // Blocks while the table is scanned; tuples while they are sorted and loaded.
                    bool blocks = blocks_total > 0 && (tuples_total == 0 || blocks_done < blocks_total);
                    p.done = blocks ? blocks_done : tuples_done;
                    p.total = blocks ? blocks_total : tuples_total;
                    p.unit = blocks ? "blocks" : "tuples";
                    report(p);
                }
                lock.lock();
                wake_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stop_; });
            }
        } catch (...) {
            // The build goes on without a progress line.
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::thread thread_;  // last: it starts when everything above is ready
};

class postgresql_connection final : public connection {
public:
    postgresql_connection(const database_url& url, std::chrono::seconds connect_timeout) : connection(url) {
        // libpq first: when it cannot be loaded, that is the error, not a failed connection.
        pq_ = &libpq_api::get();
        try {
            // Keyword form only: SOCI 4.0.3 mangles URI strings and can echo the password.
            // By name, not soci::postgresql: SOCI loads the backend library now (see libpq_api).
            connection_string_ = url.connection_string(static_cast<int>(connect_timeout.count()));
            session_.open("postgresql", connection_string_);
        } catch (const soci::soci_error& e) {
            // libpq's text names the cause (refused, timeout, authentication); it never holds
            // the password in the keyword form, but scrub it anyway.
            throw connection_error("cannot connect: " + scrub(libpq_reason(e.get_error_message()), url.password()),
                                   {.database = url.redacted(), .backend = "postgresql"});
        }
        conn_ = static_cast<soci::postgresql_session_backend*>(session_.get_backend())->conn_;
        // libpq prints NOTICEs to stderr by default; strata decides what it prints.
        pq_->set_notice_processor(conn_, [](void*, const char*) {}, nullptr);
        // The receiver replaces the processor: it hands the message alone to on_server_notice().
        pq_->set_notice_receiver(conn_, &postgresql_connection::receive_notice, this);
    }

    void on_server_notice(notice_function receiver) override { server_notice_ = std::move(receiver); }

    std::unique_ptr<progress_watch> watch_index_build(std::function<void(const index_progress&)> report) override {
        return std::make_unique<index_build_watch>(connection_string_, pq_->backend_pid(conn_), std::move(report));
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
            for (int f = 0; f < fields; ++f)
                row.push_back(pq_->getisnull(res.get(), r, f) ? std::nullopt : std::optional<std::string>(pq_->getvalue(res.get(), r, f)));
        }
        return rows;
    }

    std::unique_ptr<migration_lock> lock(std::chrono::milliseconds timeout, const notice_function& notice) override {
        const std::string sql = std::string("SELECT CASE WHEN pg_try_advisory_lock(") + lock_key + ") THEN 1 ELSE 0 END";
        auto try_once = [&] {
            int got = 0;
            guarded(sql, [&] { session_ << sql, soci::into(got); });
            return got != 0;
        };
        poll_for_lock(timeout, try_once, [this] { return holder(); }, notice);
        return std::make_unique<advisory_lock>(session_);
    }

    void set_lock_timeout(std::chrono::milliseconds timeout) override {
        execute("SET lock_timeout = '" + std::to_string(timeout.count()) + "ms'");
    }

    bool is_lock_timeout(const error& e) const override { return e.context().sqlstate == "55P03"; }

    // PostgreSQL's lock_timeout error does not say whose lock it was. strata quotes every
    // identifier, so the tables a statement touches are those whose quoted name it contains.
    std::string lock_holders(const std::string& statement) override {
        const std::string sql =
            "SELECT c.relname, a.pid, coalesce(a.application_name, ''), coalesce(a.state, ''), "
            "coalesce(to_char(now() - a.xact_start, 'HH24:MI:SS'), '') "
            "FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.granted AND l.locktype = 'relation' AND l.pid <> pg_backend_pid() "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND position('\"' || replace(c.relname, '\"', '\"\"') || '\"' IN :statement) > 0 "
            "ORDER BY a.xact_start LIMIT 3";
        std::string out;
        try {
            std::string table, app, state, age;
            int pid = 0;
            soci::statement st = (session_.prepare << sql, soci::use(statement), soci::into(table), soci::into(pid),
                                  soci::into(app), soci::into(state), soci::into(age));
            st.execute();
            while (st.fetch())
                out += std::string(out.empty() ? "the lock on " : "; on ") + table + " is held by pid " + std::to_string(pid) +
                       " (application '" + app + "', " + state + (age.empty() ? "" : ", in a transaction for " + age) + ")";
        } catch (const soci::soci_error&) {
            // Naming the holder is a courtesy; the retry goes on without it.
        }
        return out;
    }

    void begin(bool) override { execute("BEGIN"); }
    void commit() override { run("COMMIT", true); }
    void rollback() noexcept override {
        try {
            if (pq_->transaction_status(conn_) != PQTRANS_IDLE) execute("ROLLBACK");
        } catch (...) {
        }
    }

    bool read_only() const noexcept override { return false; }  // one connection serves both

    std::string applied_by() override {
        const char* user = pq_->user(conn_);
        return user ? user : "";
    }

private:
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
    std::string holder() {
        const std::string sql = std::string(
                                    "SELECT a.pid, coalesce(a.application_name, ''), coalesce(host(a.client_addr), 'local socket'), "
                                    "to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
                                    "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                                    "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.classid = 1398034753 "
                                    // Advisory locks are per database, pg_locks shows the whole cluster's.
                                    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                                    "AND l.objid = (hashtext(current_schema() || '.strata_schema_history'))::oid");
        try {
            int pid = 0;
            std::string app, client, since;
            session_ << sql, soci::into(pid), soci::into(app), soci::into(client), soci::into(since);
            if (!session_.got_data()) return "a session that just let go";
            return "pid " + std::to_string(pid) + ", application '" + app + "', from " + client + ", connected since " + since;
        } catch (const soci::soci_error&) {
            return "a session strata cannot see (no permission to read pg_stat_activity)";
        }
    }

    template <class F>
    void guarded(const std::string& sql, F&& f) {
        try {
            f();
        } catch (const soci::soci_error& e) {
            throw statement_error(scrub(e.get_error_message(), url().password()),
                                  {.database = url().redacted(), .backend = "postgresql", .statement = sql});
        }
    }

    soci::session session_;
    PGconn* conn_ = nullptr;
    const libpq_api* pq_ = nullptr;
    notice_function server_notice_;
    std::string connection_string_;  ///< for the second session that watches index builds
};

}  // namespace

std::unique_ptr<connection> connect_postgresql(const database_url& url, std::chrono::seconds connect_timeout) {
    return std::make_unique<postgresql_connection>(url, connect_timeout);
}

}  // namespace strata
