#include <strata/error.hpp>

#include <strata/database_url.hpp>
#include <strata/runner.hpp>

namespace strata {
namespace {

std::string format(const std::string& message, const error_context& c) {
    std::string out;
    if (c.version && (c.unit_failed || c.refused)) {
        out += "unit " + std::to_string(*c.version);
        if (!c.unit_name.empty()) out += " " + c.unit_name;
        if (c.dir) out += std::string(" (") + to_string(*c.dir) + ")";
        out += c.refused ? " cannot run" : " failed";
        if (!c.database.empty()) out += " on " + c.database;
        out += ": ";
    } else if (!c.database.empty()) {
        out += c.database + ": ";
    }
    out += message;
    if (c.version && c.refused) out += "; nothing was run";
    if (!c.sqlstate.empty()) out += " [SQLSTATE " + c.sqlstate + "]";
    if (!c.statement.empty()) out += "\n  while executing: " + c.statement;
    if (!c.source.empty()) out += "\n  at " + c.source;
    return out;
}

}  // namespace

const char* to_string(direction d) noexcept { return d == direction::up ? "up" : "down"; }

const char* to_string(backend b) noexcept { return b == backend::sqlite ? "sqlite" : "postgresql"; }

const char* to_string(unit_state s) noexcept {
    switch (s) {
    case unit_state::applied: return "applied";
    case unit_state::pending: return "pending";
    case unit_state::changed: return "changed";
    case unit_state::mismatched: return "mismatched";
    case unit_state::damaged: return "damaged";
    case unit_state::unknown: return "unknown";
    case unit_state::dirty: return "dirty";
    }
    return "?";
}

const char* to_string(error_kind k) noexcept {
    switch (k) {
    case error_kind::other: return "other";
    case error_kind::config: return "config";
    case error_kind::connection: return "connection";
    case error_kind::registry: return "registry";
    case error_kind::irreversible: return "irreversible";
    case error_kind::unsupported: return "unsupported";
    case error_kind::statement: return "statement";
    case error_kind::validation: return "validation";
    case error_kind::lock_timeout: return "lock_timeout";
    case error_kind::unit_failed: return "unit_failed";
    case error_kind::commit_unknown: return "commit_unknown";
    case error_kind::interrupted: return "interrupted";
    case error_kind::replica_lag: return "replica_lag";
    case error_kind::data_loss: return "data_loss";
    }
    return "?";
}

int exit_status(error_kind k) noexcept {
    // No default: a new kind fails to compile (-Wswitch) until it has its exit code here.
    // SQLite's own codes become kinds in one place (sqlite_connection's fail()): a file that is not
    // a database is config (2: the URL names the wrong file, and --wait's retries of connection
    // errors could never help), a database held past --lock-timeout is lock_timeout (5).
    switch (k) {
    case error_kind::config:
    case error_kind::registry: return 2;
    case error_kind::connection: return 3;
    case error_kind::validation: return 4;
    case error_kind::lock_timeout:
    case error_kind::replica_lag: return 5;
    // 128 + SIGINT, as a shell reports a command it interrupted; the command line, which knows the
    // signal, exits 128 + its number (143 for SIGTERM).
    case error_kind::interrupted: return 130;
    case error_kind::other:
    case error_kind::irreversible:
    case error_kind::data_loss:
    case error_kind::unsupported:
    case error_kind::statement:
    case error_kind::unit_failed:
    case error_kind::commit_unknown: return 1;
    }
    return 1;
}

error::error(std::string message, error_context context)
    : std::runtime_error(format(message, context)), message_(std::move(message)), context_(std::move(context)) {}

sql_file_error::sql_file_error(std::string file, std::size_t line, const std::string& problem)
    : config_error(file + (line ? ":" + std::to_string(line) : std::string()) + ": " + problem), file_(std::move(file)),
      line_(line) {}

std::string describe(const lost_data& l, bool with_count) {
    const std::string unit = "unit " + std::to_string(l.version) + " " + l.name + " ";
    const std::string shown = !l.schema.empty()                       ? "drops schema " + l.schema + " with CASCADE"
                              : !l.cascade_of.empty() && l.table.empty() ? "drops " + l.cascade_of + " with CASCADE"
                              : !l.cascade_of.empty() && l.truncated ? "truncates table " + l.table + " (it references " +
                                                                           l.cascade_of + ", truncated with CASCADE)"
                              : !l.cascade_of.empty() ? "drops column " + l.table + "." + l.column + " (of " + l.cascade_of +
                                                            ", dropped with CASCADE)"
                              : !l.column.empty() ? "drops column " + l.table + "." + l.column
                                                  : (l.truncated ? "truncates table " : "drops table ") + l.table;
    const std::string what = shown + (l.named_now.empty() ? "" :  " (named " + l.named_now + " until this run renames it)");
    if (!with_count) return unit + what;
    if (!l.unread.empty())
        return unit + what + ", which could not be read to see whether it holds data (" + l.unread + "): " +
               // A count the server's statement_timeout cancelled (review 31 M3) is no privilege.
               (l.unread_sqlstate == "57014"
                    ? "the server's statement_timeout cancelled the count; raise it for this run (options=-cstatement_timeout=0 "
                      "in the URL), or look yourself"
                    : l.unread_sqlstate == "42501" ? "let this role read it, or look yourself"
                                                   : "look yourself");
    auto counted = [&](const char* one, const char* many) {
        return std::to_string(l.rows) + (l.at_least ? " or more " : " ") + (l.rows == 1 && !l.at_least ? one : many);
    };
    if (!l.schema.empty()) return unit + what + ", which holds " + counted("table", "tables");
    if (l.column.empty()) return unit + what + " with its " + counted("row", "rows");
    return unit + what + ", which holds values in " + counted("row", "rows");
}

data_loss_error::data_loss_error(std::string message, error_context context, std::vector<lost_data> lost)
    : error(std::move(message), std::move(context)), lost_(std::move(lost)) {
    for (const auto& l : lost_) losses_.push_back(describe(l));
}

validation_error::validation_error(std::string message, error_context context, std::vector<std::string> problems)
    : error(std::move(message), std::move(context)), problems_(std::move(problems)) {}

migration_error::migration_error(std::string message, error_context context, std::vector<completed_unit> completed,
                                 bool rolled_back, error_kind cause)
    : error(std::move(message), std::move(context)), completed_(std::move(completed)), rolled_back_(rolled_back),
      cause_(cause) {}

lock_timeout_error::lock_timeout_error(std::string message, error_context context, std::vector<completed_unit> completed)
    : error(std::move(message), std::move(context)), completed_(std::move(completed)) {}

const std::vector<completed_unit>* completed_before(const error& e) noexcept {
    if (const auto* m = dynamic_cast<const migration_error*>(&e)) return &m->completed();
    if (const auto* l = dynamic_cast<const lock_timeout_error*>(&e)) return l->completed();
    return nullptr;
}

error_kind migration_error::kind() const noexcept {
    // A lost connection is the network's or the server's doing, not the unit's: it exits as one
    // (3). A COMMIT in doubt stays a failed unit (1), with its own sentence.
    // An interrupted unit is the caller's doing (a signal): it exits as such (128 + the signal).
    return cause_ == error_kind::connection || cause_ == error_kind::commit_unknown || cause_ == error_kind::interrupted
               ? cause_
               : error_kind::unit_failed;
}

}  // namespace strata
