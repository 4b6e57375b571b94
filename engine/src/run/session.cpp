#include "run/session.hpp"

#include "run/stop.hpp"

namespace strata {

session::session(database_url url, const runner_options& options, const dialect& d)
    : url_(std::move(url)), options_(options), dialect_(d) {}
session::~session() = default;

connection& session::open(bool for_looking) {
    if (conn_ && (for_looking || !conn_->read_only())) return *conn_;
    interrupts_.reset();
    history_.reset();
    held_.reset();
    conn_.reset();  // a read-only connection cannot serve a change: reopen
    route_checked_ = false;
    using clock = std::chrono::steady_clock;
    auto deadline = clock::now() + options_.wait;
    bool waiting = false;  // in a --wait pause, not in an attempt
    for (auto pause = std::chrono::milliseconds(250);; pause = std::min(pause * 2, std::chrono::milliseconds(5000))) {
        try {
            conn_ = connect(url_, options_.connect_timeout, for_looking, options_.lock_timeout, options_.stop);
            break;
        } catch (const error& e) {
            // A SQLite open that waited for a file another process holds gives up on a stop:
            // watch_for_stop says so, whatever the error.
            if (options_.stop.stop_requested()) break;
            if (!dynamic_cast<const connection_error*>(&e)) throw;
            // A refused login (SQLSTATE class 28) is retried too: PostgreSQL says "password
            // authentication failed" for a role that does not exist yet (an init job creates it
            // while the server starts), and with several hosts the text is all of theirs.
            // The last pause ends at the deadline, for one more attempt there; with less than a
            // millisecond left, that attempt was this one.
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
            if (left.count() <= 0) throw;
            pause = std::min(pause, left);
            if (options_.on_notice)
                options_.on_notice("cannot connect yet (" + e.message() +
                                   (e.context().sqlstate.empty() ? "" : " [SQLSTATE " + e.context().sqlstate + "]") +
                                   "); retrying in " + duration_text(pause) + " (--wait)");
            waiting = true;
            if (!strata::pause(options_.stop, pause)) break;
            waiting = false;
        }
    }
    watch_for_stop(waiting);
    history_ = std::make_unique<class history>(*conn_, dialect_);
    return *conn_;
}

void session::watch_for_stop(bool waiting) {
    // A stop that came while connecting (or during a --wait pause) ends the command here.
    if (options_.stop.stop_requested()) {
        conn_.reset();
        throw interrupted_error(stop_reason(options_) + (waiting ? " while waiting to connect (--wait)" : " while connecting") +
                                    "; nothing was changed",
                                {.database = url_.redacted(), .backend = to_string(url_.kind())});
    }
    if (options_.stop.stop_possible())
        interrupts_ = std::make_unique<std::stop_callback<std::function<void()>>>(
            options_.stop, std::function<void()>([this] { conn_->interrupt(stop_reason(options_)); }));
}

connection& session::look() { return open(true); }

void session::refuse_unsafe_route(connection& c, bool pooler_ok) {
    if (route_checked_) return;
    auto route = c.route();
    const error_context where{.database = url_.redacted(), .backend = to_string(url_.kind())};
    if (!route.read_only.empty())
        throw config_error("cannot change " + url_.redacted() + ": " + route.read_only +
                               "; connect to the primary instead (libpq can choose it among several hosts with "
                               "target_session_attrs=read-write); nothing was changed",
                           where);
    // Not even --atomic's one transaction gets through.
    if (!route.statement_pooled.empty())
        throw config_error("cannot change " + url_.redacted() +
                               ": the connection goes through a statement pooler (such as pgbouncer's pool_mode = "
                               "statement), which runs no transaction of more than one statement, while strata applies "
                               "each unit in a transaction with its history row; " +
                               route.statement_pooled +
                               "; connect directly or through a session-mode pool (a transaction-mode pool takes "
                               "--atomic); nothing was changed",
                           where);
    if (!pooler_ok && !route.transaction_pooled.empty())
        throw config_error("cannot change " + url_.redacted() +
                               " safely: the connection goes through a transaction pooler (such as pgbouncer's pool_mode = "
                               "transaction), where the session lock that keeps two runs apart protects nothing; " +
                               route.transaction_pooled + "; " + transaction_pooler_advice() + "; nothing was changed",
                           where);
    route_checked_ = true;
}

connection& session::change() {
    auto& c = open(false);
    refuse_unsafe_route(c, false);
    if (!held_) {
        held_ = c.lock(options_.lock_timeout, options_.on_notice);
        c.set_lock_timeout(options_.ddl_lock_timeout);
    }
    return c;
}

history& session::history() { return *history_; }

void session::note_missing(bool create) {
    // A rollback aimed at a mistyped path finds nothing applied: "nothing to do" alone would
    // read as success. Still no error: in a fleet, a target never deployed is not a failure.
    if (create || !conn_->missing() || !options_.on_notice) return;
    options_.on_notice(url_.redacted() + " does not exist (no database file at that path), so nothing is applied there; "
                       "check the path if you expected one");
}

elsewhere_policy session::elsewhere() const { return {.ours = ours_, .allow = options_.allow_new_history}; }

void session::note_history_elsewhere() {
    if (!options_.on_notice || !dialect_.names_may_resolve_elsewhere() || history_->exists()) return;
    if (const auto other = history_->elsewhere(elsewhere()); !other.empty())
        options_.on_notice(other + "; strata reads the current schema's history, where no unit is applied. If that one is "
                                   "this application's, drop the schema made ahead of it or move the history (" +
                           options_.program_name + " up refuses to begin a new one there without --allow-new-history)");
}

std::vector<history_row> session::read(bool dry_run, bool create) {
    if (dry_run) {
        look();
        note_missing(create);
        return history_->read();
    }
    // Only up and baseline create the metadata tables; the others first look, and a database
    // without a history has nothing applied: they are refused without creating anything.
    if (!create) {
        refuse_unsafe_route(look(), false);  // before anything, even a history that turns out empty
        note_missing(create);
        if (!history_->exists()) {
            note_history_elsewhere();
            return {};
        }
    }
    // The history first: on SQLite it tells whether the tables exist, so a run with a history
    // (every run but the first) asks the catalog nothing (history::read).
    change();
    auto rows = history_->read();
    if (create) history_->ensure(false, elsewhere());
    return rows;
}

std::optional<std::vector<history_row>> session::read_unlocked(bool pooler_ok) {
    refuse_unsafe_route(look(), pooler_ok);
    std::vector<history_row> rows;
    try {
        rows = history_->read();  // a missing table reads as no rows
    } catch (const statement_error&) {
        // Without the lock, another run may create the tables between the failed read and the
        // look at the catalog that tells a missing table from a real failure: read() under the
        // lock tells them apart, or reports it.
        return std::nullopt;
    }
    if (rows.empty()) return std::nullopt;
    return rows;
}

std::optional<std::vector<history_row>> session::read_in_transaction(std::optional<transaction>& tx) {
    auto& c = open(false);
    if (!c.can_lock_transactions()) return std::nullopt;
    refuse_unsafe_route(c, true);
    // The metadata tables first, in a locked transaction of their own: a release that fails is
    // rolled back, and its audit row still has a table to go to (as without --atomic).
    if (!history_->exists()) {
        transaction t(c, false);
        c.lock_transaction(options_.lock_timeout, options_.ddl_lock_timeout, options_.on_notice);
        history_->ensure(true, elsewhere());  // asks again, under the lock
        t.commit();
    }
    tx.emplace(c, false);
    c.lock_transaction(options_.lock_timeout, options_.ddl_lock_timeout, options_.on_notice);
    return history_->read();
}

std::optional<std::vector<history_row>> session::read_before_lock() {
    look();
    try {
        // No tables yet is a history with nothing applied: a run that creates them meanwhile
        // (the first up of a fresh database) changed it.
        if (!history_->exists()) return std::vector<history_row>{};
        return history_->read();
    } catch (const statement_error&) {
        return std::nullopt;  // created between the look and the read, as read_unlocked() allows
    }
}

void session::release() noexcept { held_.reset(); }

}  // namespace strata
