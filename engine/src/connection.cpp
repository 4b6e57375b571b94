#include "connection.hpp"

#include <strata/dialect.hpp>
#include <strata/error.hpp>

#include <algorithm>
#include <thread>

namespace strata {

std::string duration_text(std::chrono::milliseconds d) {
    auto ms = d.count();
    return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

std::string transaction_pooler_advice() {
    return "connect directly or through a session-mode pool, or use --atomic (up applies every pending unit in one "
           "transaction, locked for that transaction only)";
}

void connection::poll_for_lock(std::chrono::milliseconds timeout, const std::function<bool()>& try_once,
                               const std::function<std::string()>& holder, const notice_function& notice) const {
    using namespace std::chrono_literals;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    bool told = false;
    for (auto pause = 20ms;; pause = std::min(pause * 2, 250ms)) {
        if (try_once()) return;
        // Say who holds it as soon as we wait at all, even if the timeout is already up.
        if (!told && notice) notice("waiting for the migration lock, held by " + holder());
        told = true;
        auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left <= 0ms)
            throw lock_timeout_error("another strata run holds the migration lock (" + holder() + "); gave up after " +
                                         duration_text(timeout) + " (--lock-timeout)",
                                     {.database = url_.redacted(), .backend = to_string(url_.kind())});
        std::this_thread::sleep_for(std::min(pause, left));
    }
}

std::unique_ptr<connection> connect(const database_url& url, std::chrono::seconds connect_timeout, bool read_only,
                                    std::chrono::milliseconds busy_timeout) {
    switch (url.kind()) {
#ifdef STRATA_WITH_SQLITE
    case backend::sqlite: (void)connect_timeout; return connect_sqlite(url, read_only, busy_timeout);
#endif
#ifdef STRATA_WITH_POSTGRESQL
    case backend::postgresql: (void)read_only, (void)busy_timeout; return connect_postgresql(url, connect_timeout);
#endif
    default: break;
    }
    dialect_for(url.kind());  // throws the "no support in this build" error
    throw unsupported_error("no connection support for this database");
}

}  // namespace strata
