// The runner's façade: every command reads the same. Open the database (run/session), read the
// history, reconcile it with this build's plan (run/reconcile, run/plan), execute the steps
// (run/execute) on the database, or for a dry run on a rehearsal or a script.

#include <strata/runner.hpp>

#include <strata/dialect.hpp>
#include <strata/registry.hpp>

#include <algorithm>
#include <future>
#include <map>
#include <mutex>
#include <tuple>
#include <utility>

#include "inspect/dump.hpp"
#include "inspect/online_progress.hpp"
#include "inspect/read.hpp"
#include "inspect/verify.hpp"
#include "run/data_loss.hpp"
#include "run/execute.hpp"
#include "run/plan.hpp"
#include "run/reconcile.hpp"
#include "run/replica_lag.hpp"
#include "run/script_connection.hpp"
#include "run/session.hpp"
#include "run/stop.hpp"
#include "transaction.hpp"

namespace strata {

std::string describe(const progress_event& p) {
    std::string out = unit_label(p.version, p.name) + ": " + p.operation + (p.phase.empty() ? "" : " (" + p.phase + ")") +
                      ": " + std::to_string(p.done);
    if (p.total > 0 && p.done <= p.total)
        return out + " of " + std::to_string(p.total) + " " + p.unit + " (" + std::to_string(p.done * 100 / p.total) + "%)";
    if (p.total > 0) return out + " " + p.unit + " (" + std::to_string(p.total) + " counted at the start)";
    return out + " " + p.unit;
}

namespace {

/// This build's plan for `d`, made on a thread of its own for a large registry (see
/// runner::impl::planning), or by the first caller of get() for a small one.
std::shared_future<plan> start_plan(const registry& r, const dialect& d, bool atomic) {
    constexpr std::size_t units_worth_a_thread = 200;
    return std::async(r.entries().size() >= units_worth_a_thread ? std::launch::async : std::launch::deferred,
                      [&r, &d, atomic] { return plan(r, d, atomic); })
        .share();
}

/// For a down counted from the newest applied unit (down, --steps, redo): refuses (config_error)
/// when the history under the lock is not the one read before waiting for it. Another run
/// (a colleague's rollback, the pipeline's retried job) changed it meanwhile, and counting from
/// the newest unit now would revert one nobody asked for (review: two `down` runs at once
/// reverted two units and dropped a filled column).
void refuse_changed_meanwhile(const std::vector<history_row>& before, const std::vector<history_row>& now,
                              const std::string& program, const error_context& where) {
    auto described = [](const std::vector<history_row>& from, const std::vector<history_row>& without) {
        std::string out;
        for (const auto& row : from)
            if (std::none_of(without.begin(), without.end(), [&](const history_row& r) { return r.version == row.version; }))
                out += (out.empty() ? "" : ", ") + unit_label(row.version, row.name);
        return out;
    };
    // A unit reverted and applied again meanwhile (a redo), or an interrupted one finished: the
    // same version, a row written since.
    std::string rewritten;
    for (const auto& row : now)
        if (std::any_of(before.begin(), before.end(), [&](const history_row& r) {
                return r.version == row.version && (r.applied_at != row.applied_at || r.state != row.state);
            }))
            rewritten += (rewritten.empty() ? "" : ", ") + unit_label(row.version, row.name);
    const auto reverted = described(before, now), applied = described(now, before);
    if (reverted.empty() && applied.empty() && rewritten.empty()) return;
    std::vector<std::string> changes;
    if (!reverted.empty()) changes.push_back("reverted " + reverted);
    if (!applied.empty()) changes.push_back("applied " + applied);
    if (!rewritten.empty()) changes.push_back("wrote the row of " + rewritten + " anew (redone, finished or interrupted)");
    std::string what;
    for (std::size_t i = 0; i < changes.size(); ++i) what += (i == 0 ? "" : " and ") + changes[i];
    throw config_error("the history changed while this run waited for the migration lock: another run " + what +
                           "; counted from the newest unit now, this run would revert one nobody asked it to, so nothing "
                           "was reverted. See " + program + " status, and name the version to go back to: " + program +
                           " down --to VERSION (or run this command again, to count from the history as it is now)",
                       where);
}

}  // namespace

struct shared_plans::impl {
    explicit impl(const registry& r) : units(r) {}
    const registry& units;
    std::mutex mutex;
    /// By kind and atomic, and by the registry's entries as they were: should it gain a unit
    /// (which may move them), a plan pointing into the old ones is never handed out again.
    using key = std::tuple<backend, bool, const registry::entry*, std::size_t>;
    std::map<key, std::shared_future<plan>> made;
};

shared_plans::shared_plans(const registry& units) : impl_(std::make_unique<impl>(units)) {}
shared_plans::~shared_plans() = default;

struct shared_plans_access {
    /// The plan of `r` for `d`: from `plans` when they are r's (started by the first runner that
    /// asks for it), else one of its own.
    static std::shared_future<plan> get(const std::shared_ptr<shared_plans>& plans, const registry& r, const dialect& d,
                                        bool atomic) {
        if (!plans || &plans->impl_->units != &r) return start_plan(r, d, atomic);
        auto& shared = *plans->impl_;
        const shared_plans::impl::key key{d.kind(), atomic, r.entries().data(), r.entries().size()};
        std::lock_guard lock(shared.mutex);
        if (auto it = shared.made.find(key); it != shared.made.end()) return it->second;
        auto started = start_plan(r, d, atomic);  // if it throws (no thread to be had), nothing is kept
        shared.made.emplace(key, started);
        return started;
    }
};

struct runner::impl {
    runner_options options;
    const registry& units;
    const dialect& sql_dialect;
    /// This build's plan (every unit rendered and hashed), made while the command connects and
    /// reads the history: with thousands of units it is the largest part of a run that has
    /// nothing to do, and it needs neither. A small registry renders on first use instead
    /// (a thread costs more than its plan). With runner_options::plans over this registry, the
    /// one every such runner shares. See plan().
    std::shared_future<strata::plan> planning;
    strata::session db;

