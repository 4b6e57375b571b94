// inspect::compare and describe (<strata/inspect.hpp>) on made-up snapshots: every kind of object
// missing, extra and altered, unnamed SQLite keys matched by what they are, and the words verify
// and diff print.

#include <boost/test/unit_test.hpp>

#include <strata/inspect.hpp>

#include <string>
#include <vector>

using namespace strata::inspect;

namespace {

/// orders(id PK, customer FK → customers(id) ON DELETE CASCADE, total NOT NULL DEFAULT 0,
/// status), an index on customer, a check on total; customers(id PK); a view.
snapshot shop() {
    snapshot s;
    table customers{.name = "customers", .columns = {{.name = "id", .type = "bigint", .nullable = false}}, .primary_key = {"id"},
                    .primary_key_name = "customers_pkey"};
    table orders{.name = "orders",
                 .columns = {{.name = "id", .type = "bigint", .nullable = false},
                             {.name = "customer", .type = "bigint"},
                             {.name = "total", .type = "numeric(10,2)", .nullable = false, .default_value = "0"},
                             {.name = "status", .type = "text"}},
                 .primary_key = {"id"},
                 .primary_key_name = "orders_pkey",
                 .foreign_keys = {{.name = "orders_customer_fkey", .columns = {"customer"}, .ref_table = "customers",
                                   .ref_columns = {"id"}, .on_update = "NO ACTION", .on_delete = "CASCADE"}},
                 .checks = {{.name = "orders_total_positive", .definition = "CHECK ((total > (0)::numeric))"}},
                 .indexes = {{.name = "orders_customer_idx", .keys = {"customer"}}}};
    s.kind = strata::backend::postgresql;
    s.tables = {customers, orders};
    s.views = {{.name = "order_totals", .text = "SELECT customer, sum(total) FROM orders GROUP BY customer"}};
    return s;
}

table& orders(snapshot& s) { return s.tables[1]; }

std::vector<std::string> words(const std::vector<difference>& found, wording w = wording::drift) {
    std::vector<std::string> out;
    for (const auto& d : found) out.push_back(describe(d, w));
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(compare_snapshots)

BOOST_AUTO_TEST_CASE(equal_snapshots_have_no_differences) {
    BOOST_TEST(compare(shop(), shop()).empty());
}

BOOST_AUTO_TEST_CASE(a_column_left_behind_by_down_is_named) {
    auto before = shop(), after = shop();
    auto& cols = orders(before).columns;
    cols.pop_back();  // before the unit: no status
    const auto found = compare(before, after);
    BOOST_TEST_REQUIRE(found.size() == 1u);
    BOOST_TEST(found[0].object_kind == "column");
    BOOST_TEST(found[0].object == "orders.status");
    BOOST_TEST(found[0].table == "orders");
    BOOST_TEST((found[0].what == difference::change::extra));
    BOOST_TEST(describe(found[0], wording::round_trip) == "leaves column orders.status");
    BOOST_TEST(describe(found[0]) == "extra column orders.status");
}

BOOST_AUTO_TEST_CASE(an_index_down_forgets_to_restore_names_it_and_its_table) {
    auto before = shop(), after = shop();
    orders(after).indexes.clear();
    BOOST_TEST(words(compare(before, after), wording::round_trip) ==
                   std::vector<std::string>{"does not restore index orders_customer_idx on orders"},
               boost::test_tools::per_element());
    BOOST_TEST(words(compare(before, after)) == std::vector<std::string>{"missing index orders_customer_idx on orders"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(each_column_attribute_is_its_own_difference) {
    auto expected = shop(), actual = shop();
    auto& total = orders(actual).columns[2];
    total.type = "numeric(12,2)";
    total.nullable = true;
    total.default_value.reset();
    BOOST_TEST(words(compare(expected, actual)) ==
                   (std::vector<std::string>{"column orders.total: type is numeric(12,2), the units make numeric(10,2)",
                                             "column orders.total: nullability is NULL, the units make NOT NULL",
                                             "column orders.total: default is none, the units make 0"}),
               boost::test_tools::per_element());
    const auto found = compare(expected, actual);
    BOOST_TEST(found[0].attribute == "type");
    BOOST_TEST(found[0].expected == "numeric(10,2)");
    BOOST_TEST(found[0].actual == "numeric(12,2)");
    BOOST_TEST(describe(found[0], wording::round_trip) == "leaves column orders.total with type numeric(12,2) (was numeric(10,2))");
}

BOOST_AUTO_TEST_CASE(foreign_key_actions_checks_and_index_shapes_are_compared) {
    auto expected = shop(), actual = shop();
    orders(actual).foreign_keys[0].on_delete = "NO ACTION";
    orders(actual).checks[0].definition = "CHECK ((total >= (0)::numeric))";
    orders(actual).indexes[0].unique = true;
    orders(actual).indexes[0].where = "(status IS NOT NULL)";
    BOOST_TEST(words(compare(expected, actual)) ==
                   (std::vector<std::string>{
                       "foreign key orders.orders_customer_fkey: on delete is NO ACTION, the units make CASCADE",
                       "check orders.orders_total_positive: definition is CHECK ((total >= (0)::numeric)), the units make "
                       "CHECK ((total > (0)::numeric))",
                       "index orders_customer_idx on orders: unique is yes, the units make no",
                       "index orders_customer_idx on orders: predicate is (status IS NOT NULL), the units make (none)"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unnamed_keys_are_matched_by_what_they_are) {
    // SQLite keeps no names for foreign keys: the same key is the same columns and reference.
    auto expected = shop(), actual = shop();
    for (auto* s : {&expected, &actual}) orders(*s).foreign_keys[0].name.clear();
    orders(actual).foreign_keys[0].on_delete = "SET NULL";
    BOOST_TEST(words(compare(expected, actual)) ==
                   std::vector<std::string>{"foreign key orders(customer) -> customers(id): on delete is SET NULL, the units make CASCADE"},
               boost::test_tools::per_element());
    orders(actual).foreign_keys[0].ref_columns = {"other"};
    BOOST_TEST(words(compare(expected, actual)) ==
                   (std::vector<std::string>{"missing foreign key orders(customer) -> customers(id)",
                                             "extra foreign key orders(customer) -> customers(other)"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(tables_views_and_keys_missing_or_extra) {
    auto expected = shop(), actual = shop();
    actual.tables.erase(actual.tables.begin());  // customers
    actual.views.clear();
    actual.functions.push_back({.name = "touch()", .text = "CREATE FUNCTION touch() ..."});
    orders(expected).primary_key.clear();
    auto& a = actual.tables[0];
    a.primary_key = {"id", "customer"};
    BOOST_TEST(words(compare(expected, actual)) ==
                   (std::vector<std::string>{"missing table customers", "extra primary key orders", "missing view order_totals",
                                             "extra function touch()"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(columns_in_another_order_are_a_difference) {
    auto expected = shop(), actual = shop();
    auto& cols = orders(actual).columns;
    std::swap(cols[2], cols[3]);
    const auto found = compare(expected, actual);
    BOOST_TEST_REQUIRE(found.size() == 1u);
    BOOST_TEST(found[0].attribute == "column order");
    BOOST_TEST(found[0].actual == "id, customer, status, total");
}

BOOST_AUTO_TEST_CASE(comments_added_changed_or_removed_are_differences) {
    auto expected = shop(), actual = shop();
    orders(expected).comment = "one row per order";
    orders(actual).comment = "one row per order, or a draft";  // changed
    orders(actual).columns[2].comment = "cents";                // added
    expected.tables[0].comment = "who buys";                     // removed (customers)
    const auto found = compare(expected, actual);
    BOOST_TEST(words(found) ==
                   (std::vector<std::string>{"table customers: comment is (none), the units make 'who buys'",
                                             "column orders.total: comment is 'cents', the units make (none)",
                                             "table orders: comment is 'one row per order, or a draft', the units make 'one "
                                             "row per order'"}),
               boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(found.size() == 3u);
    BOOST_TEST(found[1].object_kind == "column");
    BOOST_TEST(found[1].attribute == "comment");
    BOOST_TEST(found[1].expected == "");  // the text itself, unquoted, for --json
    BOOST_TEST(found[1].actual == "cents");
    // verify: an up that sets a comment and a down that leaves it.
    BOOST_TEST(describe(found[1], wording::round_trip) == "leaves column orders.total with comment 'cents' (was (none))");
    orders(actual).columns[2].comment = "it's";
    BOOST_TEST(describe(compare(expected, actual)[1]) == "column orders.total: comment is 'it''s', the units make (none)");
}

BOOST_AUTO_TEST_SUITE_END()
