#include "history.hpp"

#include <strata/dialect.hpp>
#include <strata/error.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <optional>

#include "checksum.hpp"
#include "connection.hpp"
#include "transaction.hpp"

namespace strata {
namespace {

/// When a row becomes applied: the statement's time, which orders units as they were applied
/// (down reverts the last applied first). Not PostgreSQL's now(), the time its transaction began:
/// `up --atomic` waits for the migration lock inside its transaction, so its units would be
/// dated before those another run applied meanwhile (review 32 H1).
std::string statement_time(const dialect& d) {
    return d.kind() == backend::postgresql ? "clock_timestamp()" : d.now();
}

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

const char* to_text(row_state s) {
    return s == row_state::running ? "running" : s == row_state::reverting ? "reverting" : "applied";
}

/// The statement forms beyond plain SQL that a stored down may hold and this build runs. A stored
/// down names those it holds in `requires`; a build that finds one it does not know (a newer
/// build's form) refuses the row before anything runs, instead of sending the form to the server
/// as SQL and failing half-way. Only ever added to: a form, once stored, stays runnable.
constexpr std::array<std::string_view, 1> known_forms{"gexec"};

/// The forms `r` holds (known_forms): what its `requires` says.
std::vector<std::string> forms_of(const rendering& r) {
    if (std::any_of(r.statements.begin(), r.statements.end(), [](const std::string& s) { return gexec_query(s).has_value(); }))
        return {"gexec"};
    return {};
}

/// What a stored down's checksum covers: its statements, how they run and the forms they need.
std::string down_checksum(const rendering& down) {
    std::vector<std::string> how{std::string("foreign_keys_off=") + (down.foreign_keys_off ? "1" : "0"),
                                 std::string("transactional=") + (down.transactional ? "1" : "0")};
    // A row with none keeps the checksum every row before `requires` holds.
    for (const auto& form : forms_of(down)) how.push_back("requires=" + form);
    return checksum(down.statements, how);
}

/// The checksum of a down's allowance to drop data, bound to the down's own (`of`): a key of its
/// own, so that a build that does not know it finds the down intact (and counts its drops).
std::string allowance_checksum(const std::string& of, const std::string& reason) { return checksum({of, reason}); }

/// `s` as a JSON string, byte for byte as nlohmann::json::dump() writes it (UTF-8 kept, the
/// short escapes, \u00xx for other control characters); false for text with non-ASCII bytes,
/// whose UTF-8 the caller leaves to nlohmann to check.
bool append_ascii_json_string(std::string& out, const std::string& s) {
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c >= 0x80) return false;
            if (c < 0x20) {
                static constexpr char hex[] = "0123456789abcdef";
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 15];
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    out += '"';
    return true;
}

nlohmann::json stored_json(const rendering& r) {
    nlohmann::json j{{"statements", r.statements},
                     {"foreign_keys_off", r.foreign_keys_off},
                     {"transactional", r.transactional},
                     {"checksum", down_checksum(r)}};
    if (auto forms = forms_of(r); !forms.empty()) j["requires"] = std::move(forms);
    if (r.data_loss_allowed)
        j["data_loss_allowed"] = {{"reason", *r.data_loss_allowed},
                                  {"checksum", allowance_checksum(j["checksum"].get<std::string>(), *r.data_loss_allowed)}};
    return j;
}

/// The statements of stored_json(), checked against their checksum and the forms they name
/// (nullopt, and `why`, when they do not match; nlohmann's exception when a part is missing or of
/// another type).
std::optional<rendering> parsed_stored(const nlohmann::json& j, std::string& why) {
    rendering r;
    r.statements = j.at("statements").get<std::vector<std::string>>();
    r.foreign_keys_off = j.at("foreign_keys_off").get<bool>();
    r.transactional = j.at("transactional").get<bool>();
    const std::string sum = j.at("checksum").get<std::string>();
    why = "their checksum does not match";
    if (sum != down_checksum(r)) return std::nullopt;
    // The forms it names are the ones it holds (a `requires` edited away or added by hand).
    const auto forms = j.contains("requires") ? j.at("requires").get<std::vector<std::string>>() : std::vector<std::string>();
    why = "the forms their \"requires\" names are not the ones they hold";
    if (forms != forms_of(r)) return std::nullopt;
    if (j.contains("data_loss_allowed")) {
        const auto& allowed = j.at("data_loss_allowed");
        r.data_loss_allowed = allowed.at("reason").get<std::string>();
        why = "the checksum of their allowance to drop data does not match";
        if (allowed.at("checksum").get<std::string>() != allowance_checksum(sum, *r.data_loss_allowed)) return std::nullopt;
    }
    why.clear();
    return r;
}

/// The forms `j` (a stored down, with its rollback) requires that this build does not know, as
/// a list for a message; empty when none.
std::string unknown_forms(const nlohmann::json& j) {
    std::string out;
    auto add = [&](const nlohmann::json& part) {
        if (!part.is_object() || !part.contains("requires")) return;
        for (const auto& form : part.at("requires").get<std::vector<std::string>>())
            if (std::find(known_forms.begin(), known_forms.end(), form) == known_forms.end())
                out += (out.empty() ? "" : ", ") + form;
    };
    add(j);
    if (j.is_object() && j.contains("rollback")) add(j.at("rollback"));
    return out;
}

}  // namespace