    /// A dry run's target for one command: a rehearsal on a copy of the schema where the
    /// database can make one (SQLite: the script is what ran there, rebuilds expanded), else a
    /// connection that writes the script (PostgreSQL). Both record into `script`.
    struct dry_target {
        std::unique_ptr<connection> conn;
        std::unique_ptr<history> hist;
        /// A stop ends the statement the dry target runs, as it does the database's.
        std::unique_ptr<std::stop_callback<std::function<void()>>> halt;
    };
    std::optional<dry_target> dry;
    bool rehearsed = false;  ///< the dry target is a rehearsal
    std::vector<std::string> script;

    impl(const registry& r, database_url u, runner_options o)
        : options(std::move(o)), units(r), sql_dialect(dialect_for(u.kind())), db(std::move(u), options, sql_dialect) {
        r.validate();  // a registry error before anything connects, as without the thread
        planning = shared_plans_access::get(options.plans, r, sql_dialect, options.atomic);
        // A history further down the search_path is taken for this application's by its units.
        db.recognise_units([this](std::int64_t version, const std::string& name) {
            const planned_unit* p = plan().find(version);
            return p && p->name() == name;
        });
    }

    /// The plan, waiting for it if it is still being made; what making it threw, it throws.
    const strata::plan& plan() const { return planning.get(); }

    /// The schemas the schema readers look at: a tenant's alone (database_url::with_schema), and
    /// so the schema a URL's search_path names alone (database_url::search_path_schema).
    inspect::schema_scope schema_scope() const {
        return db.url().search_path_schema().empty() ? inspect::schema_scope::application : inspect::schema_scope::current;
    }

    error_context context() const { return {.database = db.url().redacted(), .backend = to_string(db.url().kind())}; }

    /// Where this command's steps run (after session::read).
    target where_to_run() {
        if (!options.dry_run) return {db.change(), db.history(), nullptr};
        if (!dry) {
            dry_target d;
            d.conn = db.look().rehearsal(&script, {history::table_name});
            rehearsed = d.conn != nullptr;
            if (!d.conn) d.conn = script_connection(db.look(), script);
            d.hist = std::make_unique<history>(*d.conn, sql_dialect);
            d.halt = std::make_unique<std::stop_callback<std::function<void()>>>(
                options.stop, std::function<void()>([conn = d.conn.get(), this] { conn->interrupt(stop_reason(options)); }));
            dry = std::move(d);
        }
        return {*dry->conn, *dry->hist, &script, rehearsed};
    }

    /// A failure found without touching the database (a rehearsal, a dry run) says so.
    [[noreturn]] static void refuse(const migration_error& e) {
        throw unsupported_error(e.message() +
                                    "; found by rehearsing the run on a copy of the schema without its rows, before "
                                    "anything ran: nothing was run",
                                e.context());
    }

