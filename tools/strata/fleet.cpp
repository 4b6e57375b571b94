// Many databases in one run: the targets (--targets, a repeated --database, --schemas-like,
// --shard), and running one command on each of them, --parallel at a time, with --canary and
// --max-failures deciding whether to start the next. Each target runs as a single run would, on a
// runner (and a connection) of its own, all of them sharing this build's plan (runner_options::
// plans); what it prints is kept and shown as one line.

#include <strata/runner.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include <sys/stat.h>

#include "command_line.hpp"
#include "signals.hpp"

namespace strata::cli {
namespace {

struct target {
    std::string label;
    database_url url;
    /// A --schemas-like database whose schemas could not be listed: reported as this target's
    /// outcome instead of a run.
    std::optional<target_run> listing_failed;
};

std::string trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return std::string(s);
}

/// A URL's name in the report when it has no label: host[:port][,host[:port]...]/dbname, or the
/// SQLite path.
std::string default_label(const database_url& url) {
    if (url.kind() == backend::sqlite) return url.path();
    std::string out;
    for (const auto& [host, port] : url.hosts())
        out += (out.empty() ? "" : ",") + host + (port ? ":" + std::to_string(port) : std::string());
    return out + "/" + url.dbname();
}

/// `LABEL=URL` or `URL`: a label is what comes before the first '=' when that holds no ':' or
/// '/' (every URL starts with its scheme and a ':', so a bare URL never looks like one).
target read_target(const std::string& line, const std::string& where) {
    std::string label, text = line;
    if (auto eq = line.find('='); eq != std::string::npos && line.find_first_of(":/") > eq) {
        label = trim(std::string_view(line).substr(0, eq));
        text = trim(std::string_view(line).substr(eq + 1));
        if (label.empty() || std::any_of(label.begin(), label.end(), [](unsigned char c) { return std::isspace(c); }))
            throw usage_error(where + ": a label is one word before '=' (LABEL=URL)");
    }
    // A URL holds no blank: what follows one (a comment, a second URL) would silently become
    // part of a SQLite file's name, and a new, empty database would be migrated instead.
    // The line is not shown: its URL may hold a password.
    if (const auto blank = text.find_first_of(" \t"); blank != std::string::npos)
        throw usage_error(where + ": a URL holds no blank, and this one has one after its first " + std::to_string(blank) +
                          " characters (a comment takes a line of its own, starting with #; write a blank in a path as %20)");
    try {
        auto url = database_url::parse(text);
        if (label.empty()) label = default_label(url);
        return {label, std::move(url)};
    } catch (const error& e) {
        // parse() never repeats a password, nor does this: "eu:1=URL" read as a URL, say why
        // without showing the text (it may be a URL with its password).
        const auto eq = line.find('=');
        const bool label_like = label.empty() && eq != std::string::npos && line.find('/') > eq;
        throw usage_error(where + ": " + e.message() +
                          (label_like ? " (if what comes before '=' is meant as a label: a label holds no ':' or '/')" : ""));
    }
}

/// The --database URLs, then the lines of --targets FILE.
std::vector<target> read_targets(const invocation& in) {
    std::vector<target> targets;
    for (std::size_t i = 0; i < in.databases.size(); ++i)
        targets.push_back(read_target(in.databases[i], "--database " + std::to_string(i + 1)));
    if (const auto& file = in.fleet.targets_file) {
        std::ifstream opened;
        if (*file != "-") {
            opened.open(*file);
            if (!opened) throw usage_error("--targets: cannot read " + *file + " (" + std::strerror(errno) + ")");
        }
        std::istream& lines = *file == "-" ? std::cin : opened;
        const std::string name = *file == "-" ? std::string("stdin") : *file;
        std::string line;
        for (std::size_t number = 1; std::getline(lines, line); ++number) {
            if (number == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // a UTF-8 byte order mark, as some editors write
            line = trim(line);
            if (line.empty() || line.front() == '#') continue;
            targets.push_back(read_target(line, name + ":" + std::to_string(number)));
        }
        if (lines.bad()) throw usage_error("--targets: cannot read " + name);
    }
    return targets;
}

/// Runs `body` on a target (`label`, `url`) as a fleet shows one: what it prints kept (on a
/// printer of `like`'s kind), a failure turned into its outcome, the time it took, and `url`'s
/// password out of all of it.
target_run run_captured(const std::string& label, const database_url& url, const printer& like, const program& self,
                        const signal_watch* signals, const std::function<outcome(const printer&)>& body,
                        const std::string& dump_hint = {}) {
    std::ostringstream out, err;
    printer captured(like.wants_json(), self.name, out, err);
    captured.for_target(dump_hint);
    const auto started = std::chrono::steady_clock::now();
    target_run r{.label = label, .database = url.redacted(), .started = true};
    r.result = guarded(captured, signals, [&] { return body(captured); });
    r.duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    r.result.summary = scrub(r.result.summary, url.password());
    r.output = scrub(out.str(), url.password());
    r.errors = scrub(err.str(), url.password());
    return r;
}

/// Each PostgreSQL target becomes one target per schema LIKE `pattern` (any other: usage_error).
/// A database whose schemas cannot be listed (unreachable, say) stays a target of its own that
/// failed, so the others' tenants run as --max-failures allows; one where no schema matches has
/// no target (a notice says so), unless every one was listed and none has one: then the
/// pattern is wrong.
std::vector<target> expand_schemas(const std::vector<target>& bases, const std::string& pattern, const registry& units,
                                   const runner_options& options, const program& self, const printer& out,
                                   const signal_watch* signals) {
    std::vector<target> expanded;
    std::vector<std::string> unmatched;
    std::size_t listed_databases = 0;
    for (const auto& base : bases)
        if (base.url.kind() != backend::postgresql)  // a mistake in the command, not a target that failed
            throw usage_error("--schemas-like needs PostgreSQL: " + base.label + " is a " + to_string(base.url.kind()) +
                              " database, which has no schemas");
    for (const auto& base : bases) {
        std::vector<std::string> schemas;
        auto listing = run_captured(base.label, base.url, out, self, signals, [&](const printer&) {
            schemas = runner(units, base.url, options).schemas_like(pattern);
            return outcome{};
        });
        if (listing.result.code != exit_ok) {
            // The error is its line's summary: not again among the details under it.
            std::istringstream lines(listing.errors);
            listing.errors.clear();
            for (std::string line; std::getline(lines, line);)
                if (!line.ends_with(listing.result.summary)) listing.errors += line + "\n";
            listing.result.summary = "listing its schemas: " + listing.result.summary;
            expanded.push_back({base.label, base.url, std::move(listing)});
            continue;
        }
        ++listed_databases;
        if (schemas.empty()) unmatched.push_back(base.url.redacted());
        for (const auto& schema : schemas) expanded.push_back({base.label + "/" + schema, base.url.with_schema(schema), {}});
    }
    const auto hint = "' (system schemas are left out; _ and % are wildcards, \\_ a plain _)";
    // Where every database was listed and none has a match, the pattern is what is wrong. With one
    // that could not be listed, that failure is reported (and the notices say where none matched).
    if (listed_databases == bases.size() && unmatched.size() == bases.size())
        throw usage_error("--schemas-like: no schema of " + (bases.size() == 1 ? unmatched.front() : "any of the databases") +
                          " is LIKE '" + pattern + hint);
    for (const auto& database : unmatched)
        out.notice("--schemas-like: no schema of " + database + " is LIKE '" + pattern + "', so it has no target");
    return expanded;
}

/// `schema` as a --schemas-like pattern that matches it alone (\\, _ and % escaped), quoted for a
/// POSIX shell.
std::string exact_pattern(const std::string& schema) {
    std::string out = "'";
    for (char c : schema) {
        if (c == '\\' || c == '_' || c == '%') out += '\\';
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
}

/// Whether the command prints or writes one schema (schema dump without --check, or --output):
/// over many databases only when exactly one target results.
bool one_schema_dump(const invocation& in) {
    return in.command == "schema" && (in.schema_output || (!in.schema_check && !in.json));
}

/// One schema dump's target, or why there is none: `targets` must be exactly one.
void require_one_target(const invocation& in, const std::vector<target>& targets) {
    if (targets.size() == 1) return;
    std::string labels;
    for (std::size_t i = 0; i < targets.size() && i < 3; ++i) labels += (i ? ", " : "") + targets[i].label;
    if (targets.size() > 3) labels += ", ...";
    const std::string what = in.schema_output ? "schema dump --output writes one schema" : "schema dump prints one schema";
    std::string instead = "give one --database";
    if (in.fleet.schemas_like) {
        instead = "give --schemas-like a pattern that matches one schema";
        if (!targets.front().url.schema().empty()) instead += " (" + exact_pattern(targets.front().url.schema()) + ")";
        if (in.fleet.targets_file || in.databases.size() > 1) instead += " and one --database";
    }
    throw usage_error(what + ", and there are " + std::to_string(targets.size()) + " targets (" + labels + "): " + instead +
                      ", or --check FILE (or --json) to read every one");
}

/// What tells the targets' databases apart: a SQLite file's device and inode, so that one file
/// under two paths (relative and absolute, a symbolic or hard link) is one database, or, while it
/// does not exist yet, its absolute path; otherwise the URL as shown. (A PostgreSQL database
/// under two host names, localhost and 127.0.0.1, is not recognised: its migration lock keeps the
/// two runs apart, and the second finds up or down --to done.)
std::string identity(const database_url& url) {
    if (url.kind() != backend::sqlite || url.path() == ":memory:") return url.redacted();
    struct stat file {};
    if (::stat(url.path().c_str(), &file) == 0)
        return "sqlite file " + std::to_string(file.st_dev) + ":" + std::to_string(file.st_ino);
    // Not there yet: where it will be, through a symbolic link that points at a file to come too.
    std::error_code ignored;
    auto where = std::filesystem::absolute(url.path(), ignored);
    for (int links = 0; links < 40 && std::filesystem::is_symlink(where, ignored); ++links)
        where = where.parent_path() / std::filesystem::read_symlink(where, ignored);
    return "sqlite path " + std::filesystem::weakly_canonical(where, ignored).string();
}

/// Two targets with one label (or one database) would make a report nobody can read, and run
/// one database twice at once.
void check_unique(const std::vector<target>& targets) {
    std::set<std::string> labels;
    std::map<std::string, std::string> databases;  // identity() -> the URL that first had it
    for (const auto& t : targets) {
        if (!labels.insert(t.label).second)
            throw usage_error("two targets are labelled " + t.label +
                              ": give each its own label (LABEL=URL, one per line of a --targets file)");
        const auto [first, fresh] = databases.emplace(identity(t.url), t.url.redacted());
        if (fresh) continue;
        if (first->second == t.url.redacted()) throw usage_error("the database " + t.url.redacted() + " is a target twice");
        throw usage_error("the database " + t.url.redacted() + " is a target twice: " + first->second +
                          " names the same file; list it once");
    }
}

/// FNV-1a (64 bits) of `text`: the same in every process and on every machine, which is all
/// --shard needs of it.
std::uint64_t stable_hash(std::string_view text) {
    std::uint64_t h = 14695981039346656037ull;
    for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
    return h;
}

/// What cannot run over many databases as it runs over one: a relative rollback, rerun after a
/// failure, reverts one more unit where it already succeeded; one --scratch database cannot
/// serve several targets, which would fill it at once or one after another.
void refuse_unsafe_over_many(const invocation& in, std::size_t targets) {
    if (targets < 2) return;
    const std::string many = std::to_string(targets) + " targets";
    if (in.command == "redo")
        throw usage_error("redo over " + many + ": a rerun after a failure would revert and apply the newest unit again "
                          "where it already did; run redo on one database at a time");
    if (in.command == "down" && !in.down.to && !in.down.all && !in.down.only)
        throw usage_error("down over " + many + " needs --to VERSION (the newest version to keep), --only VERSION or --all: a rerun after "
                          "a failure would revert one more unit on every target that already finished, where with --to it "
                          "has nothing to do there");
    if (in.scratch)
        throw usage_error("--scratch names one database, and " + in.command + " fills it with a target's units, so it cannot "
                          "serve " + many + "; leave --scratch out (each target then gets a scratch database of its own "
                          "next to it) or run one target at a time");
}

/// Whether `r` stops a fleet from starting more: any exit but 0, except a read-only command's
/// findings (exit 4: disagrees, 6: pending), which are what it was asked to find.
bool failed(const invocation& in, const outcome& r) {
    static const std::set<std::string> read_only = {"status", "validate", "diff", "verify", "lint", "schema"};
    if (r.code == exit_ok) return false;
    return !(read_only.count(in.command) && (r.code == exit_validation || r.code == exit_pending));
}

/// The targets of one run and what became of each: run() runs a range of them, --parallel at a
/// time, each on a thread of its own, in order, starting none once may_start() says no (a stop,
/// more than --max-failures failures, a failed canary); finish() prints the summary.
class fleet_run {
public:
    fleet_run(const invocation& in, const registry& units, const program& self, const printer& out,
              const signal_watch* signals, std::vector<target> targets)
        : in_(in), units_(units), self_(self), out_(out), signals_(signals), targets_(std::move(targets)) {
        runs_.resize(targets_.size());
        for (std::size_t i = 0; i < targets_.size(); ++i) {
            runs_[i].label = targets_[i].label;
            runs_[i].database = targets_[i].url.redacted();
            width_ = std::max(width_, runs_[i].label.size());
        }
    }

    /// Runs targets [from, to); returns how many of them failed.
    std::size_t run(std::size_t from, std::size_t to) {
        std::atomic<std::size_t> next{from};
        std::size_t failures_before = failures_;
        {
            std::vector<std::jthread> workers;
            const std::size_t n = std::min<std::size_t>(std::size_t(in_.fleet.parallel), to - from);
            for (std::size_t w = 0; w < n; ++w)
                workers.emplace_back([&] {
                    for (std::size_t i = next++; i < to; i = next++) {
                        if (!may_start()) return;
                        run_one(i);
                    }
                });
        }
        return failures_ - failures_before;
    }

    /// Stops starting targets from now on, saying why in each that did not start.
    void stop_starting(const std::string& why) {
        std::lock_guard lock(mutex_);
        if (why_not_started_.empty()) why_not_started_ = why;
    }

    /// The exit code of the whole run: the most severe of its targets', and a signal's.
    int finish() {
        int code = exit_ok;
        for (auto& r : runs_) {
            if (r.started) code = more_severe(code, r.result.code);
            else r.result.summary = "not started: " + (why_not_started_.empty() ? std::string("stopped") : why_not_started_);
        }
        if (signals_ && signals_->received()) code = more_severe(code, exit_interrupted + signals_->received());
        out_.fleet(runs_, code);
        return code;
    }

    std::size_t size() const noexcept { return targets_.size(); }

private:
    bool may_start() {
        std::lock_guard lock(mutex_);
        if (in_.options.stop.stop_requested() && why_not_started_.empty())
            why_not_started_ = "stopped by " + (signals_ ? signals_->received_name() : std::string("a stop request"));
        if (failures_ > std::size_t(in_.fleet.max_failures) && why_not_started_.empty())
            why_not_started_ = std::to_string(failures_) + " target" + (failures_ == 1 ? "" : "s") + " failed, more than --max-failures " +
                               std::to_string(in_.fleet.max_failures);
        return why_not_started_.empty();
    }

    void run_one(std::size_t i) {
        const auto& t = targets_[i];
        auto done = t.listing_failed ? *t.listing_failed : run_target(t);
        std::lock_guard lock(mutex_);
        runs_[i] = std::move(done);
        failures_ += failed(in_, runs_[i].result);
        out_.target_done(runs_[i], width_);
    }

    target_run run_target(const target& t) {
        // Notices (lock waits, retries, replica lag) as they happen, naming the target; what the
        // command prints itself (lint's warnings before up included) is kept with its outcome.
        auto notice = [this, &t](const std::string& text) {
            std::lock_guard lock(mutex_);
            out_.notice(t.label + ": " + scrub(text, t.url.password()));
        };
        // A failing --check's hint: the dump of this target alone, which --database with this
        // pattern (a tenant) or this target's URL (another database) writes.
        const std::string dump_hint = t.url.schema().empty() ? " on that database alone (--database URL)"
                                                             : " --schemas-like " + exact_pattern(t.url.schema()) + " on its database";
        auto done = run_captured(t.label, t.url, out_, self_, signals_, [&](const printer& captured) {
            return run_command(in_, t.url, units_, self_, captured, notice);
        }, dump_hint);
        // What a single run would show: a dry run's script, a finding's details (exit 4: what
        // diff, validate, verify, lint or status found). The rest is in the summary line.
        done.show_output = in_.options.dry_run || done.result.code == exit_validation;
        return done;
    }

    const invocation& in_;
    const registry& units_;
    const program& self_;
    const printer& out_;
    const signal_watch* signals_;
    std::vector<target> targets_;
    std::vector<target_run> runs_;
    std::size_t width_ = 6;  // "TARGET"
    std::mutex mutex_;       // runs_, failures_, why_not_started_, and printing through out_
    std::size_t failures_ = 0;
    std::string why_not_started_;
};

}  // namespace

int run_fleet(const invocation& given, const registry& units, const program& self, const printer& out,
              const signal_watch* signals) {
    // Every target's runner (and the ones listing schemas) shares one plan per database kind:
    // the units are rendered and hashed once, not once per target.
    invocation in = given;
    in.options.plans = std::make_shared<shared_plans>(units);
    auto targets = read_targets(in);
    if (targets.empty())
        throw usage_error("--targets: " + (*in.fleet.targets_file == "-" ? std::string("stdin") : *in.fleet.targets_file) +
                          " lists no database (one URL or LABEL=URL per line)");
    if (in.fleet.schemas_like) {
        runner_options quiet = in.options;
        quiet.on_notice = {};
        targets = expand_schemas(targets, *in.fleet.schemas_like, units, quiet, self, out, signals);
    }
    check_unique(targets);
    if (one_schema_dump(in)) {
        require_one_target(in, targets);
        // That one target, as a single run prints or writes it (a database whose schemas could
        // not be listed is reported as a fleet reports it).
        if (!targets.front().listing_failed) {
            const auto& t = targets.front();
            auto notice = [&out](const std::string& text) { out.notice(text); };
            return guarded(out, signals, [&] { return run_command(in, t.url, units, self, out, notice); }).code;
        }
    }
    const std::size_t all = targets.size();
    refuse_unsafe_over_many(in, all);
    if (const auto& shard = in.fleet.shard) {
        const auto n = std::uint64_t(shard->second), mine_at = std::uint64_t(shard->first);
        std::vector<target> mine;
        // A database whose schemas could not be listed is every shard's failure: its tenants may
        // be any shard's, and a shard that left it out would exit 0 without them.
        for (std::size_t i = 0; i < targets.size(); ++i)
            if (targets[i].listing_failed || (in.fleet.schemas_like ? stable_hash(targets[i].label) : i) % n == mine_at)
                mine.push_back(std::move(targets[i]));
        targets = std::move(mine);
        if (targets.empty()) {
            out.notice("shard " + std::to_string(shard->first) + "/" + std::to_string(shard->second) + " has no target (" +
                       std::to_string(all) + " in all)");
        }
    }
    fleet_run fleet(in, units, self, out, signals, std::move(targets));
    const std::size_t canaries = std::min(fleet.size(), std::size_t(in.fleet.canary));
    if (canaries > 0) {
        if (auto failures = fleet.run(0, canaries))
            fleet.stop_starting(std::to_string(failures) + " of the " + std::to_string(canaries) + " canaries failed");
    }
    fleet.run(canaries, fleet.size());
    return fleet.finish();
}

}  // namespace strata::cli