std::string stored_running_json(const std::optional<rendering>& down, const rendering& rollback) {
    if (down) return stored_down_json(*down, &rollback);
    return nlohmann::json{{"rollback", stored_json(rollback)}}.dump();
}

std::string stored_down_json(const rendering& down, const rendering* rollback) {
    if (rollback) {
        auto j = stored_json(down);
        j["rollback"] = stored_json(*rollback);
        return j.dump();
    }
    // Written by hand (keys in nlohmann's order, the same bytes): status compares every applied
    // unit's row with this text, and nlohmann's object building cost a long history more than
    // reading it. Text with non-ASCII bytes goes through nlohmann, which refuses invalid UTF-8.
    std::size_t size = 128 + (down.data_loss_allowed ? down.data_loss_allowed->size() + 128 : 0);
    for (const auto& s : down.statements) size += s.size() + 8;
    std::string out;
    out.reserve(size);
    const std::string sum = down_checksum(down);
    out += "{\"checksum\":\"";
    out += sum;
    out += '"';
    if (down.data_loss_allowed) {
        out += ",\"data_loss_allowed\":{\"checksum\":\"";
        out += allowance_checksum(sum, *down.data_loss_allowed);
        out += "\",\"reason\":";
        if (!append_ascii_json_string(out, *down.data_loss_allowed)) return stored_json(down).dump();
        out += '}';
    }
    out += ",\"foreign_keys_off\":";
    out += down.foreign_keys_off ? "true" : "false";
    if (const auto forms = forms_of(down); !forms.empty()) {
        out += ",\"requires\":[";
        for (std::size_t i = 0; i < forms.size(); ++i) out += (i > 0 ? ",\"" : "\"") + forms[i] + '"';
        out += ']';
    }
    out += ",\"statements\":[";
    for (std::size_t i = 0; i < down.statements.size(); ++i) {
        if (i > 0) out += ',';
        if (!append_ascii_json_string(out, down.statements[i]))
            return stored_json(down).dump();
    }
    out += "],\"transactional\":";
    out += down.transactional ? "true" : "false";
    out += '}';
    return out;
}

stored_down recorded_down(const history_row& row) {
    if (!row.down_json || row.down_json->empty()) return {};
    stored_down out;
    try {
        auto j = nlohmann::json::parse(*row.down_json);
        if (auto forms = unknown_forms(j); !forms.empty())
            return {.damage = std::string(newer_build_damage) + ": they hold " + forms +
                              ", which this build cannot run (revert the unit with the build that applied it, or a newer one)"};
        std::string why;
        auto not_ours = [&] { return stored_down{.damage = "its stored down statements are not the ones strata stored (" + why + ")"}; };
        if (j.is_object() && !j.contains("statements") && j.contains("rollback")) {
            // An irreversible unit's row while it runs: the rollback alone (stored_running_json).
            if (!(out.rollback = parsed_stored(j.at("rollback"), why))) return not_ours();
        } else {
            out.statements = parsed_stored(j, why);
            if (out.statements && j.contains("rollback") && !(out.rollback = parsed_stored(j.at("rollback"), why)))
                out.statements.reset();
            if (!out.statements) return not_ours();
            out.statements->resumable = false;  // replayed text: strata cannot tell what an interrupted run left
        }
    } catch (const nlohmann::json::exception&) {
        // Never guessed at: a revert with half of them, or none, would report success and lie.
        return {.damage = "its stored down statements are not the JSON strata stores (unreadable, or a part missing)"};
    }
    // Each step's inverse, guarded (only where the step got done): run again, it does what is left.
    if (out.rollback) out.rollback->resumable = true;
    return out;
}

