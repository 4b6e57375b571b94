// Database URLs strata cannot use and databases it cannot reach: exit 2 for a URL that is wrong,
// exit 3 for a database that cannot be reached, a message saying which, and never the password.

#include <chrono>
#include <fstream>

#include "strata_cli.hpp"

using namespace strata::test;

namespace {

const char* const url_forms_hint = "; expected sqlite:PATH, sqlite:///ABSOLUTE/PATH, sqlite::memory: or postgresql://";

/// strata --database URL status must refuse the URL with exit 2 and this message.
void check_url_refused(const strata_cli& cli, const std::string& url, std::string_view message) {
    auto r = cli.run({"--database", url, "status"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(r.out == "", r);
    BOOST_TEST(contains(r.err, "strata: error: invalid database URL: "), r);
    BOOST_TEST(contains(r.err, message), "stderr should say: " << message << r);
}

/// strata ARGS must fail with `code` and print neither password form.
void check_secret_kept(const std::vector<std::string>& args, int code, const std::string& secret) {
    strata_cli cli;
    cli.forbid_in_output(secret);  // run() checks stdout and stderr
    auto r = cli.run(args);
    BOOST_TEST(r.exit_code == code, r);
    BOOST_TEST(r.err != "", r);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sqlite)

BOOST_AUTO_TEST_CASE(url_with_an_unknown_scheme_is_a_usage_error) {
    strata_cli cli;
    check_url_refused(cli, "mysql://x", "unknown scheme 'mysql'");
    check_url_refused(cli, "mysql://x", url_forms_hint);
    check_url_refused(cli, "strata.db", "no scheme");
    check_url_refused(cli, "", "it is empty");
}

BOOST_AUTO_TEST_CASE(postgresql_url_without_a_database_name_is_a_usage_error) {
    strata_cli cli;
    check_url_refused(cli, "postgresql://host", "no database name (add /dbname after the host)");
    check_url_refused(cli, "postgres://app@host:5432", "no database name");
    check_url_refused(cli, "postgresql://host/", "the database name is empty");
}

BOOST_AUTO_TEST_CASE(postgresql_url_with_a_bad_port_is_a_usage_error) {
    strata_cli cli;
    check_url_refused(cli, "postgresql://host:99999/db", "the port is not a number from 1 to 65535");
    check_url_refused(cli, "postgresql://host:0/db", "the port is not a number from 1 to 65535");
    check_url_refused(cli, "postgresql://host:5432x/db", "the port is not a number from 1 to 65535");
    check_url_refused(cli, "postgresql://host:/db", "the port is not a number from 1 to 65535");
}

BOOST_AUTO_TEST_CASE(other_malformed_urls_say_what_is_wrong) {
    strata_cli cli;
    check_url_refused(cli, "postgresql://@host/db", "the user name before '@' is empty");
    check_url_refused(cli, "postgresql://app@/db", "the host is empty");
    check_url_refused(cli, "postgresql://app:pw%zz@host/db", "bad percent-encoding in the password");
    check_url_refused(cli, "postgresql://host/db?password=x", "give the password in the URL itself");
    check_url_refused(cli, "sqlite://host/file.db", "must be sqlite:///ABSOLUTE/PATH");
}

BOOST_AUTO_TEST_CASE(password_in_a_malformed_url_is_never_printed) {
    const std::string secret = "Sup3rS3cret";
    for (const char* url : {
             "postgresql://app:Sup3rS3cret@127.0.0.1:notaport/db",
             "postgresql://app:Sup3rS3cret@127.0.0.1:99999/db",
             "postgresql://app:Sup3rS3cret@127.0.0.1",
             "postgresql://app:Sup3rS3cret@127.0.0.1/",
             "postgresql://app:Sup3rS3cret@/db",
             "postgresql://:Sup3rS3cret@127.0.0.1/db",
             "postgresql://app:Sup3rS3cret%zz@127.0.0.1/db",
             "postgresql://app:Sup3rS3cret@[::1/db",
             "postgresql://app:Sup3rS3cret@127.0.0.1/db?sslmode",
             "mysql://app:Sup3rS3cret@127.0.0.1/db",
             "postgresq://app:Sup3rS3cret@127.0.0.1/db",
         }) {
        BOOST_TEST_CONTEXT("--database " << url) {
            check_secret_kept({"--database", url, "up"}, 2, secret);
            // The same through the environment.
            strata_cli cli;
            cli.forbid_in_output(secret);
            cli.set_env("DATABASE_URL", url);
            auto r = cli.run({"up"});
            BOOST_TEST(r.exit_code == 2, r);
        }
    }
}

// A generated password often holds '/', '?' or '@', which a URL must percent-encode. Written
// raw, strata still reads the user info up to the last '@' (before the fix it took the text
// before the '/' as host:port and quoted the "port": part of the password).
BOOST_AUTO_TEST_CASE(password_with_an_unencoded_slash_is_read_as_the_password_and_never_printed) {
    strata_cli cli;
    cli.forbid_in_output("Sup3r");
    cli.forbid_in_output("S3cret");
    auto r = cli.run({"--database", "postgresql://app:Sup3r/S3cret@127.0.0.1:1/db", "up"});
    BOOST_TEST(r.exit_code == 3, r);
    BOOST_TEST(contains(r.err, "postgresql://app:***@127.0.0.1:1/db: cannot connect"), r);
}

// A port that is not a number is refused without echoing it: in a URL missing its host, the
// "port" is the password.
BOOST_AUTO_TEST_CASE(url_without_host_does_not_echo_the_password_as_a_port) {
    strata_cli cli;
    cli.forbid_in_output("Sup3rS3cret");
    auto r = cli.run({"--database", "postgresql://app:Sup3rS3cret/db", "up"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "the port is not a number"), r);
}

// `strata up $DATABASE_URL` (the --database forgotten) and the like must not echo the URL whole.
BOOST_AUTO_TEST_CASE(url_given_in_place_of_a_command_or_argument_is_not_echoed_with_its_password) {
    const std::string secret = "Sup3rS3cret";
    const std::string url = "postgresql://app:Sup3rS3cret@127.0.0.1:1/db";
    BOOST_TEST_CONTEXT("strata up URL") { check_secret_kept({"up", url}, 2, secret); }
    BOOST_TEST_CONTEXT("strata URL up") { check_secret_kept({url, "up"}, 2, secret); }
    BOOST_TEST_CONTEXT("strata --databse=URL up") { check_secret_kept({"--databse=" + url, "up"}, 2, secret); }
}

// libpq waits forever on connect_timeout=0 (or less) and fails late on text: refused up front.
BOOST_AUTO_TEST_CASE(connect_timeout_in_the_url_that_would_wait_forever_is_a_usage_error) {
    strata_cli cli;
    cli.forbid_in_output("Sup3rS3cret");
    for (const char* seconds : {"0", "-1", "soon"}) {
        BOOST_TEST_CONTEXT("connect_timeout=" << seconds) {
            check_url_refused(cli, std::string("postgresql://app:Sup3rS3cret@127.0.0.1:1/db?connect_timeout=") + seconds,
                              "the parameter connect_timeout must be a whole number of seconds, 1 or more (libpq would "
                              "wait forever on 0 or less; it waits at least 2 s); leave it out to use --connect-timeout");
        }
    }
}

BOOST_AUTO_TEST_CASE(sqlite_file_that_cannot_be_opened_is_a_connection_error) {
    strata_cli cli;
    const auto missing = cli.working_directory() / "no" / "such" / "directory";
    const std::string url = "sqlite:" + (missing / "test.db").string();
    for (const char* command : {"up", "status", "down"}) {
        auto r = cli.run({"--database", url, command});
        BOOST_TEST(r.exit_code == 3, r);
        BOOST_TEST(r.out == "", r);
        BOOST_TEST(contains(r.err, "strata: error: " + url + ": cannot open the database: "), r);
        BOOST_TEST(contains(r.err, "unable to open database file"), r);
        BOOST_TEST(contains(r.err, "(does the directory exist and is it writable?)\n"), r);
    }
    BOOST_TEST(!std::filesystem::exists(cli.working_directory() / "no"), "strata created the directory");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(postgresql)

BOOST_AUTO_TEST_CASE(unreachable_server_exits_3_without_printing_the_password) {
    strata_cli cli;
    cli.forbid_in_output("Sup3rS3cret");
    for (const char* command : {"up", "status", "down", "redo"}) {
        auto r = cli.run({"--database", "postgresql://app:Sup3rS3cret@127.0.0.1:1/db", command});
        BOOST_TEST(r.exit_code == 3, r);
        BOOST_TEST(r.out == "", r);
        BOOST_TEST(matches(r.err, "strata: error: postgresql://app:***@127.0.0.1:1/db: cannot connect: {*}\n"), r);
        BOOST_TEST(contains(r.err, "Connection refused"), r);
    }
}

// Without a loadable libpq (the PostgreSQL client library) strata says so and what to install,
// as a configuration error (exit 2): it does not retry for --wait as if the server were down.
BOOST_AUTO_TEST_CASE(a_libpq_that_cannot_be_loaded_is_a_configuration_error_not_an_unreachable_server) {
    strata_cli cli;
    std::ofstream(cli.working_directory() / "libpq.so.5") << "not a shared library\n";
    cli.set_env("LD_LIBRARY_PATH", cli.working_directory().string());
    cli.forbid_in_output("Sup3rS3cret");
    auto r = cli.run({"--database", "postgresql://app:Sup3rS3cret@127.0.0.1:1/db", "--wait", "3", "up"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "cannot load libpq, the PostgreSQL client library (Debian package libpq5)"), r);
    BOOST_TEST(!contains(r.err, "retrying"), r);
}

// libpq refuses an option it does not know, or a value it does not take, before it connects: a
// mistake in the URL (exit 2), which --wait does not retry as if the server were down.
BOOST_AUTO_TEST_CASE(a_connection_parameter_libpq_refuses_is_a_configuration_error_not_retried) {
    strata_cli cli;
    cli.forbid_in_output("Sup3rS3cret");
    for (const std::string query : {"sslmod=require", "sslmode=requir", "target_session_attrs=primary-only"}) {
        const auto start = std::chrono::steady_clock::now();
        auto r = cli.run({"--database", "postgresql://app:Sup3rS3cret@127.0.0.1:1/db?" + query, "--wait", "5", "status"});
        BOOST_TEST(r.exit_code == 2, r);
        BOOST_TEST(contains(r.err, "the URL's connection parameters: invalid "), r);
        BOOST_TEST(!contains(r.err, "cannot connect yet"), r);
        const bool at_once = std::chrono::steady_clock::now() - start < std::chrono::seconds(4);
        BOOST_TEST(at_once, "waited for --wait: " << r);
    }
}

BOOST_AUTO_TEST_CASE(unreachable_server_never_prints_a_percent_encoded_password_in_either_form) {
    strata_cli cli;
    cli.forbid_in_output("p@ss");
    cli.forbid_in_output("p%40ss");
    auto r = cli.run({"--database", "postgresql://app:p%40ss@127.0.0.1:1/db", "up"});
    BOOST_TEST(r.exit_code == 3, r);
    BOOST_TEST(contains(r.err, "strata: error: postgresql://app:***@127.0.0.1:1/db: cannot connect: "), r);

    cli.set_env("STRATA_DATABASE_URL", "postgresql://app:p%40ss@127.0.0.1:1/db");
    r = cli.run({"status"});
    BOOST_TEST(r.exit_code == 3, r);
}

// Issue 12: secret query parameters (sslpassword unlocks the client key) are never printed.
BOOST_AUTO_TEST_CASE(secret_query_parameter_is_never_printed) {
    strata_cli cli;
    cli.forbid_in_output("hunter2");
    auto r = cli.run({"--database", "postgresql://u@127.0.0.1:1/db?sslpassword=hunter2", "status"});
    BOOST_TEST(r.exit_code == 3, r);
    // (Before: "sslpassword=*** cannot connect", the redaction ate the ':'.)
    BOOST_TEST(contains(r.err, "strata: error: postgresql://u@127.0.0.1:1/db?sslpassword=***: cannot connect: "), r);
    // libpq 18's oauth_client_secret: an older libpq refuses it, naming only the parameter (exit 2,
    // a mistake in the URL for this libpq).
    r = cli.run({"--database", "postgresql://u@127.0.0.1:1/db?oauth_client_secret=hunter2&sslmode=disable", "status"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "strata: error: postgresql://u@127.0.0.1:1/db?oauth_client_secret=***&sslmode=disable: "
                               "the URL's connection parameters: invalid connection option \"oauth_client_secret\""),
               r);
}

// Issue 12: an unencoded '?' and '=' in the password were read as a query ("no database name",
// exit 2). The password is read whole, strata tries the server, and never prints it.
BOOST_AUTO_TEST_CASE(password_with_an_unencoded_question_mark_and_equals_sign_is_read_as_the_password) {
    strata_cli cli;
    cli.forbid_in_output("pa?ss");
    cli.forbid_in_output("ss=word");
    auto r = cli.run({"--database", "postgresql://app:pa?ss=word@127.0.0.1:1/db", "status"});
    BOOST_TEST(r.exit_code == 3, r);
    BOOST_TEST(contains(r.err, "strata: error: postgresql://app:***@127.0.0.1:1/db: cannot connect: "), r);
}

BOOST_AUTO_TEST_CASE(wrong_password_exits_3_without_printing_either_password) {
    auto db = temp_database::postgresql();
    const auto& real = db.url();
    const std::string wrong = "Wr0ngPassw0rd";
    const std::string url = "postgresql://" + real.user() + ":" + wrong + "@" + real.host() + ":" +
                            std::to_string(real.port()) + "/" + real.dbname();
    strata_cli cli;
    cli.forbid_in_output(wrong);
    cli.forbid_in_output(real.password());
    auto r = cli.run({"--database", url, "up"});
    BOOST_TEST(r.exit_code == 3, r);
    BOOST_TEST(r.out == "", r);
    BOOST_TEST(contains(r.err, "strata: error: postgresql://" + real.user() + ":***@"), r);
    BOOST_TEST(contains(r.err, "password authentication failed for user \"" + real.user() + "\""), r);
    BOOST_TEST(contains(r.err, "[SQLSTATE 28P01]"), r);
    BOOST_TEST(database_probe(real).applied_versions().empty());
    // --wait retries a refused login (a role an init job creates later), each notice with its SQLSTATE.
    r = cli.run({"--database", url, "--wait", "1", "status"});
    BOOST_TEST(r.exit_code == 3, r);
    BOOST_TEST(contains(r.err, "password authentication failed for user \"" + real.user() + "\" [SQLSTATE 28P01]); retrying in "), r);

}

// libpq's several hosts, each with its own port (what strata's standby refusal suggests, with
// target_session_attrs): the first refuses connections, the second is the server. strata
// connects to the one that answers and applies there; its report names both hosts.
BOOST_AUTO_TEST_CASE(several_hosts_each_with_its_port_connect_to_the_one_that_answers) {
    auto db = temp_database::postgresql();
    const auto& real = db.url();
    const std::string hosts = "127.0.0.1:1," + real.host() + ":" + std::to_string(real.port());
    const std::string url = "postgresql://" + real.user() + ":" + real.password() + "@" + hosts + "/" + real.dbname() +
                            "?target_session_attrs=read-write";
    strata_cli cli;
    cli.forbid_in_output(real.password());
    auto r = cli.run({"--database", url, "up"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(contains(r.out, "3 units applied to postgresql://" + real.user() + ":***@" + hosts + "/" + real.dbname() +
                                   "?target_session_attrs=read-write in "),
               r);
    BOOST_TEST(database_probe(real).applied_versions() == (std::vector<std::int64_t>{1, 2, 3}));
}

BOOST_AUTO_TEST_CASE(missing_database_on_a_reachable_server_exits_3) {
    auto db = temp_database::postgresql();
    const auto& real = db.url();
    strata_cli cli;
    cli.forbid_in_output(real.password());
    const std::string url = "postgresql://" + real.user() + ":" + real.password() + "@" + real.host() + ":" +
                            std::to_string(real.port()) + "/" + real.dbname() + "_missing";
    auto r = cli.run({"--database", url, "status"});
    BOOST_TEST(r.exit_code == 3, r);
    BOOST_TEST(contains(r.err, "database \"" + real.dbname() + "_missing\" does not exist"), r);
}

BOOST_AUTO_TEST_SUITE_END()
