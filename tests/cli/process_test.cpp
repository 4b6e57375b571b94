// The process runner the CLI tests stand on: if it leaked the caller's environment or mangled
// arguments, every other test here would prove less than it claims.

#include "strata_cli.hpp"

#include <cstdlib>

using namespace strata::test;

namespace {

process_invocation invocation(std::string program, std::vector<std::string> arguments) {
    process_invocation what;
    what.program = std::move(program);
    what.arguments = std::move(arguments);
    what.environment = {{"ONLY_THIS", "1"}};
    return what;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sqlite)

BOOST_AUTO_TEST_CASE(process_runner_passes_arguments_verbatim_without_a_shell) {
    auto what = invocation("/usr/bin/printf", {"[%s]\n", "two words", "", "'\"$HOME\\ *", "--x=a b"});
    auto r = run_process(what);
    BOOST_TEST(r.exit_code == 0, describe(what, r));
    BOOST_TEST(r.out == "[two words]\n[]\n['\"$HOME\\ *]\n[--x=a b]\n");
    BOOST_TEST(r.err == "");
}

// Only what it is told, and the sanitizer options of a sanitized build (tools/test --sanitize),
// which every child gets.
BOOST_AUTO_TEST_CASE(process_runner_gives_the_child_only_the_environment_it_is_told) {
    ::setenv("STRATA_DATABASE_URL", "sqlite:leaked.db", 1);
    auto what = invocation("/usr/bin/env", {});
    auto r = run_process(what);
    ::unsetenv("STRATA_DATABASE_URL");
    BOOST_TEST(r.exit_code == 0, describe(what, r));
    std::string expected = "ONLY_THIS=1\n";
    for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS"})
        if (const char* value = std::getenv(name)) expected += std::string(name) + "=" + value + "\n";
    BOOST_TEST(r.out == expected);
}

BOOST_AUTO_TEST_CASE(process_runner_separates_stdout_stderr_and_the_exit_code) {
    auto what = invocation("/bin/sh", {"-c", "echo to-out; echo to-err >&2; exit 7"});
    auto r = run_process(what);
    BOOST_TEST(r.exit_code == 7);
    BOOST_TEST(r.out == "to-out\n");
    BOOST_TEST(r.err == "to-err\n");
    BOOST_TEST(!r.timed_out);
}

BOOST_AUTO_TEST_CASE(process_runner_reads_large_output_on_both_pipes_without_deadlock) {
    // 1 MiB on each pipe, far beyond the 64 KiB a pipe buffers.
    auto what = invocation("/bin/sh", {"-c", "head -c 1048576 /dev/zero; head -c 1048576 /dev/zero >&2"});
    what.environment["PATH"] = "/usr/bin:/bin";
    what.timeout = std::chrono::seconds(20);
    auto r = run_process(what);
    BOOST_TEST(r.exit_code == 0);
    BOOST_TEST(r.out.size() == 1048576u);
    BOOST_TEST(r.err.size() == 1048576u);
}

BOOST_AUTO_TEST_CASE(process_runner_kills_a_child_that_outlives_its_timeout) {
    auto what = invocation("/bin/sleep", {"30"});
    what.timeout = std::chrono::milliseconds(300);
    const auto start = std::chrono::steady_clock::now();
    auto r = run_process(what);
    BOOST_TEST(r.timed_out);
    BOOST_TEST(r.exit_code == -1);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    BOOST_TEST(std::chrono::duration_cast<std::chrono::seconds>(elapsed).count() < 10);
}

BOOST_AUTO_TEST_CASE(process_runner_runs_in_the_working_directory_it_is_given) {
    strata_cli cli;  // owns a fresh directory
    auto what = invocation("/bin/pwd", {});
    what.working_directory = cli.working_directory().string();
    auto r = run_process(what);
    BOOST_TEST(r.out == std::filesystem::canonical(cli.working_directory()).string() + "\n");
}

BOOST_AUTO_TEST_CASE(process_runner_throws_when_the_program_cannot_start) {
    BOOST_CHECK_THROW(run_process(invocation("/nonexistent/strata", {})), std::runtime_error);
    auto in_missing_directory = invocation("/bin/true", {});
    in_missing_directory.working_directory = "/nonexistent/directory";
    BOOST_CHECK_THROW(run_process(in_missing_directory), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(process_description_hides_url_passwords) {
    auto what = invocation("/bin/true", {"--database", "postgresql://app:Sup3rS3cret@db.example/shop"});
    what.environment["DATABASE_URL"] = "postgres://app:An0ther@h/d";
    auto text = describe(what, run_process(what));
    BOOST_TEST(!contains(text, "Sup3rS3cret"));
    BOOST_TEST(!contains(text, "An0ther"));
    BOOST_TEST(contains(text, "postgresql://app:***@db.example/shop"));
}

BOOST_AUTO_TEST_CASE(output_patterns_match_the_whole_text_with_placeholders) {
    BOOST_TEST(matches("applied  1 a.b (12 ms)\n", "applied  1 a.b ({ms})\n"));
    BOOST_TEST(!matches("applied  1 axb (12 ms)\n", "applied  1 a.b ({ms})\n"));  // '.' is literal
    BOOST_TEST(!matches("applied  1 a.b (12 ms)\nmore\n", "applied  1 a.b ({ms})\n"));  // whole text
    BOOST_TEST(!matches("x (ms)", "x ({ms})"));
    BOOST_TEST(matches("at 2024-05-01T12:34:56.789Z", "at {ts}"));
    BOOST_TEST(!matches("at 2024-05-01 12:34:56", "at {ts}"));
    BOOST_TEST(matches("db postgresql://u:***@h:5/d?x=1 ok", "db postgresql://u:***@h:5/d?x=1 {*}"));
    BOOST_TEST(!matches("a\nb", "{*}"));
}

BOOST_AUTO_TEST_SUITE_END()
