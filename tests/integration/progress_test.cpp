// Progress of index builds (issue 9, point 8): while a unit builds an index on PostgreSQL, the
// runner polls pg_stat_progress_create_index from a second connection and reports the phase and
// how far it is through runner_options::on_progress. (Backfill progress: backfill_test.cpp.)

#include <strata/migration.hpp>
#include <strata/registry.hpp>
#include <strata/runner.hpp>

#include <soci/soci.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "support/change_unit.hpp"
#include "support/schema_session.hpp"
#include "support/temp_database.hpp"

using namespace strata::test;
using namespace strata::schema;

BOOST_AUTO_TEST_SUITE(postgresql)

BOOST_AUTO_TEST_CASE(an_index_build_reports_its_phase_and_progress) {
    auto db = temp_database::create(strata::backend::postgresql);
    strata::registry units;
    units.add(std::make_shared<const change_unit>(1, "create_readings",
                                                  [](builder& b) {
                                                      b.create_table("readings", [](table& t) {
                                                          t.column("id", type::bigint()).primary();
                                                          t.column("value", type::integer());
                                                      });
                                                  }),
              "progress_test.cpp");
    // An index over a slow expression (20 ms a row): slow enough to be seen building.
    units.add(std::make_shared<const change_unit>(2, "index_readings_slowly",
                                                  [](builder& b) {
                                                      b.sql("CREATE INDEX readings_slow_idx ON readings (slow_identity(value))",
                                                            "DROP INDEX readings_slow_idx");
                                                  }),
              "progress_test.cpp");
    strata::runner(units, db.url()).up(1);
    auto sql = open_session(db.url());
    *sql << "CREATE FUNCTION slow_identity(v integer) RETURNS integer IMMUTABLE LANGUAGE sql AS "
            "'SELECT v + length(pg_sleep(0.02)::text)'";
    *sql << "INSERT INTO readings SELECT g, g FROM generate_series(1, 50) g";

    std::mutex guard;
    std::vector<strata::progress_event> events;
    strata::runner_options options;
    options.on_progress = [&](const strata::progress_event& p) {
        std::lock_guard<std::mutex> hold(guard);
        events.push_back(p);
    };
    auto report = strata::runner(units, db.url(), options).up();
    BOOST_TEST_REQUIRE(report.units.size() == 1u);

    std::lock_guard<std::mutex> hold(guard);
    BOOST_TEST_REQUIRE(!events.empty(), "a build of about a second reported nothing");
    bool scanning = false;
    for (const auto& e : events) {
        BOOST_TEST(e.version == 2);
        BOOST_TEST(e.name == "index_readings_slowly");
        BOOST_TEST(e.operation.rfind("create_index", 0) == 0u, e.operation);
        BOOST_TEST(!e.phase.empty());
        BOOST_TEST((e.unit == "blocks" || e.unit == "tuples"), e.unit);
        BOOST_TEST(e.done <= e.total, describe(e));
        // A plain CREATE INDEX is not named until it is built: its table is.
        scanning |= e.phase == "building index: scanning table" && e.operation == "create_index on readings";
    }
    BOOST_TEST(scanning, "no report of the table scan; first: " << describe(events.front()));
}

BOOST_AUTO_TEST_SUITE_END()
