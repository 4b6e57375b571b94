#include "run/replica_lag.hpp"

#include <strata/dialect.hpp>

#include <charconv>
#include <cstdio>
#include <string_view>

#ifdef STRATA_WITH_POSTGRESQL
#include "dialect/postgresql/postgresql_online.hpp"
#endif

namespace strata {
namespace {

using clock = std::chrono::steady_clock;

/// How often a waiting run looks again, and says again that it waits. A standby that has
/// replayed all it received answers within milliseconds (WAL this run just committed looks behind
/// until then): the first looks come after first_look, doubling up to poll, and nothing is said
/// before a wait lasted quiet_for.
constexpr std::chrono::milliseconds first_look{10};
constexpr std::chrono::milliseconds poll{500};
constexpr std::chrono::milliseconds quiet_for{250};
constexpr std::chrono::seconds say_every{5};

/// The wait inside a backfill's block speaks with NOTICEs `strata:replica-lag <lag ms> <waited ms>
/// <who>` and ends with an exception of SQLSTATE `SLAG1` whose message starts with the deadline's
/// marker (then the same fields).
constexpr std::string_view notice_marker = "strata:replica-lag ";
constexpr std::string_view deadline_marker = "strata:replica-lag-deadline ";
constexpr const char* deadline_sqlstate = "SLAG1";

/// "3.2 s", "1 s", "0.5 s", "0.04 s": under a second with the digits it takes to tell a lag
/// from a limit of 0 (never "0 s behind, more than 0 s").
std::string seconds_text(double seconds) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, seconds >= 1 || seconds == 0 ? "%.1f" : seconds >= 0.1 ? "%.2f" : "%.3f", seconds);
    std::string text = buffer;
    if (text.find('.') != std::string::npos) {
        while (text.back() == '0') text.pop_back();
        if (text.back() == '.') text.pop_back();
    }
    return text + " s";
}

std::string seconds_text(std::chrono::milliseconds d) { return seconds_text(static_cast<double>(d.count()) / 1000); }

/// `limit` as a numeric literal of seconds: "1.500".
std::string seconds_literal(std::chrono::milliseconds limit) {
    const auto ms = limit.count();
    std::string fraction = std::to_string(ms % 1000);
    return std::to_string(ms / 1000) + "." + std::string(3 - fraction.size(), '0') + fraction;
}

/// The fields after a marker: lag and waited in ms, then who.
std::optional<std::pair<lagging_standby, std::chrono::milliseconds>> parse_fields(std::string_view text) {
    std::int64_t lag_ms = 0;
    std::int64_t waited_ms = 0;
    for (std::int64_t* n : {&lag_ms, &waited_ms}) {
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *n);
        if (ec != std::errc() || end == text.data() + text.size() || *end != ' ') return std::nullopt;
        text.remove_prefix(static_cast<std::size_t>(end - text.data()) + 1);
    }
    return std::pair{lagging_standby{std::string(text), static_cast<double>(lag_ms) / 1000}, std::chrono::milliseconds(waited_ms)};
}

/// The wait between a backfill's batches, in PL/pgSQL: the same query and the same rules as
/// replica_lag_watch::wait(), run by the server. Each look ends with a COMMIT (nothing is left to
/// commit there: the batch before committed): inside a DO block the snapshot of a transaction's
/// first statement is held until its COMMIT, so without it the whole wait, up to the deadline,
/// would hold back VACUUM's horizon on the primary (the waiting session's backend_xmin).
std::string wait_in_block(std::chrono::milliseconds limit, std::chrono::milliseconds deadline) {
    const std::string lag_ms = "round(strata_standby.lag * 1000)";
    const std::string waited_ms = "round(extract(epoch FROM clock_timestamp() - strata_since) * 1000)";
    return "DECLARE strata_standby record; strata_since timestamptz := clock_timestamp(); strata_said timestamptz; "
           "strata_pause float8 := " + seconds_literal(first_look) + ";\n"
           "BEGIN LOOP SELECT * INTO strata_standby FROM (" + replica_lag_sql::over(limit) + ") strata_over; EXIT WHEN NOT FOUND;\n"
           "IF clock_timestamp() >= strata_since + interval '" + std::to_string(deadline.count()) + " milliseconds' THEN "
           "RAISE EXCEPTION USING ERRCODE = '" + deadline_sqlstate + "', MESSAGE = '" + std::string(deadline_marker) + "' || " +
           lag_ms + " || ' ' || " + waited_ms + " || ' ' || strata_standby.who; END IF;\n"
           "IF clock_timestamp() >= strata_since + interval '" + std::to_string(quiet_for.count()) + " milliseconds' AND "
           "(strata_said IS NULL OR clock_timestamp() >= strata_said + interval '" + std::to_string(say_every.count()) +
           " seconds') THEN strata_said := clock_timestamp(); RAISE NOTICE '" + std::string(notice_marker) + "% % %', " +
           lag_ms + ", " + waited_ms + ", strata_standby.who; END IF;\n"
           "PERFORM pg_sleep(strata_pause); strata_pause := least(strata_pause * 2, " + seconds_literal(poll) +
           "); COMMIT; END LOOP; END;";
}

}  // namespace

