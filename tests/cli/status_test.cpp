// strata status: every unit with its state and when it was applied; it changes nothing.

#include "strata_cli.hpp"

#include <cmath>
#include <ctime>
#include <iomanip>
#include <sstream>

using namespace strata::test;
using versions = std::vector<std::int64_t>;

namespace {

/// Seconds between an ISO 8601 UTC timestamp ("2024-05-01T12:34:56.789Z") and now.
double seconds_from_now(const std::string& timestamp) {
    std::tm tm{};
    std::istringstream in(timestamp);
    in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
    BOOST_TEST_REQUIRE(!in.fail(), "not a timestamp: " << timestamp);
    return std::difftime(std::time(nullptr), ::timegm(&tm));
}

namespace scenario {

void status_lists_every_unit_as_pending_on_a_fresh_database(strata::backend b) {
    cli_database_test t(b);
    auto r = t.run({"status"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.out == "database " + t.shown_url() + "\n"
                        " VERSION  NAME                  STATE     APPLIED AT\n"
                        "       1  create_users          pending   -\n"
                        "       2  create_user_profiles  pending   -\n"
                        "       3  add_profile_to_users  pending   -\n"
                        "0 applied, 3 pending\n",
               r);
    BOOST_TEST(r.err == "", r);
    BOOST_TEST(t.probe.applied_versions().empty());
    BOOST_TEST(!t.probe.has_table("users"), "status applied something");
}

void status_shows_applied_units_with_when_they_were_applied(strata::backend b) {
    cli_database_test t(b);
    BOOST_TEST_REQUIRE(t.run({"up", "--to", "1"}).exit_code == 0);
    auto r = t.run({"status"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(matches(r.out, "database " + t.shown_url() + "\n"
                              " VERSION  NAME                  STATE     APPLIED AT\n"
                              "       1  create_users          applied   {ts}\n"
                              "       2  create_user_profiles  pending   -\n"
                              "       3  add_profile_to_users  pending   -\n"
                              "1 applied, 2 pending\n"),
               r);
    BOOST_TEST(r.err == "", r);
    auto lines = lines_of(r.out);
    BOOST_TEST_REQUIRE(lines.size() == 6u, r);
    const std::string applied_at = lines[2].substr(lines[2].rfind(' ') + 1);
    // UTC, and now: a local time labelled Z would be off by the zone's offset.
    BOOST_TEST(std::abs(seconds_from_now(applied_at)) < 600, "applied at " << applied_at << " is not now (UTC)");
    BOOST_TEST(t.probe.applied_versions() == (versions{1}), boost::test_tools::per_element());

    BOOST_TEST_REQUIRE(t.run({"up"}).exit_code == 0);
    r = t.run({"status"});
    BOOST_TEST(matches(r.out, "database " + t.shown_url() + "\n"
                              " VERSION  NAME                  STATE     APPLIED AT\n"
                              "       1  create_users          applied   " + applied_at + "\n"
                              "       2  create_user_profiles  applied   {ts}\n"
                              "       3  add_profile_to_users  applied   {ts}\n"
                              "3 applied, 0 pending\n"),
               r);
}

void status_reports_units_applied_by_another_build(strata::backend b) {
    cli_database_test t(b);
    BOOST_TEST_REQUIRE(t.run({"up"}).exit_code == 0);
    t.probe.execute("INSERT INTO strata_schema_history (version, name, checksum, execution_ms, applied_by) "
                    "VALUES (4, 'from_a_newer_build', 'x', 1, 'someone')");
    auto r = t.run({"status"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(matches(r.out, "database " + t.shown_url() + "\n"
                              " VERSION  NAME                  STATE     APPLIED AT\n"
                              "       1  create_users          applied   {ts}\n"
                              "       2  create_user_profiles  applied   {ts}\n"
                              "       3  add_profile_to_users  applied   {ts}\n"
                              "       4  from_a_newer_build    unknown   {ts}\n"
                              "3 applied, 0 pending, 1 unknown (applied, but not in this build)\n"),
               r);
}

}  // namespace scenario
}  // namespace

STRATA_CLI_TEST_ON_EACH_DATABASE(status_lists_every_unit_as_pending_on_a_fresh_database)
STRATA_CLI_TEST_ON_EACH_DATABASE(status_shows_applied_units_with_when_they_were_applied)
STRATA_CLI_TEST_ON_EACH_DATABASE(status_reports_units_applied_by_another_build)
