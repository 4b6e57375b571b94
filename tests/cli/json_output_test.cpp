// --json: one JSON document on stdout for every command (and for every error, with the exit
// code), progress on stderr; --json before or after the command. Colour: none without a
// terminal, none with NO_COLOR, some on a terminal (the last checked on a pseudo-terminal).

#include "metadata_queries.hpp"
#include "strata_cli.hpp"
#include "support/stored_down.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstring>
#include <functional>
#include <regex>

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace strata::test;
using versions = std::vector<std::int64_t>;
using nlohmann::json;

namespace {

/// stdout as exactly one JSON object (nothing before or after it), with no colour anywhere.
json document(const cli_outcome& r) {
    BOOST_TEST(!contains(r.out, "\x1b"), "an ANSI escape on stdout" << r);
    BOOST_TEST(!contains(r.err, "\x1b"), "an ANSI escape on stderr" << r);
    json doc;
    try {
        doc = json::parse(r.out);
    } catch (const json::exception& e) {
        BOOST_TEST_REQUIRE(false, "stdout is not one JSON document: " << e.what() << "\n" << r);
    }
    BOOST_TEST_REQUIRE(doc.is_object(), r);
    return doc;
}

bool is_timestamp(const json& v) {
    static const std::regex iso(R"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z)");
    return v.is_string() && std::regex_match(v.get<std::string>(), iso);
}

bool is_checksum(const json& v) {
    static const std::regex sha256("[0-9a-f]{64}");
    return v.is_string() && std::regex_match(v.get<std::string>(), sha256);
}

bool is_duration(const json& v) { return v.is_number_integer() && v.get<std::int64_t>() >= 0; }

/// The error document of a failed command: {"error": {"message", "exit_code", ...}}.
json error_of(const cli_outcome& r, int exit_code) {
    BOOST_TEST(r.exit_code == exit_code, r);
    auto doc = document(r);
    BOOST_TEST_REQUIRE(doc.contains("error"), r);
    const auto& e = doc.at("error");
    BOOST_TEST(e.at("exit_code") == exit_code, r);
    BOOST_TEST(e.at("message").is_string(), r);
    BOOST_TEST(!e.at("message").get<std::string>().empty(), r);
    // The same message is on stderr for a person.
    BOOST_TEST(contains(r.err, "strata: error: "), r);
    return e;
}

/// The same command with --json right after --database (before the command) and at the end.
std::vector<cli_outcome> both_ways(const cli_database_test& t, const std::vector<std::string>& command,
                                   const std::function<void()>& between = {}) {
    std::vector<std::string> before = {"--json"}, after = command;
    before.insert(before.end(), command.begin(), command.end());
    after.push_back("--json");
    std::vector<cli_outcome> out;
    out.push_back(t.run(before));
    if (between) between();
    out.push_back(t.run(after));
    return out;
}

/// Runs strata on a pseudo-terminal (stdout and stderr both a TTY); returns what it wrote.
std::string run_on_terminal(const strata_cli& cli, const std::vector<std::string>& arguments,
                            const std::vector<std::string>& environment) {
    process_invocation what{STRATA_CLI_PATH, arguments, {}, cli.working_directory().string()};
    for (const auto& e : environment) what.environment[e.substr(0, e.find('='))] = e.substr(e.find('=') + 1);
    exec_image image(what);  // with the sanitizer options, as every child of a test

    int master = -1;
    pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
    BOOST_TEST_REQUIRE(pid >= 0, "forkpty: " << std::strerror(errno));
    if (pid == 0) {
        if (::chdir(cli.working_directory().c_str()) != 0) ::_exit(126);
        ::execve(image.argv[0], image.argv.data(), image.envp.data());
        ::_exit(127);
    }
    std::string output;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (;;) {
        pollfd p{master, POLLIN, 0};
        int ready = ::poll(&p, 1, 200);
        if (ready > 0) {
            char buffer[4096];
            ssize_t n = ::read(master, buffer, sizeof buffer);
            if (n > 0) {
                output.append(buffer, static_cast<std::size_t>(n));
                continue;
            }
            break;  // EIO: the child closed the terminal
        }
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            BOOST_TEST(false, "strata did not finish on the terminal: " << output);
            break;
        }
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(master);
    BOOST_TEST(WIFEXITED(status), output);
    return output;
}

namespace scenario {

void json_status_lists_every_unit_with_its_fields(strata::backend b) {
    cli_database_test t(b);
    for (const auto& r : both_ways(t, {"status"})) {
        BOOST_TEST(r.exit_code == 0, r);
        BOOST_TEST(r.err == "", r);
        auto doc = document(r);
        BOOST_TEST(doc.at("database") == t.shown_url(), r);
        const auto& units = doc.at("units");
        BOOST_TEST_REQUIRE(units.size() == 3u, r);
        for (std::size_t i = 0; i < 3; ++i) {
            const auto& u = units.at(i);
            BOOST_TEST(u.at("version") == i + 1, r);
            BOOST_TEST(u.at("state") == "pending", r);
            BOOST_TEST(is_checksum(u.at("checksum")), r);
            BOOST_TEST(u.at("applied_at").is_null(), r);
            BOOST_TEST(u.at("duration_ms").is_null(), r);
        }
        BOOST_TEST(units.at(0).at("name") == "create_users", r);
        BOOST_TEST(units.at(1).at("name") == "create_user_profiles", r);
        BOOST_TEST(units.at(2).at("name") == "add_profile_to_users", r);
    }
    BOOST_TEST(!t.probe.has_table("strata_schema_history"), "status --json created the history table");

    BOOST_TEST_REQUIRE(t.run({"up", "--to", "1"}).exit_code == 0);
    // Every global option after the command, --database too.
    auto r = t.cli.run({"status", "--json", "--database", t.db.url_text()});
    BOOST_TEST(r.exit_code == 0, r);
    auto doc = document(r);
    const auto& u1 = doc.at("units").at(0);
    BOOST_TEST(u1.at("state") == "applied", r);
    BOOST_TEST(is_timestamp(u1.at("applied_at")), r);
    BOOST_TEST(is_duration(u1.at("duration_ms")), r);
    BOOST_TEST(is_checksum(u1.at("checksum")), r);
    const auto& u2 = doc.at("units").at(1);
    BOOST_TEST(u2.at("state") == "pending", r);
    BOOST_TEST(u2.at("applied_at").is_null(), r);
    BOOST_TEST(doc.at("summary").at("applied") == 1, r);
    BOOST_TEST(doc.at("summary").at("pending") == 2, r);

    // --exit-code keeps the document and sets the code.
    r = t.run({"status", "--exit-code", "--json"});
    BOOST_TEST(r.exit_code == 6, r);
    BOOST_TEST(document(r).at("units").size() == 3u, r);
}

void json_up_down_and_redo_report_what_ran_with_progress_on_stderr(strata::backend b) {
    cli_database_test t(b);
    auto r = t.run({"--json", "up"});
    BOOST_TEST(r.exit_code == 0, r);
    auto doc = document(r);
    BOOST_TEST(doc.at("command") == "up", r);
    BOOST_TEST(doc.at("database") == t.shown_url(), r);
    BOOST_TEST(doc.at("dry_run") == false, r);
    BOOST_TEST(is_duration(doc.at("duration_ms")), r);
    BOOST_TEST_REQUIRE(doc.at("units").size() == 3u, r);
    for (std::size_t i = 0; i < 3; ++i) {
        const auto& u = doc.at("units").at(i);
        BOOST_TEST(u.at("version") == i + 1, r);
        BOOST_TEST(u.at("direction") == "up", r);
        BOOST_TEST(is_duration(u.at("duration_ms")), r);
        BOOST_TEST(u.at("duration_ms").get<std::int64_t>() <= doc.at("duration_ms").get<std::int64_t>(), r);
    }
    BOOST_TEST(doc.at("units").at(1).at("name") == "create_user_profiles", r);
    BOOST_TEST(matches(r.err, "applied  1 create_users ({ms})\n"
                              "applied  2 create_user_profiles ({ms})\n"
                              "applied  3 add_profile_to_users ({ms})\n"),
               "progress belongs on stderr" << r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());

    r = t.run({"down", "--json"});
    BOOST_TEST(r.exit_code == 0, r);
    doc = document(r);
    BOOST_TEST(doc.at("command") == "down", r);
    BOOST_TEST(is_duration(doc.at("duration_ms")), r);
    BOOST_TEST_REQUIRE(doc.at("units").size() == 1u, r);
    BOOST_TEST(doc.at("units").at(0).at("version") == 3, r);
    BOOST_TEST(doc.at("units").at(0).at("name") == "add_profile_to_users", r);
    BOOST_TEST(doc.at("units").at(0).at("direction") == "down", r);
    BOOST_TEST(is_duration(doc.at("units").at(0).at("duration_ms")), r);
    BOOST_TEST(matches(r.err, "reverted 3 add_profile_to_users ({ms})\n"), r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2}), boost::test_tools::per_element());

