// strata_measure: runs commands as cold processes and records wall time and peak RSS.
//
//   strata_measure row --name NAME --out FILE [--runs N] [--warmup K] [--target X]
//                      [--rss-target Y] [--setup SHELL-COMMAND]
//                      --strata ARGV... --floor-name NAME --floor ARGV...
//       Runs the strata command and the floor command N times each, interleaved (strata, floor,
//       floor, strata, ...), after K untimed warm-up runs of each. Each run is a fresh process:
//       fork, execvp, wait4. Wall time is CLOCK_MONOTONIC from just before fork() to just after
//       wait4() returned; peak RSS is ru_maxrss of the rusage wait4() reports for that child.
//       SHELL-COMMAND (through /bin/sh -c) runs, untimed, before every run of either command
//       (e.g. to give each run an empty database). A run that exits non-zero stops everything,
//       with its output. Writes the samples, median, min, max and ratios to FILE as JSON.
//
//   strata_measure report --out FILE [--fact KEY=VALUE]... ROW.json...
//       Prints the table of the rows and writes them, with the facts, to FILE as one JSON document.
//       Exits 0; with --strict, exits 1 when a row misses its target.
//
// Depends on libc and nlohmann-json only, so it measures nothing of strata's own.

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

using json = nlohmann::ordered_json;

[[noreturn]] void die(const std::string& message) {
    std::cerr << "strata_measure: error: " << message << '\n';
    std::exit(2);
}

struct sample {
    double wall_ms = 0;
    long maxrss_kib = 0;
    double user_ms = 0;
    double sys_ms = 0;
};

double ms(const timeval& tv) { return static_cast<double>(tv.tv_sec) * 1e3 + static_cast<double>(tv.tv_usec) / 1e3; }

double now_ms() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// A URL's password never goes into the output: postgresql://user:secret@ -> postgresql://user:***@
std::string redact(std::string arg) {
    const auto scheme = arg.find("://");
    if (scheme == std::string::npos) return arg;
    const auto at = arg.find('@', scheme + 3);
    if (at == std::string::npos) return arg;
    const auto colon = arg.find(':', scheme + 3);
    if (colon == std::string::npos || colon > at) return arg;
    return arg.substr(0, colon + 1) + "***" + arg.substr(at);
}

std::string shell_words(const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& a : argv) {
        if (!out.empty()) out += ' ';
        const std::string r = redact(a);
        const bool plain = !r.empty() && r.find_first_not_of(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-./:=@,+%*") == std::string::npos;
        if (plain) {
            out += r;
        } else {
            out += '\'';
            for (char c : r) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
            out += '\'';
        }
    }
    return out;
}

// Runs argv once as a fresh process. stdin is /dev/null; stdout and stderr go to `log_path`
// (truncated), shown if the run fails.
sample run_once(const std::vector<std::string>& argv, const std::string& log_path) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    const int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    const int out = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (in < 0 || out < 0) die("cannot open /dev/null or " + log_path + ": " + std::strerror(errno));

    const double start = now_ms();
    const pid_t pid = fork();
    if (pid < 0) die(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
        dup2(in, 0);
        dup2(out, 1);
        dup2(out, 2);
        execvp(args[0], args.data());
        std::fprintf(stderr, "strata_measure: cannot run %s: %s\n", args[0], std::strerror(errno));
        _exit(127);
    }
    int status = 0;
    rusage usage{};
    pid_t waited;
    do {
        waited = wait4(pid, &status, 0, &usage);
    } while (waited < 0 && errno == EINTR);
    const double end = now_ms();
    close(in);
    close(out);
    if (waited < 0) die(std::string("wait4: ") + std::strerror(errno));

    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::cerr << "strata_measure: this run failed ("
                  << (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                        : "signal " + std::to_string(WTERMSIG(status)))
                  << "): " << shell_words(argv) << "\n--- its output ---\n"
                  << read_file(log_path) << "--- end of output ---\n";
        std::exit(1);
    }
    return {end - start, usage.ru_maxrss, ms(usage.ru_utime), ms(usage.ru_stime)};
}

