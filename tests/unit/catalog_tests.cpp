// The schema model the runner renders against: catalog::tables_for copies the part of it a
// unit's operations can read or change, which the runner renders each unit's down against.
#include <strata/dialect.hpp>

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

namespace {

using namespace strata::schema;

strata::catalog three_tables() {
    strata::catalog c;
    for (const char* name : {"users", "user_profiles", "audit"}) {
        table t(name);
        t.column("id", type::bigint()).primary();
        c.apply(create_table{t.definition()});
    }
    return c;
}

std::vector<std::string> names(const strata::catalog& c) {
    std::vector<std::string> out;
    for (const auto& [name, def] : c.tables) out.push_back(name);
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(catalog)

BOOST_AUTO_TEST_CASE(tables_for_copies_the_tables_the_operations_name_and_no_other) {
    const auto whole = three_tables();
    index_def by_id;
    by_id.name = "audit_by_id";
    by_id.table = "audit";
    by_id.columns = {"id"};
    const std::vector<operation> ops{drop_column{"users", "id", std::nullopt}, create_index{by_id, false},
                                     drop_table{"nowhere", std::nullopt}, raw_sql{{"SELECT 1", "SELECT 1"}, std::nullopt}};
    const auto part = whole.tables_for(ops);
    BOOST_TEST(names(part) == (std::vector<std::string>{"audit", "users"}), boost::test_tools::per_element());
    BOOST_TEST(part.tables.at("users").columns.size() == 1u, "a copy of the table as the model has it");
    BOOST_TEST(whole.tables_for({}).tables.empty());
}

BOOST_AUTO_TEST_SUITE_END()