    /// On a database that rebuilds tables (SQLite), steps that rebuild one are first run on a
    /// copy of the schema, so what a rebuild cannot keep is refused before anything runs; with
    /// `every_time` (a down, a redo: the 3 a.m. rollback) any steps, so that a unit the copy
    /// refuses stops the run before the units ahead of it are reverted, as its dry run said.
    void rehearse(const std::vector<step>& steps, bool atomic, bool every_time = false) {
        if (options.dry_run || steps.empty()) return;
        if (!every_time && std::none_of(steps.begin(), steps.end(), [](const step& s) { return s.statements->foreign_keys_off; }))
            return;
        std::unique_ptr<connection> copy;
        try {
            copy = db.change().rehearsal(nullptr, {history::table_name});
        } catch (const unsupported_error& e) {
            if (options.on_notice) options.on_notice(e.message() + "; running without a rehearsal");
            return;
        }
        if (!copy) return;
        history h(*copy, sql_dialect);
        runner_options quiet = options;
        quiet.on_notice = {};
        quiet.on_progress = {};
        executor x({*copy, h, nullptr, true}, quiet, context());
        // A stop ends the copy's statement too (a big INSERT ... SELECT takes seconds there), and
        // is a stop, not a unit's failure: exit 143 for a deploy system's SIGTERM, not 1.
        std::stop_callback halt(options.stop, [&copy, this] { copy->interrupt(stop_reason(options)); });
        try {
            atomic ? x.run_atomic(steps, {}) : x.run_all(steps, {});
        } catch (const error& e) {
            rehearsal_failed(e);
        }
    }

    /// What a failure on a copy of the schema (a rehearsal, a SQLite dry run) is: a stop is a
    /// stop (exit 143 for a deploy system's SIGTERM, not 1), a unit's failure is refused.
    [[noreturn]] void rehearsal_failed(const error& e) const {
        if (e.kind() == error_kind::interrupted)
            throw interrupted_error(stop_reason(options) +
                                        " while rehearsing the run on a copy of the schema, before anything ran "
                                        "on the database: nothing was run",
                                    context());
        if (const auto* failed = dynamic_cast<const migration_error*>(&e)) refuse(*failed);
        throw;
    }

    /// Runs `steps` where the options say, after a rehearsal when one is due (see rehearse).
    run_report execute(const std::vector<step>& steps, bool atomic, const unit_observer& observer, run_report report = {},
                       bool already_rehearsed = false) {
        if (atomic && !steps.empty() && !sql_dialect.features().transactional_ddl)
            throw unsupported_error(std::string("--atomic needs transactional DDL, which ") + to_string(db.url().kind()) + " lacks",
                                    context());
        // Nothing to run opens no connection for a change: a down with nothing to do on a
        // database strata never touched creates nothing (no SQLite file, no lock file).
        if (steps.empty() && !options.dry_run) return report;
        if (!already_rehearsed) rehearse(steps, atomic);
        executor x(where_to_run(), options, context());
        try {
            report = atomic && !steps.empty() ? x.run_atomic(steps, observer, std::move(report))
                                              : x.run_all(steps, observer, std::move(report));
        } catch (const migration_error& e) {
            if (options.dry_run && rehearsed) rehearsal_failed(e);
            throw;
        }
        return report;
    }

    /// repair of a row that cannot be trusted: it goes (the unit is pending), or it is kept as
    /// applied with this build's down statements (which needs this build to have the unit).
    void repair_damaged(const history_row& row, const std::string& damage, bool mark_applied) {
        const planned_unit* u = plan().find(row.version);
        if (mark_applied && (!u || u->name() != row.name))
            throw config_error("unit " + std::to_string(row.version) + " " + row.name +
                                   " is not in this build, so it cannot be kept as applied with this build's down statements; run " +
                                   options.program_name + " repair " + std::to_string(row.version) + " to remove its row",
                               context());
        if (options.dry_run) return;
        auto& h = db.history();
        transaction tx(db.change(), false);
        if (mark_applied)
            h.rewrite_applied(row.version, u->stored_down());
        else
            h.remove(row.version);
        h.log({row.version, row.name, "repair", 0, "ok",
               "damaged row: " + damage + (mark_applied ? "; kept applied with this build's down statements" : "; removed")});
        tx.commit();
    }

    /// A rollback is not recorded as one: the history only says what is applied, so an up run
    /// after a down (a restarted instance of the release that was rolled back) applies the units
    /// again. It says so, from the audit log, for each unit a down reverted last.
    void say_reverted(const std::vector<std::int64_t>& versions, const std::vector<step>& steps) {
        if (!options.on_notice) return;
        for (const auto& r : db.history().reverted(versions)) {
            const auto s = std::find_if(steps.begin(), steps.end(), [&](const step& x) { return x.version == r.version; });
            options.on_notice(unit_label(r.version, s->name) + " was reverted by a down at " + r.at + " by " + r.by +
                              " (strata_schema_log); this up " + (options.dry_run ? "would apply" : "applies") +
                              " it again");
        }
    }

    /// What repair and its variants start from: the history (under the lock; for a dry run
    /// without) and each unit's status. Refused when any unit is another application's, not only
    /// the one to repair: that history is not ours to change.
    std::pair<std::vector<history_row>, std::vector<unit_status>> read_for_repair() {
        auto rows = db.read(options.dry_run, false);
        auto status = status_of(plan(), rows);
        refuse_mismatched(status, options, context(), "nothing was repaired");
        return {std::move(rows), std::move(status)};
    }

