// strata new: a unit written from the command line, with no database involved. That the written
// unit compiles and is built in by the next build is the package test's part (tests/package/).

#include "strata_cli.hpp"

#include <ctime>
#include <fstream>
#include <regex>
#include <sstream>

using namespace strata::test;
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void touch(const fs::path& path) { std::ofstream(path) << "// a unit\n"; }

std::vector<std::string> files_in(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

std::string utc_timestamp(std::time_t when) {
    std::tm utc{};
    ::gmtime_r(&when, &utc);
    char text[16];
    std::strftime(text, sizeof text, "%Y%m%d%H%M%S", &utc);
    return text;
}

/// A scratch units directory inside the CLI's working directory.
fs::path units_dir(const strata_cli& cli) {
    auto dir = cli.working_directory() / "units";
    fs::create_directories(dir);
    return dir;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sqlite)

BOOST_AUTO_TEST_CASE(new_writes_a_cpp_unit_versioned_with_the_utc_time_and_prints_its_path) {
    strata_cli cli;
    const auto dir = units_dir(cli);
    const std::time_t before = std::time(nullptr);
    auto r = cli.run({"new", "add_orders_index", "--dir", dir.string()});
    const std::time_t after = std::time(nullptr);
    BOOST_TEST_REQUIRE(r.exit_code == 0, r);
    BOOST_TEST(r.err == "", r);

    std::smatch m;
    const std::string printed = r.out;
    BOOST_TEST_REQUIRE(std::regex_match(printed, m, std::regex("(.*/units/([0-9]{14})_add_orders_index\\.cpp)\n")), r);
    const std::string version = m[2];
    BOOST_TEST((version == utc_timestamp(before) || version == utc_timestamp(after)), version);
    BOOST_TEST(files_in(dir) == (std::vector<std::string>{version + "_add_orders_index.cpp"}));

    const std::string text = read_file(m[1].str());
    BOOST_TEST(text.find("strata::migration_info info() const override { return {" + version + ", \"add_orders_index\"}; }") !=
                   std::string::npos,
               text);
    BOOST_TEST(text.find("class add_orders_index_unit final : public strata::migration") != std::string::npos, text);
    BOOST_TEST(text.find("void change([[maybe_unused]] builder& b) const override {}") != std::string::npos, text);
    BOOST_TEST(text.find("STRATA_MIGRATION(add_orders_index_unit);") != std::string::npos, text);
    BOOST_TEST(!fs::exists(cli.working_directory() / "strata.db"), "new touched the default database");
}

BOOST_AUTO_TEST_CASE(new_sql_writes_empty_up_and_down_sections) {
    strata_cli cli;
    const auto dir = units_dir(cli);
    auto r = cli.run({"new", "backfill_totals", "--sql", "--dir", dir.string()});
    BOOST_TEST_REQUIRE(r.exit_code == 0, r);
    std::smatch m;
    const std::string printed = r.out;
    BOOST_TEST_REQUIRE(std::regex_match(printed, m, std::regex("(.*/[0-9]{14}_backfill_totals\\.sql)\n")), r);
    const std::string text = read_file(m[1].str());
    BOOST_TEST(text.find("\n-- strata:up\n") != std::string::npos, text);
    BOOST_TEST(text.find("\n-- strata:down\n") != std::string::npos, text);
    BOOST_TEST(text.find("-- strata:up postgresql") != std::string::npos, "the skeleton explains per-dialect sections" << text);
}

BOOST_AUTO_TEST_CASE(new_sequential_takes_the_highest_version_plus_one_with_its_padding) {
    strata_cli cli;
    const auto dir = units_dir(cli);
    touch(dir / "0001_create_users.cpp");
    touch(dir / "0007_add_index.sql");
    touch(dir / "README.md");  // not a unit: no version
    auto r = cli.run({"new", "add_column", "--sequential", "--dir", dir.string()});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.out == (dir / "0008_add_column.cpp").string() + "\n", r);

    strata_cli empty;
    const auto fresh = units_dir(empty);
    auto first = empty.run({"new", "create_things", "--sequential", "--dir", fresh.string()});
    BOOST_TEST(first.exit_code == 0, first);
    BOOST_TEST(first.out == (fresh / "1_create_things.cpp").string() + "\n", first);
}

BOOST_AUTO_TEST_CASE(new_gives_a_keyword_or_macro_name_a_class_name_that_compiles) {
    // (The package test compiles a written unit; here the names that a bare class name breaks.)
    strata_cli cli;
    const auto dir = units_dir(cli);
    for (const std::string name : {"delete", "linux", "info", "change"}) {
        auto r = cli.run({"new", name, "--sequential", "--dir", dir.string()});
        BOOST_TEST_REQUIRE(r.exit_code == 0, r);
        const std::string file = strata::test::lines_of(r.out).front();
        const std::string text = read_file(file);
        BOOST_TEST(text.find("class " + name + "_unit final") != std::string::npos, text);
        BOOST_TEST(text.find("\"" + name + "\"}; }") != std::string::npos, text);
    }
}

