// The checksum recorded with each applied unit: SHA-256 (OpenSSL) of the statements, each
// followed by a NUL byte. A history written by an earlier build must keep matching, so the
// reference units' checksums are pinned: a change here means every existing database reports
// drift.
#include <strata/dialect.hpp>

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "checksum.hpp"  // private to the engine
#include "reference_units.hpp"

BOOST_AUTO_TEST_SUITE(checksum)

// Each statement is followed by a NUL byte, so the split between statements counts. Expected
// values: Python's hashlib.sha256 of b"" and b"ab\0c\0".
BOOST_AUTO_TEST_CASE(statements_are_delimited) {
    BOOST_TEST(strata::checksum({}) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    BOOST_TEST(strata::checksum({"ab", "c"}) == "629c2f14f654f026086f2aefe1855533d0897f49df86a19073be17b237361b09");
    BOOST_TEST(strata::checksum({"a", "bc"}) == "aa795aa4bbb6117911ef062e271bcb05ccfd58ea439da7d46a44e3a3fcefa790");
}

// The reference units' checksums: a history written by an earlier build must still agree with
// this one. (Unit 3's PostgreSQL checksum changed once before the first release, when its index
// guard learnt to look in the table's schema, when it learnt to drop a killed build's INVALID
// index CONCURRENTLY and when that drop learnt to leave a build in progress alone, and units 1 and 2's SQLite checksums when integer,
// bigint and timestamptz columns gained their CHECKs; after a release such a change needs a note.)
BOOST_AUTO_TEST_CASE(reference_units_keep_their_checksums) {
    auto checksums = [](strata::backend b) {
        std::vector<std::string> out;
        for (const auto& u : strata::test::reference::render_reference_units(b)) out.push_back(strata::checksum(u.up.statements));
        return out;
    };
    const std::vector<std::string> sqlite{"b30d402f98f070484d89cccff92baf86c8397d07d11716baac50410852c31886",
                                          "5ba4a657d3853b5dce32aaff88a9d9bfa1ff7a4f3f8405a96fb4f72495e7a6f2",
                                          "c858f78ea2099145f98c9559562748540f28ad65eb1d7e5cb005280fba41dab4"};
    const std::vector<std::string> postgresql{"62cb9613d61e3bac8e35309140a212315053965afa9f30325e94105d728d8b80",
                                              "14f82445342dadae476977d1a376dd067662dd71b73f18b9ea7815ca385e7130",
                                              "a9e1071c5808bd4fa69b0a713a35aeaec93cc3242d4301675a97a0fa9bacc955"};
    BOOST_TEST(checksums(strata::backend::sqlite) == sqlite, boost::test_tools::per_element());
    BOOST_TEST(checksums(strata::backend::postgresql) == postgresql, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
