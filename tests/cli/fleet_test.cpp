// Many databases in one run (issue 13, point 1): --targets, a repeated --database, --canary,
// --max-failures, --shard, and on PostgreSQL --schemas-like (a schema per tenant). Each target is
// read back on its own: its history and its tables, never only strata's report.

#include "strata_cli.hpp"

#include <strata/dialect.hpp>

#include <boost/test/data/test_case.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>

using namespace strata::test;
using versions = std::vector<std::int64_t>;

namespace {

/// `n` fresh databases of one backend, labelled t1..tn in a targets file, and the CLI.
struct fleet {
    fleet(strata::backend b, int n) {
        for (int i = 0; i < n; ++i) {
            dbs.push_back(std::make_unique<temp_database>(temp_database::create(b)));
            probes.emplace_back(dbs.back()->url());
            cli.forbid_in_output(dbs.back()->url().password());
        }
    }

    std::string label(std::size_t i) const { return "t" + std::to_string(i + 1); }

    /// Writes targets.txt (with a comment and a blank line, as people write them) and returns its name.
    std::string targets_file() const {
        std::ofstream out(cli.working_directory() / "targets.txt");
        out << "# the fleet\n\n";
        for (std::size_t i = 0; i < dbs.size(); ++i) out << label(i) << "=" << dbs[i]->url_text() << "\n";
        return "targets.txt";
    }

    cli_outcome run(std::vector<std::string> arguments) const {
        arguments.insert(arguments.end(), {"--targets", targets_file()});
        return cli.run(arguments);
    }

    /// Makes target `i` fail at unit 2: its table is already there.
    void break_target(std::size_t i) const { probes.at(i).execute("CREATE TABLE user_profiles (x INTEGER)"); }
    void mend_target(std::size_t i) const { probes.at(i).execute("DROP TABLE user_profiles"); }

