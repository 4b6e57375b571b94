// What strata gives SOCI 4.0.3 for a connection string, and what SOCI then hands libpq: the same
// values libpq would read in strata's string (PQconninfoParse on both), or a refusal naming the
// keyword. libpq is loaded as the engine loads it (libpq_api).

#include <boost/test/unit_test.hpp>

#include <strata/database_url.hpp>

#include "dialect/postgresql/libpq_api.hpp"
#include "dialect/postgresql/soci_connect_string.hpp"

#include <string>
#include <vector>

using strata::as_soci_passes_it;
using strata::database_url;
using strata::for_soci;

namespace {

const strata::libpq_api& pq() { return strata::libpq_api::get(); }

/// SOCI's string for the URL `url`, as SOCI passes it on.
std::string passed(const std::string& url) {
    return as_soci_passes_it(for_soci(database_url::parse(url).connection_string(), pq()).text);
}

std::vector<std::string> changed(const database_url& url) { return for_soci(url.connection_string(), pq()).changed; }

}  // namespace

BOOST_AUTO_TEST_SUITE(soci_connect_string)

// The model of SOCI's split: blanks end a value, a key skips blanks up to '=', `key="` quotes
// (dropped), pieces rejoined with one blank, singlerows left out.
BOOST_AUTO_TEST_CASE(soci_splits_at_blanks_and_reads_its_own_quotes) {
    BOOST_TEST(as_soci_passes_it("a='x y' b=1") == "a='x y'b=1");            // "y'" glued to the next key
    BOOST_TEST(as_soci_passes_it("a='x y z' b=1") == "a='x yz'b=1");          // "z'" glued to the next key
    BOOST_TEST(as_soci_passes_it("a='x  y'") == "a='x y'=");                   // the run of blanks is one
    BOOST_TEST(as_soci_passes_it("o='-c a=b -cs=\"Q\"'") == "o='-c a=b -cs=Q '="); // `="` is SOCI's quote
    BOOST_TEST(as_soci_passes_it("a=\"'x  y'\" singlerows=true b=2") == "a='x  y' b=2");
}

// Values with blanks, tabs, runs of blanks and quotes reach libpq as the URL says.
BOOST_AUTO_TEST_CASE(values_with_blanks_and_quotes_pass_unchanged) {
    for (const char* url : {
             "postgresql://app:three%20word%20secret@db/shop?application_name=deploy%20from%20ci",
             "postgresql://app:two%20%20blanks%09and%20a%20tab@db/shop",
             "postgresql://app:a%22b%20c%3D%22d@db/shop",  // a"b c="d: blanks and quotes, in the password
             "postgresql://app@db/shop?sslrootcert=%2Fetc%2Fmy%20%20certs%2Froot.crt",
             "postgresql://app@db/shop?options=-c%20statement_timeout%3D5000%20-c%20%20lock_timeout%3D0",
         }) {
        BOOST_TEST_CONTEXT(url) {
            const auto url_read = database_url::parse(url);
            BOOST_TEST(changed(url_read).empty());
        }
    }
    const auto text = passed("postgresql://app@db/shop?application_name=deploy%20from%20ci");
    BOOST_TEST(text.find("application_name='deploy from ci'") != std::string::npos, text);
}

// A tenant whose name needs quotes, with other -c settings: the words of options each keep a '='
// so SOCI's pieces glue back as they were (-c joined to its setting: the same to the server).
BOOST_AUTO_TEST_CASE(a_quoted_schema_name_among_other_options_passes) {
    for (const char* schema : {"Acme", "sp ace", "x,public", "a\"b", "back\\slash"}) {
        BOOST_TEST_CONTEXT(schema) {
            const auto url = database_url::parse("postgresql://app@db/shop?options=-c%20statement_timeout%3D5000").with_schema(schema);
            BOOST_TEST(changed(url).empty(), for_soci(url.connection_string(), pq()).text);
        }
    }
    const auto text = passed(
        database_url::parse("postgresql://db/shop?options=-c%20statement_timeout%3D5000").with_schema("Acme").redacted());
    BOOST_TEST(text.rfind(R"(options='-cstatement_timeout=5000 -csearch_path=\"Acme\"' )", 0) == 0, text);
}

// What SOCI's pieces cannot carry is refused, naming the keyword: a value with a double quote and
// a word without '=' before another word (here a flag in options that is not -c).
BOOST_AUTO_TEST_CASE(what_soci_would_change_is_named) {
    const auto url = database_url::parse("postgresql://db/shop?options=-c%20search_path%3D%22a%22%20-e%20-c%20x%3D1");
    BOOST_TEST(changed(url) == (std::vector<std::string>{"options"}), boost::test_tools::per_element());
    // A schema name with two blanks: its middle word has no '=' either.
    BOOST_TEST(changed(database_url::parse("postgresql://db/shop").with_schema("t a b")) == (std::vector<std::string>{"options"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
