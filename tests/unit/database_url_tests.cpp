// Database URLs: every accepted form, the connection string, redaction, and every rejection.
#include <strata/database_url.hpp>
#include <strata/error.hpp>

#include <boost/test/unit_test.hpp>

#include <string>
#include <utility>
#include <vector>

namespace {

using strata::database_url;

// Distinctive, so a search for it in a message cannot match by accident.
const std::string password = "Sup3rS3cret";

const std::string usage_hint =
    "; expected sqlite:PATH, sqlite:///ABSOLUTE/PATH, sqlite::memory: or "
    "postgresql://[user[:password]@]host[:port]/dbname[?key=value...]";

/// The config_error parse() throws for `text`; fails the test when it throws nothing.
strata::config_error rejection(std::string_view text) {
    try {
        database_url::parse(text);
    } catch (const strata::config_error& e) {
        return e;
    }
    BOOST_FAIL("parse() accepted " << text);
    throw std::logic_error("unreachable");
}

/// Each parameter as key=value, for comparing with readable failures.
std::vector<std::string> as_text(const std::vector<std::pair<std::string, std::string>>& parameters) {
    std::vector<std::string> out;
    for (const auto& [key, value] : parameters) out.push_back(key + "=" + value);
    return out;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(database_url_parsing)

BOOST_AUTO_TEST_CASE(sqlite_relative_path_is_taken_as_written) {
    const auto url = database_url::parse("sqlite:data/app.db");
    BOOST_TEST((url.kind() == strata::backend::sqlite));
    BOOST_TEST(url.path() == "data/app.db");
    BOOST_TEST(url.redacted() == "sqlite:data/app.db");
    BOOST_TEST(url.connection_string() == R"(db="data/app.db")");
}

BOOST_AUTO_TEST_CASE(sqlite_triple_slash_gives_an_absolute_path) {
    const auto url = database_url::parse("sqlite:///var/lib/app.db");
    BOOST_TEST((url.kind() == strata::backend::sqlite));
    BOOST_TEST(url.path() == "/var/lib/app.db");
    BOOST_TEST(url.redacted() == "sqlite:/var/lib/app.db");
    BOOST_TEST(url.connection_string() == R"(db="/var/lib/app.db")");
}

BOOST_AUTO_TEST_CASE(sqlite_memory_is_an_in_memory_database) {
    const auto url = database_url::parse("sqlite::memory:");
    BOOST_TEST((url.kind() == strata::backend::sqlite));
    BOOST_TEST(url.path() == ":memory:");
    BOOST_TEST(url.redacted() == "sqlite::memory:");
    BOOST_TEST(url.connection_string() == R"(db=":memory:")");
}

BOOST_AUTO_TEST_CASE(sqlite_path_is_percent_decoded_and_quoted_for_soci) {
    const auto url = database_url::parse("sqlite:my%20app.db");
    BOOST_TEST(url.path() == "my app.db");
    BOOST_TEST(url.connection_string() == R"(db="my app.db")");
}

BOOST_AUTO_TEST_CASE(postgresql_with_host_and_dbname_only) {
    const auto url = database_url::parse("postgresql://db.example.com/shop");
    BOOST_TEST((url.kind() == strata::backend::postgresql));
    BOOST_TEST(url.host() == "db.example.com");
    BOOST_TEST(url.port() == 0);
    BOOST_TEST(url.dbname() == "shop");
    BOOST_TEST(url.user() == "");
    BOOST_TEST(url.password() == "");
    BOOST_TEST(!url.has_password());
    BOOST_TEST(url.parameters().empty());
    BOOST_TEST(url.redacted() == "postgresql://db.example.com/shop");
    BOOST_TEST(url.connection_string() ==
               "host='db.example.com' dbname='shop' application_name='strata' connect_timeout='10'");
}

BOOST_AUTO_TEST_CASE(postgres_scheme_is_an_alias_and_redacts_as_postgresql) {
    const auto url = database_url::parse("postgres://app@127.0.0.1:5432/shop");
    BOOST_TEST((url.kind() == strata::backend::postgresql));
    BOOST_TEST(url.user() == "app");
    BOOST_TEST(!url.has_password());
    BOOST_TEST(url.host() == "127.0.0.1");
    BOOST_TEST(url.port() == 5432);
    BOOST_TEST(url.dbname() == "shop");
    BOOST_TEST(url.redacted() == "postgresql://app@127.0.0.1:5432/shop");
    BOOST_TEST(url.connection_string() ==
               "host='127.0.0.1' port=5432 dbname='shop' user='app' application_name='strata' connect_timeout='10'");
}

BOOST_AUTO_TEST_CASE(postgresql_with_user_password_and_port) {
    const auto url = database_url::parse("postgresql://app:" + password + "@127.0.0.1:6543/shop");
    BOOST_TEST(url.user() == "app");
    BOOST_TEST(url.password() == password);
    BOOST_TEST(url.has_password());
    BOOST_TEST(url.port() == 6543);
    BOOST_TEST(url.redacted() == "postgresql://app:***@127.0.0.1:6543/shop");
    BOOST_TEST(url.connection_string() == "host='127.0.0.1' port=6543 dbname='shop' user='app' password='" + password +
                                              "' application_name='strata' connect_timeout='10'");
}

BOOST_AUTO_TEST_CASE(postgresql_empty_password_is_still_a_password) {
    const auto url = database_url::parse("postgresql://app:@localhost/shop");
    BOOST_TEST(url.has_password());
    BOOST_TEST(url.password() == "");
    BOOST_TEST(url.redacted() == "postgresql://app:***@localhost/shop");
    BOOST_TEST(url.connection_string() ==
               "host='localhost' dbname='shop' user='app' password='' application_name='strata' connect_timeout='10'");
}

BOOST_AUTO_TEST_CASE(postgresql_query_parameters_are_kept_in_order_and_override_the_defaults) {
    const auto url = database_url::parse(
        "postgresql://app@localhost/shop?sslmode=require&&application_name=deploy%20bot&connect_timeout=3&");
    BOOST_TEST(as_text(url.parameters()) ==
                   (std::vector<std::string>{"sslmode=require", "application_name=deploy bot", "connect_timeout=3"}),
               boost::test_tools::per_element());
    BOOST_TEST(url.redacted() ==
               "postgresql://app@localhost/shop?sslmode=require&application_name=deploy%20bot&connect_timeout=3");
    BOOST_TEST(url.connection_string() ==
               "host='localhost' dbname='shop' user='app' sslmode='require' application_name='deploy bot' connect_timeout='3'");
}

// The audit row's connection after a lost one: its bound wins over the URL's own (review 29 L6),
// and libpq's 2 s floor is kept, since 0 would mean no limit.
BOOST_AUTO_TEST_CASE(with_connect_timeout_replaces_the_urls_own_connect_timeout) {
    const auto url = database_url::parse("postgresql://app@localhost/shop?connect_timeout=60&sslmode=require");
    BOOST_TEST(url.with_connect_timeout(5).connection_string() ==
               "host='localhost' dbname='shop' user='app' sslmode='require' connect_timeout='5' application_name='strata'");
    BOOST_TEST(url.with_connect_timeout(0).connection_string().find("connect_timeout='2'") != std::string::npos);
    BOOST_TEST(url.connection_string().find("connect_timeout='60'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(postgresql_ipv6_host_in_brackets_with_and_without_port) {
    const auto with_port = database_url::parse("postgresql://app@[::1]:5432/shop");
    BOOST_TEST(with_port.host() == "::1");
    BOOST_TEST(with_port.port() == 5432);
    BOOST_TEST(with_port.redacted() == "postgresql://app@[::1]:5432/shop");
    BOOST_TEST(with_port.connection_string() ==
               "host='::1' port=5432 dbname='shop' user='app' application_name='strata' connect_timeout='10'");

    const auto without_port = database_url::parse("postgresql://[fe80::1]/shop");
    BOOST_TEST(without_port.host() == "fe80::1");
    BOOST_TEST(without_port.port() == 0);
    BOOST_TEST(without_port.redacted() == "postgresql://[fe80::1]/shop");
}

// libpq's multi-host form: each host with its own port (or none), tried in turn, and with
// target_session_attrs the one that qualifies. The last colon of the list is not the port.
BOOST_AUTO_TEST_CASE(postgresql_several_hosts_each_with_its_port) {
    const auto url = database_url::parse(
        "postgresql://app:pw@db1.example:5433,[::1]:5434,db3.example/shop?target_session_attrs=read-write");
    BOOST_TEST_REQUIRE(url.hosts().size() == 3u);
    BOOST_TEST(url.hosts()[0].host == "db1.example");
    BOOST_TEST(url.hosts()[0].port == 5433);
    BOOST_TEST(url.hosts()[1].host == "::1");
    BOOST_TEST(url.hosts()[1].port == 5434);
    BOOST_TEST(url.hosts()[2].host == "db3.example");
    BOOST_TEST(url.hosts()[2].port == 0);
    BOOST_TEST(url.host() == "db1.example");
    BOOST_TEST(url.redacted() ==
               "postgresql://app:***@db1.example:5433,[::1]:5434,db3.example/shop?target_session_attrs=read-write");
    BOOST_TEST((database_url::parse(url.redacted()).hosts() == url.hosts()));
    BOOST_TEST(url.connection_string() ==
               "host='db1.example,::1,db3.example' port=5433,5434, dbname='shop' user='app' password='pw' "
               "target_session_attrs='read-write' application_name='strata' connect_timeout='10'");

    // Without any port, no port list.
    BOOST_TEST(database_url::parse("postgresql://a,b/shop").connection_string() ==
               "host='a,b' dbname='shop' application_name='strata' connect_timeout='10'");
    // An empty host in the list, or a bad port, is refused as for one host.
    BOOST_CHECK_THROW(database_url::parse("postgresql://a,,b/shop"), strata::config_error);
    BOOST_CHECK_THROW(database_url::parse("postgresql://a:1,b:x/shop"), strata::config_error);
}

BOOST_AUTO_TEST_CASE(redacted_is_a_url_that_parses_back_to_the_same_database) {
    // Found by tests/fuzz: a '%' came out bare, so the redacted URL did not parse.
    const auto zone = database_url::parse("postgresql://app@[fe80::1%25eth0]:5432/shop");
    BOOST_TEST(zone.host() == "fe80::1%eth0");
    BOOST_TEST(zone.redacted() == "postgresql://app@[fe80::1%25eth0]:5432/shop");
    const auto percent = database_url::parse("sqlite:100%25.db");
    BOOST_TEST(percent.path() == "100%.db");
    BOOST_TEST(percent.redacted() == "sqlite:100%25.db");
    const auto unc = database_url::parse("sqlite:%2F%2Fserver%2Fshare.db");
    BOOST_TEST(unc.path() == "//server/share.db");
    BOOST_TEST(unc.redacted() == "sqlite:////server/share.db");
    for (const auto* url : {&zone, &percent, &unc}) {
        const auto again = database_url::parse(url->redacted());
        BOOST_TEST(again.host() == url->host());
        BOOST_TEST(again.path() == url->path());
    }
}

BOOST_AUTO_TEST_CASE(postgresql_user_password_and_dbname_are_percent_decoded) {
    const auto url = database_url::parse("postgresql://deploy%40corp:p%40ss%2Fw%3Ard@db/my%20shop");
    BOOST_TEST(url.user() == "deploy@corp");
    BOOST_TEST(url.password() == "p@ss/w:rd");
    BOOST_TEST(url.dbname() == "my shop");
    BOOST_TEST(url.redacted() == "postgresql://deploy%40corp:***@db/my%20shop");
}

BOOST_AUTO_TEST_CASE(postgresql_the_last_at_sign_ends_the_user_info) {
    const auto url = database_url::parse("postgresql://app:p@ss@db/shop");
    BOOST_TEST(url.user() == "app");
    BOOST_TEST(url.password() == "p@ss");
    BOOST_TEST(url.host() == "db");
}

// Generated passwords often hold an unencoded '/', '?' or '@': they stay in the password instead
// of being read as the path, the query or the host (and echoed in an error).
BOOST_AUTO_TEST_CASE(postgresql_unencoded_slash_question_mark_and_at_stay_in_the_password) {
    const auto url = database_url::parse("postgresql://app:Sup3r/S3cret?x@y@db:5432/shop?sslmode=require");
    BOOST_TEST(url.user() == "app");
    BOOST_TEST(url.password() == "Sup3r/S3cret?x@y");
    BOOST_TEST(url.host() == "db");
    BOOST_TEST(url.port() == 5432);
    BOOST_TEST(url.dbname() == "shop");
    BOOST_TEST(as_text(url.parameters()) == std::vector<std::string>{"sslmode=require"}, boost::test_tools::per_element());
    BOOST_TEST(url.redacted() == "postgresql://app:***@db:5432/shop?sslmode=require");
}

// RFC 3986 allows '@' in the query, e.g. an application_name naming who deploys.
BOOST_AUTO_TEST_CASE(postgresql_at_sign_in_a_query_value_is_part_of_the_value) {
    const auto url = database_url::parse("postgresql://app@db/shop?application_name=deploy@ci");
    BOOST_TEST(url.user() == "app");
    BOOST_TEST(url.host() == "db");
    BOOST_TEST(url.dbname() == "shop");
    BOOST_TEST(as_text(url.parameters()) == std::vector<std::string>{"application_name=deploy@ci"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(postgresql_at_sign_in_a_query_value_does_not_end_the_password) {
    const auto url = database_url::parse("postgresql://app:" + password + "@db:5432/shop?application_name=deploy@ci");
    BOOST_TEST(url.user() == "app");
    BOOST_TEST(url.password() == password);
    BOOST_TEST(url.host() == "db");
    BOOST_TEST(url.port() == 5432);
    BOOST_TEST(url.dbname() == "shop");
    BOOST_TEST(as_text(url.parameters()) == std::vector<std::string>{"application_name=deploy@ci"},
               boost::test_tools::per_element());
    BOOST_TEST(url.redacted() == "postgresql://app:***@db:5432/shop?application_name=deploy%40ci");
}

// No '=' between the '?' and the '@': the '?' is part of the password, not the start of a query.
BOOST_AUTO_TEST_CASE(postgresql_question_mark_before_the_at_sign_stays_in_the_password) {
    const auto url = database_url::parse("postgresql://app:pa?ss@host/db");
    BOOST_TEST(url.user() == "app");
    BOOST_TEST(url.password() == "pa?ss");
    BOOST_TEST(url.host() == "host");
    BOOST_TEST(url.dbname() == "db");
    BOOST_TEST(url.parameters().empty());
    BOOST_TEST(url.redacted() == "postgresql://app:***@host/db");
}

// Issue 12: an unencoded '?' followed by '=' read the rest as a query ("no database name"). The
// user info ends at the last '@' followed by host[:port]/: '?', '=', '#', '/' before it are password.
BOOST_AUTO_TEST_CASE(postgresql_question_mark_and_equals_sign_before_the_at_sign_stay_in_the_password) {
    const auto url = database_url::parse("postgresql://app:pa?ss=word@host/db");
    BOOST_TEST(url.user() == "app");
    BOOST_TEST(url.password() == "pa?ss=word");
    BOOST_TEST(url.host() == "host");
    BOOST_TEST(url.dbname() == "db");
    BOOST_TEST(url.parameters().empty());
    BOOST_TEST(url.redacted() == "postgresql://app:***@host/db");

    const auto with_port = database_url::parse("postgresql://user:p?ss@host:5432/db");
    BOOST_TEST(with_port.password() == "p?ss");
    BOOST_TEST(with_port.port() == 5432);

    const auto everything = database_url::parse("postgresql://app:a#b/c?d=e&f@db:5432/shop?sslmode=require&connect_timeout=5");
    BOOST_TEST(everything.password() == "a#b/c?d=e&f");
    BOOST_TEST(everything.host() == "db");
    BOOST_TEST(everything.port() == 5432);
    BOOST_TEST(everything.dbname() == "shop");
    BOOST_TEST(as_text(everything.parameters()) == (std::vector<std::string>{"sslmode=require", "connect_timeout=5"}),
               boost::test_tools::per_element());
}

// An '@' in a query value followed by a '/' is not read as the end of a user name holding the
// path and the query.
BOOST_AUTO_TEST_CASE(postgresql_at_sign_and_slash_in_a_query_value_stay_in_the_value) {
    const auto url = database_url::parse("postgresql://app@db/shop?application_name=a@b/c");
    BOOST_TEST(url.user() == "app");
    BOOST_TEST(!url.has_password());
    BOOST_TEST(url.host() == "db");
    BOOST_TEST(url.dbname() == "shop");
    BOOST_TEST(as_text(url.parameters()) == std::vector<std::string>{"application_name=a@b/c"},
               boost::test_tools::per_element());
}

// libpq: connect_timeout 0 or negative waits forever; text fails late. Refused at parse time.
BOOST_AUTO_TEST_CASE(postgresql_connect_timeout_of_one_or_more_whole_seconds_is_kept) {
    for (const std::string seconds : {"1", "2", "30"}) {
        const auto url = database_url::parse("postgresql://app@db/shop?connect_timeout=" + seconds);
        BOOST_TEST(as_text(url.parameters()) == std::vector<std::string>{"connect_timeout=" + seconds},
                   boost::test_tools::per_element());
        BOOST_TEST(contains(url.connection_string(10), " connect_timeout='" + seconds + "'"));
        BOOST_TEST(!contains(url.connection_string(10), "'10'"));
    }
}

// libpq's sslkey, sslcert, sslrootcert and passfile name files: shown. Secrets are hidden.
BOOST_AUTO_TEST_CASE(redacted_hides_every_secret_parameter_and_shows_paths) {
    const auto url = database_url::parse(
        "postgresql://app@db/shop?sslmode=verify-full&sslkey=/etc/app/client.key&sslcert=/etc/app/client.crt"
        "&passfile=/home/app/.pgpass&sslpassword=" + password + "&oauth_client_secret=" + password +
        "&oauth_client_id=strata&api_token=" + password + "&signing_key=" + password);
    BOOST_TEST(url.redacted() ==
               "postgresql://app@db/shop?sslmode=verify-full&sslkey=%2Fetc%2Fapp%2Fclient.key"
               "&sslcert=%2Fetc%2Fapp%2Fclient.crt&passfile=%2Fhome%2Fapp%2F.pgpass&sslpassword=***"
               "&oauth_client_secret=***&oauth_client_id=strata&api_token=***&signing_key=***");
    BOOST_TEST(!contains(url.redacted(), password));
}

BOOST_AUTO_TEST_CASE(connection_string_escapes_quotes_and_backslashes_in_the_password) {
    // The password is: a b'c\d
    const auto url = database_url::parse(R"(postgresql://app:a%20b'c%5Cd@db/shop)");
    BOOST_TEST(url.password() == R"(a b'c\d)");
    BOOST_TEST(url.connection_string() ==
               R"(host='db' dbname='shop' user='app' password='a b\'c\\d' application_name='strata' connect_timeout='10')");
}

// with_schema() makes the schema the search_path in the last `options` (the one libpq takes),
// quoted when its name needs it, and remembers it for the connection to check.
BOOST_AUTO_TEST_CASE(with_schema_puts_the_search_path_in_the_options_libpq_takes) {
    const auto url = database_url::parse("postgresql://app@db/shop?options=-cwork_mem%3D1MB&options=-c%20statement_timeout%3D5000")
                         .with_schema("Acme Corp");
    BOOST_TEST(url.schema() == "Acme Corp");
    BOOST_TEST(url.without_schema_check().schema() == "");
    BOOST_TEST(database_url::parse("postgresql://app@db/shop").schema() == "");
    BOOST_TEST(url.connection_string() ==
               R"(host='db' dbname='shop' user='app' options='-cwork_mem=1MB' )"
               R"(options='-c statement_timeout=5000 -csearch_path="Acme\\ Corp"' application_name='strata' connect_timeout='10')");
    BOOST_TEST(database_url::parse("postgresql://db/shop").with_schema("tenant_1").connection_string() ==
               "host='db' dbname='shop' options='-csearch_path=tenant_1' application_name='strata' connect_timeout='10'");
}

// The search_path a URL's `options` set, read as the server reads it; one schema (not public)
// confines diff, validate --schema and schema dump to it, as a tenant's.
BOOST_AUTO_TEST_CASE(search_path_is_read_from_the_options_as_the_server_reads_them) {
    auto path = [](const std::string& url) { return database_url::parse(url).search_path(); };
    auto schema = [](const std::string& url) { return database_url::parse(url).search_path_schema(); };
    using names = std::vector<std::string>;
    BOOST_TEST(path("postgresql://db/shop?options=-csearch_path%3Dtenant_a") == names{"tenant_a"}, boost::test_tools::per_element());
    BOOST_TEST(path("postgresql://db/shop?options=-c%20search_path%3Dapp,public") == (names{"app", "public"}),
               boost::test_tools::per_element());
    BOOST_TEST(path("postgresql://db/shop?options=--search-path%3D%22Acme\\%20Corp%22") == names{"Acme Corp"},
               boost::test_tools::per_element());
    BOOST_TEST(path(R"(postgresql://db/shop?options=-c%20search_path%3D%22Acme\%20%22%22Corp%22%22%22,\%20App)") ==
                   (names{R"(Acme "Corp")", "app"}),
               boost::test_tools::per_element());
    // The last setting wins, in the last `options`; other switches and their arguments are skipped.
    BOOST_TEST(path("postgresql://db/shop?options=-csearch_path%3Da&options=-c%20work_mem%3D1MB%20-c%20SEARCH_PATH%3Db%20"
                    "-d%201%20-csearch_path%3Dc") == names{"c"},
               boost::test_tools::per_element());
    BOOST_TEST(path("postgresql://db/shop?options=-c%20search_path%3Da%20-c%20statement_timeout%3D0").size() == 1u);
    BOOST_TEST(path("postgresql://db/shop?options=-cwork_mem%3D1MB").empty());
    BOOST_TEST(path("postgresql://db/shop").empty());
    BOOST_TEST(path("sqlite:x.db").empty());

    BOOST_TEST(schema("postgresql://db/shop?options=-csearch_path%3Dtenant_a") == "tenant_a");
    BOOST_TEST(schema("postgresql://db/shop?options=-csearch_path%3DTenant_A") == "tenant_a");
    BOOST_TEST(schema("postgresql://db/shop?options=-csearch_path%3D%22Tenant_A%22") == "Tenant_A");
    // Several schemas, public alone, "$user", none: every schema is read, as before.
    BOOST_TEST(schema("postgresql://db/shop?options=-csearch_path%3Dapp,public") == "");
    BOOST_TEST(schema("postgresql://db/shop?options=-csearch_path%3Dpublic") == "");
    BOOST_TEST(schema("postgresql://db/shop?options=-csearch_path%3D%22%24user%22,public") == "");
    BOOST_TEST(schema("postgresql://db/shop?options=-csearch_path%3D%22%24user%22") == "");
    BOOST_TEST(schema("postgresql://db/shop") == "");
    // A tenant (with_schema) is its schema, whatever the options said before.
    BOOST_TEST(database_url::parse("postgresql://db/shop?options=-csearch_path%3Dapp,public").with_schema("Acme Corp")
                   .search_path_schema() == "Acme Corp");
}

BOOST_AUTO_TEST_CASE(redacted_never_contains_the_password) {
    const auto plain = database_url::parse("postgresql://app:" + password + "@db:5432/shop?sslmode=require");
    BOOST_TEST(plain.redacted() == "postgresql://app:***@db:5432/shop?sslmode=require");
    BOOST_TEST(!contains(plain.redacted(), password));

    const auto encoded = database_url::parse("postgresql://app:Sup3r%20S3cret%25@db/shop");
    BOOST_TEST(encoded.password() == "Sup3r S3cret%");
    BOOST_TEST(encoded.redacted() == "postgresql://app:***@db/shop");
    BOOST_TEST(!contains(encoded.redacted(), "S3cret"));
}

// libpq's sslpassword unlocks the client key: a secret like the password itself.
BOOST_AUTO_TEST_CASE(redacted_hides_query_parameters_named_like_a_password_and_keeps_the_others) {
    const auto url = database_url::parse("postgresql://app@db/shop?sslmode=verify-full&sslpassword=" + password +
                                         "&application_name=deploy");
    BOOST_TEST(url.redacted() == "postgresql://app@db/shop?sslmode=verify-full&sslpassword=***&application_name=deploy");
    BOOST_TEST(!contains(url.redacted(), password));
    // Hidden from people only: libpq still gets it.
    BOOST_TEST(as_text(url.parameters()) == (std::vector<std::string>{"sslmode=verify-full", "sslpassword=" + password,
                                                                      "application_name=deploy"}),
               boost::test_tools::per_element());
    BOOST_TEST(url.connection_string() == "host='db' dbname='shop' user='app' sslmode='verify-full' sslpassword='" +
                                              password + "' application_name='deploy' connect_timeout='10'");
}

BOOST_AUTO_TEST_SUITE(rejections)

BOOST_AUTO_TEST_CASE(empty_url_is_rejected) {
    BOOST_TEST(rejection("").message() == "invalid database URL: it is empty" + usage_hint);
}

BOOST_AUTO_TEST_CASE(unknown_scheme_is_named_without_the_rest_of_the_url) {
    const auto e = rejection("mysql://root:" + password + "@db/shop");
    BOOST_TEST(e.message() == "invalid database URL: unknown scheme 'mysql'" + usage_hint);
    BOOST_TEST(!contains(e.what(), password));
}

BOOST_AUTO_TEST_CASE(text_without_a_scheme_is_rejected) {
    BOOST_TEST(rejection("app.db").message() == "invalid database URL: no scheme" + usage_hint);
}

BOOST_AUTO_TEST_CASE(sqlite_without_a_path_is_rejected) {
    BOOST_TEST(rejection("sqlite:").message() == "invalid database URL: the sqlite path is empty" + usage_hint);
}

BOOST_AUTO_TEST_CASE(sqlite_with_a_host_is_rejected) {
    BOOST_TEST(rejection("sqlite://host/app.db").message() ==
               "invalid database URL: a sqlite URL with // must be sqlite:///ABSOLUTE/PATH" + usage_hint);
}

BOOST_AUTO_TEST_CASE(postgresql_without_a_database_name_is_rejected) {
    const auto no_slash = rejection("postgresql://app:" + password + "@db:5432");
    BOOST_TEST(no_slash.message() == "invalid database URL: no database name (add /dbname after the host)" + usage_hint);
    BOOST_TEST(!contains(no_slash.what(), password));

    const auto empty = rejection("postgresql://app:" + password + "@db:5432/");
    BOOST_TEST(empty.message() == "invalid database URL: the database name is empty" + usage_hint);
    BOOST_TEST(!contains(empty.what(), password));
}

BOOST_AUTO_TEST_CASE(postgresql_without_a_host_is_rejected) {
    const auto e = rejection("postgresql://app:" + password + "@/shop");
    BOOST_TEST(e.message() == "invalid database URL: the host is empty" + usage_hint);
    BOOST_TEST(!contains(e.what(), password));
}

BOOST_AUTO_TEST_CASE(postgresql_password_without_a_user_is_rejected) {
    const auto e = rejection("postgresql://:" + password + "@db/shop");
    BOOST_TEST(e.message() == "invalid database URL: the user name before '@' is empty" + usage_hint);
    BOOST_TEST(!contains(e.what(), password));
}

// The port's text is not echoed: in a URL missing its host it may be the password.
BOOST_AUTO_TEST_CASE(postgresql_bad_ports_are_rejected_without_echoing_them) {
    for (const std::string port : {"54x2", "0", "65536", "", "-1", "99999999999"}) {
        BOOST_TEST_CONTEXT("port '" << port << "'") {
            const auto e = rejection("postgresql://app:" + password + "@db:" + port + "/shop");
            BOOST_TEST(e.message() == "invalid database URL: the port is not a number from 1 to 65535" + usage_hint);
            BOOST_TEST(!contains(e.what(), password));
        }
    }
    const auto no_host = rejection("postgresql://app:" + password + "/shop");
    BOOST_TEST(!contains(no_host.what(), password));
}

BOOST_AUTO_TEST_CASE(postgresql_malformed_ipv6_hosts_are_rejected) {
    BOOST_TEST(rejection("postgresql://app:" + password + "@[::1/shop").message() ==
               "invalid database URL: unterminated '[' in the host" + usage_hint);
    BOOST_TEST(rejection("postgresql://app:" + password + "@[::1]5432/shop").message() ==
               "invalid database URL: unexpected text after ']'" + usage_hint);
}

BOOST_AUTO_TEST_CASE(bad_percent_encoding_in_the_password_is_rejected_without_showing_it) {
    for (const std::string& bad : {password + "%zz", password + "%4", "%" + password}) {
        BOOST_TEST_CONTEXT("password '" << bad << "'") {
            const auto e = rejection("postgresql://app:" + bad + "@db/shop");
            BOOST_TEST(e.message() ==
                       "invalid database URL: bad percent-encoding in the password (a '%' must be followed by two hex "
                       "digits; write a literal '%' as %25)");
            BOOST_TEST(!contains(e.what(), password));
        }
    }
}

BOOST_AUTO_TEST_CASE(bad_percent_encoding_names_the_component) {
    BOOST_TEST(rejection("postgresql://us%er@db/shop").message() ==
               "invalid database URL: bad percent-encoding in the user name (a '%' must be followed by two hex "
               "digits; write a literal '%' as %25)");
    BOOST_TEST(rejection("postgresql://db/sh%op").message() ==
               "invalid database URL: bad percent-encoding in the database name (a '%' must be followed by two hex "
               "digits; write a literal '%' as %25)");
    BOOST_TEST(rejection("sqlite:100%.db").message() ==
               "invalid database URL: bad percent-encoding in the path (a '%' must be followed by two hex "
               "digits; write a literal '%' as %25)");
}

BOOST_AUTO_TEST_CASE(malformed_query_parameters_are_rejected) {
    BOOST_TEST(rejection("postgresql://db/shop?sslmode").message() ==
               "invalid database URL: every query parameter needs the form key=value");
    BOOST_TEST(rejection("postgresql://db/shop?=require").message() ==
               "invalid database URL: every query parameter needs the form key=value");
    BOOST_TEST(rejection("postgresql://db/shop?ssl-mode=require").message() ==
               "invalid database URL: a query parameter name holds characters other than letters, digits and '_'");
}

BOOST_AUTO_TEST_CASE(postgresql_connect_timeout_that_would_wait_forever_or_is_not_a_number_is_rejected) {
    for (const std::string seconds : {"0", "-1", "-5", "abc", "1.5", "", " 3", "99999999999"}) {
        BOOST_TEST_CONTEXT("connect_timeout=" << seconds) {
            const auto e = rejection("postgresql://app:" + password + "@db/shop?connect_timeout=" + seconds);
            BOOST_TEST(e.message() ==
                       "invalid database URL: the parameter connect_timeout must be a whole number of seconds, 1 or "
                       "more (libpq would wait forever on 0 or less; it waits at least 2 s); leave it out to use "
                       "--connect-timeout");
            BOOST_TEST(!contains(e.what(), password));
        }
    }
}

// Both readings parse: an '@' that ends a password holding "@db:5432/shop?k=", or an '@' inside
// a query value. Refused, naming the cause and the cure, without the password.
BOOST_AUTO_TEST_CASE(postgresql_ambiguous_end_of_the_user_info_is_rejected) {
    const auto e = rejection("postgresql://app:" + password + "@db:5432/shop?application_name=a@b/c");
    BOOST_TEST(e.message() ==
               "invalid database URL: cannot tell where the user info ends: an '@' may end the password or sit in a "
               "query value; percent-encode '@', '/', '?', '#', '=' and '&' in the password (%40, %2F, %3F, %23, "
               "%3D, %26)" + usage_hint);
    BOOST_TEST(!contains(e.what(), password));
}

// What still cannot be read says what is wrong and suggests percent-encoding, without the password.
BOOST_AUTO_TEST_CASE(postgresql_errors_for_a_user_info_with_special_characters_suggest_percent_encoding) {
    const std::string encode =
        " (if the password holds '@', '/', '?', '#', '=' or '&', percent-encode them: %40, %2F, %3F, %23, %3D, %26)";
    const auto no_path = rejection("postgresql://app:pa?ss=word@host");
    BOOST_TEST(no_path.message() == "invalid database URL: no database name (add /dbname after the host)" + encode + usage_hint);
    BOOST_TEST(!contains(no_path.what(), "pa?ss"));
    BOOST_TEST(!contains(no_path.what(), "ss=word"));

    const auto bad_port = rejection("postgresql://app:Sup3r?S3cret@host:x/db");
    BOOST_TEST(bad_port.message() == "invalid database URL: the port is not a number from 1 to 65535" + encode + usage_hint);
    BOOST_TEST(!contains(bad_port.what(), "S3cret"));

    // Without such characters, no such advice.
    BOOST_TEST(rejection("postgresql://app:" + password + "@host").message() ==
               "invalid database URL: no database name (add /dbname after the host)" + usage_hint);
}

BOOST_AUTO_TEST_CASE(url_components_given_as_parameters_are_rejected_without_showing_them) {
    for (const std::string key : {"password", "user", "host", "port", "dbname"}) {
        BOOST_TEST_CONTEXT("parameter " << key) {
            const auto e = rejection("postgresql://app@db/shop?" + key + "=" + password);
            BOOST_TEST(e.message() ==
                       "invalid database URL: give the " + key + " in the URL itself, not as the parameter ?" + key + "=");
            BOOST_TEST(!contains(e.what(), password));
        }
    }
}

// A parameter appended without its '?' ("$URL&sslpassword=...") would be part of the database
// name, shown by redacted() in every message: refused, the secret not shown (L4 of the DSL probe).
BOOST_AUTO_TEST_CASE(a_query_parameter_in_the_database_name_is_rejected_without_showing_its_value) {
    const std::string head = "invalid database URL: the database name holds ";
    const std::string tail = " and its value: query parameters start with '?' (postgresql://host/dbname?name=value&name=value)";
    const std::vector<std::pair<std::string, std::string>> cases{
        {"shop&sslpassword=" + password, "the parameter '&sslpassword'"},
        {"shop&password=" + password, "the parameter '&password'"},
        {"shop&SSLPassword=" + password, "the parameter '&SSLPassword'"},
        {"shop%26sslpassword%3D" + password, "the parameter '&sslpassword'"},
        {"shop%26SSLPASSWORD%3d" + password, "the parameter '&SSLPASSWORD'"},
        {"sslpassword=" + password, "the parameter 'sslpassword'"},
        {"shop&oauth_client_secret=" + password, "the parameter '&oauth_client_secret'"},
        {"shop&api_token=" + password, "a parameter after a '&'"},
        {"shop/x" + password + "_key=1", "a secret parameter"},
    };
    for (const auto& [dbname, shown] : cases) {
        BOOST_TEST_CONTEXT(dbname) {
            const auto e = rejection("postgresql://app:pw@db:5432/" + dbname);
            BOOST_TEST(e.message() == head + shown + tail);
            BOOST_TEST(!contains(e.what(), password));
            // The command line passes every message through redact_passwords: nothing of it is masked.
            BOOST_TEST(strata::redact_passwords(e.what()) == e.what());
        }
    }
    // Any other parameter too, unless its '&' is percent-encoded: a database name may hold '&'.
    const auto other = rejection("postgresql://app@db/shop&sslmode=require");
    BOOST_TEST(other.message() == head + "the parameter '&sslmode'" + tail + "; a database name holding '&' writes it %26");
    BOOST_TEST(strata::redact_passwords(other.what()) == other.what());
    BOOST_TEST(database_url::parse("postgresql://app@db/shop%26sslmode%3Drequire").dbname() == "shop&sslmode=require");
    BOOST_TEST(database_url::parse("postgresql://app@db/a=b&c").dbname() == "a=b&c");
    BOOST_TEST(database_url::parse("postgresql://app@db/monkey=1").dbname() == "monkey=1");
    BOOST_TEST(database_url::parse("postgresql://app@db/shop?sslpassword=" + password).redacted() ==
               "postgresql://app@db/shop?sslpassword=***");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(scrubbing)

BOOST_AUTO_TEST_CASE(scrub_replaces_every_occurrence_of_the_secret) {
    BOOST_TEST(strata::scrub("password " + password + " rejected; " + password, password) ==
               "password *** rejected; ***");
}

BOOST_AUTO_TEST_CASE(scrub_replaces_the_percent_encoded_secret) {
    BOOST_TEST(strata::scrub("postgresql://app:Sup3r%20S3cret%2F@db/shop", "Sup3r S3cret/") ==
               "postgresql://app:***@db/shop");
}

// Percent-encoding may use lower-case hex digits: %2f is '/' as much as %2F is.
BOOST_AUTO_TEST_CASE(scrub_replaces_the_lower_case_percent_encoded_secret) {
    BOOST_TEST(strata::scrub("postgresql://app:a%2fb@db/shop", "a/b") == "postgresql://app:***@db/shop");
    BOOST_TEST(strata::scrub("tried p%40ss%3aw%2frd, then p%40ss%3Aw%2Frd", "p@ss:w/rd") == "tried ***, then ***");
}

BOOST_AUTO_TEST_CASE(scrub_with_an_empty_secret_changes_nothing) {
    BOOST_TEST(strata::scrub("nothing to hide", "") == "nothing to hide");
}

BOOST_AUTO_TEST_CASE(scrub_terminates_when_the_secret_is_part_of_the_mask) {
    BOOST_TEST(strata::scrub("a*b*", "*") == "a***b***");
}

BOOST_AUTO_TEST_CASE(redact_passwords_hides_the_password_of_every_url_in_the_text) {
    BOOST_TEST(strata::redact_passwords("strata up --from postgresql://app:" + password + "@db1/shop --to postgres://ops:" +
                                        password + "@db2:5432/shop") ==
               "strata up --from postgresql://app:***@db1/shop --to postgres://ops:***@db2:5432/shop");
}

// Like parse(): the user info ends at the last '@' of the URL.
BOOST_AUTO_TEST_CASE(redact_passwords_hides_a_password_holding_at_signs_and_slashes) {
    BOOST_TEST(strata::redact_passwords("--database postgresql://app:p@ss/w@rd@db/shop --verbose") ==
               "--database postgresql://app:***@db/shop --verbose");
}

BOOST_AUTO_TEST_CASE(redact_passwords_stops_a_url_at_the_quote_around_it) {
    BOOST_TEST(strata::redact_passwords("cannot connect to 'postgresql://app:" + password + "@db/shop': timeout") ==
               "cannot connect to 'postgresql://app:***@db/shop': timeout");
    BOOST_TEST(strata::redact_passwords("url='postgresql://app:" + password + "@db/shop',owner='ops@example.com'") ==
               "url='postgresql://app:***@db/shop',owner='ops@example.com'");
}

BOOST_AUTO_TEST_CASE(redact_passwords_hides_a_password_holding_a_quote) {
    // Found by tests/fuzz: parse() takes a quote in a password, and the URL used to end at it.
    BOOST_TEST(strata::redact_passwords("--database postgresql://app:it's" + password + "@db/shop --verbose") ==
               "--database postgresql://app:***@db/shop --verbose");
    BOOST_TEST(strata::redact_passwords("cannot connect to 'postgresql://app:a\"" + password + "@db/shop': timeout") ==
               "cannot connect to 'postgresql://app:***@db/shop': timeout");
}

// A failing unit's statement is echoed in its error and the audit row (SQL probe L6).
BOOST_AUTO_TEST_CASE(redact_passwords_hides_sql_password_literals) {
    BOOST_TEST(strata::redact_passwords("while executing: CREATE ROLE app LOGIN PASSWORD 'hunter2'") ==
               "while executing: CREATE ROLE app LOGIN PASSWORD '***'");
    BOOST_TEST(strata::redact_passwords("ALTER USER app WITH ENCRYPTED password\n  'it''s secret' VALID UNTIL 'infinity'") ==
               "ALTER USER app WITH ENCRYPTED password\n  '***' VALID UNTIL 'infinity'");
    BOOST_TEST(strata::redact_passwords("ALTER ROLE app PASSWORD E'a\\'b' LOGIN") == "ALTER ROLE app PASSWORD E'***' LOGIN");
    BOOST_TEST(strata::redact_passwords("CREATE ROLE app PASSWORD $p$x'y$p$") == "CREATE ROLE app PASSWORD $p$***$p$");
    BOOST_TEST(strata::redact_passwords("CREATE USER MAPPING FOR app SERVER s OPTIONS (user 'app', password 'hunter2')") ==
               "CREATE USER MAPPING FOR app SERVER s OPTIONS (user 'app', password '***')");
    BOOST_TEST(strata::redact_passwords("CREATE ROLE app PASSWORD 'cut off") == "CREATE ROLE app PASSWORD '***");
    // No blank before it, a quoted option name, a comment, a Unicode-escaped string (review 23 L10).
    BOOST_TEST(strata::redact_passwords("ALTER ROLE app PASSWORD'x1'") == "ALTER ROLE app PASSWORD'***'");
    BOOST_TEST(strata::redact_passwords("OPTIONS (\"password\" 'x2')") == "OPTIONS (\"password\" '***')");
    BOOST_TEST(strata::redact_passwords("ALTER ROLE app PASSWORD /* new */ 'x3'") == "ALTER ROLE app PASSWORD /* new */ '***'");
    BOOST_TEST(strata::redact_passwords("ALTER ROLE app PASSWORD -- new\n'x4'") == "ALTER ROLE app PASSWORD -- new\n'***'");
    BOOST_TEST(strata::redact_passwords("ALTER ROLE app PASSWORD U&'x5'") == "ALTER ROLE app PASSWORD U&'***'");
    // No literal after it: nothing to hide.
    for (const std::string& text : {std::string("ALTER ROLE app PASSWORD NULL"), std::string("UPDATE users SET password = 'x'"),
                                    std::string("CREATE TABLE t (password_hash text)"), std::string("password")})
        BOOST_TEST(strata::redact_passwords(text) == text);
}

BOOST_AUTO_TEST_CASE(redact_passwords_hides_the_password_of_a_user_named_like_the_syntax_pattern) {
    // Found by tests/fuzz: any URL whose user name started with "[user" was left alone.
    BOOST_TEST(strata::redact_passwords("postgresql://[user:" + password + "@db/shop") == "postgresql://[user:***@db/shop");
}

BOOST_AUTO_TEST_CASE(redact_passwords_leaves_urls_without_a_password_and_the_syntax_pattern_alone) {
    for (const std::string& text : {
             std::string("postgresql://app@db:5432/shop?sslmode=require"),
             std::string("postgresql://db.example.com/shop failed; mail ops@example.com: urgent"),
             std::string("sqlite:///var/lib/app.db"),
             "invalid database URL: it is empty" + usage_hint,
             // An '@' in a query value is not the end of a user info.
             std::string("postgresql://app@db:5432/shop?application_name=deploy@ci"),
             std::string("postgresql://db:5432/shop?application_name=a@b"),
         }) {
        BOOST_TEST(strata::redact_passwords(text) == text);
    }
}

BOOST_AUTO_TEST_CASE(redact_passwords_hides_secret_query_parameters_too) {
    BOOST_TEST(strata::redact_passwords("postgresql://app:pw@db/shop?sslpassword=k3y&sslmode=require") ==
               "postgresql://app:***@db/shop?sslpassword=***&sslmode=require");
    BOOST_TEST(strata::redact_passwords("host='db' password=s3cret user=app") == "host='db' password=*** user=app");
}

BOOST_AUTO_TEST_CASE(redact_passwords_hides_every_secret_parameter_of_a_url_and_shows_paths) {
    BOOST_TEST(strata::redact_passwords("strata --database postgresql://app@db/shop?sslkey=/etc/k.pem&oauth_client_secret=" +
                                        password + "&sslmode=require&api_token=" + password + " status") ==
               "strata --database postgresql://app@db/shop?sslkey=/etc/k.pem&oauth_client_secret=***&sslmode=require"
               "&api_token=*** status");
    BOOST_TEST(strata::redact_passwords("'postgresql://app:" + password + "@db/shop?sslpassword=" + password +
                                        "&passfile=/home/app/.pgpass' failed") ==
               "'postgresql://app:***@db/shop?sslpassword=***&passfile=/home/app/.pgpass' failed");
    // A password holding '?' and '=' is hidden whole, and the parameters after it are looked at.
    BOOST_TEST(strata::redact_passwords("postgresql://app:pa?ss=word@db/shop?sslpassword=k3y&sslmode=require") ==
               "postgresql://app:***@db/shop?sslpassword=***&sslmode=require");
}

// An error text holding redacted() keeps its punctuation: "sslpassword=***: cannot connect".
BOOST_AUTO_TEST_CASE(redact_passwords_leaves_an_already_redacted_url_as_it_is) {
    for (const std::string text : {"postgresql://u@h:1/db?sslpassword=***: cannot connect: refused",
                                   "postgresql://u:***@h:1/db?api_token=***&sslmode=disable: cannot connect",
                                   "host='db' password=***, user=app"}) {
        BOOST_TEST(strata::redact_passwords(text) == text);
    }
}

BOOST_AUTO_TEST_CASE(redact_passwords_hides_a_quoted_keyword_password_whole) {
    BOOST_TEST(strata::redact_passwords("host='db' password='a b\\'c' user=app") == "host='db' password='***' user=app");
}

BOOST_AUTO_TEST_CASE(scrub_replaces_a_percent_encoding_mixing_upper_and_lower_case_hex) {
    BOOST_TEST(strata::scrub("login a%2F%3ab failed", "a/:b") == "login *** failed");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE_END()