namespace replica_lag_sql {

std::string standbys() {
    // Physical standbys only: a logical walsender's replay_lsn is its subscriber's, and
    // pg_basebackup streams in state 'backup'.
    return "SELECT '\"' || coalesce(r.application_name, '') || '\" (' || coalesce(host(r.client_addr), 'local socket') || ')' "
           "AS who, CASE WHEN r.replay_lsn IS NULL THEN NULL "
           "WHEN r.replay_lsn >= pg_current_wal_flush_lsn() THEN 0 "
           "ELSE extract(epoch FROM coalesce(r.replay_lag, interval '0') + greatest(clock_timestamp() - r.reply_time, "
           "interval '0')) END AS lag FROM pg_stat_replication r WHERE r.state <> 'backup' AND NOT EXISTS (SELECT 1 FROM "
           "pg_replication_slots s WHERE s.active_pid = r.pid AND s.slot_type = 'logical')";
}

std::string over(std::chrono::milliseconds limit) {
    return "SELECT who, lag FROM (" + standbys() + ") strata_standbys WHERE lag > " + seconds_literal(limit) +
           " ORDER BY lag DESC, who LIMIT 1";
}

}  // namespace replica_lag_sql

replica_lag_watch::replica_lag_watch(connection& conn, const runner_options& options, bool dry_run, notice_function say)
    : conn_(conn), options_(options), say_(std::move(say)), dry_run_(dry_run),
      active_(options.max_replica_lag && !dry_run && conn.url().kind() == backend::postgresql) {}

void replica_lag_watch::check(const error_context& where) const {
    if (!options_.max_replica_lag || dry_run_) return;
    if (conn_.url().kind() == backend::sqlite) {
        say_("--max-replica-lag is ignored: SQLite has no standbys");
        return;
    }
    if (!active_) return;
    const auto rows = conn_.query(
        "SELECT CASE WHEN pg_has_role('pg_read_all_stats', 'USAGE') THEN 'yes' ELSE 'no' END, current_user, "
        "(SELECT count(*) FROM (" + replica_lag_sql::standbys() + ") s)");
    if (rows.size() != 1 || rows[0].size() != 3)
        throw error("reading pg_stat_replication for --max-replica-lag returned no row", where);
    const std::string role = rows[0][1].value_or("");
    // Without it, PostgreSQL shows this role every other role's standby with NULL positions: they
    // would look like no lag at all.
    if (rows[0][0] != "yes")
        throw config_error("--max-replica-lag needs to read every standby's replay position in pg_stat_replication, which "
                           "PostgreSQL shows role " + dialect::quote(role) + " only for its own connections: GRANT pg_monitor "
                           "(or pg_read_all_stats) TO " + dialect::quote(role) + ", or run without --max-replica-lag; nothing "
                           "was changed",
                           where);
    if (rows[0][2] == "0") say_("--max-replica-lag: no standby streams from this server now (pg_stat_replication is empty)");
}

