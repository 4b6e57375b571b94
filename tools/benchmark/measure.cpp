// strata_measure: runs commands as cold processes and records wall time and peak RSS.
//
//   strata_measure row --name NAME --out FILE [--runs N] [--warmup K] [--target X] [--units U]
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
//       --units U records the size of the history the row ran on, for `growth`.
//
//   strata_measure growth --name NAME --out FILE [--target X] ROW.json...
//       Rows of one command on histories of different sizes (row --units): what each unit added
//       between two sizes costs strata beyond the floor, from the medians of both, in CPU time
//       (user + sys, per run) and in wall time. The growth is the per-unit CPU cost of the last
//       step over that of the first: 1 when the cost grows linearly with the units, 2 with the
//       sizes 2,500, 5,000 and 10,000 when it grows with their square. Passes when it is at most
//       X (default 1.5). Only the difference to the floor counts: SQLite's own schema loading
//       grows faster than linearly, and the floor pays it too.
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

#include <algorithm>
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
        "row", args,
        {"--name", "--out", "--setup", "--runs", "--warmup", "--target", "--rss-target", "--rss-limit-mib", "--units"});
    const std::string name = parsed.get("--name"), out = parsed.get("--out"), setup = parsed.get("--setup");
    const int runs = parse_count("--runs", parsed.get("--runs", "15"), 1);
    const int warmup = parse_count("--warmup", parsed.get("--warmup", "1"), 0);
    const double target = parse_number("--target", parsed.get("--target", "1.5"));
    const double rss_target = parse_number("--rss-target", parsed.get("--rss-target", "1.5"));
    // A limit in MiB on strata's median peak RSS instead of a ratio to the floor's (row h: the
    // floor is a shell loop, whose peak is one strata process).
    const std::string rss_limit_text = parsed.get("--rss-limit-mib", "");
    const double rss_limit_mib = rss_limit_text.empty() ? 0 : parse_number("--rss-limit-mib", rss_limit_text);
    const std::string units_text = parsed.get("--units", "");
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
    if (!units_text.empty()) row["units"] = parse_count("--units", units_text, 1);
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

/// The median over the runs of one side of a row of user + sys CPU time, in ms.
double median_cpu_ms(const json& side) {
    const auto& user = side["user_cpu_ms"]["samples"];
    const auto& sys = side["sys_cpu_ms"]["samples"];
    std::vector<double> cpu;
    for (std::size_t i = 0; i < user.size() && i < sys.size(); ++i) cpu.push_back(user[i].get<double>() + sys[i].get<double>());
    return median(cpu);
}

