// A unit that fails in the database: exit 1, a message naming the unit, the statement and the
// database's own error, and a database holding exactly the units before it.

#include "strata_cli.hpp"

using namespace strata::test;
using versions = std::vector<std::int64_t>;

namespace {

/// What unit 2 will trip over: a table of its name, made outside strata.
void create_conflicting_table(const cli_database_test& t) {
    t.probe.execute(R"(CREATE TABLE "user_profiles" ("id" INTEGER))");
}

/// The error lines every failure of unit 2's CREATE TABLE prints, whatever ran before it.
void check_names_unit_statement_and_database_error(const cli_database_test& t, const cli_outcome& r) {
    BOOST_TEST(r.exit_code == 1, r);
    BOOST_TEST(contains(r.err, "strata: error: unit 2 create_user_profiles (up) failed on " + t.shown_url() + ": "), r);
    BOOST_TEST(contains(r.err, "\n  while executing: CREATE TABLE \"user_profiles\" ("), r);
    if (t.db.kind() == strata::backend::postgresql) {
        BOOST_TEST(contains(r.err, ": relation \"user_profiles\" already exists [SQLSTATE 42P07]\n"), r);
    } else {
        BOOST_TEST(contains(r.err, ": table \"user_profiles\" already exists"), r);
    }
    BOOST_TEST(contains(r.err, "\nstrata: nothing of unit 2 was kept (rolled back)"), r);
}

/// Unit 1 applied, nothing of units 2 and 3; the conflicting table untouched.
void check_only_unit_1_applied(const cli_database_test& t) {
    BOOST_TEST(t.probe.applied_versions() == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(t.probe.has_table("users"));
    BOOST_TEST(!t.probe.has_column("users", "profile"), "unit 3 ran");
    BOOST_TEST(t.probe.columns("user_profiles") == (std::vector<std::string>{"id"}), boost::test_tools::per_element());
}

namespace scenario {

void failing_unit_exits_1_naming_the_unit_statement_and_database_error(strata::backend b) {
    cli_database_test t(b);
    create_conflicting_table(t);

    auto r = t.run({"up"});
    check_names_unit_statement_and_database_error(t, r);
    // Unit 1 committed before unit 2 failed, and the user is told so on both streams.
    BOOST_TEST(matches(r.out, "applied  1 create_users ({ms})\n"), r);
    const auto err_lines = lines_of(r.err);
    BOOST_TEST_REQUIRE(!err_lines.empty(), r);
    BOOST_TEST(matches(err_lines.back(), "strata: nothing of unit 2 was kept (rolled back); {*}"), r);
    BOOST_TEST(contains(err_lines.back(), "applied 1 create_users"), "unit 1 should be reported as kept" << r);
    BOOST_TEST(!contains(r.err, "add_profile_to_users"), "unit 3 should not have been tried" << r);
    check_only_unit_1_applied(t);

    // Once the obstacle is gone, up carries on from unit 2.
    t.probe.execute(R"(DROP TABLE "user_profiles")");
    r = t.run({"up"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(matches(r.out,
                       "applied  2 create_user_profiles ({ms})\n"
                       "applied  3 add_profile_to_users ({ms})\n"
                       "2 units applied to " + t.shown_url() + " in {ms}\n"),
               r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
}

void failing_first_unit_of_a_run_reports_nothing_applied(strata::backend b) {
    cli_database_test t(b);
    BOOST_TEST_REQUIRE(t.run({"up", "--to", "1"}).exit_code == 0);
    create_conflicting_table(t);

    auto r = t.run({"up"});
    check_names_unit_statement_and_database_error(t, r);
    BOOST_TEST(r.out == "", r);
    // No unit ran before it in this run, so none is reported as kept.
    BOOST_TEST(r.err.ends_with("\nstrata: nothing of unit 2 was kept (rolled back)\n"), r);
    check_only_unit_1_applied(t);
}

}  // namespace scenario
}  // namespace

STRATA_CLI_TEST_ON_EACH_DATABASE(failing_unit_exits_1_naming_the_unit_statement_and_database_error)
STRATA_CLI_TEST_ON_EACH_DATABASE(failing_first_unit_of_a_run_reports_nothing_applied)