BOOST_AUTO_TEST_CASE(new_in_one_second_or_behind_a_unit_from_the_future_takes_the_next_version) {
    strata_cli cli;
    const auto dir = units_dir(cli);
    auto first = cli.run({"new", "add_a", "--dir", dir.string()});
    auto second = cli.run({"new", "add_b", "--dir", dir.string()});
    BOOST_TEST_REQUIRE(first.exit_code == 0, first);
    BOOST_TEST_REQUIRE(second.exit_code == 0, second);
    const auto a = std::stoll(fs::path(lines_of(first.out).front()).filename().string());
    const auto b = std::stoll(fs::path(lines_of(second.out).front()).filename().string());
    BOOST_TEST(b > a);  // a second apart, or a+1 within one second: never the same version

    touch(dir / "29991231235959_from_a_fast_clock.cpp");
    auto after = cli.run({"new", "add_c", "--dir", dir.string()});
    BOOST_TEST(after.exit_code == 0, after);
    BOOST_TEST(after.out == (dir / "29991231235960_add_c.cpp").string() + "\n", after);
}

// A version has at most 18 digits (the build refuses a file name with more): after the highest,
// `new` wrote a 19-digit version the build refused, then the same one again.
BOOST_AUTO_TEST_CASE(new_never_writes_a_version_the_build_refuses_or_one_in_use) {
    strata_cli cli;
    const auto dir = units_dir(cli);
    touch(dir / "999999999999999998_nearly_last.sql");
    auto last = cli.run({"new", "last", "--sql", "--dir", dir.string()});
    BOOST_TEST(last.exit_code == 0, last);
    BOOST_TEST(last.out == (dir / "999999999999999999_last.sql").string() + "\n", last);

    for (const std::vector<std::string>& args : {std::vector<std::string>{"new", "after_last", "--sql", "--dir", dir.string()},
                                                {"new", "after_last", "--sequential", "--dir", dir.string()}}) {
        auto r = cli.run(args);
        BOOST_TEST(r.exit_code == 2, r);
        BOOST_TEST(r.out == "", r);
        BOOST_TEST(r.err == "strata: error: new: " + (dir / "999999999999999999_last.sql").string() +
                                " has version 999999999999999999, the highest a unit can have (18 digits), so no version "
                                "is left for a new unit after it; if that unit is not applied to any database yet, rename "
                                "it with a lower version (YYYYMMDDHHMMSS, the UTC time, as new writes them), then run new "
                                "again; if it is, name the next unit with a lower version by hand (up then needs "
                                "--allow-out-of-order)\n",
                   r);
    }
    BOOST_TEST(files_in(dir) == (std::vector<std::string>{"999999999999999998_nearly_last.sql", "999999999999999999_last.sql"}));

    // A 19-digit version an older `new` wrote: refused, naming it, not followed by another one.
    strata_cli older;
    const auto past = units_dir(older);
    touch(past / "20261201093000_create_users.cpp");
    touch(past / "1000000000000000000_after_big.sql");
    auto r = older.run({"new", "after_big2", "--sql", "--dir", past.string()});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "strata: error: new: " + (past / "1000000000000000000_after_big.sql").string() +
                                   " has a version of more than 18 digits, which the build refuses"),
               r);
    BOOST_TEST(files_in(past) == (std::vector<std::string>{"1000000000000000000_after_big.sql", "20261201093000_create_users.cpp"}));
}

BOOST_AUTO_TEST_CASE(new_json_prints_the_path_as_a_document) {
    strata_cli cli;
    const auto dir = units_dir(cli);
    auto r = cli.run({"--json", "new", "add_x", "--sequential", "--dir", dir.string()});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.out == "{\n  \"command\": \"new\",\n  \"path\": \"" + (dir / "1_add_x.cpp").string() + "\"\n}\n", r);
}

BOOST_AUTO_TEST_CASE(new_refuses_a_bad_name_and_a_missing_directory_writing_nothing) {
    strata_cli cli;
    const auto dir = units_dir(cli);
    for (const char* bad : {"AddIndex", "9lives", "add-index", "add index", "_add", ""}) {
        auto r = cli.run({"new", bad, "--dir", dir.string()});
        BOOST_TEST(r.exit_code == 2, r);
        BOOST_TEST(contains(r.err, "strata: error: new: '" + std::string(bad) + "' is not a unit name"), r);
    }
    BOOST_TEST(files_in(dir).empty());

    auto missing = cli.run({"new", "add_index", "--dir", (dir / "nope").string()});
    BOOST_TEST(missing.exit_code == 2, missing);
    BOOST_TEST(contains(missing.err, "is not a directory"), missing);

    auto no_name = cli.run({"new"});
    BOOST_TEST(no_name.exit_code == 2, no_name);
    BOOST_TEST(contains(no_name.err, "new needs the NAME of the unit"), no_name);
    BOOST_TEST(!fs::exists(cli.working_directory() / "strata.db"));
}

BOOST_AUTO_TEST_SUITE_END()