    r = t.run({"--json", "redo"});
    BOOST_TEST(r.exit_code == 0, r);
    doc = document(r);
    BOOST_TEST(doc.at("command") == "redo", r);
    BOOST_TEST_REQUIRE(doc.at("units").size() == 2u, r);
    BOOST_TEST(doc.at("units").at(0).at("version") == 2, r);
    BOOST_TEST(doc.at("units").at(0).at("direction") == "down", r);
    BOOST_TEST(doc.at("units").at(1).at("version") == 2, r);
    BOOST_TEST(doc.at("units").at(1).at("direction") == "up", r);
    BOOST_TEST(matches(r.err, "reverted 2 create_user_profiles ({ms})\napplied  2 create_user_profiles ({ms})\n"), r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2}), boost::test_tools::per_element());

    // Nothing to do is still one document.
    r = t.run({"up", "--to", "2", "--json"});
    BOOST_TEST(r.exit_code == 0, r);
    doc = document(r);
    BOOST_TEST(doc.at("units").empty(), r);
    BOOST_TEST(r.err == "", r);
}

void json_down_marks_a_unit_reverted_from_the_history(strata::backend b) {
    cli_database_test t(b);
    BOOST_TEST_REQUIRE(t.run({"up"}).exit_code == 0);
    t.probe.execute(R"(CREATE TABLE "newer_things" ("id" INTEGER))");
    t.probe.execute("INSERT INTO strata_schema_history (version, name, checksum, execution_ms, applied_by, down_statements) "
                    "VALUES (9, 'add_newer_things', 'x', 1, 'a newer build', " +
                    literal(stored_down_json({R"(DROP TABLE "newer_things")"})) + ")");
    auto r = t.run({"down", "--json"});
    BOOST_TEST(r.exit_code == 0, r);
    auto doc = document(r);
    BOOST_TEST_REQUIRE(doc.at("units").size() == 1u, r);
    BOOST_TEST(doc.at("units").at(0).at("version") == 9, r);
    BOOST_TEST(doc.at("units").at(0).at("from_history") == true, r);
    BOOST_TEST(contains(r.err, "reverting unit 9 add_newer_things, which this build does not know"), r);
    BOOST_TEST(!t.probe.has_table("newer_things"));
}

