// strata_measure: runs commands as cold processes and records wall time and peak RSS.
//
//   strata_measure row --name NAME --out FILE [--runs N] [--warmup K] [--target X]
//                      [--rss-target Y | --rss-limit-mib L] [--setup SHELL-COMMAND] --strata ARGV...
//                      [--compare-name NAME --compare ARGV...] --floor-name NAME --floor ARGV...
//       Runs the strata command and the floor command N times each, interleaved (strata, floor,
//       floor, strata, ...), after K untimed warm-up runs of each. With --compare, a third
//       command runs as often, in turn (the order rotates every round): strata's ratio to it is
//       shown, but the targets are the floor's. Each run is a fresh process:
//       fork, execvp, wait4. Wall time is CLOCK_MONOTONIC from just before fork() to just after
//       wait4() returned; peak RSS is ru_maxrss of the rusage wait4() reports for that child.
//       The RSS target is strata's median peak RSS over the floor's (Y), or with --rss-limit-mib
//       strata's median peak RSS itself, at most L MiB.
//       SHELL-COMMAND (through /bin/sh -c) runs, untimed, before every run of either command
//       (e.g. to give each run an empty database). A run that exits non-zero stops everything,
//       with its output. Writes the samples, median, min, max and ratios to FILE as JSON.
//
//   strata_measure stall --name NAME --out FILE --database URL [--runs N] [--settle-ms MS]
//                        [--setup SHELL-COMMAND] [--target-ms X] [--target-ratio Y] [--timeout-s S]
//                        [--reader-ms R] --strata ARGV... --floor-name NAME --floor ARGV...
//       Longest write stall while a schema change runs (row e), with --reader-ms also while a
//       long read transaction holds the table for R ms (row f): see stall.cpp.
//
//   strata_measure report --out FILE [--fact KEY=VALUE]... ROW.json...
//       Prints the tables of the rows and writes them, with the facts, to FILE as one JSON
//       document. Exits 0; with --strict, exits 1 when a row misses its target.
//
// Links libc, nlohmann-json and (for `stall`'s writer) libpq, nothing of strata's own; the
// measured commands are separate processes.

#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "measure_support.hpp"
#include "stall.hpp"