    /// What a down reverts: the history rows, their stored down statements (parsed for those
    /// only) and the steps, which point into both (moving the plan keeps them valid).
    struct down_plan {
        std::vector<history_row> targets;
        std::vector<stored_down> stored;
        std::vector<step> steps;
    };

    down_plan plan_down(const std::vector<history_row>& rows, const down_request& request) {
        auto status = status_of(plan(), rows);
        refuse_mismatched(status, options, context());  // before down_rows: on another application's database, nothing else matters
        down_plan out;
        out.targets = down_rows(plan(), rows, request, options, context());
        check_down(status, out.targets, options, context());
        out.stored.reserve(out.targets.size());
        for (const auto& row : out.targets) out.stored.push_back(recorded_down(row));
        for (std::size_t i = 0; i < out.targets.size(); ++i) {
            const auto& row = out.targets[i];
            out.steps.push_back(down_step(plan(), row, out.stored[i], context()));
        }
        return out;
    }

    /// A notice, unless empty.
    void say(const std::string& text) const {
        if (!text.empty() && options.on_notice) options.on_notice(text);
    }

    /// Before a down's `steps` run: refuses (data_loss_error) when the tables and columns they
    /// drop hold data, except the drops of a unit that allows them (allow_data_loss) and, with
    /// runner_options::allow_data_loss, all: those are not read, each is named in a notice and
    /// added to `allowed` (run_report::allowed_losses). A dry run says what the run would refuse,
    /// and returns it (run_report::refused_losses) to show its statements too: it is how one
    /// looks before a rollback.
    std::vector<lost_data> guard_data(std::vector<step>& all_steps, const char* command, std::vector<lost_data>& allowed) {
        // A down whose unit says it drops data on purpose (allow_data_loss, stored with the
        // statements it vouches for) is named, not read; with --allow-data-loss every one is. The
        // names are read through the run's renames, an allowed unit's too.
        auto drops = drops_of(all_steps, db.url().kind());
        for (std::size_t i = 0; i < all_steps.size(); ++i) {
            auto& s = all_steps[i];
            if (!s.statements->data_loss_allowed && !options.allow_data_loss) continue;
            for (auto& d : drops[i]) {
                if (s.statements->data_loss_allowed) {
                    // From the history (this build does not know the unit, or it changed): as it was applied.
                    const std::string who = s.from_history ? "the unit allowed it when it was applied" : "the unit allows it";
                    say(describe(d, false) + " whatever it holds: " + who + " (" + *s.statements->data_loss_allowed + ")");
                    d.allowed = *s.statements->data_loss_allowed;
                } else {
                    say(describe(d, false) + " whatever it holds (--allow-data-loss)");
                    d.allowed = "--allow-data-loss";
                    s.drops_uncounted = true;
                }
                allowed.push_back(std::move(d));
            }
        }
        if (options.allow_data_loss) return {};
        // A dry run reads on look(), which waits for table locks without a limit: the same limit
        // as the run's, for each count's transaction only.
        auto losses = data_at_risk(db.look(), all_steps, options,
                                   options.dry_run ? std::optional(options.ddl_lock_timeout) : std::nullopt);
        if (losses.empty()) return {};
        if (options.dry_run) {
            for (const auto& l : losses) say(describe(l) + ": the run refuses this without --allow-data-loss");
            return losses;
        }
        const std::string more = losses.size() > 1 ? " (and " + std::to_string(losses.size() - 1) + " more, below)" : "";
        const std::string backup = db.url().kind() == backend::postgresql ? "pg_dump --table, or COPY ... TO"
                                                                          : "a copy of the file, or sqlite3 .dump";
        const std::string message = std::string(command) + " would destroy data: " + describe(losses.front()) + more +
                                    "; nothing was run. Once the data is gone only a backup brings it back: keep what you "
                                    "need (" + backup + "), then run again with --allow-data-loss. A unit whose down keeps "
                                    "the data elsewhere on purpose says so itself: allow_data_loss(reason) in its down(), "
                                    "-- strata:allow data-loss <reason> in a .sql unit";
        throw data_loss_error(message, context(), std::move(losses));
    }

    /// --max-replica-lag's check, before a command that may wait for standbys creates or runs
    /// anything: the role must see every standby (else exit 2); SQLite says it is ignored. Not for
    /// --atomic on PostgreSQL, which has no point to wait at (the run says so) and needs no grant.
    void check_replica_lag() {
        if (!options.max_replica_lag || options.dry_run) return;
        if (options.atomic && db.url().kind() == backend::postgresql) return;
        replica_lag_watch(db.look(), options, false, [this](const std::string& text) {
            if (options.on_notice) options.on_notice(text);
        }).check(context());
    }