void json_validate_baseline_and_repair_are_documents(strata::backend b) {
    cli_database_test t(b);
    for (const auto& r : both_ways(t, {"baseline", "--to", "2"}, [&] { t.probe.execute("DELETE FROM strata_schema_history"); })) {
        BOOST_TEST(r.exit_code == 0, r);
        auto doc = document(r);
        BOOST_TEST(doc.at("command") == "baseline", r);
        BOOST_TEST(doc.at("database") == t.shown_url(), r);
        BOOST_TEST_REQUIRE(doc.at("units").size() == 2u, r);
        BOOST_TEST(doc.at("units").at(0).at("version") == 1, r);
        BOOST_TEST(doc.at("units").at(1).at("version") == 2, r);
        BOOST_TEST(is_duration(doc.at("duration_ms")), r);
    }
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2}), boost::test_tools::per_element());

    for (const auto& r : both_ways(t, {"validate"})) {
        BOOST_TEST(r.exit_code == 0, r);
        auto doc = document(r);
        BOOST_TEST(doc.at("ok") == true, r);
        BOOST_TEST(doc.at("problems").empty(), r);
        BOOST_TEST(doc.at("database") == t.shown_url(), r);
    }
    t.probe.execute("UPDATE strata_schema_history SET checksum = 'edited' WHERE version = 1");
    for (const auto& r : both_ways(t, {"validate"})) {
        BOOST_TEST(r.exit_code == 4, r);
        auto doc = document(r);
        BOOST_TEST(doc.at("ok") == false, r);
        BOOST_TEST_REQUIRE(doc.at("problems").size() == 1u, r);
        BOOST_TEST(contains(doc.at("problems").at(0).get<std::string>(), "unit 1 create_users changed"), r);
    }

    t.probe.execute("UPDATE strata_schema_history SET state = 'running' WHERE version = 2");
    auto r = t.run({"repair", "2", "--json"});
    BOOST_TEST(r.exit_code == 0, r);
    auto doc = document(r);
    BOOST_TEST(doc.at("command") == "repair", r);
    BOOST_TEST(doc.at("version") == 2, r);
    BOOST_TEST(doc.at("state") == "pending", r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1}), boost::test_tools::per_element());
}

