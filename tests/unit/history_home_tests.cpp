// How strata reads a PostgreSQL search_path setting to guard the history (history_home.hpp):
// the names the server itself would look in, in its order. The guard's effect is tested against
// a server (tests/integration/custom_units_test.cpp, section 10).

#include <boost/test/unit_test.hpp>

#include "dialect/postgresql/history_home.hpp"

#include <optional>
#include <string>
#include <vector>

using strata::search_path_entries;
using names = std::vector<std::string>;

BOOST_AUTO_TEST_SUITE(history_home)

BOOST_AUTO_TEST_CASE(search_path_names_read_as_the_server_reads_them) {
    BOOST_TEST((search_path_entries("\"$user\", public") == names{"$user", "public"}));
    BOOST_TEST((search_path_entries("app,public") == names{"app", "public"}));
    BOOST_TEST((search_path_entries("  App ,\tPUBLIC  ") == names{"app", "public"}));  // unquoted: lower case
    BOOST_TEST((search_path_entries("\"App\", \"we \"\"quote\"\", too\"") == names{"App", "we \"quote\", too"}));
    BOOST_TEST((search_path_entries("$user") == names{"$user"}));
    BOOST_TEST((search_path_entries("") == names{}));
    BOOST_TEST((search_path_entries("  ") == names{}));
    // Cut to 63 bytes, never inside a UTF-8 character.
    BOOST_TEST((search_path_entries(std::string(70, 'a')) == names{std::string(63, 'a')}));
    const std::string umlauts = std::string(62, 'a') + "\xc3\xa4\xc3\xa4";
    BOOST_TEST((search_path_entries("\"" + umlauts + "\"") == names{std::string(62, 'a')}));
}

BOOST_AUTO_TEST_CASE(a_setting_that_is_no_list_reads_as_none) {
    for (const char* bad : {"app,", ",app", "app,,public", "\"app", "app public", "\"app\"x", "\"\""})
        BOOST_TEST((search_path_entries(bad) == std::nullopt), bad);
}

BOOST_AUTO_TEST_CASE(the_guards_refusal_is_told_from_other_errors) {
    const std::string raised = "invalid input syntax for type boolean: \"strata: a session starting with search_path app, "
                               "public would find strata's history in schema app, not in schema public where it is\"";
    const auto why = strata::history_home_refusal("22P02", raised);
    BOOST_TEST_REQUIRE(why.has_value());
    BOOST_TEST(why->rfind("a session starting with search_path app, public would find strata's history in schema app, not "
                          "in schema public where it is: the next run would",
                          0) == 0,
               *why);
    BOOST_TEST(!strata::history_home_refusal("22P02", "invalid input syntax for type boolean: \"maybe\""));
    BOOST_TEST(!strata::history_home_refusal("42P01", raised));
    // A server speaking another language quotes the cast's value all the same.
    const auto german = strata::history_home_refusal(
        "22P02", "ungültige Eingabesyntax für Typ boolean: »strata: a session starting with search_path app, public would "
                 "find strata's history in schema app, not in schema public where it is«");
    BOOST_TEST_REQUIRE(german.has_value());
    BOOST_TEST(german->rfind("a session starting with search_path app, public would find", 0) == 0, *german);
    BOOST_TEST(german->find("where it is: the next run") != std::string::npos, *german);
}

BOOST_AUTO_TEST_SUITE_END()
