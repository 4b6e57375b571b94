// A reversible drop_column (given the column's definition) and its way back: dropping a column
// drops the keys, indexes and checks using it (like PostgreSQL, on both databases), and the down
// that adds the column back makes them again, so a rollback does not leave the table without its
// unique key. Read back from the database's own catalog, and with rows that must be refused.

#include <strata/error.hpp>
#include <strata/inspect.hpp>
#include <strata/migration.hpp>
#include <strata/registry.hpp>
#include <strata/runner.hpp>

#include <soci/soci.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backend_test.hpp"
#include "support/change_unit.hpp"
#include "support/schema_history.hpp"
#include "support/schema_reader.hpp"
#include "support/schema_session.hpp"
#include "support/temp_database.hpp"
#include "tutorial.hpp"

using namespace strata::test;
using namespace strata::schema;
using strata::test::tutorial::refusal;
using strata::test::tutorial::run;

namespace {

using unit_ptr = std::shared_ptr<const strata::test::change_unit>;

unit_ptr unit(std::int64_t version, std::string name, std::function<void(builder&)> ops) {
    return std::make_shared<const strata::test::change_unit>(version, std::move(name), std::move(ops));
}

std::unique_ptr<strata::registry> registry_of(const std::vector<unit_ptr>& units) {
    auto r = std::make_unique<strata::registry>();
    for (const auto& u : units) r->add(u, "drop_column_test.cpp");
    return r;
}

/// 1: products with a unique sku, a check on it, a status with a partial index, and an index
/// over both. 2: sku and status dropped, each with its definition (change(): down derived).
std::unique_ptr<strata::registry> drop_units() {
    return registry_of({
        unit(1, "create_products",
             [](builder& b) {
                 b.create_table("products", [](table& t) {
                     t.column("id", type::integer()).primary();
                     t.column("sku", type::varchar(32)).not_null().default_sql("'none'");
                     t.column("status", type::text());
                     t.unique({"sku"}, "products_sku_uq");
                     t.check("products_sku_set", R"("sku" <> '')");
                 });
                 b.create_index("products", {"status"}, "products_pending_idx").where(R"("status" = 'pending')");
                 b.create_index("products", {"status", "sku"}, "products_status_sku_idx");
             }),
        unit(2, "drop_sku_and_status",
             [](builder& b) {
                 b.drop_column("products", column("sku", type::varchar(32)).not_null().default_sql("'none'"));
                 b.drop_column("products", column("status", type::text()));
             }),
    });
}

std::vector<std::string> names_of(const table_schema& t) {
    std::vector<std::string> out;
    for (const auto& u : t.uniques) out.push_back("unique " + u.name);
    for (const auto& i : t.indexes) out.push_back("index " + i.name);
    for (const auto& c : t.checks) out.push_back("check " + c.name);
    return out;
}

}  // namespace