std::string damage_of(const history_row& row) {
    if (row.state == row_state::damaged)
        return "its state is '" + row.state_text + "' (strata writes applied, running or reverting)";
    return recorded_down(row).damage;
}

history::history(connection& conn, const dialect& d) : conn_(conn), dialect_(d) {}

namespace {

/// A statement on the metadata tables failed. A role without the rights to them (SQLSTATE 42501)
/// is a configuration to fix (exit 2), not a failed unit; anything else is the error it is.
[[noreturn]] void metadata_failed(const statement_error& e) {
    if (e.context().sqlstate == "42501")
        throw config_error("the metadata table: " + e.message() + "; strata needs SELECT on " + history::table_name +
                               " and " + history::log_table_name + " to read them (status, validate, diff), INSERT, "
                               "UPDATE and DELETE to record units, and CREATE on the schema for the first run: grant "
                               "them to this role, or connect as one that has them",
                           e.context());
    throw statement_error("the metadata table: " + e.message(), e.context());
}

}  // namespace

// The metadata tables' errors say so; the connection's error carries the statement.
std::int64_t history::execute(const std::string& sql) {
    try {
        return conn_.execute(sql);
    } catch (const statement_error& e) {
        metadata_failed(e);
    }
}

bool history::exists() {
    if (exists_) return true;
    auto rows = conn_.query(dialect_.table_exists_query(table_name));
    exists_ = !rows.empty() && !rows.front().empty() && rows.front().front().value_or("0") != "0";
    return exists_;
}

/// A history further down the search_path than the current schema (history::elsewhere()).
struct history::other_history {
    connection::name_resolution names;
    std::string schema;  ///< the nearest schema holding one with units of this build
    std::size_t ours = 0;
    std::string newest;  ///< "12 add_orders": the newest of them

    std::string text() const {
        return "schema \"" + names.current_schema + "\" (search_path " + names.search_path +
               ") has no strata history, but schema \"" + schema + "\", which the search_path lists after it, holds one with " +
               std::to_string(ours) + " unit(s) of this build, the newest " + newest;
    }
};

std::optional<history::other_history> history::find_elsewhere(const elsewhere_policy& others, bool in_transaction) {
    if (!others.ours) return std::nullopt;
    auto names = conn_.resolve_further(table_name);
    for (const auto& schema : names.further_on) {
        // Another application's history (no unit of this build) is no reason to stop.
        other_history found{names, schema, 0, {}};
        // A table of that name this role cannot read as a history (no privilege: a shared
        // schema's, owned by another role; other columns; gone meanwhile) is not looked at, in
        // an open transaction behind a savepoint, so that its failure does not abort the
        // transaction. Any other failure (a lock not granted in time, a statement timeout) may
        // hide this application's history: the run stops on it, as it would on the history's own.
        std::vector<result_row> rows;
        if (in_transaction) conn_.execute("SAVEPOINT strata_elsewhere");
        try {
            rows = conn_.query("SELECT version, name FROM " + dialect::quote(schema) + "." + dialect::quote(table_name) +
                               " ORDER BY version");
            if (in_transaction) conn_.execute("RELEASE SAVEPOINT strata_elsewhere");
        } catch (const statement_error& e) {
            if (!conn_.is_undefined_object(e) && e.context().sqlstate != "42501") throw;
            if (in_transaction) conn_.execute("ROLLBACK TO SAVEPOINT strata_elsewhere");
            continue;
        }
        // Versions that are not numbers (another tool's table of that name): not a strata history.
        bool a_history = true;
        for (const auto& row : rows) {
            if (row.size() < 2 || !row.at(0) || !row.at(1)) continue;
            std::int64_t version = 0;
            const std::string& text = *row.at(0);
            if (std::from_chars(text.data(), text.data() + text.size(), version).ptr != text.data() + text.size()) {
                a_history = false;
                break;
            }
            if (!others.ours(version, *row.at(1))) continue;
            ++found.ours;
            found.newest = text + " " + *row.at(1);
        }
        if (a_history && found.ours > 0) return found;
    }
    return std::nullopt;
}

std::string history::elsewhere(const elsewhere_policy& others) {
    const auto other = find_elsewhere(others, false);
    return other ? other->text() : std::string();
}

