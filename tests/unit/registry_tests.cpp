// The registry: ordering, validation, and that each unit file's name agrees with its code.
#include <strata/error.hpp>
#include <strata/migration.hpp>
#include <strata/registry.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

class fake_unit final : public strata::migration {
public:
    fake_unit(std::int64_t version, std::string name) : info_{version, std::move(name)} {}
    strata::migration_info info() const override { return info_; }
    void change(strata::schema::builder&) const override {}

private:
    strata::migration_info info_;
};

class unit_without_info final : public strata::migration {
public:
    strata::migration_info info() const override { throw std::runtime_error("no info today"); }
};

std::shared_ptr<const strata::migration> unit(std::int64_t version, std::string name) {
    return std::make_shared<const fake_unit>(version, std::move(name));
}

/// The registry_error validate() throws; fails the test when it throws nothing.
strata::registry_error validation_error(const strata::registry& r) {
    try {
        r.validate();
    } catch (const strata::registry_error& e) {
        return e;
    }
    BOOST_FAIL("validate() accepted the registry");
    throw std::logic_error("unreachable");
}

const std::filesystem::path migrations_dir = std::filesystem::path(STRATA_SOURCE_DIR) / "migrations";

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    BOOST_TEST_REQUIRE(in.good(), "cannot read " << path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

/// The unit files in migrations/, by file name.
std::vector<std::filesystem::path> unit_files() {
    std::vector<std::filesystem::path> out;
    for (const auto& entry : std::filesystem::directory_iterator(migrations_dir))
        if (entry.is_regular_file() && entry.path().extension() == ".cpp") out.push_back(entry.path());
    std::sort(out.begin(), out.end());
    return out;
}

const std::regex file_name_pattern(R"re(^(\d{4})_([a-z0-9_]+)\.cpp$)re");
const std::regex info_pattern(R"re(info\(\)\s*const\s*override\s*\{\s*return\s*\{\s*(\d+)\s*,\s*"([^"]*)"\s*\}\s*;)re");
const std::regex registration_pattern(R"re(STRATA_MIGRATION\s*\()re");

}  // namespace

BOOST_AUTO_TEST_SUITE(registry_validation)

BOOST_AUTO_TEST_CASE(entries_are_ordered_by_version_with_ties_in_registration_order) {
    strata::registry r;
    r.add(unit(3, "c"), "3.cpp");
    r.add(unit(1, "a"), "1.cpp");
    r.add(unit(2, "b"), "2.cpp");
    r.add(unit(2, "b_again"), "2_again.cpp");
    std::vector<std::int64_t> versions;
    std::vector<std::string> names, files;
    for (const auto& e : r.entries()) {
        versions.push_back(e.version);
        names.push_back(e.name);
        files.push_back(e.source_file);
    }
    BOOST_TEST(versions == (std::vector<std::int64_t>{1, 2, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(names == (std::vector<std::string>{"a", "b", "b_again", "c"}), boost::test_tools::per_element());
    BOOST_TEST(files == (std::vector<std::string>{"1.cpp", "2.cpp", "2_again.cpp", "3.cpp"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(find_returns_the_unit_of_a_version_or_nothing) {
    strata::registry r;
    r.add(unit(10, "ten"));
    r.add(unit(20, "twenty"));
    BOOST_TEST_REQUIRE(r.find(20) != nullptr);
    BOOST_TEST(r.find(20)->name == "twenty");
    BOOST_TEST(r.find(20)->unit->info().version == 20);
    BOOST_TEST(r.find(15) == nullptr);
    BOOST_TEST(r.find(30) == nullptr);
}

BOOST_AUTO_TEST_CASE(distinct_positive_versions_validate) {
    strata::registry r;
    r.add(unit(2, "b"), "2.cpp");
    r.add(unit(1, "a"), "1.cpp");
    BOOST_CHECK_NO_THROW(r.validate());
    BOOST_TEST(r.entries().size() == 2u);
}

BOOST_AUTO_TEST_CASE(duplicate_version_is_reported_naming_both_units_and_files) {
    strata::registry r;
    r.add(unit(1, "create_users"), "migrations/0001_create_users.cpp");
    r.add(unit(2, "create_orders"), "migrations/0002_create_orders.cpp");
    r.add(unit(2, "create_invoices"), "migrations/0002_create_invoices.cpp");
    BOOST_TEST(validation_error(r).message() ==
               "two units share version 2: unit 2 create_orders (migrations/0002_create_orders.cpp) and "
               "unit 2 create_invoices (migrations/0002_create_invoices.cpp); give one a new version");
}

BOOST_AUTO_TEST_CASE(a_unit_whose_file_name_says_another_version_or_name_is_reported) {
    // The usual slip: a unit file copied under a new name, its info() left as it was.
    strata::registry copied;
    copied.add(unit(20261201093000, "add_orders_index"), "/src/migrations/20261201101500_add_orders_note.cpp");
    BOOST_TEST(validation_error(copied).message() ==
               "unit 20261201093000 add_orders_index (/src/migrations/20261201101500_add_orders_note.cpp) registers "
               "version 20261201093000 add_orders_index, but its file name says 20261201101500 add_orders_note: if the "
               "file was renamed, give it back its name (20261201093000_add_orders_index.cpp); if it was copied from "
               "another unit, give its info() the file's version and name");
    // With the unit it was copied from in the build, its old name would collide: only the copy advice.
    strata::registry with_original;
    with_original.add(unit(20261201093000, "add_orders_index"), "/src/migrations/20261201093000_add_orders_index.cpp");
    with_original.add(unit(20261201093000, "add_orders_index"), "/src/migrations/20261201101500_add_orders_note.cpp");
    BOOST_TEST(validation_error(with_original).message() ==
               "unit 20261201093000 add_orders_index (/src/migrations/20261201101500_add_orders_note.cpp) registers "
               "version 20261201093000 add_orders_index, but its file name says 20261201101500 add_orders_note: it looks "
               "copied from unit 20261201093000 add_orders_index (/src/migrations/20261201093000_add_orders_index.cpp); "
               "give its info() the file's version and name");
    strata::registry renamed;
    renamed.add(unit(4, "add_index"), "migrations/0004_add_orders_index.cpp");
    BOOST_CHECK_THROW(renamed.validate(), strata::registry_error);
    // Leading zeros are the same version; files not named like units are not checked.
    strata::registry fine;
    fine.add(unit(4, "add_index"), "migrations/0004_add_index.cpp");
    fine.add(unit(5, "generated"), "bench_units_0.cpp");
    fine.add(unit(6, "in_a_test"), "tests/integration/custom_units_test.cpp");
    BOOST_CHECK_NO_THROW(fine.validate());
}

BOOST_AUTO_TEST_CASE(unit_file_names_give_version_and_name_only_when_named_like_units) {
    auto parsed = strata::parse_unit_file_name("/src/migrations/0003_add_profile_to_users.cpp");
    BOOST_TEST_REQUIRE(parsed.has_value());
    BOOST_TEST(parsed->version == 3);
    BOOST_TEST(parsed->name == "add_profile_to_users");
    BOOST_TEST(parsed->version_digits == 4u);
    auto sql = strata::parse_unit_file_name("20261201093000_add_orders_index.sql");
    BOOST_TEST_REQUIRE(sql.has_value());
    BOOST_TEST(sql->version == 20261201093000);
    for (const char* other : {"README.md", "0003_add_profile.txt", "add_profile.cpp", "_x.cpp", "3_.cpp", "3_Add.cpp",
                              "3_9lives.cpp", "3_add-index.sql", "x3_add.cpp", "1234567890123456789_too_long.cpp",
                              "bench_units_0.cpp"})
        BOOST_TEST(!strata::parse_unit_file_name(other).has_value(), other);
}

BOOST_AUTO_TEST_CASE(duplicate_version_without_source_files_names_both_units) {
    strata::registry r;
    r.add(unit(7, "first"));
    r.add(unit(7, "second"));
    BOOST_TEST(validation_error(r).message() ==
               "two units share version 7: unit 7 first and unit 7 second; give one a new version");
}

BOOST_AUTO_TEST_CASE(non_positive_version_is_reported) {
    for (const std::int64_t version : {0, -3}) {
        BOOST_TEST_CONTEXT("version " << version) {
            strata::registry r;
            r.add(unit(1, "create_users"), "migrations/0001_create_users.cpp");
            r.add(unit(version, "too_early"), "migrations/too_early.cpp");
            BOOST_TEST(validation_error(r).message() ==
                       "unit " + std::to_string(version) +
                           " too_early (migrations/too_early.cpp) has a version that is not positive; versions start at 1");
        }
    }
}

// strata_add_migrator allows 18 digits in a file name; a unit whose info() goes past them (one
// from SOURCES, whose file name is not checked) is refused the same.
BOOST_AUTO_TEST_CASE(a_version_of_more_than_18_digits_is_reported) {
    strata::registry highest;
    highest.add(unit(999'999'999'999'999'999, "highest"), "generated.cpp");
    BOOST_CHECK_NO_THROW(highest.validate());
    strata::registry r;
    r.add(unit(1'000'000'000'000'000'000, "too_late"), "generated.cpp");
    BOOST_TEST(validation_error(r).message() ==
               "unit 1000000000000000000 too_late (generated.cpp) has a version of more than 18 digits; versions have at "
               "most 18 (999999999999999999 is the highest)");
}

BOOST_AUTO_TEST_CASE(empty_name_is_reported) {
    strata::registry r;
    r.add(unit(4, ""), "migrations/0004_.cpp");
    BOOST_TEST(validation_error(r).message() == "unit 4 (migrations/0004_.cpp) has an empty name");
}

BOOST_AUTO_TEST_CASE(a_unit_that_could_not_be_constructed_is_reported_by_validate) {
    strata::registry r;
    BOOST_CHECK_NO_THROW(r.add(nullptr, "migrations/0005_broken.cpp"));
    BOOST_TEST(r.entries().empty());
    BOOST_TEST(validation_error(r).message() == "the unit in migrations/0005_broken.cpp could not be constructed");
}

BOOST_AUTO_TEST_CASE(a_unit_whose_info_throws_is_reported_by_validate) {
    strata::registry r;
    BOOST_CHECK_NO_THROW(r.add(std::make_shared<const unit_without_info>(), "migrations/0006_no_info.cpp"));
    BOOST_TEST(r.entries().empty());
    BOOST_TEST(validation_error(r).message() ==
               "a unit in migrations/0006_no_info.cpp failed to register: no info today");
}

BOOST_AUTO_TEST_SUITE(unit_file_names)

BOOST_AUTO_TEST_CASE(every_unit_file_name_agrees_with_the_version_and_name_in_its_code) {
    const auto files = unit_files();
    BOOST_TEST_REQUIRE(files.size() >= 3u, "expected the reference units in " << migrations_dir);
    std::map<std::int64_t, std::string> seen;
    for (const auto& path : files) {
        const std::string file_name = path.filename().string();
        BOOST_TEST_CONTEXT(file_name) {
            std::smatch name_parts;
            BOOST_TEST_REQUIRE(std::regex_match(file_name, name_parts, file_name_pattern),
                               "a unit file is named NNNN_name.cpp");
            const std::int64_t file_version = std::stoll(name_parts[1].str());
            const std::string file_unit_name = name_parts[2].str();

            const std::string code = read_file(path);
            std::smatch info;
            BOOST_TEST_REQUIRE(std::regex_search(code, info, info_pattern),
                               "no `info() const override { return {N, \"name\"}; }`");
            BOOST_TEST(std::stoll(info[1].str()) == file_version);
            BOOST_TEST(info[2].str() == file_unit_name);

            const auto registrations = std::distance(
                std::sregex_iterator(code.begin(), code.end(), registration_pattern), std::sregex_iterator());
            BOOST_TEST(registrations == 1);

            const auto [previous, inserted] = seen.emplace(file_version, file_name);
            BOOST_TEST(inserted, "version " << file_version << " is also used by " << previous->second);
        }
    }
}

// migrations/ is an OBJECT library listing its sources: a unit file left out would silently
// never run.
BOOST_AUTO_TEST_CASE(every_unit_file_is_built_in_with_no_list_to_keep) {
    // strata_add_migrator globs migrations/: each file's unit is in the program's registry (this
    // test links the same strata_units), registered from that very file.
    const auto& global = strata::registry::global();
    BOOST_TEST_REQUIRE(!unit_files().empty());
    for (const auto& path : unit_files()) {
        const auto registered = std::find_if(global.entries().begin(), global.entries().end(), [&](const auto& e) {
            return std::filesystem::path(e.source_file).filename() == path.filename();
        });
        BOOST_TEST((registered != global.entries().end()), path.filename().string() << " registers no unit in the program");
    }
    BOOST_TEST(global.entries().size() == unit_files().size());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE_END()