STRATA_BACKEND_TEST(down_of_a_reversible_drop_column_makes_the_keys_indexes_and_checks_it_took_again) {
    auto db = temp_database::create(backend);
    auto units = drop_units();
    strata::runner(*units, db.url()).up(1);
    auto sql = open_session(db.url());
    const auto before = read_table(*sql, "products");
    BOOST_TEST_REQUIRE(names_of(before).size() == 4u, "products before: unique, 2 indexes, a check");

    strata::runner(*units, db.url()).up();
    const auto dropped = read_table(*sql, "products");
    BOOST_TEST(names_of(dropped).empty(), "what used the dropped columns went with them");
    BOOST_TEST_REQUIRE(run(*sql, "INSERT INTO products (id) VALUES (1), (2)") == refusal::none);

    // Both rows get the default sku 'none' back: the unique key cannot be made, so the down fails
    // and changes nothing.
    try {
        strata::runner(*units, db.url()).down();
        BOOST_ERROR("down made the unique key over two equal skus");
    } catch (const strata::error&) {
    }
    BOOST_TEST(recorded_versions(*sql) == (std::vector<std::int64_t>{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(read_table(*sql, "products") == dropped);
    BOOST_TEST_REQUIRE(run(*sql, "DELETE FROM products WHERE id = 2") == refusal::none);

    strata::runner(*units, db.url()).down();
    BOOST_TEST(recorded_versions(*sql) == (std::vector<std::int64_t>{1}), boost::test_tools::per_element());
    const auto back = read_table(*sql, "products");
    BOOST_TEST(names_of(back) == names_of(before), boost::test_tools::per_element());
    BOOST_TEST(back.uniques == before.uniques, boost::test_tools::per_element());
    BOOST_TEST(back.indexes == before.indexes, boost::test_tools::per_element());
    BOOST_TEST(back.checks == before.checks, boost::test_tools::per_element());
    // The rows kept took the column's default; the unique key refuses a second 'none' again.
    BOOST_TEST(run(*sql, "UPDATE products SET sku = 'a' WHERE id = 1") == refusal::none);
    BOOST_TEST(run(*sql, "INSERT INTO products (id, sku) VALUES (3, 'a')") != refusal::none, "a duplicate sku got in after the rollback");
    BOOST_TEST(run(*sql, "INSERT INTO products (id, sku) VALUES (4, '')") != refusal::none, "an empty sku got in after the rollback");
}

// The same units, verified: the column added back goes last, which is a note, not a difference
// (neither database adds a column in place). diff after that rollback and a deploy again notes it too.
STRATA_BACKEND_TEST(verify_and_diff_note_the_column_order_a_drop_column_down_leaves) {
    auto db = temp_database::create(backend);
    auto units = drop_units();
    strata::runner r(*units, db.url());
    const auto verdicts = r.verify();
    BOOST_TEST_REQUIRE(verdicts.size() == 2u);
    BOOST_TEST((verdicts[1].result == strata::unit_verification::outcome::round_trips),
               "unit 2: " << strata::to_string(verdicts[1].result) << " "
                          << (verdicts[1].differences.empty() ? std::string() : strata::inspect::describe(verdicts[1].differences[0])));
    BOOST_TEST_REQUIRE(verdicts[1].notes.size() == 1u);
    BOOST_TEST(verdicts[1].notes[0].find("column order") != std::string::npos, verdicts[1].notes[0]);

    r.up();
    r.down();
    r.down();  // unit 1 too: the table goes, and comes back as unit 1 makes it
    r.up(1);
    auto drift = r.diff();
    BOOST_TEST(drift.differences.empty());
    r.up();
    r.down();  // sku and status come back last
    drift = r.diff();
    BOOST_TEST(drift.differences.empty(), (drift.differences.empty() ? "" : strata::inspect::describe(drift.differences.front())));
    BOOST_TEST(std::any_of(drift.notes.begin(), drift.notes.end(),
                           [](const std::string& n) { return n.find("column order") != std::string::npos; }));
}

// A reversible drop_table: its definition must be the table as earlier units left it, and its
// down makes the table's indexes again (a definition cannot hold them).
STRATA_BACKEND_TEST(down_of_a_reversible_drop_table_makes_its_indexes_again) {
    auto db = temp_database::create(backend);
    auto define = [](table& t) {
        t.column("id", type::integer()).primary();
        t.column("sku", type::text());
    };
    auto units = registry_of({
        unit(1, "create_lines",
             [&](builder& b) {
                 b.create_table("lines", define);
                 b.create_index("lines", {"sku"}, "lines_sku_idx");
             }),
        unit(2, "drop_lines", [&](builder& b) { b.drop_table("lines", define); }),
    });
    strata::runner(*units, db.url()).up(1);
    auto sql = open_session(db.url());
    const auto before = read_table(*sql, "lines");
    strata::runner(*units, db.url()).up();
    strata::runner(*units, db.url()).down();
    BOOST_TEST(read_table(*sql, "lines") == before);

    auto wrong = registry_of({
        unit(1, "create_lines",
             [&](builder& b) {
                 b.create_table("lines", define);
                 b.create_index("lines", {"sku"}, "lines_sku_idx");
             }),
        unit(2, "drop_lines",
             [](builder& b) {
                 b.drop_table("lines", [](table& t) {
                     t.column("id", type::integer()).primary();
                     t.column("name", type::text());
                 });
             }),
    });
    try {
        strata::runner(*wrong, db.url()).up();
        BOOST_ERROR("a drop_table whose definition is another table ran");
    } catch (const strata::error& e) {
        BOOST_TEST(e.message().find("its definition differs from table lines as earlier units left it (columns \"id\", \"sku\", "
                                    "not \"id\", \"name\")") != std::string::npos,
                   e.message());
    }
    BOOST_TEST(recorded_versions(*sql) == (std::vector<std::int64_t>{1}), boost::test_tools::per_element());
}

namespace {

/// A unit with an up() and a down() of its own.
class up_down_unit final : public strata::migration {
public:
    up_down_unit(std::int64_t version, std::function<void(builder&)> up, std::function<void(builder&)> down)
        : version_(version), up_(std::move(up)), down_(std::move(down)) {}
    strata::migration_info info() const override { return {version_, "up_down_" + std::to_string(version_)}; }
    void up(builder& b) const override { up_(b); }
    void down(builder& b) const override { down_(b); }

private:
    std::int64_t version_;
    std::function<void(builder&)> up_, down_;
};

}  // namespace

// A down written by hand that adds the columns back in another order and fills them in: what
// the drops took comes back after the whole down, so an index over both columns and a unique
// key over values the down sets both work, with rows in the table.
STRATA_BACKEND_TEST(a_hand_written_down_gets_what_the_drops_took_after_its_own_work) {
    auto db = temp_database::create(backend);
    auto r = std::make_unique<strata::registry>();
    r->add(unit(1, "create_products",
                [](builder& b) {
                    b.create_table("products", [](table& t) {
                        t.column("id", type::integer()).primary();
                        t.column("sku", type::text());
                        t.column("status", type::text());
                        t.unique({"sku"}, "products_sku_uq");
                    });
                    b.create_index("products", {"status", "sku"}, "products_status_sku_idx");
                }),
           "drop_column_test.cpp");
    r->add(std::make_shared<const up_down_unit>(
               2,
               [](builder& b) {
                   b.drop_column("products", "sku");
                   b.drop_column("products", "status");
               },
               [](builder& b) {
                   b.add_column("products", column("sku", type::text()));
                   b.add_column("products", column("status", type::text()));
                   b.sql(R"(UPDATE "products" SET "sku" = 'sku-' || "id")");
               }),
           "drop_column_test.cpp");
    strata::runner(*r, db.url()).up(1);
    auto sql = open_session(db.url());
    const auto before = read_table(*sql, "products");
    strata::runner(*r, db.url()).up();
    BOOST_TEST_REQUIRE(run(*sql, "INSERT INTO products (id) VALUES (1), (2)") == refusal::none);
    strata::runner(*r, db.url()).down();
    const auto back = read_table(*sql, "products");
    BOOST_TEST(back.uniques == before.uniques, boost::test_tools::per_element());
    BOOST_TEST(back.indexes == before.indexes, boost::test_tools::per_element());
    BOOST_TEST(run(*sql, "INSERT INTO products (id, sku) VALUES (3, 'sku-1')") != refusal::none, "a duplicate sku got in");
}

// A change() unit that creates a table and then changes it in the same unit reverts: its down's
// drop_table carries the definition it created, whatever the unit did after.
STRATA_BACKEND_TEST(a_unit_that_creates_and_changes_a_table_reverts) {
    auto db = temp_database::create(backend);
    auto units = registry_of({
        unit(1, "create_and_change",
             [](builder& b) {
                 b.create_table("items", [](table& t) {
                     t.column("id", type::integer()).primary();
                     t.column("qty", type::integer());
                     t.column("b", type::text());
                     t.check("items_qty_positive", "qty > 0");
                     t.check("items_b_set", R"("b" <> '')");
                 });
                 b.rename_column("items", "qty", "quantity");
                 b.drop_check("items", check_def{"items_b_set", R"("b" <> '')"});
                 b.drop_column("items", column("b", type::text()));
             }),
    });
    strata::runner r(*units, db.url());
    r.up();
    r.down();
    auto sql = open_session(db.url());
    BOOST_TEST(recorded_versions(*sql).empty());
    BOOST_TEST(query_value(*sql, backend == strata::backend::sqlite
                                     ? "SELECT CAST(count(*) AS TEXT) FROM sqlite_master WHERE name = 'items'"
                                     : "SELECT CAST(count(*) AS TEXT) FROM information_schema.tables WHERE table_name = 'items'") ==
               std::optional<std::string>("0"));
}

// A column raw SQL added to a table strata made is the database's to know: indexing it is not
// refused because the model lacks it.
STRATA_BACKEND_TEST(a_column_raw_sql_added_can_be_indexed) {
    auto db = temp_database::create(backend);
    auto units = registry_of({
        unit(1, "create_t", [](builder& b) { b.create_table("t", [](table& t) { t.column("id", type::integer()).primary(); }); }),
        unit(2, "add_legacy", [](builder& b) { b.sql(R"(ALTER TABLE "t" ADD COLUMN "legacy" TEXT)", R"(ALTER TABLE "t" DROP COLUMN "legacy")"); }),
        unit(3, "index_legacy", [](builder& b) { b.create_index("t", {"legacy"}); }),
    });
    strata::runner r(*units, db.url());
    r.up();
    auto sql = open_session(db.url());
    BOOST_TEST(recorded_versions(*sql) == (std::vector<std::int64_t>{1, 2, 3}), boost::test_tools::per_element());
    r.down({.all = true});
    BOOST_TEST(recorded_versions(*sql).empty());
}

// A hand-written down that makes a dropped unique key again under another name gets that one
// only: what the drop took is not made a second time.
STRATA_BACKEND_TEST(a_down_that_makes_a_dropped_key_itself_under_another_name_gets_one) {
    auto db = temp_database::create(backend);
    auto r = std::make_unique<strata::registry>();
    r->add(unit(1, "create_products",
                [](builder& b) {
                    b.create_table("products", [](table& t) {
                        t.column("id", type::integer()).primary();
                        t.column("sku", type::text());
                        t.unique({"sku"}, "products_sku_uq");
                    });
                }),
           "drop_column_test.cpp");
    r->add(std::make_shared<const up_down_unit>(
               2, [](builder& b) { b.drop_column("products", "sku"); },
               [](builder& b) {
                   b.add_column("products", column("sku", type::text()));
                   b.add_unique("products", {"sku"}, "products_sku_key");
               }),
           "drop_column_test.cpp");
    strata::runner(*r, db.url()).up();
    strata::runner(*r, db.url()).down();
    auto sql = open_session(db.url());
    const auto back = read_table(*sql, "products");
    BOOST_TEST_REQUIRE(back.uniques.size() == 1u);
    BOOST_TEST(back.uniques[0].name == "products_sku_key");
    BOOST_TEST(back.indexes.empty());
}
