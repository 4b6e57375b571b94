// A build of hundreds of units, which the runner renders on a thread of its own while it connects
// and reads the history (runner.cpp, from 200 units on): the same refusals, the same runs in both
// directions and the same status as a build of three, read back from the database.

#include <strata/error.hpp>
#include <strata/migration.hpp>
#include <strata/registry.hpp>
#include <strata/runner.hpp>

#include <soci/soci.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "backend_test.hpp"
#include "support/schema_history.hpp"
#include "support/schema_reader.hpp"
#include "support/schema_session.hpp"
#include "support/temp_database.hpp"

using namespace strata::test;

namespace {

constexpr std::int64_t unit_count = 300;
constexpr std::int64_t broken_unit = 250;

/// Unit `version` creates table t_<version>; unit `broken_unit` cannot be rendered. With
/// `renders`, unit 1 counts how often it is asked for its operations (each plan asks twice: up
/// and down).
class table_unit final : public strata::migration {
public:
    explicit table_unit(std::int64_t version, std::atomic<int>* renders = nullptr) : version_(version), renders_(renders) {}
    strata::migration_info info() const override { return {.version = version_, .name = "create_t_" + std::to_string(version_)}; }
    void change(strata::schema::builder& b) const override {
        if (renders_ && version_ == 1) ++*renders_;
        if (version_ == broken_unit) throw strata::unsupported_error("this test's unit cannot be rendered");
        b.create_table("t_" + std::to_string(version_),
                       [](strata::schema::table& t) { t.column("id", strata::schema::type::bigint()).primary(); });
    }

private:
    std::int64_t version_;
    std::atomic<int>* renders_;
};

/// Units 1 to `count`, and `extra` (versions) registered a second time. Outlives its runners.
std::unique_ptr<strata::registry> registry_of(std::int64_t count, const std::vector<std::int64_t>& extra = {},
                                              std::atomic<int>* renders = nullptr) {
    auto r = std::make_unique<strata::registry>();
    for (std::int64_t v = 1; v <= count; ++v) r->add(std::make_shared<const table_unit>(v, renders), "many_units_test.cpp");
    for (auto v : extra) r->add(std::make_shared<const table_unit>(v), "many_units_test.cpp");
    return r;
}

/// Tables named t_<n>, without strata's metadata tables.
std::size_t unit_tables(soci::session& sql) {
    std::size_t n = 0;
    for (const auto& t : read_table_names(sql)) n += t.rfind("t_", 0) == 0;
    return n;
}

std::vector<std::int64_t> one_to(std::int64_t last) {
    std::vector<std::int64_t> out;
    for (std::int64_t v = 1; v <= last; ++v) out.push_back(v);
    return out;
}

}  // namespace

STRATA_BACKEND_TEST(many_units_refuse_an_unrenderable_one_then_apply_status_and_revert) {
    auto db = temp_database::create(backend);
    auto reg = registry_of(unit_count);
    strata::runner r(*reg, db.url());

    // Unit 250 cannot be rendered: up refuses before the first unit runs, naming it.
    try {
        r.up();
        BOOST_FAIL("up ran a build with a unit that cannot be rendered");
    } catch (const strata::unsupported_error& e) {
        BOOST_TEST((e.context().version == broken_unit));
        BOOST_TEST(std::string(e.what()).find("cannot be rendered") != std::string::npos, e.what());
    }
    auto sql = open_session(db.url());
    BOOST_TEST(recorded_versions(*sql).empty(), "nothing ran");
    BOOST_TEST(unit_tables(*sql) == 0u);

    // Up to the unit before it: every one applied, in order, each with its table.
    r.up(broken_unit - 1);
    BOOST_TEST(recorded_versions(*sql) == one_to(broken_unit - 1), boost::test_tools::per_element());
    BOOST_TEST(unit_tables(*sql) == static_cast<std::size_t>(broken_unit - 1));
    const auto last = read_table(*sql, "t_" + std::to_string(broken_unit - 1));
    BOOST_TEST_REQUIRE(last.columns.size() == 1u);
    BOOST_TEST(last.columns.front().name == "id");

    // A runner of its own (a new plan) sees the same history.
    auto status = strata::runner(*reg, db.url()).status();
    BOOST_TEST_REQUIRE(status.size() == static_cast<std::size_t>(unit_count));
    std::size_t applied = 0, pending = 0;
    for (const auto& s : status) {
        applied += s.state == strata::unit_state::applied;
        pending += s.state == strata::unit_state::pending;
    }
    BOOST_TEST(applied == static_cast<std::size_t>(broken_unit - 1));
    BOOST_TEST(pending == static_cast<std::size_t>(unit_count - broken_unit + 1));

    // And back down: every table gone, every row gone.
    r.down({.all = true});
    BOOST_TEST(recorded_versions(*sql).empty());
    BOOST_TEST(unit_tables(*sql) == 0u);
}