void history::ensure(bool in_open_transaction, const elsewhere_policy& others) {
    if (exists()) return;
    if (const auto other = others.allow ? std::nullopt : find_elsewhere(others, in_open_transaction)) {
        const std::string here = dialect::quote(other->names.current_schema), there = dialect::quote(other->schema);
        throw config_error(
            other->text() + ". A history begun in " + here + " would apply every unit again there. If " + here +
                " was made after strata's runs (by a unit, or by hand): drop it if it was made by mistake, or list it "
                "after " + there + " in the search_path; or move the history into it (ALTER TABLE " + there + "." +
                table_name + " SET SCHEMA " + here + ", the same for " + log_table_name + "), which leaves the objects "
                "the units made in " + there + ". If " + here + " is meant to have a history of its own (a tenant's "
                "schema ahead of a shared " + there + "), run with --allow-new-history, or name " + here +
                " alone in the search_path; nothing was changed",
            {.database = conn_.url().redacted(), .backend = to_string(dialect_.kind())});
    }
    auto tables = metadata_tables();
    // The log kept when the history was dropped stays, with its trail; the history is new.
    auto rows = conn_.query(dialect_.table_exists_query(log_table_name));
    if (!rows.empty() && !rows.front().empty() && rows.front().front().value_or("0") != "0") tables.pop_back();
    catalog scratch;
    // One transaction, so a concurrent first run never sees half of the metadata.
    std::optional<transaction> t;
    if (!in_open_transaction) t.emplace(conn_, false);
    for (const auto& statement : dialect_.render(tables, scratch).statements) execute(statement);
    if (t) t->commit();
    exists_ = true;
}

std::vector<history::reverted_unit> history::reverted(const std::vector<std::int64_t>& versions) {
    std::vector<reverted_unit> out;
    if (versions.empty()) return out;
    auto exists = conn_.query(dialect_.table_exists_query(log_table_name));
    if (exists.empty() || exists.front().empty() || exists.front().front().value_or("0") == "0") return out;
    std::string list;
    for (auto v : versions) list += (list.empty() ? "" : ", ") + std::to_string(v);
    // Oldest first: the last row read for a version is its newest.
    std::map<std::int64_t, std::pair<std::string, reverted_unit>> newest;
    for (const auto& r : conn_.query("SELECT version, action, " + dialect_.utc_text("at") + ", by FROM " +
                                     conn_.history_table(log_table_name) + " WHERE outcome = 'ok' AND action IN ('up', "
                                     "'down', 'baseline') AND version IN (" + list + ") ORDER BY at")) {
        if (r.size() < 4 || !r[0] || !r[1]) continue;
        const auto version = std::stoll(*r[0]);
        newest[version] = {*r[1], {version, r[2].value_or(""), r[3].value_or("")}};
    }
    for (const auto& [version, last] : newest)
        if (last.first == "down") out.push_back(last.second);
    return out;
}

std::vector<history_row> history::read() {
    std::vector<history_row> rows;
    // Where an unqualified name finds only this schema's table (SQLite), no catalog lookup
    // first: once the table exists (every run but the first) the history is this one query.
    if (dialect_.names_may_resolve_elsewhere() && !exists()) return rows;
    const std::string sql = "SELECT version, name, checksum, " + dialect_.utc_text("applied_at") +
                            ", execution_ms, applied_by, state, down_statements FROM " + dialect::quote(table_name) +
                            " ORDER BY version";
    std::vector<result_row> result;
    try {
        result = conn_.query(sql);
    } catch (const statement_error& e) {
        // A missing table reads as an empty history; anything else is the error it is.
        bool missing = false;
        try {
            missing = !exists();
        } catch (const error&) {
            // The query's own error says more than this one.
        }
        if (missing) return {};
        metadata_failed(e);
    }
    rows.reserve(result.size());
    for (auto& r : result) {
        // Each value is moved out of the result, not copied: a long history is tens of thousands.
        auto text = [&](std::size_t i) { return r.at(i) ? std::move(*r.at(i)) : std::string(); };
        auto& row = rows.emplace_back();
        row.version = std::stoll(text(0));
        row.name = text(1);
        row.checksum = text(2);
        row.applied_at = text(3);
        row.execution_ms = std::stoll(text(4));
        row.applied_by = text(5);
        row.state_text = text(6);
        row.state = row.state_text == "running"     ? row_state::running
                    : row.state_text == "applied"   ? row_state::applied
                    : row.state_text == "reverting" ? row_state::reverting
                                                    : row_state::damaged;
        row.down_json = std::move(r.at(7));
    }
    exists_ = true;
    return rows;
}