    std::vector<std::unique_ptr<temp_database>> dbs;
    std::vector<database_probe> probes;
    strata_cli cli;
};

/// The line run_fleet() printed for `label` as it finished ("t2  exit 1  ..."), or "".
std::string line_of(const cli_outcome& r, const std::string& label) {
    for (const auto& line : lines_of(r.out))
        if (line.rfind(label + " ", 0) == 0) return line;
    return "";
}

namespace scenario {

void a_canary_that_fails_stops_the_rest_and_a_rerun_completes(strata::backend b) {
    fleet f(b, 3);
    f.break_target(0);
    auto r = f.run({"up", "--canary", "1", "--max-failures", "5"});
    BOOST_TEST(r.exit_code == 1, r);
    BOOST_TEST(f.probes[0].applied_versions() == (versions{1}), boost::test_tools::per_element());  // unit 2 rolled back
    BOOST_TEST(f.probes[1].applied_versions().empty(), r);
    BOOST_TEST(f.probes[2].applied_versions().empty(), r);
    BOOST_TEST(matches(line_of(r, "t1"), "t1      exit 1  unit 2 create_user_profiles (up) failed on {*} ({ms})"), r);
    BOOST_TEST(matches(r.out, "{*}\n\nTARGET  EXIT  UNITS  TIME      RESULT\n"
                              "t1         1      1  {ms}{*}unit 2 create_user_profiles (up) failed: {*}already exists{*}\n"
                              "t2         -      -  -         not started: 1 of the 1 canaries failed\n"
                              "t3         -      -  -         not started: 1 of the 1 canaries failed\n"
                              "3 targets: 1 with exit 1, 2 not started; 1 unit in all; exit 1\n"),
               r);
    // What was kept and what to do, under the target's name, on stderr.
    BOOST_TEST(contains(r.err, "  t1: strata: nothing of unit 2 was kept (rolled back); done before it in this run, and kept: "
                               "applied 1 create_users;"),
               r);

    f.mend_target(0);
    auto again = f.run({"up", "--canary", "1"});
    BOOST_TEST(again.exit_code == 0, again);
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(f.probes[i].applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
        BOOST_TEST(f.probes[i].has_column("users", "profile"), "target " << i);
    }
    BOOST_TEST(matches(line_of(again, "t1"), "t1      ok      2 units applied ({ms})"), again);
    BOOST_TEST(matches(line_of(again, "t2"), "t2      ok      3 units applied ({ms})"), again);

    // Done targets say so.
    auto third = f.run({"up"});
    BOOST_TEST(third.exit_code == 0, third);
    for (const char* label : {"t1", "t2", "t3"})
        BOOST_TEST(matches(line_of(third, label), std::string(label) + "      ok      nothing to do ({ms})"), third);
    BOOST_TEST(contains(third.out, "3 targets: 3 with exit 0; 0 units in all; exit 0\n"), third);
}

void max_failures_decides_whether_others_start(strata::backend b) {
    fleet f(b, 3);
    f.break_target(1);
    // One at a time, in order: t2 fails, and by default nothing starts after it.
    auto r = f.run({"up", "--parallel", "1"});
    BOOST_TEST(r.exit_code == 1, r);
    BOOST_TEST(f.probes[0].applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(f.probes[2].applied_versions().empty(), r);
    BOOST_TEST(contains(r.out, "not started: 1 target failed, more than --max-failures 0"), r);

    // --max-failures 1: t3 goes on.
    auto more = f.run({"up", "--parallel", "1", "--max-failures", "1"});
    BOOST_TEST(more.exit_code == 1, more);
    BOOST_TEST(f.probes[2].applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(f.probes[1].applied_versions() == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(contains(more.out, "3 targets: 2 with exit 0, 1 with exit 1; 3 units in all; exit 1\n"), more);
}

void the_most_severe_exit_code_wins_and_findings_do_not_stop_a_read(strata::backend b) {
    fleet f(b, 3);
    BOOST_TEST_REQUIRE(f.cli.run({"--database", f.dbs[1]->url_text(), "up", "--to", "1"}).exit_code == 0);
    BOOST_TEST_REQUIRE(f.cli.run({"--database", f.dbs[2]->url_text(), "up"}).exit_code == 0);
    // t1 has nothing applied, t2 one unit, t3 all: status --exit-code visits every one (6 is a
    // finding, not a failure) and exits 6.
    auto r = f.run({"status", "--exit-code", "--parallel", "1"});
    BOOST_TEST(r.exit_code == 6, r);
    BOOST_TEST(matches(line_of(r, "t1"), "t1      exit 6  0 applied, 3 pending ({ms})"), r);
    BOOST_TEST(matches(line_of(r, "t2"), "t2      exit 6  1 applied, 2 pending ({ms})"), r);
    BOOST_TEST(matches(line_of(r, "t3"), "t3      ok      3 applied, 0 pending ({ms})"), r);
    // A unit failing somewhere outranks a validation problem elsewhere.
    f.probes[2].execute("UPDATE strata_schema_history SET checksum = 'edited' WHERE version = 1");
    f.break_target(0);
    auto up = f.run({"up", "--max-failures", "3", "--parallel", "1"});
    BOOST_TEST(up.exit_code == 1, up);
    BOOST_TEST(matches(line_of(up, "t3"), "t3      exit 4  {*}"), up);
    BOOST_TEST(matches(line_of(up, "t1"), "t1      exit 1  {*}"), up);
}

void shards_split_the_fleet_disjointly_and_cover_it(strata::backend b) {
    fleet f(b, 5);
    std::multiset<std::string> ran;
    for (int shard = 0; shard < 3; ++shard) {
        auto r = f.run({"up", "--shard", std::to_string(shard) + "/3"});
        BOOST_TEST(r.exit_code == 0, r);
        for (std::size_t i = 0; i < 5; ++i)
            if (!line_of(r, f.label(i)).empty()) ran.insert(f.label(i));
        // Shard I takes targets I, I+3, ...: exactly those.
        for (std::size_t i = 0; i < 5; ++i)
            BOOST_TEST(line_of(r, f.label(i)).empty() == (int(i) % 3 != shard), "shard " << shard << ", " << f.label(i) << "\n" << r);
    }
    BOOST_TEST(ran == (std::multiset<std::string>{"t1", "t2", "t3", "t4", "t5"}), boost::test_tools::per_element());
    for (const auto& p : f.probes) BOOST_TEST(p.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
}

void json_gives_an_array_of_every_targets_document(strata::backend b) {
    fleet f(b, 2);
    f.break_target(1);
    auto r = f.run({"up", "--json", "--parallel", "1"});
    BOOST_TEST(r.exit_code == 1, r);
    // An array of one object per target, in the targets' order, each with the document a run on
    // that database alone prints.
    BOOST_TEST(r.out.rfind("[\n  {\n    \"database\": \"" + f.dbs[0]->url().redacted() + "\",\n", 0) == 0, r);
    BOOST_TEST(contains(r.out, "    \"exit_code\": 0,\n    \"result\": {\n      \"command\": \"up\",\n"), r);
    BOOST_TEST(contains(r.out, "\"kind\": \"unit_failed\""), r);
    BOOST_TEST(contains(r.out, "\"target\": \"t2\""), r);
    BOOST_TEST(contains(r.out, "\"summary\": \"3 units applied\""), r);
    BOOST_TEST(r.out.back() == '\n');
    BOOST_TEST(r.out.rfind("  }\n]\n") == r.out.size() - 6, r);
}

}  // namespace scenario
}  // namespace

STRATA_CLI_TEST_ON_EACH_DATABASE(a_canary_that_fails_stops_the_rest_and_a_rerun_completes)
STRATA_CLI_TEST_ON_EACH_DATABASE(max_failures_decides_whether_others_start)
STRATA_CLI_TEST_ON_EACH_DATABASE(the_most_severe_exit_code_wins_and_findings_do_not_stop_a_read)
STRATA_CLI_TEST_ON_EACH_DATABASE(shards_split_the_fleet_disjointly_and_cover_it)
STRATA_CLI_TEST_ON_EACH_DATABASE(json_gives_an_array_of_every_targets_document)

BOOST_AUTO_TEST_SUITE(sqlite)

BOOST_AUTO_TEST_CASE(bad_targets_are_refused_before_anything_runs) {
    fleet f(strata::backend::sqlite, 2);
    auto write = [&](const std::string& text) {
        std::ofstream(f.cli.working_directory() / "bad.txt") << text;
    };
    write("a=" + f.dbs[0]->url_text() + "\nmysql://nowhere/x\n");
    auto r = f.cli.run({"up", "--targets", "bad.txt"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "bad.txt:2: "), r);
    BOOST_TEST(f.probes[0].applied_versions().empty(), r);

    write("a=" + f.dbs[0]->url_text() + "\na=" + f.dbs[1]->url_text() + "\n");
    r = f.cli.run({"up", "--targets", "bad.txt"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "two targets are labelled a: give each its own label (LABEL=URL, one per line of a --targets file)"), r);

    // One file under two spellings (a link, or relative and absolute) is one database: refused,
    // naming both, whether the file exists yet or not.
    std::filesystem::create_symlink(f.dbs[0]->url().path(), f.cli.working_directory() / "link.db");
    write("a=" + f.dbs[0]->url_text() + "\nb=sqlite:link.db\n");
    r = f.cli.run({"up", "--targets", "bad.txt"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "the database sqlite:link.db is a target twice: " + f.dbs[0]->url().redacted() +
                                   " names the same file; list it once"),
               r);
    const auto fresh = f.cli.working_directory() / "fresh.db";
    write("a=sqlite:fresh.db\nb=sqlite:" + fresh.string() + "\n");
    r = f.cli.run({"up", "--targets", "bad.txt"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "is a target twice: sqlite:fresh.db names the same file"), r);
    BOOST_TEST(!std::filesystem::exists(fresh), r);
    std::filesystem::create_symlink("fresh.db", f.cli.working_directory() / "to-fresh.db");  // dangling until fresh.db is made
    write("a=sqlite:fresh.db\nb=sqlite:to-fresh.db\n");
    r = f.cli.run({"up", "--targets", "bad.txt"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "the database sqlite:to-fresh.db is a target twice: sqlite:fresh.db names the same file"), r);
    BOOST_TEST(!std::filesystem::exists(fresh), r);

    // A label with ':' reads as a URL with an unknown scheme: the message says what a label is.
    write("eu:1=" + f.dbs[0]->url_text() + "\n");
    r = f.cli.run({"up", "--targets", "bad.txt"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "bad.txt:1: invalid database URL: unknown scheme 'eu'"), r);
    BOOST_TEST(contains(r.err, "(if what comes before '=' is meant as a label: a label holds no ':' or '/')"), r);

    write("# nothing yet\n");
    r = f.cli.run({"up", "--targets", "bad.txt"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "bad.txt lists no database"), r);

    for (auto args : std::vector<std::vector<std::string>>{{"up", "--targets", "targets.txt", "--shard", "3/3"},
                                                           {"up", "--targets", "targets.txt", "--shard", "x"},
                                                           {"up", "--targets", "targets.txt", "--parallel", "0"},
                                                           {"up", "--database", f.dbs[0]->url_text(), "--parallel", "2"},
                                                           {"new", "x", "--targets", "targets.txt"},
                                                           {"schema", "dump", "--targets", "targets.txt"}}) {
        f.targets_file();
        auto bad = f.cli.run(args);
        BOOST_TEST(bad.exit_code == 2, bad);
    }
    BOOST_TEST(f.probes[0].applied_versions().empty());
    BOOST_TEST(f.probes[1].applied_versions().empty());
}

// What follows a URL on its line (a comment) would become part of a SQLite file's name: a new,
// empty database migrated, the real one untouched, exit 0. Refused, naming the line.
BOOST_AUTO_TEST_CASE(a_blank_after_a_url_is_refused_not_made_part_of_it) {
    fleet f(strata::backend::sqlite, 1);
    const std::string path = f.dbs[0]->url().path();
    std::ofstream(f.cli.working_directory() / "commented.txt") << "# tenants\na=sqlite:" << path << "   # EU tenant\n";
    auto r = f.cli.run({"up", "--targets", "commented.txt"});
    BOOST_TEST(r.exit_code == 2, r);
    const std::string url_length = std::to_string(("sqlite:" + path).size());
    BOOST_TEST(contains(r.err, "commented.txt:2: a URL holds no blank, and this one has one after its first " + url_length +
                                   " characters"),
               r);
    BOOST_TEST(!std::filesystem::exists(path + "   # EU tenant"), r);
    BOOST_TEST(f.probes[0].applied_versions().empty(), r);
}

// A rollback over a fleet must be safe to rerun: a relative down (one step, --steps) or redo
// would take the targets that finished one more unit back, so they are refused; --to and --all
// are rerunnable, and a target already there has nothing to do. One --scratch cannot serve many targets.
BOOST_AUTO_TEST_CASE(a_fleet_rollback_needs_to_and_reruns_safely) {
    fleet f(strata::backend::sqlite, 2);
    BOOST_TEST_REQUIRE(f.run({"up"}).exit_code == 0);
    const std::string scratch = "sqlite:" + (f.cli.working_directory() / "scratch.db").string();
    for (auto args : std::vector<std::vector<std::string>>{{"down"}, {"down", "--steps", "1"}, {"redo"}}) {
        auto r = f.run(args);
        BOOST_TEST(r.exit_code == 2, r);
        BOOST_TEST((contains(r.err, "needs --to VERSION") || contains(r.err, "run redo on one database at a time")), r);
    }
    auto r = f.run({"verify", "--scratch", scratch});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "--scratch names one database"), r);
    for (const auto& p : f.probes) BOOST_TEST(p.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());

    r = f.run({"down", "--to", "1"});
    BOOST_TEST(r.exit_code == 0, r);
    r = f.run({"down", "--to", "1"});  // the rerun: nothing more goes
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(contains(r.out, "nothing to do"), r);
    for (const auto& p : f.probes) BOOST_TEST(p.applied_versions() == (versions{1}), boost::test_tools::per_element());
    // A target that never got as far as VERSION has nothing to do either; --all reruns as well.
    r = f.run({"down", "--to", "2"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(contains(r.out, "2 targets: 2 with exit 0; 0 units in all; exit 0"), r);
    for (int round = 0; round < 2; ++round) {
        r = f.run({"down", "--all"});
        BOOST_TEST(r.exit_code == 0, r);
    }
    BOOST_TEST(contains(r.out, "nothing to do"), r);
    for (const auto& p : f.probes) BOOST_TEST(p.applied_versions().empty());
}

// A file saved with a UTF-8 byte order mark (as some Windows editors write it) reads as without.
BOOST_AUTO_TEST_CASE(a_byte_order_mark_is_not_part_of_the_first_label) {
    fleet f(strata::backend::sqlite, 1);
    std::ofstream(f.cli.working_directory() / "bom.txt") << "\xEF\xBB\xBF" "eu=" << f.dbs[0]->url_text() << "\n";
    auto r = f.cli.run({"up", "--targets", "bom.txt"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(matches(line_of(r, "eu"), "eu      ok      3 units applied ({ms})"), r);
}

BOOST_AUTO_TEST_CASE(a_repeated_database_and_stdin_are_targets_too) {
    fleet f(strata::backend::sqlite, 2);
    auto r = f.cli.run({"up", "--database", f.dbs[0]->url_text(), "--database", f.dbs[1]->url_text()});
    BOOST_TEST(r.exit_code == 0, r);
    // Without a label, a SQLite target is named by its path.
    BOOST_TEST(matches(line_of(r, f.dbs[0]->url().path()), f.dbs[0]->url().path() + "  ok      3 units applied ({ms})"), r);
    for (const auto& p : f.probes) BOOST_TEST(p.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
}

// The text report shows what a single run would: a dry run's script and a finding's details,
// under the target's line, each line prefixed by its label; a target with nothing to report, only
// its line.
BOOST_AUTO_TEST_CASE(the_text_report_shows_dry_run_scripts_and_findings_under_their_targets) {
    fleet f(strata::backend::sqlite, 2);
    auto dry = f.run({"up", "--dry-run", "--parallel", "1"});
    BOOST_TEST(dry.exit_code == 0, dry);
    for (std::size_t i = 0; i < 2; ++i) {
        BOOST_TEST(contains(dry.out, "\n  " + f.label(i) + ": -- dry run: nothing below was executed on " + f.dbs[i]->url().redacted() + "\n"),
                   dry);
        BOOST_TEST(contains(dry.out, "\n  " + f.label(i) + ": CREATE TABLE \"users\" (\n"), dry);
    }
    for (const auto& p : f.probes) BOOST_TEST(!p.has_table("users"), dry);

    BOOST_TEST_REQUIRE(f.run({"up"}).exit_code == 0);
    f.probes[1].execute("ALTER TABLE users ADD COLUMN extra TEXT");
    auto r = f.run({"validate", "--schema", "--parallel", "1"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(matches(line_of(r, "t1"), "t1      ok      ok ({ms})"), r);
    BOOST_TEST(!contains(r.out, "  t1: "), r);
    BOOST_TEST(contains(r.out, "\n  t2:   - extra column users.extra\n"), r);
}

BOOST_AUTO_TEST_CASE(schemas_like_needs_postgresql) {
    fleet f(strata::backend::sqlite, 1);
    auto r = f.run({"status", "--schemas-like", "tenant_%"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(r.err == "strata: error: --schemas-like needs PostgreSQL: t1 is a sqlite database, which has no schemas\n", r);
    BOOST_TEST(r.out == "", r);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(postgresql)

BOOST_AUTO_TEST_CASE(schemas_like_makes_a_target_of_each_tenant_schema) {
    fleet f(strata::backend::postgresql, 1);
    const auto& p = f.probes[0];
    for (const char* schema : {"tenant_a", "tenant_b", "Tenant C", "other"}) p.execute("CREATE SCHEMA \"" + std::string(schema) + "\"");
    auto count_in = [&](const std::string& schema, const std::string& table) {
        return p.count("SELECT count(*) FROM information_schema.tables WHERE table_schema = '" + schema +
                       "' AND table_name = '" + table + "'");
    };
    // tenant\_% : the underscore literally (tenantXb would match tenant_%).
    auto r = f.run({"up", "--schemas-like", "tenant\\_%"});
    BOOST_TEST(r.exit_code == 0, r);
    for (const char* schema : {"tenant_a", "tenant_b"}) {
        BOOST_TEST(count_in(schema, "strata_schema_history") == 1, schema << "\n" << r);
        BOOST_TEST(count_in(schema, "users") == 1, schema);
        BOOST_TEST(p.count("SELECT count(*) FROM information_schema.columns WHERE table_schema = '" + std::string(schema) +
                           "' AND table_name = 'users' AND column_name = 'profile'") == 1);
        BOOST_TEST(p.count("SELECT count(*) FROM \"" + std::string(schema) + "\".strata_schema_history") == 3);
        BOOST_TEST(matches(line_of(r, "t1/" + std::string(schema)), "t1/" + std::string(schema) + "  ok      3 units applied ({ms})"), r);
    }
    for (const char* schema : {"Tenant C", "other", "public"}) BOOST_TEST(count_in(schema, "users") == 0, schema);

    // A schema name that needs quotes works as any other.
    auto quoted = f.run({"up", "--schemas-like", "Tenant%"});
    BOOST_TEST(quoted.exit_code == 0, quoted);
    BOOST_TEST(count_in("Tenant C", "users") == 1, quoted);

    // A new tenant: the rerun applies to it alone; the others have nothing to do.
    p.execute("CREATE SCHEMA tenant_d");
    auto rerun = f.run({"up", "--schemas-like", "tenant\\_%", "--json"});
    BOOST_TEST(rerun.exit_code == 0, rerun);
    BOOST_TEST(contains(rerun.out, "\"target\": \"t1/tenant_d\""), rerun);
    BOOST_TEST(count_in("tenant_d", "users") == 1);
    auto status = f.run({"status", "--schemas-like", "tenant\\_%", "--exit-code"});
    BOOST_TEST(status.exit_code == 0, status);
    BOOST_TEST(contains(status.out, "3 targets: 3 with exit 0; 0 units in all; exit 0\n"), status);

    auto none = f.run({"status", "--schemas-like", "nobody%"});
    BOOST_TEST(none.exit_code == 2, none);
    BOOST_TEST(contains(none.err, "is LIKE 'nobody%'"), none);
}

// Each tenant's units go to its schema and nowhere else, whatever the URL's options hold and
// whatever its name needs (upper case, a blank, a comma, a double quote). With a blank in
// options, SOCI 4.0.3 read "q_Acme" as q_acme and "q_x,public" as public: that tenant's tables
// and history landed in another tenant's schema, reported "ok". A schema dropped after the
// listing is refused at once (exit 2); it used to wait --lock-timeout for a lock nobody held.
BOOST_AUTO_TEST_CASE(schemas_like_reaches_each_tenant_whatever_the_url_options_hold) {
    fleet f(strata::backend::postgresql, 1);
    const auto& p = f.probes[0];
    const std::vector<std::string> tenants{"q_Acme", "q_acme", "q_sp ace", "q_x,public", "q_a\"b"};
    for (const auto& schema : tenants) p.execute("CREATE SCHEMA " + strata::dialect::quote(schema));
    std::ofstream(f.cli.working_directory() / "options.txt")
        << "t1=" << f.dbs[0]->url_text() << "?options=-c%20statement_timeout%3D5000%20-c%20%20lock_timeout%3D0\n";
    auto users_in = [&](const std::string& schema) {
        return p.count("SELECT count(*) FROM pg_tables WHERE schemaname = " + strata::dialect::quote_literal(schema) +
                       " AND tablename = 'users'");
    };
    auto r = f.cli.run({"up", "--targets", "options.txt", "--schemas-like", "q\\_%", "--parallel", "1"});
    BOOST_TEST(r.exit_code == 0, r);
    for (const auto& schema : tenants) {
        BOOST_TEST(users_in(schema) == 1, schema << "\n" << r);
        BOOST_TEST(p.count("SELECT count(*) FROM " + strata::dialect::quote(schema) + ".strata_schema_history") == 3, schema);
    }
    BOOST_TEST(users_in("public") == 0, r);

    // diff and validate --schema compare a tenant with its own schema, not with the whole database
    // (each tenant listed the others' tables, their history included, as drift: exit 4, always).
    for (const char* command : {"diff", "validate"}) {
        std::vector<std::string> args{command, "--targets", "options.txt", "--schemas-like", "q\\_A%"};
        if (std::string(command) == "validate") args.push_back("--schema");
        auto same = f.cli.run(args);
        BOOST_TEST(same.exit_code == 0, same);
    }
    p.execute("CREATE TABLE \"q_Acme\".by_hand (id integer)");
    auto drift = f.cli.run({"diff", "--targets", "options.txt", "--schemas-like", "q\\_A%"});
    BOOST_TEST(drift.exit_code == 4, drift);
    BOOST_TEST(contains(drift.out, "t1/q_Acme: 1 difference"), drift);
    BOOST_TEST(contains(drift.out, "extra table by_hand"), drift);

    // A schema gone between the listing and the run: its own failure, exit 2, at once.
    std::ofstream(f.cli.working_directory() / "gone.txt")
        << "t1=" << f.dbs[0]->url_text() << "?options=-csearch_path%3Dnot_there\n";
    auto gone = f.cli.run({"up", "--targets", "gone.txt", "--lock-timeout", "30"});
    BOOST_TEST(gone.exit_code == 2, gone);
    BOOST_TEST(contains(gone.out + gone.err, "no schema of the connection's search_path (not_there) exists"), gone);
    BOOST_TEST(!contains(gone.err, "waiting for the migration lock"), gone);
}

// A URL whose search_path names one schema is that schema alone for diff, validate --schema and
// schema dump, as a tenant of --schemas-like is (CI-gate probe M2): the other tenants' schemas,
// tables and histories were drift (exit 4, always). Several schemas in the search_path, or public
// alone, read every schema as before.
BOOST_AUTO_TEST_CASE(a_url_whose_search_path_is_one_schema_is_read_as_that_schema_alone) {
    fleet f(strata::backend::postgresql, 1);
    const auto& p = f.probes[0];
    for (const char* schema : {"tenant_a", "tenant_b"}) p.execute("CREATE SCHEMA " + std::string(schema));
    BOOST_TEST_REQUIRE(f.run({"up", "--schemas-like", "tenant\\_%"}).exit_code == 0);
    const std::string url = f.dbs[0]->url_text() + "?options=-csearch_path%3Dtenant_a";
    const std::string shown = f.dbs[0]->url().redacted() + "?options=-csearch_path%3Dtenant_a";

    auto r = f.cli.run({"--database", url, "diff"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.out == "ok: " + shown + " has the schema its 3 applied units make\n", r);
    r = f.cli.run({"--database", url, "validate", "--schema"});
    BOOST_TEST(r.exit_code == 0, r);
    auto dump = f.cli.run({"--database", url, "schema", "dump"});
    BOOST_TEST(dump.exit_code == 0, dump);
    BOOST_TEST(contains(dump.out, "\nCREATE TABLE \"users\" (\n"), dump);
    BOOST_TEST(!contains(dump.out, "tenant_b"), dump);
    BOOST_TEST(!contains(dump.out, "CREATE SCHEMA"), dump);
    BOOST_TEST(!contains(dump.out, "strata_schema"), dump);
    // The very dump --schemas-like makes of that tenant, and the same file for the other.
    auto tenant = f.run({"schema", "dump", "--schemas-like", "tenant\\_a", "--json"});
    BOOST_TEST(tenant.exit_code == 0, tenant);
    BOOST_TEST(nlohmann::json::parse(tenant.out)[0].at("result").at("schema") == dump.out, tenant);
    std::ofstream(f.cli.working_directory() / "tenant.sql") << dump.out;
    r = f.cli.run({"--database", f.dbs[0]->url_text() + "?options=-csearch_path%3Dtenant_b", "schema", "dump", "--check", "tenant.sql"});
    BOOST_TEST(r.exit_code == 0, r);

    // Drift in another schema is not this one's; in this one it is.
    p.execute("CREATE TABLE tenant_b.by_hand (id integer)");
    BOOST_TEST(f.cli.run({"--database", url, "diff"}).exit_code == 0);
    p.execute("CREATE TABLE tenant_a.by_hand (id integer)");
    r = f.cli.run({"--database", url, "diff"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(r.out == "1 difference between " + shown +
                            " and the schema its 3 applied units make (missing: the units make it, the database lacks it; "
                            "extra: the other way round):\n"
                            "  - extra table by_hand\n",
               r);
    p.execute("DROP TABLE tenant_a.by_hand");

    // The application's schema and public: every schema is read, the other tenant's too (its
    // history is not: another schema's strata tables are never part of a schema).
    r = f.cli.run({"--database", f.dbs[0]->url_text() + "?options=-csearch_path%3Dtenant_a,public", "diff"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(contains(r.out, "  - extra schema tenant_b\n"), r);
    BOOST_TEST(contains(r.out, "  - extra table tenant_b.users\n"), r);
    BOOST_TEST(!contains(r.out, "strata_schema"), r);
}

// schema dump --output (or printing) with --schemas-like: one tenant's schema when the pattern
// matches one (CI-gate probe L4: refused, while a failing --check told the user to run exactly
// that); a clear refusal when it matches more; --check's hint names a dump of that tenant.
BOOST_AUTO_TEST_CASE(schema_dump_output_with_schemas_like_writes_the_one_schema_it_matches) {
    fleet f(strata::backend::postgresql, 1);
    const auto& p = f.probes[0];
    for (const char* schema : {"tenant_a", "tenant_b"}) p.execute("CREATE SCHEMA " + std::string(schema));
    BOOST_TEST_REQUIRE(f.run({"up", "--schemas-like", "tenant\\_%"}).exit_code == 0);
    const std::string db = f.dbs[0]->url_text();

    auto r = f.cli.run({"--database", db, "--schemas-like", "tenant\\_a", "schema", "dump", "--output", "tenant.sql"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.out == "tenant.sql\n", r);
    std::ifstream written(f.cli.working_directory() / "tenant.sql", std::ios::binary);
    const std::string file{std::istreambuf_iterator<char>(written), std::istreambuf_iterator<char>()};
    BOOST_TEST(contains(file, "\nCREATE TABLE \"users\" (\n"), file);
    BOOST_TEST(!contains(file, "tenant_b"), file);
    auto printed = f.cli.run({"--database", db, "--schemas-like", "tenant\\_a", "schema", "dump"});
    BOOST_TEST(printed.exit_code == 0, printed);
    BOOST_TEST(printed.out == file, printed);
    // Every tenant checked against it.
    r = f.cli.run({"--database", db, "--schemas-like", "tenant\\_%", "schema", "dump", "--check", "tenant.sql"});
    BOOST_TEST(r.exit_code == 0, r);

    // A pattern that matches two schemas: which, and what to give instead; nothing written.
    r = f.cli.run({"--database", db, "--schemas-like", "tenant\\_%", "schema", "dump", "--output", "both.sql"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(matches(r.err, "strata: error: schema dump --output writes one schema, and there are 2 targets ({*}/tenant_a, "
                              "{*}/tenant_b): give --schemas-like a pattern that matches one schema ('tenant\\_a'), or "
                              "--check FILE (or --json) to read every one\n"),
               r);
    BOOST_TEST(!std::filesystem::exists(f.cli.working_directory() / "both.sql"));
    r = f.cli.run({"--database", db, "--schemas-like", "tenant\\_%", "schema", "dump"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "schema dump prints one schema, and there are 2 targets"), r);

    // A tenant that differs: the hint is a command that works.
    p.execute("ALTER TABLE tenant_b.users ADD COLUMN extra text");
    r = f.cli.run({"--database", db, "--schemas-like", "tenant\\_%", "schema", "dump", "--check", "tenant.sql"});
    BOOST_TEST(r.exit_code == 4, r);
    BOOST_TEST(contains(r.err, "differs from tenant.sql (diff above: - the file, + the database); if the change is intended, "
                               "run strata schema dump --output tenant.sql --schemas-like 'tenant\\_b' on its database and "
                               "commit the file"),
               r);
    r = f.cli.run({"--database", db, "--schemas-like", "tenant\\_b", "schema", "dump", "--output", "tenant.sql"});
    BOOST_TEST(r.exit_code == 0, r);
    r = f.cli.run({"--database", db + "?options=-csearch_path%3Dtenant_b", "schema", "dump", "--check", "tenant.sql"});
    BOOST_TEST(r.exit_code == 0, r);
}

// --schemas-like over several databases: one whose schemas cannot be listed (nothing listens on
// its port) is a failed target of its own, with the exit code its error has, and the others'
// tenants run as --max-failures allows; one with no matching schema has no target, and says so.
BOOST_AUTO_TEST_CASE(schemas_like_reports_a_database_it_cannot_list_as_a_failed_target) {
    fleet f(strata::backend::postgresql, 2);
    f.probes[0].execute("CREATE SCHEMA tenant_a");
    const std::string unreachable = "postgresql://strata:not-the-password@127.0.0.1:1/nowhere";
    f.cli.forbid_in_output("not-the-password");
    std::ofstream(f.cli.working_directory() / "regions.txt")
        << "eu=" << f.dbs[0]->url_text() << "\nus=" << f.dbs[1]->url_text() << "\nasia=" << unreachable << "\n";
    auto r = f.cli.run({"up", "--targets", "regions.txt", "--schemas-like", "tenant\\_%", "--max-failures", "1"});
    BOOST_TEST(r.exit_code == 3, r);
    BOOST_TEST(matches(line_of(r, "asia"), "asia         exit 3  listing its schemas: {*}cannot connect{*}"), r);
    BOOST_TEST(matches(line_of(r, "eu/tenant_a"), "eu/tenant_a  ok      3 units applied ({ms})"), r);
    BOOST_TEST(contains(r.out, "2 targets: 1 with exit 0, 1 with exit 3; 3 units in all; exit 3\n"), r);
    BOOST_TEST(contains(r.err, "--schemas-like: no schema of " + f.dbs[1]->url().redacted() + " is LIKE 'tenant\\_%', so it has no target"),
               r);
    BOOST_TEST(f.probes[0].count("SELECT count(*) FROM tenant_a.strata_schema_history") == 3, r);

    // Its error is said once, in its line, not again on stderr.
    BOOST_TEST(!contains(r.err, "asia: strata: error:"), r);

    // Every shard reports it: its tenants could be any shard's, and a shard leaving it out would
    // exit 0 without them.
    for (int shard = 0; shard < 2; ++shard) {
        auto part = f.cli.run({"status", "--targets", "regions.txt", "--schemas-like", "tenant\\_%", "--max-failures", "1",
                               "--shard", std::to_string(shard) + "/2"});
        BOOST_TEST(part.exit_code == 3, part);
        BOOST_TEST(matches(line_of(part, "asia"), "asia {*}exit 3  listing its schemas: {*}"), part);
    }

    // Matching nowhere is a wrong pattern, once every database could be listed: nothing runs.
    // With one unlisted, its failure is the answer, and the others say they have no match.
    auto none = f.cli.run({"up", "--targets", "regions.txt", "--schemas-like", "nobody%", "--max-failures", "1"});
    BOOST_TEST(none.exit_code == 3, none);
    BOOST_TEST(contains(none.err, "--schemas-like: no schema of " + f.dbs[0]->url().redacted() + " is LIKE 'nobody%', so it has no target"),
               none);
    std::ofstream(f.cli.working_directory() / "reachable.txt") << "eu=" << f.dbs[0]->url_text() << "\nus=" << f.dbs[1]->url_text() << "\n";
    none = f.cli.run({"up", "--targets", "reachable.txt", "--schemas-like", "nobody%"});
    BOOST_TEST(none.exit_code == 2, none);
    BOOST_TEST(contains(none.err, "--schemas-like: no schema of any of the databases is LIKE 'nobody%'"), none);
}

// Shards of a schema per tenant list the schemas each for itself, and a tenant signs up while
// they start: shard 0 runs, a schema that sorts first appears, shard 1 runs. By position, shard 1's
// listing would be shifted by one and the tenants shard 0 skipped would be skipped again. Every
// tenant that existed when shard 0 ran is migrated exactly once.
BOOST_AUTO_TEST_CASE(schemas_like_shards_miss_no_tenant_when_one_is_created_meanwhile) {
    fleet f(strata::backend::postgresql, 1);
    const auto& p = f.probes[0];
    const std::vector<std::string> tenants = {"tenant_b", "tenant_c", "tenant_d", "tenant_e", "tenant_f", "tenant_g",
                                              "tenant_h", "tenant_i", "tenant_j", "tenant_k"};
    for (const auto& schema : tenants) p.execute("CREATE SCHEMA " + schema);
    std::multiset<std::string> ran;
    for (int shard = 0; shard < 2; ++shard) {
        if (shard == 1) p.execute("CREATE SCHEMA tenant_a");  // sorts before every other
        auto r = f.run({"up", "--schemas-like", "tenant\\_%", "--shard", std::to_string(shard) + "/2"});
        BOOST_TEST(r.exit_code == 0, r);
        for (const auto& schema : tenants) {
            const std::string line = line_of(r, "t1/" + schema);
            if (!line.empty()) ran.insert(schema);
            BOOST_TEST((line.empty() || contains(line, "3 units applied")), line << "\n" << r);
        }
    }
    BOOST_TEST(ran == std::multiset<std::string>(tenants.begin(), tenants.end()), boost::test_tools::per_element());
    for (const auto& schema : tenants)
        BOOST_TEST(p.count("SELECT count(*) FROM " + schema + ".strata_schema_history") == 3, schema);
}

BOOST_AUTO_TEST_SUITE_END()
