#define BOOST_TEST_MODULE strata_integration
#include <boost/test/unit_test.hpp>
