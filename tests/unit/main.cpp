#define BOOST_TEST_MODULE strata_unit
#include <boost/test/unit_test.hpp>
