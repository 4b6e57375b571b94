#include "connection.hpp"

#include <strata/dialect.hpp>
#include <strata/error.hpp>

#include <algorithm>

namespace strata {

std::string duration_text(std::chrono::milliseconds d) {
    auto ms = d.count();
    return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

std::string connection::history_table(std::string_view table) { return dialect::quote(table); }

std::string transaction_pooler_advice() {
    // Only up takes --atomic: down, redo, baseline and repair are told so rather than sent to an
    // option they refuse.
    return "connect directly or through a session-mode pool (up can also run through this one with --atomic, which "
           "applies every pending unit in one transaction, locked for that transaction only)";
}

bool pause(std::stop_token stop, std::chrono::milliseconds d) {
    std::mutex m;
    std::condition_variable_any wake;
    std::unique_lock<std::mutex> hold(m);
    wake.wait_for(hold, stop, d, [] { return false; });
    return !stop.stop_requested();
}

void connection::interrupt(std::string reason) noexcept {
    std::unique_lock<std::mutex> hold(interrupt_mutex_);
    if (interrupt_state_.load() != not_interrupted) {
        // Another thread cancels: return once its cancel request is delivered.
        interrupt_wake_.wait(hold, [this] { return interrupt_state_.load() == interrupt_done; });
        return;
    }
    try {
        interrupt_reason_ = std::move(reason);
    } catch (...) {
        // Without its words: "interrupted".
    }
    interrupt_state_.store(cancelling);
    hold.unlock();
    cancel_statement();
    hold.lock();
    interrupt_state_.store(interrupt_done);
    hold.unlock();
    interrupt_wake_.notify_all();
}

std::string connection::interruption() const {
    std::unique_lock<std::mutex> hold(interrupt_mutex_);
    // What runs after an interruption must not meet the cancel request still on its way.
    interrupt_wake_.wait(hold, [this] { return interrupt_state_.load() != cancelling; });
    return interrupt_reason_.empty() ? std::string("interrupted") : interrupt_reason_;
}

bool connection::pause_unless_interrupted(std::chrono::milliseconds d) const {
    std::unique_lock<std::mutex> hold(interrupt_mutex_);
    return !interrupt_wake_.wait_for(hold, d, [this] { return interrupt_state_.load() == interrupt_done; });
}

void connection::poll_for_lock(std::chrono::milliseconds timeout, const std::function<bool()>& try_once,
                               const std::function<std::string()>& holder, const notice_function& notice) const {
    using namespace std::chrono_literals;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    bool told = false;
    std::string held_by;  // as the notice said: asking again after an interruption could meet the cancel
    auto stopped = [&] {
        return interrupted_error(interruption() + " while waiting for the migration lock" +
                                     (held_by.empty() ? std::string() : " (held by " + held_by + ")") + "; nothing was changed",
                                 {.database = url_.redacted(), .backend = to_string(url_.kind())});
    };
    for (auto pause = 20ms;; pause = std::min(pause * 2, 250ms)) {
        bool got = false;
        try {
            got = try_once();
        } catch (const interrupted_error&) {
            throw stopped();  // the stop cancelled a try (PostgreSQL): the same words as in a pause
        }
        if (got) return;
        if (interrupted()) throw stopped();
        // Say who holds it as soon as we wait at all, even if the timeout is already up.
        if (!told && notice) notice("waiting for the migration lock, held by " + (held_by = holder()));
        told = true;
        auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left <= 0ms)
            throw lock_timeout_error("another strata run holds the migration lock (" + holder() + "); gave up after " +
                                         duration_text(timeout) + " (--lock-timeout)",
                                     {.database = url_.redacted(), .backend = to_string(url_.kind())});
        if (!pause_unless_interrupted(std::min(pause, left))) throw stopped();
    }
}

std::unique_ptr<connection> connect(const database_url& url, std::chrono::seconds connect_timeout, bool read_only,
                                    std::chrono::milliseconds busy_timeout, std::stop_token stop) {
    switch (url.kind()) {
#ifdef STRATA_WITH_SQLITE
    case backend::sqlite: (void)connect_timeout; return connect_sqlite(url, read_only, busy_timeout, std::move(stop));
#endif
#ifdef STRATA_WITH_POSTGRESQL
    case backend::postgresql: (void)read_only, (void)busy_timeout, (void)stop; return connect_postgresql(url, connect_timeout);
#endif
    default: break;
    }
    dialect_for(url.kind());  // throws the "no support in this build" error
    throw unsupported_error("no connection support for this database");
}

}  // namespace strata
