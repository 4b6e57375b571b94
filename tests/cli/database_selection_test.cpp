// Which database a command works on: --database anywhere on the line, else
// $STRATA_DATABASE_URL, else $DATABASE_URL, else sqlite:strata.db in the working directory.
// Checked by reading each candidate database back, not by trusting the CLI's text.

#include "strata_cli.hpp"

using namespace strata::test;
using versions = std::vector<std::int64_t>;

namespace {
namespace scenario {

void database_option_works_before_and_after_the_command(strata::backend b) {
    cli_database_test t(b);
    const std::string url = t.db.url_text();

    auto before = t.cli.run({"--database", url, "up", "--to", "1"});
    BOOST_TEST(before.exit_code == 0, before);
    BOOST_TEST(t.probe.applied_versions() == (versions{1}), boost::test_tools::per_element());

    auto after = t.cli.run({"up", "--to", "2", "--database", url});
    BOOST_TEST(after.exit_code == 0, after);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2}), boost::test_tools::per_element());

    auto with_equals = t.cli.run({"up", "--database=" + url});
    BOOST_TEST(with_equals.exit_code == 0, with_equals);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(contains(with_equals.out, "1 unit applied to " + t.shown_url() + " in "), with_equals);

    BOOST_TEST(!std::filesystem::exists(t.cli.working_directory() / "strata.db"), "the default database was used");
}

void database_option_beats_the_environment_which_beats_the_default(strata::backend b) {
    cli_database_test option(b);  // its strata_cli is the one that runs
    auto strata_env = strata::test::temp_database::create(b);
    auto plain_env = strata::test::temp_database::create(b);
    database_probe strata_env_probe(strata_env.url()), plain_env_probe(plain_env.url());
    strata_cli& cli = option.cli;
    cli.forbid_in_output(strata_env.url().password());
    cli.forbid_in_output(plain_env.url().password());

    cli.set_env("STRATA_DATABASE_URL", strata_env.url_text());
    cli.set_env("DATABASE_URL", plain_env.url_text());
    auto r = option.run({"up", "--to", "1"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(contains(r.out, " applied to " + option.shown_url() + " in "), r);
    BOOST_TEST(option.probe.applied_versions() == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(strata_env_probe.applied_versions().empty(), "--database should beat STRATA_DATABASE_URL");
    BOOST_TEST(plain_env_probe.applied_versions().empty(), "--database should beat DATABASE_URL");

    r = cli.run({"up", "--to", "1"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(contains(r.out, " applied to " + strata_env.url().redacted() + " in "), r);
    BOOST_TEST(strata_env_probe.applied_versions() == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(plain_env_probe.applied_versions().empty(), "STRATA_DATABASE_URL should beat DATABASE_URL");

    // An empty STRATA_DATABASE_URL counts as unset.
    cli.set_env("STRATA_DATABASE_URL", "");
    r = cli.run({"up", "--to", "2"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(contains(r.out, "2 units applied to " + plain_env.url().redacted() + " in "), r);
    BOOST_TEST(plain_env_probe.applied_versions() == (versions{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(strata_env_probe.applied_versions() == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(option.probe.applied_versions() == (versions{1}), boost::test_tools::per_element());

    BOOST_TEST(!std::filesystem::exists(cli.working_directory() / "strata.db"), "the default database was used");
}

}  // namespace scenario
}  // namespace

STRATA_CLI_TEST_ON_EACH_DATABASE(database_option_works_before_and_after_the_command)
STRATA_CLI_TEST_ON_EACH_DATABASE(database_option_beats_the_environment_which_beats_the_default)

BOOST_AUTO_TEST_SUITE(sqlite)

BOOST_AUTO_TEST_CASE(without_any_setting_the_database_is_strata_db_in_the_working_directory) {
    strata_cli cli;
    cli.set_env("STRATA_DATABASE_URL", "");
    cli.set_env("DATABASE_URL", "");
    auto r = cli.run({"up"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(contains(r.out, "3 units applied to sqlite:strata.db in "), r);
    const auto file = cli.working_directory() / "strata.db";
    BOOST_REQUIRE_MESSAGE(std::filesystem::exists(file), "no strata.db in the working directory" << r);
    database_probe probe(strata::database_url::parse("sqlite:" + file.string()));
    BOOST_TEST(probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(probe.has_table("users"));
}

BOOST_AUTO_TEST_CASE(a_bad_url_in_the_environment_is_a_usage_error_unless_the_option_overrides_it) {
    strata_cli cli;
    cli.set_env("DATABASE_URL", "mysql://app@db/shop");
    auto r = cli.run({"status"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "strata: error: invalid database URL: unknown scheme 'mysql'"), r);

    cli.set_env("STRATA_DATABASE_URL", "mysql://app@db/shop");
    cli.set_env("DATABASE_URL", "sqlite:fine.db");
    r = cli.run({"status"});
    BOOST_TEST(r.exit_code == 2, "STRATA_DATABASE_URL should be used before DATABASE_URL" << r);
    BOOST_TEST(!std::filesystem::exists(cli.working_directory() / "fine.db"));

    r = cli.run({"status", "--database", "sqlite:chosen.db"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(contains(r.out, "database sqlite:chosen.db\n"), r);
    BOOST_TEST(!std::filesystem::exists(cli.working_directory() / "chosen.db"), "status only looks: it creates no file");
}

BOOST_AUTO_TEST_SUITE_END()