void run_setup(const std::string& setup) {
    if (setup.empty()) return;
    const int rc = std::system(setup.c_str());
    if (rc != 0) die("setup command failed (status " + std::to_string(rc) + "): " + redact(setup));
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

json stats(const std::vector<double>& v) {
    return {{"median", median(v)},
            {"min", *std::min_element(v.begin(), v.end())},
            {"max", *std::max_element(v.begin(), v.end())},
            {"samples", v}};
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

double parse_number(const std::string& option, const std::string& value) {
    try {
        std::size_t used = 0;
        const double d = std::stod(value, &used);
        if (used == value.size() && d > 0) return d;
    } catch (const std::exception&) {
    }
    die(option + " needs a positive number, not '" + value + "'");
}

int parse_count(const std::string& option, const std::string& value, int minimum) {
    try {
        std::size_t used = 0;
        const int n = std::stoi(value, &used);
        if (used == value.size() && n >= minimum && n <= 10000) return n;
    } catch (const std::exception&) {
    }
    die(option + " needs a whole number of at least " + std::to_string(minimum) + ", not '" + value + "'");
}

int row_command(const std::vector<std::string>& args) {
    std::string name, out, setup, floor_name = "floor";
    int runs = 15, warmup = 1;
    double target = 1.5, rss_target = 1.5;
    std::vector<std::string> strata_argv, floor_argv;
    std::size_t i = 0;
    auto value = [&](const std::string& option) -> std::string {
        if (i + 1 >= args.size()) die(option + " needs a value");
        return args[++i];
    };
    for (; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--name") name = value(a);
        else if (a == "--out") out = value(a);
        else if (a == "--setup") setup = value(a);
        else if (a == "--runs") runs = parse_count(a, value(a), 1);
        else if (a == "--warmup") warmup = parse_count(a, value(a), 0);
        else if (a == "--target") target = parse_number(a, value(a));
        else if (a == "--rss-target") rss_target = parse_number(a, value(a));
        else if (a == "--floor-name") floor_name = value(a);
        else if (a == "--strata") {
            for (++i; i < args.size() && args[i] != "--floor-name" && args[i] != "--floor"; ++i)
                strata_argv.push_back(args[i]);
            --i;
        } else if (a == "--floor") {
            for (++i; i < args.size(); ++i) floor_argv.push_back(args[i]);
        } else die("row: unknown argument '" + a + "'");
    }
    if (name.empty() || out.empty() || strata_argv.empty() || floor_argv.empty())
        die("row needs --name, --out, --strata ARGV... and --floor ARGV...");

    const std::string log_path = out + ".log";
    std::vector<sample> strata_samples, floor_samples;
    std::cerr << "  " << name << ": " << warmup << " warm-up + " << runs << " runs each " << std::flush;
    for (int r = 0; r < warmup + runs; ++r) {
        // Alternate which command goes first, so neither always follows the other.
        for (int k = 0; k < 2; ++k) {
            const bool strata_turn = (r % 2 == 0) == (k == 0);
            run_setup(setup);
            const sample s = run_once(strata_turn ? strata_argv : floor_argv, log_path);
            if (r >= warmup) (strata_turn ? strata_samples : floor_samples).push_back(s);
        }
        std::cerr << '.' << std::flush;
    }
    std::cerr << '\n';
    std::remove(log_path.c_str());

    json row = {{"name", name}, {"runs", runs}, {"warmup_runs", warmup}, {"setup_before_each_run", redact(setup)},
                {"strata", side("strata", strata_argv, strata_samples)},
                {"floor", side(floor_name, floor_argv, floor_samples)}};
    const double ratio = row["strata"]["wall_ms"]["median"].get<double>() / row["floor"]["wall_ms"]["median"].get<double>();
    const double rss_ratio =
        row["strata"]["peak_rss_kib"]["median"].get<double>() / row["floor"]["peak_rss_kib"]["median"].get<double>();
    row["ratio"] = ratio;
    row["target"] = target;
    row["rss_ratio"] = rss_ratio;
    row["rss_target"] = rss_target;
    row["pass_time"] = ratio <= target;
    row["pass_rss"] = rss_ratio <= rss_target;
    row["pass"] = ratio <= target && rss_ratio <= rss_target;
    std::ofstream(out) << row.dump(2) << '\n';
    return 0;
}

std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

// "12.3 (11.9-14.0)" for a stats object; ms with one decimal below 1000, else none.
std::string range(const json& s, double scale = 1, int decimals = 1) {
    const double med = s["median"].get<double>() / scale, lo = s["min"].get<double>() / scale,
                 hi = s["max"].get<double>() / scale;
    return fixed(med, decimals) + " (" + fixed(lo, decimals) + "-" + fixed(hi, decimals) + ")";
}

std::string pad(std::string s, std::size_t width) {
    // Width in characters, not bytes: count UTF-8 continuation bytes out.
    std::size_t chars = 0;
    for (unsigned char c : s) chars += (c & 0xC0) != 0x80;
    if (chars < width) s.append(width - chars, ' ');
    return s;
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

    const std::vector<std::pair<std::string, std::size_t>> columns = {
        {"row", 44}, {"strata ms", 24}, {"floor", 13}, {"floor ms", 24}, {"ratio", 6}, {"target", 7},
        {"RSS MiB strata / floor", 24}, {"RSS ratio", 10}, {"target", 7}, {"result", 6}};
    std::string header, rule;
    for (const auto& [title, width] : columns) {
        header += pad(title, width) + "  ";
        rule += std::string(width, '-') + "  ";
    }
    auto trim = [](std::string line) {
        while (!line.empty() && line.back() == ' ') line.pop_back();
        return line;
    };
    std::cout << trim(header) << '\n' << trim(rule) << '\n';
    std::size_t passed = 0;
    for (const auto& r : rows) {
        const bool pass = r["pass"].get<bool>();
        passed += pass;
        const std::vector<std::string> cells = {
            r["name"].get<std::string>(),
            range(r["strata"]["wall_ms"]),
            r["floor"]["name"].get<std::string>(),
            range(r["floor"]["wall_ms"]),
            fixed(r["ratio"].get<double>(), 2) + "x",
            "<=" + fixed(r["target"].get<double>(), 2),
            fixed(r["strata"]["peak_rss_kib"]["median"].get<double>() / 1024, 1) + " / " +
                fixed(r["floor"]["peak_rss_kib"]["median"].get<double>() / 1024, 1),
            fixed(r["rss_ratio"].get<double>(), 2) + "x",
            "<=" + fixed(r["rss_target"].get<double>(), 2),
            pass ? "PASS" : (r["pass_time"].get<bool>() ? "FAIL (RSS)"
                                                        : (r["pass_rss"].get<bool>() ? "FAIL (time)" : "FAIL (both)"))};
        std::string line;
        for (std::size_t c = 0; c < cells.size(); ++c) line += pad(cells[c], columns[c].second) + "  ";
        std::cout << trim(line) << '\n';
    }
    std::cout << '\n' << passed << " of " << rows.size() << " rows meet their targets.\n";

    json doc = {{"machine", facts}, {"rows", rows}, {"rows_passed", passed}, {"rows_total", rows.size()}};
    std::ofstream(out) << doc.dump(2) << '\n';
    std::cout << "JSON: " << out << '\n';
    return strict && passed != rows.size() ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) die("usage: strata_measure row ... | strata_measure report ... (see the source's header)");
    const std::string command = args.front();
    args.erase(args.begin());
    if (command == "row") return row_command(args);
    if (command == "report") return report_command(args);
    die("unknown command '" + command + "'");
}
