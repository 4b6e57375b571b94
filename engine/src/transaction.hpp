#pragma once
// Private: a transaction that ends itself. Every begin in the engine goes through it, so no path
// (an exception, an early return) leaves one open.

#include "connection.hpp"

namespace strata {

/// Begins a transaction on construction; rolls it back when destroyed unless commit() returned.
/// A commit that throws leaves the outcome to the error: the connection says whether it is known
/// (rolled back) or not (the connection was lost during COMMIT).
class transaction {
public:
    transaction(transactions& c, bool foreign_keys_off) : conn_(c) {
        // A begin that fails half-way (SQLite: enforcement already off, or BEGIN done and a
        // check after it failed) is undone here: the destructor does not run for it.
        try {
            conn_.begin(foreign_keys_off);
        } catch (...) {
            conn_.rollback();
            throw;
        }
    }
    ~transaction() {
        if (!committed_) conn_.rollback();
    }
    /// Rolls back now, before the guard goes (the destructor then does nothing).
    void rollback() noexcept {
        if (!committed_) conn_.rollback();
        committed_ = true;  // ended
    }
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;

    void commit() {
        conn_.commit();
        committed_ = true;
    }

private:
    transactions& conn_;
    bool committed_ = false;
};

}  // namespace strata