void json_errors_are_a_document_with_the_exit_code(strata::backend b) {
    cli_database_test t(b);
    // Bad usage: 2.
    for (const auto& r : both_ways(t, {"up", "--bogus"})) {
        auto e = error_of(r, 2);
        BOOST_TEST(contains(e.at("message").get<std::string>(), "bogus"), r);
    }
    auto e = error_of(t.run({"--json", "frobnicate"}), 2);
    BOOST_TEST(contains(e.at("message").get<std::string>(), "frobnicate"));
    e = error_of(t.run({"up", "--to", "99", "--json"}), 2);
    BOOST_TEST(contains(e.at("message").get<std::string>(), "99"));
    for (const auto& r : both_ways(t, {"down"})) {
        e = error_of(r, 2);
        BOOST_TEST(contains(e.at("message").get<std::string>(), "nothing to revert"), r);
    }
    BOOST_TEST(!t.probe.has_table("strata_schema_history"), "a refused command created the history table");

    // Cannot connect: 3, with the password kept out of the document.
    strata_cli cli;
    cli.forbid_in_output("s3cret-pw");
    const std::string unreachable = b == strata::backend::sqlite ? "sqlite:///nonexistent-directory-of-strata/x.db"
                                                                  : "postgresql://nobody:s3cret-pw@127.0.0.1:1/none";
    auto r = cli.run({"--database", unreachable, "up", "--json"});
    e = error_of(r, 3);

    // A unit that fails: 1, naming the unit, its statement, and what was done before it.
    t.probe.execute(R"(CREATE TABLE "user_profiles" ("id" INTEGER))");
    r = t.run({"--json", "up"});
    e = error_of(r, 1);
    BOOST_TEST(e.at("version") == 2, r);
    BOOST_TEST(e.at("name") == "create_user_profiles", r);
    BOOST_TEST(e.at("statement").get<std::string>().starts_with("CREATE TABLE \"user_profiles\" ("), r);
    if (b == strata::backend::postgresql) BOOST_TEST(e.at("sqlstate") == "42P07", r);
    BOOST_TEST_REQUIRE(e.at("completed").size() == 1u, r);
    BOOST_TEST(e.at("completed").at(0).at("version") == 1, r);
    BOOST_TEST(e.at("completed").at(0).at("name") == "create_users", r);
    BOOST_TEST(matches(lines_of(r.err).at(0), "applied  1 create_users ({ms})"), "progress belongs on stderr" << r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1}), boost::test_tools::per_element());

    // The history disagrees: 4, with every problem.
    t.probe.execute(R"(DROP TABLE "user_profiles")");
    t.probe.execute("UPDATE strata_schema_history SET checksum = 'edited' WHERE version = 1");
    for (const auto& r4 : both_ways(t, {"up"})) {
        e = error_of(r4, 4);
        BOOST_TEST_REQUIRE(e.at("problems").size() == 1u, r4);
        BOOST_TEST(contains(e.at("problems").at(0).get<std::string>(), "unit 1 create_users changed"), r4);
    }
    BOOST_TEST(t.probe.applied_versions() == (versions{1}), boost::test_tools::per_element());
}

void no_colour_without_a_terminal_or_with_no_color(strata::backend b) {
    cli_database_test t(b);
    t.probe.execute(R"(CREATE TABLE "user_profiles" ("id" INTEGER))");
    // Without a terminal (pipes): success, failure and status texts carry no escape.
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"status"}, {"up"}, {"status"}, {"validate"}, {"down", "--steps", "7"}}) {
        auto r = t.run(args);
        BOOST_TEST(!contains(r.out, "\x1b"), r);
        BOOST_TEST(!contains(r.err, "\x1b"), r);
    }

    // On a terminal: colour, unless NO_COLOR is set. (The first proves the check can see it.)
    const std::vector<std::string> env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + t.cli.working_directory().string(),
                                          "LC_ALL=C", "TERM=xterm"};
    auto no_color = env;
    no_color.push_back("NO_COLOR=1");
    const std::vector<std::string> status = {"--database", t.db.url_text(), "status"};
    const std::vector<std::string> failing = {"--database", t.db.url_text(), "down", "--steps", "7"};

    auto coloured = run_on_terminal(t.cli, status, env);
    BOOST_TEST(contains(coloured, "create_users"), coloured);
    BOOST_TEST(contains(coloured, "\x1b["), "no colour on a terminal: " << coloured);
    auto plain = run_on_terminal(t.cli, status, no_color);
    BOOST_TEST(contains(plain, "create_users"), plain);
    BOOST_TEST(!contains(plain, "\x1b"), "colour despite NO_COLOR: " << plain);
    plain = run_on_terminal(t.cli, failing, no_color);
    BOOST_TEST(contains(plain, "strata: error:"), plain);
    BOOST_TEST(!contains(plain, "\x1b"), "colour despite NO_COLOR: " << plain);
    // JSON is never painted, terminal or not.
    auto doc = run_on_terminal(t.cli, {"--database", t.db.url_text(), "status", "--json"}, env);
    BOOST_TEST(contains(doc, "\"units\""), doc);
    BOOST_TEST(!contains(doc, "\x1b"), "colour in JSON: " << doc);
}

