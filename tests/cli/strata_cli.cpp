#include "strata_cli.hpp"

#include <atomic>
#include <ostream>
#include <regex>

#include <unistd.h>

namespace strata::test {
namespace {

std::atomic<int> directories{0};

std::string regex_escape(std::string_view literal) {
    static const std::string special = R"(\^$.|?*+()[]{}/)";
    std::string out;
    for (char c : literal) {
        if (special.find(c) != std::string::npos) out += '\\';
        out += c;
    }
    return out;
}

}  // namespace

std::ostream& operator<<(std::ostream& out, const cli_outcome& r) { return out << r.transcript; }

strata_cli::strata_cli(std::string program)
    : program_(std::move(program)),
      directory_(std::filesystem::temp_directory_path() /
                 ("strata_cli_" + std::to_string(::getpid()) + "_" + std::to_string(++directories))) {
    std::filesystem::remove_all(directory_);
    std::filesystem::create_directories(directory_);
    environment_ = {
        {"PATH", "/usr/local/bin:/usr/bin:/bin"},
        {"HOME", directory_.string()},
        {"LC_ALL", "C"},
    };
}

strata_cli::~strata_cli() {
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
}

void strata_cli::set_env(const std::string& name, const std::string& value) { environment_[name] = value; }

void strata_cli::forbid_in_output(const std::string& secret) {
    if (!secret.empty()) secrets_.push_back(secret);
}

cli_outcome strata_cli::run(const std::vector<std::string>& arguments) const {
    process_invocation what{program_, arguments, environment_, directory_.string(), std::chrono::seconds(60)};
    cli_outcome r{run_process(what), {}};
    r.transcript = describe(what, r);
    // Shown as a marker, so a failure says where a password leaked without the log holding it.
    const std::string marker = "<forbidden text>";
    for (const auto& secret : secrets_)
        for (auto at = r.transcript.find(secret); at != std::string::npos; at = r.transcript.find(secret, at + marker.size()))
            r.transcript.replace(at, secret.size(), marker);
    BOOST_TEST(!r.timed_out, r);
    BOOST_TEST(r.signal == 0, r);
    for (const auto& secret : secrets_) {
        BOOST_TEST(!contains(r.out, secret), "a password appears on stdout" << r);
        BOOST_TEST(!contains(r.err, secret), "a password appears on stderr" << r);
    }
    return r;
}

cli_database_test::cli_database_test(backend b, std::string program)
    : db(temp_database::create(b)), probe(db.url()), cli(std::move(program)) {
    cli.forbid_in_output(db.url().password());
}

cli_outcome cli_database_test::run(std::vector<std::string> arguments) const {
    arguments.insert(arguments.begin(), {"--database", db.url_text()});
    return cli.run(arguments);
}

bool matches(const std::string& text, std::string_view pattern) {
    static const std::regex placeholder(R"(\{ms\}|\{ts\}|\{\*\})");
    const std::string p(pattern);
    std::string re;
    std::size_t done = 0;
    for (std::sregex_iterator it(p.begin(), p.end(), placeholder), end; it != end; ++it) {
        const auto at = static_cast<std::size_t>(it->position());
        re += regex_escape(std::string_view(p).substr(done, at - done));
        const std::string token = it->str();
        if (token == "{ms}") re += "[0-9]+ ms";
        else if (token == "{ts}") re += R"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z)";
        else re += "[^\n]*";
        done = at + token.size();
    }
    re += regex_escape(std::string_view(p).substr(done));
    return std::regex_match(text, std::regex(re));
}

bool contains(const std::string& text, std::string_view needle) { return text.find(needle) != std::string::npos; }

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

}  // namespace strata::test
