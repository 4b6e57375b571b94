// The plan room (engine/src/run/plan.hpp): every unit rendered once; a problem is kept for the
// direction of the unit that has it and raised only when asked for, with the unit named; later
// units still see the schema a unit with a problem declares; --atomic's plain form of an online
// unit keeps the unit's checksum.

#include <boost/test/unit_test.hpp>

#include <strata/dialect.hpp>
#include <strata/error.hpp>
#include <strata/migration.hpp>
#include <strata/registry.hpp>

#include <memory>
#include <string>

#include "run/plan.hpp"
#include "support/change_unit.hpp"

using namespace strata;
using namespace strata::schema;
using strata::test::change_unit;

namespace {

/// A unit with an up and a down of its own (change_unit derives the down).
class up_down_unit final : public migration {
public:
    up_down_unit(std::int64_t v, std::function<void(builder&)> up, std::function<void(builder&)> down)
        : info_{v, "unit_" + std::to_string(v)}, up_(std::move(up)), down_(std::move(down)) {}
    migration_info info() const override { return info_; }
    void up(builder& b) const override { up_(b); }
    void down(builder& b) const override { down_(b); }

private:
    migration_info info_;
    std::function<void(builder&)> up_, down_;
};

/// The message of the error raising `direction` of unit `v` raises, or "".
std::string problem_of(const strata::plan& p, std::int64_t v, direction dir) {
    try {
        statements_of(*p.find(v), dir, {.database = "db"});
    } catch (const error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(plan_room)

BOOST_AUTO_TEST_CASE(a_problem_is_raised_for_its_unit_and_direction_only) {
    registry units;
    units.add(std::make_shared<const change_unit>(1, "create_t", [](builder& b) {
                  b.create_table("t", [](table& t) {
                      t.column("id", type::bigint()).primary();
                      t.column("code", type::varchar(0));  // refused on render
                  });
              }),
              "plan_tests.cpp");
    // Renders against the table unit 1 declares, although unit 1 itself cannot render.
    units.add(std::make_shared<const change_unit>(2, "index_t", [](builder& b) { b.create_index("t", {"code"}); }),
              "plan_tests.cpp");
    // Its down forgets to undo what its up does.
    units.add(std::make_shared<const up_down_unit>(
                  3, [](builder& b) { b.add_column("t", column("note", type::text())); }, [](builder&) {}),
              "plan_tests.cpp");
    units.add(std::make_shared<const up_down_unit>(
                  4, [](builder& b) { b.sql("SELECT 1"); }, [](builder& b) { b.nothing_to_undo(); }),
              "plan_tests.cpp");
    for (auto kind : {backend::sqlite, backend::postgresql}) {
        strata::plan p(units, dialect_for(kind), false);
        BOOST_TEST_CONTEXT(to_string(kind)) {
            auto up1 = problem_of(p, 1, direction::up);
            BOOST_TEST(up1.find("unit 1 create_t") != std::string::npos, up1);
            BOOST_TEST(up1.find("varchar") != std::string::npos, up1);
            BOOST_TEST(p.find(1)->checksum.empty(), "a unit that cannot render has no checksum");
            BOOST_TEST(problem_of(p, 2, direction::up) == "");
            BOOST_TEST(!p.find(2)->checksum.empty());
            BOOST_TEST(problem_of(p, 3, direction::up) == "");
            auto down3 = problem_of(p, 3, direction::down);
            BOOST_TEST(down3.find("records no operation while its up() records 1") != std::string::npos, down3);
            BOOST_TEST(!p.find(3)->stored_down(), "a down that cannot render is not stored");
            BOOST_TEST(problem_of(p, 4, direction::down) == "", "nothing_to_undo() says so explicitly");
            BOOST_TEST(p.find(5) == nullptr);
        }
    }
}

BOOST_AUTO_TEST_CASE(the_atomic_form_of_an_online_unit_is_plain_and_keeps_its_checksum) {
    registry units;
    units.add(std::make_shared<const change_unit>(1, "create_t", [](builder& b) {
                  b.create_table("t", [](table& t) { t.column("x", type::integer()); });
              }),
              "plan_tests.cpp");
    units.add(std::make_shared<const change_unit>(2, "index_t", [](builder& b) { b.create_index("t", {"x"}).online(); }),
              "plan_tests.cpp");
    strata::plan plain(units, dialect_for(backend::postgresql), false);
    strata::plan atomic(units, dialect_for(backend::postgresql), true);
    BOOST_TEST(!plain.find(2)->up_atomic);
    BOOST_TEST(!atomic.find(1)->up_atomic, "only units with online operations have a plain form");
    BOOST_TEST_REQUIRE(atomic.find(2)->up_atomic.has_value());
    BOOST_TEST(atomic.find(2)->up_atomic->transactional);
    BOOST_TEST(!atomic.find(2)->up.transactional);
    BOOST_TEST(atomic.find(2)->checksum == plain.find(2)->checksum);
}

BOOST_AUTO_TEST_SUITE_END()
