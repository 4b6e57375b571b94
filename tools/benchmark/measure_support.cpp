#include "measure_support.hpp"

#include <fcntl.h>
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

namespace strata_bench {

void die(const std::string& message) {
    std::cerr << "strata_measure: error: " << message << '\n';
    std::exit(2);
}

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

std::string redact(std::string text) {
    for (std::size_t scheme = text.find("://"); scheme != std::string::npos; scheme = text.find("://", scheme + 3)) {
        const auto at = text.find('@', scheme + 3);
        const auto colon = text.find(':', scheme + 3);
        const auto space = text.find_first_of(" '\"", scheme + 3);
        if (at == std::string::npos || colon == std::string::npos || colon > at || space < at) continue;
        text.replace(colon + 1, at - colon - 1, "***");
    }
    // password=... as a URL parameter or in a libpq keyword string.
    for (std::size_t key = text.find("password="); key != std::string::npos; key = text.find("password=", key + 1)) {
        const std::size_t value = key + 9;
        const std::size_t end = std::min(text.find_first_of(" &'\"", value), text.size());
        if (end > value) text.replace(value, end - value, "***");
    }
    return text;
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

pid_t spawn(const std::vector<std::string>& argv, const std::string& log_path) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    const int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    const int out = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (in < 0 || out < 0) die("cannot open /dev/null or " + log_path + ": " + std::strerror(errno));

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
    close(in);
    close(out);
    return pid;
}

void require_success(int status, const std::vector<std::string>& argv, const std::string& log_path) {
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
    std::cerr << "strata_measure: this run failed ("
              << (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                    : "signal " + std::to_string(WTERMSIG(status)))
              << "): " << shell_words(argv) << "\n--- its output ---\n"
              << redact(read_file(log_path)) << "--- end of output ---\n";
    std::exit(1);
}

void run_setup(const std::string& setup) {
    if (setup.empty()) return;
    const int rc = std::system(setup.c_str());
    if (rc != 0) die("setup command failed (status " + std::to_string(rc) + "): " + redact(setup));
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

json stats(const std::vector<double>& values) {
    return {{"median", median(values)},
            {"min", *std::min_element(values.begin(), values.end())},
            {"max", *std::max_element(values.begin(), values.end())},
            {"samples", values}};
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
        if (used == value.size() && n >= minimum && n <= 100000) return n;
    } catch (const std::exception&) {
    }
    die(option + " needs a whole number of at least " + std::to_string(minimum) + ", not '" + value + "'");
}

std::string row_arguments::get(const std::string& option, const std::string& fallback) const {
    for (const auto& [name, value] : options)
        if (name == option) return value;
    return fallback;
}

row_arguments parse_row_arguments(const std::string& command, const std::vector<std::string>& args,
                                  const std::vector<std::string>& known) {
    row_arguments parsed;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto ends_argv = [](const std::string& arg) {
            return arg == "--floor-name" || arg == "--floor" || arg == "--compare-name" || arg == "--compare";
        };
        if (a == "--strata" || a == "--compare") {
            auto& argv = a == "--strata" ? parsed.strata_argv : parsed.compare_argv;
            for (++i; i < args.size() && !ends_argv(args[i]); ++i) argv.push_back(args[i]);
            --i;
        } else if (a == "--floor") {
            for (++i; i < args.size(); ++i) parsed.floor_argv.push_back(args[i]);
        } else if (a == "--floor-name" || a == "--compare-name" || std::find(known.begin(), known.end(), a) != known.end()) {
            if (i + 1 >= args.size()) die(command + ": " + a + " needs a value");
            if (a == "--floor-name") parsed.floor_name = args[++i];
            else if (a == "--compare-name") parsed.compare_name = args[++i];
            else parsed.options.emplace_back(a, args[++i]);
        } else {
            die(command + ": unknown argument '" + a + "'");
        }
    }
    if (parsed.strata_argv.empty() || parsed.floor_argv.empty())
        die(command + " needs --strata ARGV... and --floor ARGV...");
    return parsed;
}

std::string fixed(double value, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    return buf;
}

std::string range(const json& stats, double scale, int decimals) {
    const double med = stats["median"].get<double>() / scale, lo = stats["min"].get<double>() / scale,
                 hi = stats["max"].get<double>() / scale;
    return fixed(med, decimals) + " (" + fixed(lo, decimals) + "-" + fixed(hi, decimals) + ")";
}

std::string pad(std::string text, std::size_t width) {
    // Width in characters, not bytes: count UTF-8 continuation bytes out.
    std::size_t chars = 0;
    for (unsigned char c : text) chars += (c & 0xC0) != 0x80;
    if (chars < width) text.append(width - chars, ' ');
    return text;
}

void print_table(std::vector<std::pair<std::string, std::size_t>> columns,
                 const std::vector<std::vector<std::string>>& rows) {
    // A column is as wide as its widest cell when that is wider than asked (a long row name).
    auto chars = [](const std::string& text) {
        std::size_t n = 0;
        for (unsigned char c : text) n += (c & 0xC0) != 0x80;
        return n;
    };
    for (const auto& cells : rows)
        for (std::size_t c = 0; c < columns.size() && c < cells.size(); ++c)
            columns[c].second = std::max(columns[c].second, chars(cells[c]));
    auto print_line = [&](auto cell) {
        std::string line;
        for (std::size_t c = 0; c < columns.size(); ++c) line += pad(cell(c), columns[c].second) + "  ";
        while (!line.empty() && line.back() == ' ') line.pop_back();
        std::cout << line << '\n';
    };
    print_line([&](std::size_t c) { return columns[c].first; });
    print_line([&](std::size_t c) { return std::string(columns[c].second, '-'); });
    for (const auto& cells : rows) print_line([&](std::size_t c) { return c < cells.size() ? cells[c] : std::string(); });
}

}  // namespace strata_bench