int growth_command(const std::vector<std::string>& args) {
    std::string name, out;
    double target = 1.5;
    std::vector<json> rows;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--name" && i + 1 < args.size()) name = args[++i];
        else if (args[i] == "--out" && i + 1 < args.size()) out = args[++i];
        else if (args[i] == "--target" && i + 1 < args.size()) target = parse_number("--target", args[++i]);
        else if (args[i].rfind("--", 0) == 0) die("growth: unknown argument '" + args[i] + "'");
        else {
            std::ifstream in(args[i]);
            if (!in) die("cannot read " + args[i]);
            rows.push_back(json::parse(in));
            if (!rows.back().contains("units")) die("growth: " + args[i] + " has no units (run its row with --units)");
        }
    }
    if (name.empty() || out.empty() || rows.size() < 3) die("growth needs --name, --out and at least three ROW.json");
    std::sort(rows.begin(), rows.end(), [](const json& a, const json& b) { return a["units"].get<int>() < b["units"].get<int>(); });

    json points = json::array();
    for (const auto& r : rows) {
        const double strata_cpu = median_cpu_ms(r["strata"]), floor_cpu = median_cpu_ms(r["floor"]);
        const double strata_wall = r["strata"]["wall_ms"]["median"].get<double>(), floor_wall = r["floor"]["wall_ms"]["median"].get<double>();
        points.push_back({{"units", r["units"]},
                          {"row", r["name"]},
                          {"strata_cpu_ms", strata_cpu},
                          {"floor_cpu_ms", floor_cpu},
                          {"strata_wall_ms", strata_wall},
                          {"floor_wall_ms", floor_wall}});
    }
    json steps = json::array();
    for (std::size_t i = 1; i < points.size(); ++i) {
        const json &a = points[i - 1], &b = points[i];
        const double added = b["units"].get<double>() - a["units"].get<double>();
        if (added <= 0) die("growth: two rows ran on " + std::to_string(b["units"].get<int>()) + " units");
        auto per_unit_us = [&](const char* strata_key, const char* floor_key) {
            const double excess_a = a[strata_key].get<double>() - a[floor_key].get<double>();
            const double excess_b = b[strata_key].get<double>() - b[floor_key].get<double>();
            return (excess_b - excess_a) / added * 1000;
        };
        steps.push_back({{"from_units", a["units"]},
                         {"to_units", b["units"]},
                         {"cpu_us_per_unit", per_unit_us("strata_cpu_ms", "floor_cpu_ms")},
                         {"wall_us_per_unit", per_unit_us("strata_wall_ms", "floor_wall_ms")},
                         {"floor_cpu_us_per_unit", (b["floor_cpu_ms"].get<double>() - a["floor_cpu_ms"].get<double>()) / added * 1000}});
    }
    const double first = steps.front()["cpu_us_per_unit"].get<double>(), last = steps.back()["cpu_us_per_unit"].get<double>();
    // A first step that costs nothing (or less than nothing, within noise) gives no ratio: the
    // last step then passes only when it costs nothing either.
    const double growth = first > 0 ? last / first : (last <= 0 ? 1.0 : 1e9);
    json row = {{"kind", "growth"}, {"name", name},   {"points", points}, {"steps", steps},
                {"growth", growth}, {"target", target}, {"pass", growth <= target}};
    std::ofstream(out) << row.dump(2) << '\n';
    return 0;
}

/// The cells of a growth row in the report.
std::vector<std::string> growth_cells(const json& r) {
    std::string cpu, wall, floor;
    for (const auto& s : r["steps"]) {
        const std::string step = std::to_string(s["from_units"].get<int>()) + "-" + std::to_string(s["to_units"].get<int>()) + ": ";
        cpu += (cpu.empty() ? "" : ", ") + step + fixed(s["cpu_us_per_unit"].get<double>(), 1);
        wall += (wall.empty() ? "" : ", ") + fixed(s["wall_us_per_unit"].get<double>(), 1);
        floor += (floor.empty() ? "" : ", ") + fixed(s["floor_cpu_us_per_unit"].get<double>(), 1);
    }
    return {r["name"].get<std::string>(), cpu, wall, floor, fixed(r["growth"].get<double>(), 2) + "x",
            "<=" + fixed(r["target"].get<double>(), 2), r["pass"].get<bool>() ? "PASS" : "FAIL"};
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
    std::vector<std::vector<std::string>> time_rows, stall_rows, growth_rows;
    for (const auto& r : rows) {
        const bool pass = r["pass"].get<bool>();
        passed += pass;
        if (r.value("kind", "") == "stall") {
            stall_rows.push_back(stall_cells(r));
            continue;
        }
        if (r.value("kind", "") == "growth") {
            growth_rows.push_back(growth_cells(r));
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
    if (!growth_rows.empty()) {
        if (!time_rows.empty() || !stall_rows.empty()) std::cout << '\n';
        print_table({{"growth: what a unit adds beyond the floor", 44}, {"CPU us per unit, units a-b", 40},
                     {"wall us per unit", 20}, {"floor's CPU us per unit", 24}, {"growth", 7}, {"target", 7}, {"result", 6}},
                    growth_rows);
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
    if (args.empty()) die("usage: strata_measure row|stall|growth|report ... (see the source's header)");
    const std::string command = args.front();
    args.erase(args.begin());
    if (command == "row") return row_command(args);
    if (command == "stall") return stall_command(args);
    if (command == "growth") return growth_command(args);
    if (command == "report") return report_command(args);
    die("unknown command '" + command + "'");
}