    /// Whether up (to `to`) has nothing to do, told from the history as committed now, without
    /// the migration lock: every unit commits with its history row, so a history that has each of
    /// this build's units (to `to`) applied, none half-done, and nothing the options refuse, stays
    /// so whatever another run holding the lock does next (a concurrent down is a run after this
    /// one). The run then neither waits for nor takes the lock: on PostgreSQL four statements
    /// fewer. Anything else (a pending or half-done unit, a row the options refuse, no history)
    /// is decided again under the lock, as if this look had not happened.
    bool up_to_date(std::optional<std::int64_t> to) {
        auto rows = db.read_unlocked(options.atomic);
        if (!rows) return false;
        auto status = status_of(plan(), *rows);
        try {
            refuse_mismatched(status, options, context());
            check_up(status, to, options, context());
        } catch (const validation_error&) {
            return false;  // said under the lock, where another run may have changed it
        }
        return std::none_of(status.begin(), status.end(), [&](const unit_status& s) {
            return s.interrupted || (s.state == unit_state::pending && (!to || s.version <= *to));
        });
    }

    /// Each command holds the lock (and a dry run its target) for its own run only: a program
    /// that keeps its runner (to show status later) must not block the next deploy.
    struct command_scope {
        impl& d;
        ~command_scope() {
            d.db.release();
            d.dry.reset();
            d.rehearsed = false;
            d.script.clear();
        }
    };