namespace strata_bench {
namespace {

struct sample {
    double wall_ms = 0;
    long maxrss_kib = 0;
    double user_ms = 0;
    double sys_ms = 0;
};

double ms(const timeval& tv) { return static_cast<double>(tv.tv_sec) * 1e3 + static_cast<double>(tv.tv_usec) / 1e3; }

// Runs argv once as a fresh process; its output goes to `log_path`, shown if the run fails.
sample run_once(const std::vector<std::string>& argv, const std::string& log_path) {
    const double start = now_ms();
    const pid_t pid = spawn(argv, log_path);
    int status = 0;
    rusage usage{};
    pid_t waited;
    do {
        waited = wait4(pid, &status, 0, &usage);
    } while (waited < 0 && errno == EINTR);
    const double end = now_ms();
    if (waited < 0) die(std::string("wait4: ") + std::strerror(errno));
    require_success(status, argv, log_path);
    return {end - start, usage.ru_maxrss, ms(usage.ru_utime), ms(usage.ru_stime)};
}

json side(const std::string& name, const std::vector<std::string>& argv, const std::vector<sample>& samples) {
    std::vector<double> wall, rss, user, sys;
    for (const auto& s : samples) {
        wall.push_back(s.wall_ms);
        rss.push_back(static_cast<double>(s.maxrss_kib));
        user.push_back(s.user_ms);
        sys.push_back(s.sys_ms);
    }
    return {{"name", name},
            {"command", shell_words(argv)},
            {"wall_ms", stats(wall)},
            {"peak_rss_kib", stats(rss)},
            {"user_cpu_ms", stats(user)},
            {"sys_cpu_ms", stats(sys)}};
}

int row_command(const std::vector<std::string>& args) {
    const row_arguments parsed = parse_row_arguments(
        "row", args, {"--name", "--out", "--setup", "--runs", "--warmup", "--target", "--rss-target", "--rss-limit-mib"});
    const std::string name = parsed.get("--name"), out = parsed.get("--out"), setup = parsed.get("--setup");
    const int runs = parse_count("--runs", parsed.get("--runs", "15"), 1);
    const int warmup = parse_count("--warmup", parsed.get("--warmup", "1"), 0);
    const double target = parse_number("--target", parsed.get("--target", "1.5"));
    const double rss_target = parse_number("--rss-target", parsed.get("--rss-target", "1.5"));
    // A limit in MiB on strata's median peak RSS instead of a ratio to the floor's (row h: the
    // floor is a shell loop, whose peak is one strata process).
    const std::string rss_limit_text = parsed.get("--rss-limit-mib", "");
    const double rss_limit_mib = rss_limit_text.empty() ? 0 : parse_number("--rss-limit-mib", rss_limit_text);
    const auto& strata_argv = parsed.strata_argv;
    const auto& floor_argv = parsed.floor_argv;
    const auto& floor_name = parsed.floor_name;
    if (name.empty() || out.empty()) die("row needs --name and --out");

    const std::string log_path = out + ".log";
    // strata, the floor and, when given, the comparison.
    std::vector<const std::vector<std::string>*> commands{&strata_argv, &floor_argv};
    if (!parsed.compare_argv.empty()) commands.push_back(&parsed.compare_argv);
    std::vector<std::vector<sample>> samples(commands.size());
    std::cerr << "  " << name << ": " << warmup << " warm-up + " << runs << " runs each " << std::flush;
    for (int r = 0; r < warmup + runs; ++r) {
        // Two commands alternate which goes first; three rotate: none always follows another.
        for (std::size_t k = 0; k < commands.size(); ++k) {
            const std::size_t turn = commands.size() == 2 ? (r % 2 == 0 ? k : 1 - k) : (k + static_cast<std::size_t>(r)) % commands.size();
            run_setup(setup);
            const sample s = run_once(*commands[turn], log_path);
            if (r >= warmup) samples[turn].push_back(s);
        }
        std::cerr << '.' << std::flush;
    }
    std::cerr << '\n';
    std::remove(log_path.c_str());

    json row = {{"name", name}, {"runs", runs}, {"warmup_runs", warmup}, {"setup_before_each_run", redact(setup)},
                {"strata", side("strata", strata_argv, samples[0])},
                {"floor", side(floor_name, floor_argv, samples[1])}};
    auto median_of = [&](const char* who, const char* what) { return row[who][what]["median"].get<double>(); };
    if (commands.size() == 3) {
        row["compare"] = side(parsed.compare_name, parsed.compare_argv, samples[2]);
        row["compare_ratio"] = median_of("strata", "wall_ms") / median_of("compare", "wall_ms");
        row["compare_rss_ratio"] = median_of("strata", "peak_rss_kib") / median_of("compare", "peak_rss_kib");
    }
    const double ratio = median_of("strata", "wall_ms") / median_of("floor", "wall_ms");
    const double rss_ratio = median_of("strata", "peak_rss_kib") / median_of("floor", "peak_rss_kib");
    row["ratio"] = ratio;
    row["target"] = target;
    row["rss_ratio"] = rss_ratio;
    row["rss_target"] = rss_target;
    const bool pass_rss = rss_limit_mib > 0 ? median_of("strata", "peak_rss_kib") / 1024 <= rss_limit_mib : rss_ratio <= rss_target;
    if (rss_limit_mib > 0) row["rss_limit_mib"] = rss_limit_mib;
    row["pass_time"] = ratio <= target;
    row["pass_rss"] = pass_rss;
    row["pass"] = ratio <= target && pass_rss;
    std::ofstream(out) << row.dump(2) << '\n';
    return 0;
}

int report_command(const std::vector<std::string>& args) {
    std::string out;
    bool strict = false;
    json facts = json::object();
    std::vector<std::string> files;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--out" && i + 1 < args.size()) out = args[++i];
        else if (args[i] == "--strict") strict = true;
        else if (args[i] == "--fact" && i + 1 < args.size()) {
            const std::string kv = args[++i];
            const auto eq = kv.find('=');
            if (eq == std::string::npos) die("--fact needs KEY=VALUE");
            facts[kv.substr(0, eq)] = kv.substr(eq + 1);
        } else if (args[i].rfind("--", 0) == 0) die("report: unknown argument '" + args[i] + "'");
        else files.push_back(args[i]);
    }
    if (out.empty() || files.empty()) die("report needs --out FILE and at least one ROW.json");