STRATA_BACKEND_TEST(a_registry_of_many_units_with_a_repeated_version_is_refused_before_connecting) {
    auto db = temp_database::create(backend);
    auto reg = registry_of(unit_count, {7});
    try {
        strata::runner r(*reg, db.url());
        BOOST_FAIL("a runner was made from a registry with two units of version 7");
    } catch (const strata::registry_error& e) {
        BOOST_TEST(std::string(e.what()).find("two units share version 7") != std::string::npos, e.what());
    }
    auto sql = open_session(db.url());
    BOOST_TEST(read_table_names(*sql).empty(), "nothing was created, not even the history");
}

// A run over many databases (the command line's --targets) gives its runners one shared_plans:
// the build is rendered once per database kind and --atomic, and each runner still reads and
// changes its own database only.
STRATA_BACKEND_TEST(runners_sharing_plans_render_the_units_once_each_on_its_own_database) {
    auto first = temp_database::create(backend);
    auto second = temp_database::create(backend);
    auto third = temp_database::create(backend);
    std::atomic<int> renders{0};
    auto reg = registry_of(unit_count, {}, &renders);
    strata::runner_options shared;
    shared.plans = std::make_shared<strata::shared_plans>(*reg);

    strata::runner(*reg, first.url(), shared).up(broken_unit - 1);
    const int one_plan = renders.load();
    BOOST_TEST_REQUIRE(one_plan > 0, "unit 1 was never rendered");

    // The second database: nothing rendered again; its own, empty history; its own run.
    strata::runner on_second(*reg, second.url(), shared);
    auto status = on_second.status();
    BOOST_TEST_REQUIRE(status.size() == static_cast<std::size_t>(unit_count));
    BOOST_TEST(std::all_of(status.begin(), status.end(), [](const auto& s) { return s.state == strata::unit_state::pending; }));
    on_second.up(10);
    BOOST_TEST(renders.load() == one_plan, "a runner given the shared plans rendered the units again");
    auto on_first = open_session(first.url());
    auto on_second_sql = open_session(second.url());
    BOOST_TEST(recorded_versions(*on_first) == one_to(broken_unit - 1), boost::test_tools::per_element());
    BOOST_TEST(recorded_versions(*on_second_sql) == one_to(10), boost::test_tools::per_element());
    BOOST_TEST(unit_tables(*on_second_sql) == 10u);

    // The refusal of the unit that cannot be rendered is shared too, with the unit named.
    try {
        on_second.up();
        BOOST_FAIL("up ran a build with a unit that cannot be rendered");
    } catch (const strata::unsupported_error& e) {
        BOOST_TEST((e.context().version == broken_unit));
    }
    BOOST_TEST(recorded_versions(*on_second_sql) == one_to(10), boost::test_tools::per_element());

    // Without them a runner renders its own; --atomic is a plan of its own, then shared as well.
    strata::runner(*reg, third.url()).status();
    BOOST_TEST(renders.load() == 2 * one_plan);
    auto atomic = shared;
    atomic.atomic = true;
    strata::runner(*reg, third.url(), atomic).status();
    strata::runner(*reg, first.url(), atomic).status();
    BOOST_TEST(renders.load() == 3 * one_plan);

    // Another registry given the same plans: its own plan, its own units, every time.
    std::atomic<int> other_renders{0};
    auto other = registry_of(3, {}, &other_renders);
    for (int run = 1; run <= 2; ++run) {
        auto three = strata::runner(*other, third.url(), shared).status();
        BOOST_TEST(three.size() == 3u);
        BOOST_TEST(other_renders.load() == run * one_plan, "a runner over another registry took the shared plan");
    }
    BOOST_TEST(renders.load() == 3 * one_plan);
}

// diff builds the schema a database should have from a registry of the units it has applied,
// made for that one call: with shared plans too, each database is compared with its own units,
// never with those of the database compared before it.
STRATA_BACKEND_TEST(diff_with_shared_plans_expects_each_databases_own_units) {
    auto three = temp_database::create(backend);
    auto two = temp_database::create(backend);
    auto reg = registry_of(3);
    strata::runner_options shared;
    shared.plans = std::make_shared<strata::shared_plans>(*reg);
    strata::runner(*reg, three.url(), shared).up();
    strata::runner(*reg, two.url(), shared).up(2);
    for (int round = 1; round <= 2; ++round) {
        BOOST_TEST_CONTEXT("round " << round) {
            const auto of_three = strata::runner(*reg, three.url(), shared).diff(std::nullopt);
            BOOST_TEST(of_three.differences.empty());
            BOOST_TEST(of_three.applied == one_to(3), boost::test_tools::per_element());
            const auto of_two = strata::runner(*reg, two.url(), shared).diff(std::nullopt);
            BOOST_TEST(of_two.differences.empty(), "the database with units 1 and 2 was compared with units 1 to 3");
            BOOST_TEST(of_two.applied == one_to(2), boost::test_tools::per_element());
        }
    }
}
