#define BOOST_TEST_MODULE strata_cli
#include <boost/test/unit_test.hpp>