    json rows = json::array();
    for (const auto& f : files) {
        std::ifstream in(f);
        if (!in) die("cannot read " + f);
        rows.push_back(json::parse(in));
    }

    std::size_t passed = 0;
    std::vector<std::vector<std::string>> time_rows, stall_rows;
    for (const auto& r : rows) {
        const bool pass = r["pass"].get<bool>();
        passed += pass;
        if (r.value("kind", "") == "stall") {
            stall_rows.push_back(stall_cells(r));
            continue;
        }
        time_rows.push_back({
            r["name"].get<std::string>(),
            range(r["strata"]["wall_ms"]),
            r["floor"]["name"].get<std::string>(),
            range(r["floor"]["wall_ms"]),
            fixed(r["ratio"].get<double>(), 2) + "x",
            "<=" + fixed(r["target"].get<double>(), 2),
            fixed(r["strata"]["peak_rss_kib"]["median"].get<double>() / 1024, 1) + " / " +
                fixed(r["floor"]["peak_rss_kib"]["median"].get<double>() / 1024, 1),
            fixed(r["rss_ratio"].get<double>(), 2) + "x",
            r.contains("rss_limit_mib") ? "<=" + fixed(r["rss_limit_mib"].get<double>(), 0) + "MiB"
                                        : "<=" + fixed(r["rss_target"].get<double>(), 2),
            pass ? "PASS" : (r["pass_time"].get<bool>() ? "FAIL (RSS)"
                                                        : (r["pass_rss"].get<bool>() ? "FAIL (time)" : "FAIL (both)")),
            // For comparison only, no target: strata against the everyday client (psql, sqlite3).
            r.contains("compare") ? r["compare"]["name"].get<std::string>() + " " + range(r["compare"]["wall_ms"]) +
                                        ": " + fixed(r["compare_ratio"].get<double>(), 2) + "x, RSS " +
                                        fixed(r["compare"]["peak_rss_kib"]["median"].get<double>() / 1024, 1) + " MiB"
                                  : std::string()});
    }
    if (!time_rows.empty()) {
        print_table({{"row", 44}, {"strata ms", 24}, {"floor", 13}, {"floor ms", 24}, {"ratio", 6}, {"target", 7},
                     {"RSS MiB strata / floor", 24}, {"RSS ratio", 10}, {"target", 7}, {"result", 6},
                     {"compared with", 13}},
                    time_rows);
    }
    if (!stall_rows.empty()) {
        if (!time_rows.empty()) std::cout << '\n';
        print_table(stall_columns(), stall_rows);
    }
    std::cout << '\n' << passed << " of " << rows.size() << " rows meet their targets.\n";

    json doc = {{"machine", facts}, {"rows", rows}, {"rows_passed", passed}, {"rows_total", rows.size()}};
    std::ofstream(out) << doc.dump(2) << '\n';
    std::cout << "JSON: " << out << '\n';
    return strict && passed != rows.size() ? 1 : 0;
}

}  // namespace
}  // namespace strata_bench

int main(int argc, char** argv) {
    using namespace strata_bench;
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) die("usage: strata_measure row|stall|report ... (see the source's header)");
    const std::string command = args.front();
    args.erase(args.begin());
    if (command == "row") return row_command(args);
    if (command == "stall") return stall_command(args);
    if (command == "report") return report_command(args);
    die("unknown command '" + command + "'");
}