// Every change names the tables as the connection says (history_table: on PostgreSQL in the
// schema the run found them in, whatever search_path a unit sets). Those a unit's run makes
// (insert, set_state, remove) happen only while the next run would find them there
// (history_guard: a unit creating a schema ahead of the history's in the search_path fails
// instead of losing its history). The guard goes on a line of its own: a dry run's script shows
// the row first.
void history::insert(const history_entry& e) {
    auto literal = [](const std::string& s) { return dialect::quote_literal(s); };
    const std::string values = std::to_string(e.version) + ", " + literal(e.name) + ", " + literal(e.checksum) + ", " +
                               std::to_string(e.execution_ms) + ", " + literal(conn_.applied_by()) + ", " +
                               literal(to_text(e.state)) + ", " +
                               (e.rollback ? literal(stored_running_json(e.down, *e.rollback))
                                : e.down   ? literal(stored_down_json(*e.down))
                                           : std::string("NULL")) +
                               ", " + statement_time(dialect_);
    const std::string guard = conn_.history_guard();
    execute("INSERT INTO " + conn_.history_table(table_name) +
            " (version, name, checksum, execution_ms, applied_by, state, down_statements, applied_at) " +
            (guard.empty() ? "VALUES (" + values + ")" : "SELECT " + values + "\n  WHERE " + guard));
}

void history::set_state(std::int64_t version, row_state state, std::optional<std::int64_t> execution_ms,
                        const std::string* down_json, bool keep_applied_at) {
    const std::string guard = conn_.history_guard();
    // Applied now: a unit outside a transaction that finished in a later run than its first is
    // applied when it finished (what down --only orders units by), not when it began.
    execute("UPDATE " + conn_.history_table(table_name) + " SET state = " + dialect::quote_literal(to_text(state)) +
            (state == row_state::applied && !keep_applied_at ? ", applied_at = " + statement_time(dialect_) : std::string()) +
            (execution_ms ? ", execution_ms = " + std::to_string(*execution_ms) : std::string()) +
            (down_json ? ", down_statements = " + dialect::quote_literal(*down_json) : std::string()) +
            " WHERE version = " + std::to_string(version) + (guard.empty() ? "" : "\n  AND " + guard));
}

void history::mark_applied(std::int64_t version, std::int64_t execution_ms, const std::optional<rendering>& down) {
    const std::string guard = conn_.history_guard();
    execute("UPDATE " + conn_.history_table(table_name) + " SET state = 'applied', applied_at = " + statement_time(dialect_) +
            ", execution_ms = " + std::to_string(execution_ms) +
            ", down_statements = " + (down ? dialect::quote_literal(stored_down_json(*down)) : std::string("NULL")) +
            " WHERE version = " + std::to_string(version) + (guard.empty() ? "" : "\n  AND " + guard));
}

void history::rewrite_applied(std::int64_t version, const std::optional<rendering>& down) {
    execute("UPDATE " + conn_.history_table(table_name) + " SET state = 'applied', down_statements = " +
            (down ? dialect::quote_literal(stored_down_json(*down)) : std::string("NULL")) + " WHERE version = " + std::to_string(version));
}

void history::accept_change(std::int64_t version, const std::string& checksum, const rendering* down) {
    execute("UPDATE " + conn_.history_table(table_name) + " SET checksum = " + dialect::quote_literal(checksum) +
            (down ? ", down_statements = " + dialect::quote_literal(stored_down_json(*down)) : std::string()) +
            " WHERE version = " + std::to_string(version));
}

void history::remove(std::int64_t version) {
    const std::string guard = conn_.history_guard();
    const std::string sql = "DELETE FROM " + conn_.history_table(table_name) + " WHERE version = " + std::to_string(version) +
                            (guard.empty() ? "" : "\n  AND " + guard);
    std::int64_t removed = execute(sql);
    // A history that says a unit is applied when it is not would lie to the next run.
    if (removed >= 0 && removed != 1)
        throw statement_error("the history table " + std::string(table_name) + " had " + std::to_string(removed) +
                                  " rows for version " + std::to_string(version) + " where 1 was expected",
                              {.database = conn_.url().redacted(), .backend = to_string(dialect_.kind()), .statement = sql});
}

void history::log(const log_entry& e) {
    auto literal = [](const std::string& s) { return dialect::quote_literal(s); };
    execute("INSERT INTO " + conn_.history_table(log_table_name) + " (version, name, action, by, duration_ms, outcome, message) VALUES (" +
            std::to_string(e.version) + ", " + literal(e.name) + ", " + literal(e.action) + ", " + literal(conn_.applied_by()) +
            ", " + std::to_string(e.duration_ms) + ", " + literal(e.outcome) + ", " +
            (e.message.empty() ? std::string("NULL") : literal(e.message)) + ")");
}

}  // namespace strata
