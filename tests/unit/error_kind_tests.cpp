// Error kinds: each error class says what it is, one table turns a kind into the command line's
// exit code (documented in --help), and a failed unit keeps the kind of what failed it.
#include <strata/error.hpp>

#include <boost/test/unit_test.hpp>

#include <map>
#include <ostream>
#include <set>
#include <string>

namespace strata {
// Boost.Test prints a value through this, found by argument-dependent lookup.
std::ostream& boost_test_print_type(std::ostream& out, error_kind k) { return out << to_string(k); }
}  // namespace strata

namespace {

using strata::error_kind;

/// Every kind, with the exit code --help documents for it.
const std::map<error_kind, int> documented = {
    {error_kind::other, 1},        {error_kind::config, 2},       {error_kind::connection, 3},
    {error_kind::registry, 2},     {error_kind::irreversible, 1}, {error_kind::unsupported, 1},
    {error_kind::statement, 1},    {error_kind::validation, 4},   {error_kind::lock_timeout, 5},
    {error_kind::unit_failed, 1},  {error_kind::commit_unknown, 1}, {error_kind::interrupted, 130},
    {error_kind::replica_lag, 5},  {error_kind::data_loss, 1},
};

strata::migration_error failed_unit(error_kind cause, bool transactional = true) {
    return strata::migration_error("it failed", {.version = 2, .unit_name = "create_user_profiles"}, {}, transactional,
                                   cause);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(error_kinds)

BOOST_AUTO_TEST_CASE(every_kind_has_its_documented_exit_code_and_a_name) {
    // The last enumerator bounds the loop: a kind added after it is caught by the size check.
    std::set<std::string> names;
    for (int k = 0; k <= static_cast<int>(error_kind::data_loss); ++k) {
        const auto kind = static_cast<error_kind>(k);
        BOOST_TEST_REQUIRE(documented.count(kind) == 1u, "kind " << k << " has no documented exit code in this test");
        BOOST_TEST(strata::exit_status(kind) == documented.at(kind), strata::to_string(kind));
        names.insert(strata::to_string(kind));
    }
    BOOST_TEST(documented.size() == static_cast<std::size_t>(error_kind::data_loss) + 1);
    BOOST_TEST(names.size() == documented.size(), "two kinds share a name");
    BOOST_TEST(names.count("?") == 0u);
}

BOOST_AUTO_TEST_CASE(each_error_class_says_its_kind) {
    BOOST_TEST(strata::error("x").kind() == error_kind::other);
    BOOST_TEST(strata::config_error("x").kind() == error_kind::config);
    BOOST_TEST(strata::sql_file_error("0001_a.sql", 3, "x").kind() == error_kind::config);
    BOOST_TEST(strata::connection_error("x").kind() == error_kind::connection);
    BOOST_TEST(strata::commit_unknown_error("x").kind() == error_kind::commit_unknown);
    BOOST_TEST(strata::registry_error("x").kind() == error_kind::registry);
    BOOST_TEST(strata::irreversible_error("x").kind() == error_kind::irreversible);
    BOOST_TEST(strata::unsupported_error("x").kind() == error_kind::unsupported);
    BOOST_TEST(strata::statement_error("x").kind() == error_kind::statement);
    BOOST_TEST(strata::validation_error("x", {}, {"p"}).kind() == error_kind::validation);
    BOOST_TEST(strata::lock_timeout_error("x").kind() == error_kind::lock_timeout);
    BOOST_TEST(strata::replica_lag_error("x").kind() == error_kind::replica_lag);
    BOOST_TEST(strata::data_loss_error("x", {}, {strata::lost_data{}}).kind() == error_kind::data_loss);
    // Through the base class, as the command line sees them.
    const strata::error& e = strata::connection_error("x");
    BOOST_TEST(e.kind() == error_kind::connection);
}

BOOST_AUTO_TEST_CASE(a_commit_in_doubt_is_not_a_connection_error_to_retry) {
    const strata::error& e = strata::commit_unknown_error("x");
    BOOST_TEST(dynamic_cast<const strata::connection_error*>(&e) == nullptr);
    BOOST_TEST(strata::exit_status(e.kind()) == 1);
}

BOOST_AUTO_TEST_CASE(a_unit_failed_by_its_sql_exits_1_and_was_rolled_back) {
    for (auto cause : {error_kind::statement, error_kind::unsupported, error_kind::other, error_kind::lock_timeout,
                       error_kind::config}) {
        const auto m = failed_unit(cause);
        BOOST_TEST(m.cause() == cause, strata::to_string(cause));
        BOOST_TEST(m.kind() == error_kind::unit_failed, strata::to_string(cause));
        BOOST_TEST(strata::exit_status(m.kind()) == 1, strata::to_string(cause));
        BOOST_TEST(m.rolled_back(), strata::to_string(cause));
    }
    BOOST_TEST(failed_unit(error_kind::statement).cause() == error_kind::statement);
    BOOST_TEST(!failed_unit(error_kind::statement, false).rolled_back(), "a unit outside a transaction keeps its steps");
}

BOOST_AUTO_TEST_CASE(a_unit_that_lost_its_connection_exits_3) {
    const auto m = failed_unit(error_kind::connection);
    BOOST_TEST(m.cause() == error_kind::connection);
    BOOST_TEST(m.kind() == error_kind::connection);
    BOOST_TEST(strata::exit_status(m.kind()) == 3);
    BOOST_TEST(m.transactional());
}

BOOST_AUTO_TEST_CASE(a_unit_whose_commit_is_in_doubt_exits_1_and_is_not_said_to_be_rolled_back) {
    const auto stopped = failed_unit(error_kind::interrupted);
    BOOST_TEST(stopped.kind() == error_kind::interrupted, "a unit stopped by a signal exits as one (128 + the signal)");
    BOOST_TEST(strata::interrupted_error("x").kind() == error_kind::interrupted);
    const auto m = failed_unit(error_kind::commit_unknown);
    BOOST_TEST(m.cause() == error_kind::commit_unknown);
    BOOST_TEST(m.kind() == error_kind::commit_unknown);
    BOOST_TEST(strata::exit_status(m.kind()) == 1);
    BOOST_TEST(!m.rolled_back(), "nobody knows whether the unit was kept");
    BOOST_TEST(m.transactional());
}

BOOST_AUTO_TEST_SUITE_END()