    /// The report of a command: a dry run's script goes with it.
    run_report finish(run_report report) {
        // A rehearsal's connection enforces foreign keys, as strata's do: so does the script.
        if (rehearsed && !script.empty()) script.insert(script.begin(), "PRAGMA foreign_keys = ON");
        report.script = std::move(script);
        return report;
    }
};


runner::runner(const registry& units, database_url url, runner_options options)
    : impl_(std::make_unique<impl>(units, std::move(url), std::move(options))) {}
runner::~runner() = default;

const database_url& runner::url() const noexcept { return impl_->db.url(); }

std::vector<unit_status> runner::status() {
    impl_->db.look();
    auto rows = impl_->db.history().read();
    if (rows.empty()) impl_->db.note_history_elsewhere();
    auto status = status_of(impl_->plan(), rows);
    find_damage(status, rows, &impl_->plan());
    // A unit interrupted half-way: how far each of its steps got, as the schema shows it now
    // (read only then: the schema read costs more than the history's). Some catalog functions
    // wait for a table's lock: status waits 1 s at most, then says it cannot tell.
    std::optional<inspect::snapshot> now;
    std::string unread;
    for (auto& s : status) {
        if (!s.interrupted) continue;
        if (!now && unread.empty()) {
            // The wait bounded for this read's transaction alone (SET LOCAL): a session setting
            // could stay on a server session a transaction pooler hands to the application.
            // (SQLite: none; its transaction would take the write lock, BEGIN IMMEDIATE.)
            auto& c = impl_->db.look();
            try {
                std::optional<transaction> t;
                if (impl_->db.url().kind() == backend::postgresql) {
                    t.emplace(c, false);
                    c.set_transaction_lock_timeout(std::chrono::seconds(1));
                }
                now = inspect::read_snapshot(c, impl_->db.url().kind(), impl_->schema_scope());
                if (t) t->commit();
            } catch (const error& e) {
                if (!c.is_lock_timeout(e)) throw;
                unread = "the schema could not be read within 1 s: another session holds a lock on a table";
            }
        }
        s.steps = inspect::online_progress(*impl_->plan().find(s.version)->entry->unit, now ? &*now : nullptr, unread);
    }
    // A row that says running or reverting while a run holds the lock is that run's work in
    // progress (a long index build, a backfill), not one that was stopped: status says so rather
    // than send the on-call engineer to up or down.
    if (std::any_of(status.begin(), status.end(), [](const unit_status& s) { return s.interrupted || s.state == unit_state::dirty; })) {
        const std::string by = impl_->db.look().migration_lock_holder();
        for (auto& s : status)
            if (s.interrupted || s.state == unit_state::dirty) s.in_progress = by;
    }
    return status;
}

// A tenant of --schemas-like (or a URL whose search_path names one schema) is its schema alone:
// the database's other schemas are other tenants' or other applications'.
std::string runner::schema_dump() {
    return strata::schema_dump(impl_->db.look(), impl_->db.url().kind(), impl_->schema_scope());
}

inspect::snapshot runner::schema() { return inspect::read_snapshot(impl_->db.look(), impl_->db.url().kind(), impl_->schema_scope()); }

std::vector<std::string> runner::schemas_like(const std::string& pattern) {
    const std::string query = impl_->sql_dialect.schemas_like_query(pattern);
    if (query.empty())
        throw config_error(std::string("--schemas-like needs PostgreSQL: ") + to_string(url().kind()) + " has no schemas",
                           impl_->context());
    std::vector<std::string> names;
    for (const auto& row : impl_->db.look().query(query))
        if (!row.empty() && row.front()) names.push_back(*row.front());
    return names;
}

std::vector<unit_verification> runner::verify(const std::optional<database_url>& scratch,
                                              const std::function<void(const unit_verification&)>& observer) {
    return verify_units(impl_->units, url(), impl_->options, scratch, observer);
}

drift_report runner::diff(const std::optional<database_url>& scratch) {
    auto applied = status();
    return schema_drift(impl_->units, url(), impl_->options, scratch, applied, schema());
}

std::vector<std::string> runner::validate() { return problems_of(status(), impl_->options.program_name); }

run_report runner::up(std::optional<std::int64_t> to, const unit_observer& observer) {
    auto& d = *impl_;
    impl::command_scope scope{d};
    if (to && !d.plan().find(*to))
        throw config_error("cannot migrate to version " + std::to_string(*to) + ": this build has no such unit (see " +
                               d.options.program_name + " status)",
                           d.context());
    d.check_replica_lag();
    if (!d.options.dry_run && d.up_to_date(to)) return d.finish({});
    std::optional<executor> in_transaction;  // --atomic on PostgreSQL; its retries' budget lasts
    for (bool first = true;; first = false) {
        // --atomic on PostgreSQL: lock, history and units in one transaction
        // (session::read_in_transaction), begun again when a table lock timed out.
        std::optional<transaction> tx;
        std::optional<std::vector<history_row>> read_in_tx;
        if (d.options.atomic && !d.options.dry_run) read_in_tx = d.db.read_in_transaction(tx);
        auto rows = read_in_tx ? std::move(*read_in_tx) : d.db.read(d.options.dry_run, true);
        auto status = status_of(d.plan(), rows);
        refuse_mismatched(status, d.options, d.context());
        check_up(status, to, d.options, d.context());
        auto steps = up_steps(d.plan(), status, to, d.options.atomic, d.context());
        if (first && !steps.empty()) {
            std::vector<std::int64_t> versions;
            for (const auto& s : steps) versions.push_back(s.version);
            if (d.options.on_pending) d.options.on_pending(versions);
            d.say_reverted(versions, steps);
        }
        // The script creates the metadata tables a run would.
        if (d.options.dry_run) d.where_to_run().history.ensure(false, d.db.elsewhere());
        if (!tx) return d.finish(d.execute(steps, d.options.atomic, observer));
        if (steps.empty()) {
            tx->commit();  // it only read: ends it and its lock
            return d.finish({});
        }
        if (!in_transaction) in_transaction.emplace(target{d.db.look(), d.db.history(), nullptr}, d.options, d.context());
        try {
            return d.finish(in_transaction->run_atomic_in(*tx, steps, observer));
        } catch (const executor::retry_release&) {
            // Rolled back and paused: the lock and the history are taken again, in a new transaction.
        }
    }
}

run_report runner::down(const down_request& request, const unit_observer& observer) {
    auto& d = *impl_;
    impl::command_scope scope{d};
    d.check_replica_lag();
    const bool relative = !request.to && !request.all && !request.only;
    const auto before = relative && !d.options.dry_run ? d.db.read_before_lock() : std::nullopt;
    auto rows = d.db.read(d.options.dry_run, false);
    if (before) refuse_changed_meanwhile(*before, rows, d.options.program_name, d.context());
    auto down = d.plan_down(rows, request);
    d.say(left_applied_notice(rows, down.targets, request, d.options.program_name, "down"));
    d.rehearse(down.steps, false, true);
    std::vector<lost_data> allowed;
    auto refused = d.guard_data(down.steps, "down", allowed);
    auto report = d.execute(down.steps, false, observer, {}, true);
    report.refused_losses = std::move(refused);
    report.allowed_losses = std::move(allowed);
    return d.finish(std::move(report));
}

run_report runner::redo(const unit_observer& observer) {
    auto& d = *impl_;
    impl::command_scope scope{d};
    d.check_replica_lag();
    const auto before = d.options.dry_run ? std::nullopt : d.db.read_before_lock();
    auto rows = d.db.read(d.options.dry_run, false);
    if (before) refuse_changed_meanwhile(*before, rows, d.options.program_name, d.context());
    if (rows.empty()) throw config_error("nothing to revert: no unit is applied", d.context());
    refuse_mismatched(status_of(d.plan(), rows), d.options, d.context());
    const planned_unit* p = d.plan().find(rows.back().version);
    if (!p)
        throw config_error(unit_label(rows.back().version, rows.back().name) +
                               " is the newest applied unit but this build does not know it, so it cannot apply it again",
                           d.context());
    auto down = d.plan_down(rows, {});
    d.say(left_applied_notice(rows, down.targets, {}, d.options.program_name, "redo"));
    auto again = up_step(*p, false, d.context());  // both directions are checked before the first statement runs
    auto both = down.steps;
    both.push_back(again);
    d.rehearse(both, false, true);  // and rehearsed together before either runs (SQLite)
    std::vector<lost_data> allowed;
    auto refused = d.guard_data(down.steps, "redo", allowed);
    auto report = d.execute(down.steps, false, observer, {}, true);
    report = d.execute({again}, false, observer, std::move(report), true);
    report.refused_losses = std::move(refused);
    report.allowed_losses = std::move(allowed);
    return d.finish(std::move(report));
}

run_report runner::baseline(std::int64_t to) {
    auto& d = *impl_;
    impl::command_scope scope{d};
    if (!d.plan().find(to))
        throw config_error("cannot baseline to version " + std::to_string(to) + ": this build has no such unit", d.context());
    auto rows = d.db.read(d.options.dry_run, true);
    if (!rows.empty())
        throw config_error("baseline is only for a database without history, and this one has " + std::to_string(rows.size()) +
                               " applied unit(s); use " + d.options.program_name + " status",
                           d.context());
    auto start = std::chrono::steady_clock::now();
    target t = d.where_to_run();
    t.history.ensure(false, d.db.elsewhere());
    run_report report;
    transaction tx(t.conn, false);
    for (const auto& p : d.plan().units()) {
        if (p.version() > to) break;
        statements_of(p, direction::up, d.context());  // a checksum is needed: refuse a unit that cannot render
        t.history.insert({p.version(), p.name(), p.checksum, 0, row_state::applied, p.stored_down()});
        t.history.log({p.version(), p.name(), "baseline", 0, "ok", {}});
        report.units.push_back({p.version(), p.name(), direction::up, {}, false});
    }
    tx.commit();
    report.duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    return d.finish(std::move(report));
}

change_review runner::accept_change(std::int64_t version) {
    auto& d = *impl_;
    impl::command_scope scope{d};
    auto [rows, status] = d.read_for_repair();
    find_damage(status, rows, &d.plan());  // a damaged row is repair's, whatever its checksum
    auto s = std::find_if(status.begin(), status.end(), [&](const unit_status& u) { return u.version == version; });
    if (s == status.end() || s->state != unit_state::changed)
        throw config_error("unit " + std::to_string(version) + " " +
                               (s == status.end() ? std::string("is neither applied nor in this build")
                                : s->state == unit_state::applied ? "has not changed since it was applied (its checksum is the history's)"
                                                                 : std::string("is ") + to_string(s->state)) +
                               ", so there is no change to accept; --accept-changed is for an applied unit that status "
                               "shows as changed",
                           d.context());
    const planned_unit* p = d.plan().find(version);
    const auto row = std::find_if(rows.begin(), rows.end(), [&](const history_row& r) { return r.version == version; });
    // A build that cannot revert the unit keeps the down statements stored when it was applied:
    // they are the way back.
    const auto down = p->stored_down();
    change_review review{.version = version, .name = p->name(), .applied_checksum = s->applied_checksum, .checksum = p->checksum,
                         .up = p->up.statements, .stored_down = {}, .down = {}};
    if (auto stored = recorded_down(*row); stored.statements) {
        review.stored_down = stored.statements->statements;
        review.stored_data_loss_allowed = stored.statements->data_loss_allowed;
    }
    if (down) {
        review.down = down->statements;
        review.data_loss_allowed = down->data_loss_allowed;
    }
    if (d.options.dry_run) return review;
    auto& h = d.db.history();
    transaction tx(d.db.change(), false);
    h.accept_change(version, p->checksum, down ? &*down : nullptr);
    std::string allowance;  // what a later rollback counts, when that changes
    if (down && review.data_loss_allowed != review.stored_data_loss_allowed)
        allowance = review.data_loss_allowed ? "; its down's drops now allowed by the unit (" + *review.data_loss_allowed + ")"
                                             : "; its down's drops counted again (the unit no longer allows them)";
    h.log({version, p->name(), "repair", 0, "ok",
           "accepted the change: checksum " + s->applied_checksum + " replaced by this build's " + p->checksum +
               (down ? allowance : "; the stored down statements kept (this build cannot revert it)")});
    tx.commit();
    return review;
}

void runner::record_reverted(std::int64_t version) {
    auto& d = *impl_;
    impl::command_scope scope{d};
    auto [rows, status] = d.read_for_repair();
    const auto it = std::find_if(rows.begin(), rows.end(), [&](const history_row& r) { return r.version == version; });
    const auto s = std::find_if(status.begin(), status.end(), [&](const unit_status& u) { return u.version == version; });
    const std::string unit = "unit " + std::to_string(version);
    if (it == rows.end())
        throw config_error(unit + " is not applied, so there is no revert to record (see " + d.options.program_name + " status)",
                           d.context());
    if (s != status.end() && s->interrupted)
        throw config_error(unit + " was interrupted half-way, which " + d.options.program_name +
                               " down undoes (each finished step's inverse, only where it is there); --reverted is for "
                               "an applied unit reverted by hand",
                           d.context());
    if (it->state != row_state::applied || !damage_of(*it).empty())
        throw config_error(unit + " is " + (it->state == row_state::damaged || !damage_of(*it).empty() ? "damaged" : "dirty") +
                               ", not applied: after checking the database, " + d.options.program_name + " repair " +
                               std::to_string(version) + " removes its row (the unit is pending), as --reverted would",
                           d.context());
    if (d.options.dry_run) return;
    auto& h = d.db.history();
    transaction tx(d.db.change(), false);
    h.remove(version);
    // The row goes, and with it the only stored down of a unit this build does not know: the audit
    // row keeps what it held, for a person to put it back.
    h.log({version, it->name, "repair", 0, "ok",
           redact_passwords("recorded as reverted by hand: its down statements were not run; marked pending; the row was: "
                            "checksum " + it->checksum + ", applied at " + it->applied_at + " by " + it->applied_by +
                            ", down_statements " + it->down_json.value_or("NULL"))});
    tx.commit();
}

void runner::repair(std::int64_t version, bool mark_applied) {
    auto& d = *impl_;
    impl::command_scope scope{d};
    auto [rows, status] = d.read_for_repair();
    auto it = std::find_if(rows.begin(), rows.end(), [&](const history_row& r) { return r.version == version; });
    const std::string damage = it == rows.end() ? std::string() : damage_of(*it);
    // Written by a newer build: the unit is applied, and removing its row would have that build
    // apply it again.
    if (damage.starts_with(newer_build_damage) && !mark_applied)
        throw config_error("unit " + std::to_string(version) + " " + it->name + ": " + damage + "; repair " +
                               std::to_string(version) + " would remove the row of an applied unit, which that build "
                               "would then apply again: run that build (or a newer one) for this database. If it is gone "
                               "for good and this build has the unit, " + d.options.program_name + " repair " +
                               std::to_string(version) + " --applied stores this build's down statements instead",
                           d.context());
    if (!damage.empty()) return d.repair_damaged(*it, damage, mark_applied);
    if (it == rows.end() || !unfinished(it->state)) {
        const bool changed =
            std::any_of(status.begin(), status.end(), [&](const unit_status& s) { return s.version == version && s.state == unit_state::changed; });
        const std::string repair = d.options.program_name + " repair " + std::to_string(version);
        throw config_error("unit " + std::to_string(version) + " is neither dirty nor damaged, there is nothing to repair" +
                               (changed ? "; it changed since it was applied: if the edit changes nothing it did, " + repair +
                                              " --accept-changed records its new checksum"
                                : it != rows.end() ? "; if it was reverted by hand, " + repair +
                                                         " --reverted records that without running its down"
                                                   : " (see " + d.options.program_name + " status)"),
                           d.context());
    }
    if (std::any_of(status.begin(), status.end(), [&](const unit_status& s) { return s.version == version && s.interrupted; }))
        throw config_error("unit " + std::to_string(version) + " is not dirty: it was interrupted and resumes by itself; " +
                               (it->state == row_state::reverting
                                    ? "run " + d.options.program_name + " down to finish reverting it, or " +
                                          d.options.program_name + " up to apply it again"
                                    : "run " + d.options.program_name + " up to finish it, or " + d.options.program_name +
                                          " down to undo what its finished steps did"),
                           d.context());
    if (d.options.dry_run) return;
    auto& h = d.db.history();
    transaction tx(d.db.change(), false);
    // Applied, the row stores what an applied row stores: not the rollback an online unit's run
    // stored while it said running.
    const auto stored = recorded_down(*it);
    if (mark_applied && stored.rollback)
        h.rewrite_applied(version, stored.statements);  // the down alone, or none (NULL) for a unit without one
    else if (mark_applied)
        // When its run wrote the row: a repair is no application, and a down orders units by
        // this (a damaged row's unit dated now would look applied after every unit above it).
        h.set_state(version, row_state::applied, {}, nullptr, true);
    else
        h.remove(version);
    h.log({version, it->name, "repair", 0, "ok", mark_applied ? "marked applied" : "marked pending"});
    tx.commit();
}

}  // namespace strata
