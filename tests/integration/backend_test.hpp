#pragma once
// One test body, run once per database: ctest runs this binary with --run_test=sqlite and
// --run_test=postgresql, so every test lives in the top-level suites `sqlite` and `postgresql`.
//
//   STRATA_BACKEND_TEST(some_behaviour) {
//       auto db = strata::test::temp_database::create(backend);
//       ...
//   }
//
// defines `void some_behaviour(strata::backend backend)` and registers it as the test cases
// sqlite/some_behaviour and postgresql/some_behaviour. Use it at global scope.

#include <strata/database_url.hpp>

#include <boost/test/unit_test.hpp>

#define STRATA_BACKEND_TEST(name)                                              \
    static void name(::strata::backend backend);                               \
    BOOST_AUTO_TEST_SUITE(sqlite)                                              \
    BOOST_AUTO_TEST_CASE(name) { ::name(::strata::backend::sqlite); }          \
    BOOST_AUTO_TEST_SUITE_END()                                                \
    BOOST_AUTO_TEST_SUITE(postgresql)                                          \
    BOOST_AUTO_TEST_CASE(name) { ::name(::strata::backend::postgresql); }      \
    BOOST_AUTO_TEST_SUITE_END()                                                \
    static void name([[maybe_unused]] ::strata::backend backend)