void replica_lag_watch::wait(const std::string& unit, const std::string& when) const {
    if (!active_) return;
    std::optional<clock::time_point> since;
    std::optional<clock::time_point> said;
    std::string waited_for;  // the standby over the limit at the last look
    for (auto next = first_look;; next = std::min(next * 2, poll)) {
        if (options_.stop.stop_requested()) return;
        const auto rows = conn_.query(replica_lag_sql::over(*options_.max_replica_lag));
        if (rows.empty()) {
            // Caught up, or gone: a standby that stopped streaming (restarted, cut off) takes its
            // lag with it, and nothing watches it any more. Say so rather than go on silently.
            if (said && !waited_for.empty() && !streams(waited_for))
                say_(unit + ": standby " + waited_for + " stopped streaming from this server while this run waited for it "
                     "(it is no longer in pg_stat_replication): going on without it");
            return;
        }
        lagging_standby standby{rows[0].at(0).value_or(""), std::stod(rows[0].at(1).value_or("0"))};
        waited_for = standby.who;
        const auto now = clock::now();
        if (!since) since = now;
        const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(now - *since);
        if (waited >= options_.replica_lag_deadline) throw replica_lag_error(deadline_text(unit, when, standby, waited));
        if (waited >= quiet_for && (!said || now - *said >= say_every)) {
            said = now;
            say_(waiting_text(unit, when, standby, waited));
        }
        pause(options_.stop, next);
    }
}

bool replica_lag_watch::streams(const std::string& who) const {
    return !conn_.query("SELECT 1 FROM (" + replica_lag_sql::standbys() + ") strata_standbys WHERE who = " +
                        dialect::quote_literal(who))
                .empty();
}

std::string replica_lag_watch::between_batches(const std::string& statement) const {
#ifdef STRATA_WITH_POSTGRESQL
    if (active_) return postgresql_online::after_each_batch(statement, wait_in_block(*options_.max_replica_lag, options_.replica_lag_deadline));
#endif
    return statement;
}

std::optional<std::chrono::milliseconds> replica_lag_watch::relay(const std::string& notice, const std::string& unit) const {
    if (!active_ || notice.compare(0, notice_marker.size(), notice_marker) != 0) return std::nullopt;
    auto fields = parse_fields(std::string_view(notice).substr(notice_marker.size()));
    if (!fields) return std::nullopt;
    say_(waiting_text(unit, "before its next batch", fields->first, fields->second));
    return fields->second;
}

std::optional<replica_lag_error> replica_lag_watch::deadline_passed(const error& e, const std::string& unit,
                                                                     const std::string& statement) const {
    if (!active_ || e.context().sqlstate != deadline_sqlstate) return std::nullopt;
    const std::string& message = e.message();
    const auto at = message.find(deadline_marker);
    if (at == std::string::npos) return std::nullopt;
    auto fields = parse_fields(std::string_view(message).substr(at + deadline_marker.size()));
    if (!fields) return std::nullopt;
    error_context where = e.context();
    where.statement = statement;
    where.sqlstate.clear();  // not a lock_timeout of the server's (55P03): no retry
    return replica_lag_error(deadline_text(unit, "before its next batch", fields->first, fields->second), where);
}

std::string replica_lag_watch::waiting_text(const std::string& unit, const std::string& when, const lagging_standby& s,
                                            std::chrono::milliseconds waited) const {
    return unit + ": standby " + s.who + " replays " + seconds_text(s.lag_seconds) + " behind, more than --max-replica-lag " +
           seconds_text(*options_.max_replica_lag) + ": waiting " + when +
           (waited >= std::chrono::seconds(1) ? ", " + seconds_text(waited) + " so far" : "") + " (for up to " +
           seconds_text(options_.replica_lag_deadline) + ", --replica-lag-deadline)";
}

std::string replica_lag_watch::deadline_text(const std::string& unit, const std::string& when, const lagging_standby& s,
                                             std::chrono::milliseconds waited) const {
    return "standby " + s.who + " still replays " + seconds_text(s.lag_seconds) + " behind, more than --max-replica-lag " +
           seconds_text(*options_.max_replica_lag) + ", after " + unit + " waited " + seconds_text(waited) + " " + when +
           " (--replica-lag-deadline " + seconds_text(options_.replica_lag_deadline) +
           "): let the standby catch up (is its replay paused? pg_wal_replay_resume() on the standby resumes it), or allow "
           "more lag or a longer wait";
}

}  // namespace strata