/// Long work shows one updating line on stderr, on a terminal only, and not with --json or
/// NO_COLOR. The reference units do no long work, so a trigger on the history table sends the
/// notice a backfill's batch sends, while each unit runs (PostgreSQL).
void a_progress_line_only_on_a_terminal_without_json_or_no_color(strata::backend b) {
    cli_database_test t(b);
    auto first = t.run({"up", "--to", "1"});
    BOOST_TEST_REQUIRE(first.exit_code == 0, first);
    t.probe.execute("CREATE FUNCTION strata_test_progress() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RAISE NOTICE "
                    "''strata:progress 1 2 rows backfill fake''; RETURN NEW; END'");
    t.probe.execute("CREATE TRIGGER strata_test_progress AFTER INSERT ON strata_schema_history FOR EACH ROW EXECUTE "
                    "FUNCTION strata_test_progress()");
    const std::string line = "unit 2 create_user_profiles: backfill fake: 1 of 2 rows (50%)";
    auto down = [&] {
        auto r = t.run({"down"});
        BOOST_TEST_REQUIRE(r.exit_code == 0, r);
    };

    // Pipes: nothing of it.
    auto piped = t.run({"up", "--to", "2"});
    BOOST_TEST(piped.exit_code == 0, piped);
    BOOST_TEST(!contains(piped.err, "backfill fake"), piped);
    BOOST_TEST(!contains(piped.err, "\r"), piped);
    BOOST_TEST(!contains(piped.out, "backfill fake"), piped);
    down();

    const std::vector<std::string> env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + t.cli.working_directory().string(),
                                          "LC_ALL=C", "TERM=xterm"};
    auto no_color = env;
    no_color.push_back("NO_COLOR=1");
    const std::vector<std::string> up_to_2 = {"--database", t.db.url_text(), "up", "--to", "2"};
    auto up_json = up_to_2;
    up_json.push_back("--json");

    // A terminal with NO_COLOR, or --json: nothing either.
    auto plain = run_on_terminal(t.cli, up_to_2, no_color);
    BOOST_TEST(contains(plain, "applied  2 create_user_profiles"), plain);
    BOOST_TEST(!contains(plain, "backfill fake"), plain);
    down();
    auto doc = run_on_terminal(t.cli, up_json, env);
    BOOST_TEST(contains(doc, "\"units\""), doc);
    BOOST_TEST(!contains(doc, "backfill fake"), doc);
    down();

    // A terminal: the line, then spaces over it before the unit's own line.
    auto shown = run_on_terminal(t.cli, up_to_2, env);
    BOOST_TEST(contains(shown, "\r" + line), shown);
    BOOST_TEST(contains(shown, "\r" + std::string(line.size(), ' ') + "\r"), shown);
    BOOST_TEST(shown.find(line) < shown.find("applied  2 create_user_profiles"), shown);
}

}  // namespace scenario
}  // namespace

STRATA_CLI_TEST_ON_EACH_DATABASE(json_status_lists_every_unit_with_its_fields)
STRATA_CLI_TEST_ON_EACH_DATABASE(json_up_down_and_redo_report_what_ran_with_progress_on_stderr)
STRATA_CLI_TEST_ON_EACH_DATABASE(json_down_marks_a_unit_reverted_from_the_history)
STRATA_CLI_TEST_ON_EACH_DATABASE(json_validate_baseline_and_repair_are_documents)
STRATA_CLI_TEST_ON_EACH_DATABASE(json_errors_are_a_document_with_the_exit_code)
STRATA_CLI_TEST_ON_EACH_DATABASE(no_colour_without_a_terminal_or_with_no_color)

BOOST_AUTO_TEST_SUITE(postgresql)
BOOST_AUTO_TEST_CASE(a_progress_line_only_on_a_terminal_without_json_or_no_color) {
    scenario::a_progress_line_only_on_a_terminal_without_json_or_no_color(strata::backend::postgresql);
}
BOOST_AUTO_TEST_SUITE_END()
