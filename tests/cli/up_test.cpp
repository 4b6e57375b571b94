// strata up: what it prints, and what it leaves in the database (read back independently).

#include "strata_cli.hpp"

using namespace strata::test;
using versions = std::vector<std::int64_t>;

namespace {
namespace scenario {

void up_applies_every_unit_in_order_and_reports_each(strata::backend b) {
    cli_database_test t(b);
    auto r = t.run({"up"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(matches(r.out,
                       "applied  1 create_users ({ms})\n"
                       "applied  2 create_user_profiles ({ms})\n"
                       "applied  3 add_profile_to_users ({ms})\n"
                       "3 units applied to " + t.shown_url() + " in {ms}\n"),
               r);
    BOOST_TEST(r.err == "", r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(t.probe.has_table("users"));
    BOOST_TEST(t.probe.has_table("user_profiles"));
    BOOST_TEST(t.probe.has_column("users", "profile"));
}

void second_up_has_nothing_to_do(strata::backend b) {
    cli_database_test t(b);
    auto first = t.run({"up"});
    BOOST_TEST_REQUIRE(first.exit_code == 0, first);

    auto r = t.run({"up"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.out == "nothing to do: " + t.shown_url() + " is up to date\n", r);
    BOOST_TEST(r.err == "", r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
}

void up_to_applies_up_to_and_including_that_version(strata::backend b) {
    cli_database_test t(b);
    auto r = t.run({"up", "--to", "2"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(matches(r.out,
                       "applied  1 create_users ({ms})\n"
                       "applied  2 create_user_profiles ({ms})\n"
                       "2 units applied to " + t.shown_url() + " in {ms}\n"),
               r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(t.probe.has_table("user_profiles"));
    BOOST_TEST(!t.probe.has_column("users", "profile"), "unit 3 ran");

    r = t.run({"up", "--to", "2"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.out == "nothing to do: " + t.shown_url() + " is up to date up to version 2\n", r);

    r = t.run({"up", "--to", "1"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(contains(r.out, "nothing to do: "), r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2}), "up --to 1 reverted something");

    r = t.run({"up"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(matches(r.out,
                       "applied  3 add_profile_to_users ({ms})\n"
                       "1 unit applied to " + t.shown_url() + " in {ms}\n"),
               r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
}

void up_to_a_version_this_build_lacks_applies_nothing(strata::backend b) {
    cli_database_test t(b);
    auto r = t.run({"up", "--to", "99"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(r.out == "", r);
    BOOST_TEST(r.err == "strata: error: " + t.shown_url() +
                            ": cannot migrate to version 99: this build has no such unit (see strata status)\n",
               r);
    // The history table may have been created; it holds no row.
    BOOST_TEST(t.probe.applied_versions().empty());
    BOOST_TEST(!t.probe.has_table("users"));

    // Also when some units are applied: nothing more is.
    BOOST_TEST_REQUIRE(t.run({"up", "--to", "1"}).exit_code == 0);
    r = t.run({"up", "--to", "99"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1}), boost::test_tools::per_element());
}

}  // namespace scenario
}  // namespace

STRATA_CLI_TEST_ON_EACH_DATABASE(up_applies_every_unit_in_order_and_reports_each)
STRATA_CLI_TEST_ON_EACH_DATABASE(second_up_has_nothing_to_do)
STRATA_CLI_TEST_ON_EACH_DATABASE(up_to_applies_up_to_and_including_that_version)
STRATA_CLI_TEST_ON_EACH_DATABASE(up_to_a_version_this_build_lacks_applies_nothing)

BOOST_AUTO_TEST_SUITE(postgresql)

// A tenant's schema ahead of a shared public that the same units migrate: up there is refused
// (exit 2, nothing made) since public's history records this build's units, unless
// --allow-new-history; then the tenant has its own history, and later runs need no option.
BOOST_AUTO_TEST_CASE(up_begins_a_tenants_own_history_only_with_allow_new_history) {
    cli_database_test t(strata::backend::postgresql);
    BOOST_TEST_REQUIRE(t.run({"up"}).exit_code == 0);
    t.probe.execute("CREATE SCHEMA tenant");
    const std::string url = t.db.url_text() + (t.db.url_text().find('?') == std::string::npos ? "?" : "&") +
                            "options=-csearch_path%3Dtenant,public";
    auto r = t.cli.run({"--database", url, "up"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "run with --allow-new-history"), r);
    BOOST_TEST(t.probe.count("SELECT count(*) FROM pg_tables WHERE schemaname = 'tenant'") == 0,
               "a refused up made tables in the tenant's schema");
    r = t.cli.run({"--database", url, "up", "--allow-new-history"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(contains(r.out, "3 units applied"), r);
    r = t.cli.run({"--database", url, "up"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(t.probe.count("SELECT count(*) FROM tenant.strata_schema_history") == 3);
}

BOOST_AUTO_TEST_SUITE_END()
