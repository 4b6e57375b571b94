#include "inspect/scratch.hpp"

#include <strata/dialect.hpp>

#include <chrono>
#include <random>

#include <unistd.h>

#include "connection.hpp"
#include "history.hpp"
#include "inspect/read.hpp"

namespace strata {
namespace {

bool same_database(const database_url& a, const database_url& b) {
    if (a.kind() != b.kind()) return false;
    if (a.kind() == backend::sqlite) return a.path() == b.path() && a.path() != ":memory:";
    return a.hosts() == b.hosts() && a.dbname() == b.dbname();
}

/// strata_scratch_<pid>_<random>: a leftover (the process was killed) says whose it was.
std::string scratch_name() {
    std::random_device seed;
    std::mt19937_64 random(seed() ^ static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
    static const char digits[] = "0123456789abcdef";
    std::string suffix;
    for (int i = 0; i < 8; ++i) suffix += digits[random() % 16];
    return "strata_scratch_" + std::to_string(::getpid()) + "_" + suffix;
}

/// A --scratch database must be one verify may fill: no tables, no history.
void require_empty(const database_url& url, const runner_options& options) {
    auto conn = connect(url, options.connect_timeout, true, options.lock_timeout);
    const auto found = inspect::read_snapshot(*conn, url.kind());
    std::string what;
    if (!found.tables.empty()) what = "table " + found.tables.front().name;
    else if (!found.views.empty()) what = "view " + found.views.front().name;
    else if (history(*conn, dialect_for(url.kind())).read().size() > 0) what = "a strata history";
    if (!what.empty())
        throw config_error("the scratch database " + url.redacted() + " is not empty (it has " + what +
                           "): verify and diff apply units to it, so give an empty database, or leave --scratch out to use "
                           "a temporary one");
}

}  // namespace

scratch_database::scratch_database(const database_url& target, const runner_options& options, const std::optional<database_url>& given,
                                   std::function<void(const std::string&)> notice)
    : url_(given ? *given : database_url::parse("sqlite::memory:")), notice_(std::move(notice)) {
    if (given) {
        if (given->kind() != target.kind())
            throw config_error(std::string("--scratch must be a ") + to_string(target.kind()) + " database like " + target.redacted() +
                               ": the schemas compared are read from both");
        if (same_database(*given, target))
            throw config_error("--scratch names the target database " + target.redacted() +
                               " itself: verify and diff never change the target; give another, empty database");
        require_empty(*given, options);
        return;
    }
    if (target.kind() == backend::sqlite) return;

    // PostgreSQL: a database of our own on the target's server, created from a connection that
    // stays open to drop it again.
    admin_ = connect(target, options.connect_timeout, true, options.lock_timeout);
    // The target is only read; the scratch database is changed, so it needs a writable server and
    // a connection whose session lock means something.
    const auto route = admin_->route();
    if (!route.read_only.empty() || !route.transaction_pooled.empty())
        throw config_error("cannot build a scratch database through " + target.redacted() + ": " +
                               (!route.read_only.empty()        ? route.read_only
                                : !route.statement_pooled.empty() ? "the connection goes through a statement pooler (" + route.statement_pooled + ")"
                                                                  : "the connection goes through a transaction pooler (" + route.transaction_pooled + ")") +
                               "; verify and diff only read the target, so give --scratch URL of an empty database on a writable "
                               "server, connected directly or through a session-mode pool",
                           {.database = target.redacted(), .backend = "postgresql"});
    const auto schema = admin_->query("SELECT current_schema()");
    const std::string name = scratch_name();
    try {
        admin_->execute("CREATE DATABASE " + dialect::quote(name));
    } catch (const error& e) {
        const bool denied = e.context().sqlstate == "42501";
        throw config_error("cannot create a scratch database on " + target.redacted() + " (" + e.message() + "): " +
                               (denied ? "grant the user CREATEDB (ALTER ROLE ... CREATEDB), or " : "") +
                               "give --scratch URL of an empty database verify and diff may change",
                           {.database = target.redacted(), .backend = "postgresql", .sqlstate = e.context().sqlstate});
    }
    created_ = name;
    url_ = target.with_dbname(name);
    // Units that run in the target's schema (search_path in the URL) find it in the scratch too.
    if (!schema.empty() && schema.front().at(0) && *schema.front().at(0) != "public") {
        try {
            auto conn = connect(url_.without_schema_check(), options.connect_timeout, false, options.lock_timeout);
            conn->execute("CREATE SCHEMA IF NOT EXISTS " + dialect::quote(*schema.front().at(0)));
        } catch (...) {
            drop();  // no destructor runs for a constructor that throws
            throw;
        }
    }
}

scratch_database::~scratch_database() { drop(); }

void scratch_database::drop() noexcept {
    if (created_.empty()) return;
    try {
        const std::string drop = "DROP DATABASE IF EXISTS " + dialect::quote(created_);
        std::string why;
        try {
            // FORCE ends this role's sessions still in it (and any, for a role that may).
            admin_->execute(drop + " WITH (FORCE)");
        } catch (const error&) {
            // FORCE refuses outright when a session in it is not this role's to end: an autovacuum
            // worker that came to the freshly filled database, another role's monitoring agent.
            // Without FORCE the server ends an autovacuum worker itself and waits up to 5 s for others.
            try {
                admin_->execute(drop);
            } catch (const error& again) {
                why = again.message();
            }
        }
        // Its units' schema and whatever rows they insert stay on the server: say so, and how to go.
        if (!why.empty() && notice_)
            notice_("the scratch database " + created_ + " could not be dropped (" +
                    redact_passwords(scrub(why, admin_->url().password())) +
                    "); drop it as a role that may end the sessions in it: " + drop + " WITH (FORCE)");
    } catch (...) {
        // A destructor's work: what cannot be done or said is given up.
    }
    created_.clear();
}

}  // namespace strata
