// Checked on render (issue 9, point 9): a registry holding a unit the dialects refuse (two primary
// columns, an empty column list, a column defined twice, varchar(0), a name PostgreSQL would cut,
// a default_sql that is not one expression) is refused by `up` and by `up` with dry_run before
// anything runs, naming the unit and the operation; the history and the schema, read back, stay
// as they were. An online unit whose names hold `$strata$` runs on PostgreSQL. A down() that
// records nothing for an up() that did is refused unless it says b.nothing_to_undo().

#include <strata/error.hpp>
#include <strata/migration.hpp>
#include <strata/registry.hpp>
#include <strata/runner.hpp>

#include <soci/soci.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/change_unit.hpp"
#include "backend_test.hpp"
#include "support/schema_history.hpp"
#include "support/schema_reader.hpp"
#include "support/schema_session.hpp"
#include "support/temp_database.hpp"

using namespace strata::test;
using namespace strata::schema;

namespace {

using strata::test::change_unit;

/// Unit 1: `victim(id, name)`, which every refused unit below would touch.
std::shared_ptr<const change_unit> create_victim() {
    return std::make_shared<const change_unit>(1, "create_victim", [](builder& b) {
        b.create_table("victim", [](table& t) {
            t.column("id", type::bigint()).primary();
            t.column("name", type::text());
        });
    });
}

struct refused_case {
    std::string unit_name;
    std::function<void(builder&)> ops;
    std::string message_part;  ///< of the operation's refusal
};

const std::vector<refused_case>& refused_cases() {
    static const std::vector<refused_case> cases{
        {"two_primary_columns",
         [](builder& b) {
             b.create_table("memberships", [](table& t) {
                 t.column("user", type::bigint()).primary();
                 t.column("group", type::bigint()).primary();
             });
         },
         "create_table memberships: columns \"user\", \"group\" are each marked .primary()"},
        {"index_without_columns", [](builder& b) { b.create_index("victim", {}); },
         "create_index victim_idx: index \"victim_idx\" names no column"},
        {"column_added_twice", [](builder& b) { b.add_column("victim", column("name", type::text())); },
         "add_column victim.name: table victim already has a column \"name\""},
        {"varchar_of_no_length", [](builder& b) { b.add_column("victim", column("code", type::varchar(0))); },
         "add_column victim.code: column \"code\" is varchar(0)"},
        {"long_derived_index_name",
         [](builder& b) {
             b.add_column("victim", column(std::string(60, 'c'), type::text()));
             b.create_index("victim", {std::string(60, 'c')});
         },
         "the index name (the default <table>_<columns>_idx) \"victim_" + std::string(60, 'c') + "_idx\" is 71 bytes long"},
        {"injected_default",
         [](builder& b) {
             b.add_column("victim", column("note", type::text()).default_sql("'a'); DROP TABLE victim; CREATE TABLE pwned (x int"));
         },
         "add_column victim.note: the default_sql of column \"note\" is not a single SQL expression: it has a ';'"},
        {"change_column_from_what_it_is_not",
         [](builder& b) { b.change_column("victim", column("name", type::varchar(20)), column("name", type::text()).not_null()); },
         "change_column victim.name: before does not match column \"name\" as earlier units left it (type text, not "
         "varchar(20)); give before as the column is now"},
    };
    return cases;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

STRATA_BACKEND_TEST(a_unit_refused_on_render_stops_up_and_dry_run_before_anything_runs) {
    for (const auto& c : refused_cases()) {
        BOOST_TEST_CONTEXT(c.unit_name) {
            auto db = temp_database::create(backend);
            strata::registry before;
            before.add(create_victim(), "render_checks_test.cpp");
            strata::runner(before, db.url()).up();
            auto sql = open_session(db.url());
            const auto schema_before = read_schema(*sql);

            strata::registry units;
            units.add(create_victim(), "render_checks_test.cpp");
            units.add(std::make_shared<const change_unit>(2, c.unit_name, c.ops), "render_checks_test.cpp");
            strata::runner_options dry;
            dry.dry_run = true;
            for (const auto& options : {strata::runner_options{}, dry}) {
                try {
                    strata::runner(units, db.url(), options).up();
                    BOOST_ERROR("up (dry_run " << options.dry_run << ") ran a unit the dialect refuses");
                } catch (const strata::unsupported_error& e) {
                    BOOST_TEST(e.context().version.value_or(0) == 2);
                    BOOST_TEST(contains(e.what(), "unit 2 " + c.unit_name + " (up) cannot run"), e.what());
                    BOOST_TEST(contains(e.message(), c.message_part), e.message());
                }
            }
            BOOST_TEST(recorded_versions(*sql) == (std::vector<std::int64_t>{1}), boost::test_tools::per_element());
            BOOST_TEST(read_schema(*sql) == schema_before, schema_diff(schema_before, read_schema(*sql)));
        }
    }
}

// The online DO blocks are dollar-quoted; a table and a column whose names hold `$strata$` get
// another tag and run (PostgreSQL; SQLite renders the plain unique index).
STRATA_BACKEND_TEST(an_online_unique_on_names_holding_the_dollar_quote_tag_applies) {
    auto db = temp_database::create(backend);
    strata::registry units;
    units.add(std::make_shared<const change_unit>(1, "create_odd",
                                                  [](builder& b) {
                                                      b.create_table("odd$strata$t", [](table& t) {
                                                          t.column("id", type::bigint()).primary();
                                                          t.column("c$strata$", type::text());
                                                      });
                                                  }),
              "render_checks_test.cpp");
    units.add(std::make_shared<const change_unit>(2, "unique_odd",
                                                  [](builder& b) { b.add_unique("odd$strata$t", {"c$strata$"}, "odd_c_key").online(); }),
              "render_checks_test.cpp");
    strata::runner(units, db.url()).up();
    auto sql = open_session(db.url());
    BOOST_TEST(recorded_versions(*sql) == (std::vector<std::int64_t>{1, 2}), boost::test_tools::per_element());
    const auto t = read_table(*sql, "odd$strata$t");
    BOOST_TEST_REQUIRE(t.uniques.size() == 1u, t);
    BOOST_TEST(t.uniques.front().name == "odd_c_key");
    BOOST_TEST(t.uniques.front().columns == (std::vector<std::string>{"c$strata$"}), boost::test_tools::per_element());
}

// A down() that records nothing for an up() that records something would report the unit
// reverted and delete its history row while the table stays: refused before anything runs,
// unless the unit says b.nothing_to_undo().
namespace {

/// up() creates `table`; down() records nothing, or says nothing_to_undo().
class forgetful_unit final : public strata::migration {
public:
    forgetful_unit(std::int64_t version, std::string name, std::string table, bool says_so)
        : info_{version, std::move(name)}, table_(std::move(table)), says_so_(says_so) {}
    strata::migration_info info() const override { return info_; }
    void up(builder& b) const override {
        b.create_table(table_, [](table& t) { t.column("id", type::bigint()).primary(); });
    }
    void down(builder& b) const override {
        if (says_so_) b.nothing_to_undo();
    }

private:
    strata::migration_info info_;
    std::string table_;
    bool says_so_;
};

}  // namespace

STRATA_BACKEND_TEST(a_down_recording_nothing_for_an_up_that_did_is_refused_unless_it_says_so) {
    auto db = temp_database::create(backend);
    strata::registry units;
    units.add(std::make_shared<const forgetful_unit>(1, "create_kept", "kept", true), "render_checks_test.cpp");
    units.add(std::make_shared<const forgetful_unit>(2, "create_forgotten", "forgotten", false), "render_checks_test.cpp");
    strata::runner(units, db.url()).up();
    auto sql = open_session(db.url());
    BOOST_TEST(recorded_versions(*sql) == (std::vector<std::int64_t>{1, 2}), boost::test_tools::per_element());

    strata::runner_options dry;
    dry.dry_run = true;
    for (const auto& options : {strata::runner_options{}, dry}) {
        try {
            strata::runner(units, db.url(), options).down();
            BOOST_ERROR("down (dry_run " << options.dry_run << ") reverted a unit whose down() records nothing");
        } catch (const strata::irreversible_error& e) {
            BOOST_TEST(e.context().version.value_or(0) == 2);
            BOOST_TEST(contains(e.what(), "unit 2 create_forgotten (down) cannot run"), e.what());
            BOOST_TEST(contains(e.message(), "its down() records no operation while its up() records 1"), e.message());
        }
    }
    BOOST_TEST(recorded_versions(*sql) == (std::vector<std::int64_t>{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(read_table_names(*sql).size() == 4u);  // kept, forgotten and strata's two tables

    // Unit 1 says there is nothing to undo: reverting it removes its row and leaves its table.
    strata::registry first;
    first.add(std::make_shared<const forgetful_unit>(1, "create_kept", "kept", true), "render_checks_test.cpp");
    sql->once << "DELETE FROM " << history_table << " WHERE version = 2";
    strata::runner(first, db.url()).down();
    BOOST_TEST(recorded_versions(*sql).empty());
    BOOST_TEST(read_table(*sql, "kept").columns.size() == 1u);
}

// A half-written unit whose change() throws a plain std::exception (M2): up refuses it before
// anything runs, naming the unit, its file and what it threw (exit 1, as for a unit that cannot
// render); status still shows it, pending; up to the unit before it and down of the units before
// it work as with any unit that cannot render.
STRATA_BACKEND_TEST(a_unit_whose_change_throws_is_refused_by_name_and_the_others_still_run) {
    auto db = temp_database::create(backend);
    strata::registry units;
    units.add(create_victim(), "render_checks_test.cpp");
    units.add(std::make_shared<const change_unit>(2, "set_locale",
                                                  [](builder& b) {
                                                      b.add_column("victim", column("locale", type::varchar(10)));
                                                      throw std::runtime_error("TODO: pick the locale default");
                                                  }),
              "migrations/0002_set_locale.cpp");
    auto sql = open_session(db.url());

    for (bool dry_run : {false, true}) {
        strata::runner_options options;
        options.dry_run = dry_run;
        try {
            strata::runner(units, db.url(), options).up();
            BOOST_ERROR("up (dry_run " << dry_run << ") ran a unit whose change() throws");
        } catch (const strata::unsupported_error& e) {
            BOOST_TEST(e.context().version.value_or(0) == 2);
            BOOST_TEST(strata::exit_status(e.kind()) == 1);
            BOOST_TEST(contains(e.what(), "unit 2 set_locale (up) cannot run on "), e.what());
            BOOST_TEST(e.message() == "its change() in migrations/0002_set_locale.cpp threw: TODO: pick the locale default");
        }
    }
    BOOST_TEST(recorded_versions(*sql).empty(), "refused before anything ran, unit 1 included");

    strata::runner(units, db.url()).up(1);
    const auto status = strata::runner(units, db.url()).status();
    BOOST_TEST_REQUIRE(status.size() == 2u);
    BOOST_TEST((status[0].state == strata::unit_state::applied));
    BOOST_TEST(status[1].name == "set_locale");
    BOOST_TEST((status[1].state == strata::unit_state::pending));

    strata::runner(units, db.url()).down();
    BOOST_TEST(recorded_versions(*sql).empty());
    const auto tables = read_table_names(*sql);
    BOOST_TEST((std::find(tables.begin(), tables.end(), "victim") == tables.end()), "down of unit 1 dropped its table");
}
