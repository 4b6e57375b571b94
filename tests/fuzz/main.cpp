#define BOOST_TEST_MODULE strata_fuzz
#include <boost/test/unit_test.hpp>
