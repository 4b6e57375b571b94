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
#include <stdexcept>
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

// A half-written unit's code throws a plain std::exception: kept as the problem of the direction
// that runs it, an unsupported_error (exit 1, as for a unit that cannot render) naming the unit,
// its file and the method that threw; the plan of the other units is made as for any problem.
BOOST_AUTO_TEST_CASE(a_unit_whose_code_throws_is_a_problem_naming_the_unit_its_file_and_the_method) {
    auto throws = [](builder&) { throw std::runtime_error("TODO: pick the locale default"); };
    registry units;
    units.add(std::make_shared<const change_unit>(1, "create_t",
                                                  [](builder& b) {
                                                      b.create_table("t", [](table& t) { t.column("id", type::bigint()).primary(); });
                                                  }),
              "migrations/0001_create_t.cpp");
    units.add(std::make_shared<const change_unit>(2, "set_locale", throws), "migrations/0002_set_locale.cpp");
    units.add(std::make_shared<const up_down_unit>(3, throws, [](builder& b) { b.nothing_to_undo(); }),
              "migrations/0003_unit_3.cpp");
    units.add(std::make_shared<const up_down_unit>(
                  4, [](builder& b) { b.add_column("t", column("note", type::text())); }, [](builder&) { throw 42; }),
              "migrations/0004_unit_4.cpp");
    strata::plan p(units, dialect_for(backend::sqlite), false);
    BOOST_TEST(problem_of(p, 2, direction::up) ==
               "unit 2 set_locale (up) cannot run on db: its change() in migrations/0002_set_locale.cpp threw: TODO: pick "
               "the locale default; nothing was run");
    BOOST_TEST(problem_of(p, 2, direction::down) ==
               "unit 2 set_locale (down) cannot run on db: its change() in migrations/0002_set_locale.cpp threw: TODO: "
               "pick the locale default; nothing was run");
    BOOST_TEST(problem_of(p, 3, direction::up) ==
               "unit 3 unit_3 (up) cannot run on db: its up() in migrations/0003_unit_3.cpp threw: TODO: pick the locale "
               "default; nothing was run");
    BOOST_TEST(problem_of(p, 4, direction::down) ==
               "unit 4 unit_4 (down) cannot run on db: its down() in migrations/0004_unit_4.cpp threw an exception that "
               "is not a std::exception; nothing was run");
    for (std::int64_t v : {2, 3}) {
        try {
            statements_of(*p.find(v), direction::up, {});
            BOOST_ERROR("unit " << v << " rendered");
        } catch (const unsupported_error& e) {
            BOOST_TEST(exit_status(e.kind()) == 1);
        }
    }
    BOOST_TEST(problem_of(p, 1, direction::up) == "");
    BOOST_TEST(problem_of(p, 4, direction::up) == "");
    BOOST_TEST(problem_of(p, 3, direction::down) == "");

    // Called directly, the default up() and down() say it too, without the file the registry knows.
    for (auto dir : {direction::up, direction::down}) {
        builder b;
        try {
            if (dir == direction::up) units.find(2)->unit->up(b);
            else units.find(2)->unit->down(b);
            BOOST_ERROR("change() did not throw");
        } catch (const unsupported_error& e) {
            BOOST_TEST(e.message() == "its change() threw: TODO: pick the locale default");
            BOOST_TEST(e.context().version.value_or(0) == 2);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_units_allowance_to_drop_data_goes_with_its_down_only) {
    auto create_notes = [](builder& b) { b.create_table("notes", [](table& t) { t.column("a", type::text()); }); };
    registry units;
    // In change(), down() or up(): each says that the unit's down drops data on purpose.
    units.add(std::make_shared<const change_unit>(1, "notes", [&](builder& b) {
                  create_notes(b);
                  b.allow_data_loss("in change()");
              }),
              "plan_tests.cpp");
    units.add(std::make_shared<const up_down_unit>(
                  2, [](builder& b) { b.add_column("notes", column("b", type::text())); },
                  [](builder& b) { b.drop_column("notes", "b").allow_data_loss("in down()"); }),
              "plan_tests.cpp");
    units.add(std::make_shared<const up_down_unit>(
                  3, [](builder& b) { b.add_column("notes", column("c", type::text())).allow_data_loss("in up()"); },
                  [](builder& b) { b.drop_column("notes", "c"); }),
              "plan_tests.cpp");
    units.add(std::make_shared<const change_unit>(4, "plain", [](builder& b) { b.add_column("notes", column("d", type::text())); }),
              "plan_tests.cpp");
    strata::plan p(units, dialect_for(backend::postgresql), false);
    BOOST_TEST(p.find(1)->down.data_loss_allowed.value_or("") == "in change()");
    BOOST_TEST(p.find(2)->down.data_loss_allowed.value_or("") == "in down()");
    BOOST_TEST(p.find(3)->down.data_loss_allowed.value_or("") == "in up()");
    BOOST_TEST(!p.find(4)->down.data_loss_allowed.has_value());
    BOOST_TEST(p.find(1)->stored_down()->data_loss_allowed.value_or("") == "in change()");
    // Not an operation: the up and its checksum are as without it.
    registry without;
    without.add(std::make_shared<const change_unit>(1, "notes", create_notes), "plan_tests.cpp");
    BOOST_TEST(strata::plan(without, dialect_for(backend::postgresql), false).find(1)->checksum == p.find(1)->checksum);
    // One line of UTF-8, given once: every rollback prints it and stores it as JSON.
    for (const std::string& bad : {std::string(" "), std::string("two\nlines"), std::string("\x1b[31mred"),
                                  std::string("copi\xe9" "es"), std::string(501, 'x')}) {
        builder b;
        BOOST_CHECK_THROW(b.allow_data_loss(bad), unsupported_error);
    }
    builder twice;
    twice.allow_data_loss("Größe\tkept");
    BOOST_CHECK_THROW(twice.allow_data_loss("again"), unsupported_error);
}

BOOST_AUTO_TEST_CASE(a_down_that_is_not_utf8_is_a_problem_of_the_down_not_of_the_run) {
    // A Latin-1 file: the history stores the down as JSON text, which cannot hold it. Up runs
    // (and stores no down); down is refused naming the statement, not an "unexpected" JSON error.
    registry units;
    units.add(std::make_shared<const change_unit>(1, "t", [](builder& b) {
                  b.sql("CREATE TABLE t (a text)", "DROP TABLE t");
                  b.sql("INSERT INTO t VALUES ('caf\xc3\xa9')", "DELETE FROM t WHERE a = 'caf\xe9'");
              }),
              "plan_tests.cpp");
    strata::plan p(units, dialect_for(backend::sqlite), false);
    BOOST_TEST(problem_of(p, 1, direction::up) == "");
    BOOST_TEST(!p.find(1)->stored_down().has_value());
    const auto problem = problem_of(p, 1, direction::down);
    BOOST_TEST(problem.find("its down statement 1 is not UTF-8 (byte 0xe9 at 29)") != std::string::npos, problem);
}

BOOST_AUTO_TEST_CASE(the_rollback_of_a_half_done_online_unit_takes_its_allowance_to_drop_data) {
    registry units;
    units.add(std::make_shared<const change_unit>(1, "notes", [](builder& b) {
                  b.create_table("notes", [](table& t) { t.column("a", type::text()); });
              }),
              "plan_tests.cpp");
    units.add(std::make_shared<const change_unit>(2, "tag", [](builder& b) {
                  b.create_index("notes", {"a"}).online();
                  b.allow_data_loss("tags are rebuilt by the application");
              }),
              "plan_tests.cpp");
    strata::plan p(units, dialect_for(backend::postgresql), false);
    BOOST_TEST_REQUIRE(p.find(2)->rollback.has_value());
    BOOST_TEST(p.find(2)->rollback->data_loss_allowed.value_or("") == "tags are rebuilt by the application");
}

BOOST_AUTO_TEST_SUITE_END()
