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

/// users (id, email) with a unique key and an index on email; profiles points at users twice
/// (a table-level key and an inline one); audit stands apart.
strata::catalog linked_tables() {
    strata::catalog c;
    table users("users");
    users.column("id", type::bigint()).primary();
    users.column("email", type::text());
    users.column("boss", type::bigint()).references("users", "id");
    users.unique({"email"});
    c.apply(create_table{users.definition()});
    c.apply(create_index{index_def{"users_email_idx", "users", {"email"}, false}});
    table profiles("profiles");
    profiles.column("id", type::bigint()).primary();
    profiles.column("owner", type::bigint()).references("users", "id").foreign_key_name("profiles_owner_fkey");
    profiles.column("contact", type::text());
    profiles.foreign_key({.columns = {"contact"}, .ref_table = "users", .ref_columns = {"email"}});
    c.apply(create_table{profiles.definition()});
    table audit("audit");
    audit.column("id", type::bigint()).primary();
    c.apply(create_table{audit.definition()});
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

BOOST_AUTO_TEST_CASE(rename_table_moves_the_definition_and_the_keys_pointing_at_it_follow) {
    auto c = linked_tables();
    c.apply(rename_table{"users", "people"});
    BOOST_TEST(names(c) == (std::vector<std::string>{"audit", "people", "profiles"}), boost::test_tools::per_element());
    const auto& people = c.tables.at("people");
    BOOST_TEST(people.name == "people");
    BOOST_TEST_REQUIRE(people.indexes.size() == 1u);
    BOOST_TEST(people.indexes[0].table == "people");
    BOOST_TEST(people.indexes[0].name == "users_email_idx", "names stay: neither database renames them");
    BOOST_TEST(people.uniques[0].name == "users_email_key");
    const auto* boss = people.find_column("boss");
    BOOST_TEST_REQUIRE((boss && boss->reference));
    BOOST_TEST(boss->reference->ref_table == "people", "a key to itself follows too");
    BOOST_TEST(boss->reference->name == "users_boss_fkey");
    const auto& profiles = c.tables.at("profiles");
    BOOST_TEST(profiles.find_column("owner")->reference->ref_table == "people");
    BOOST_TEST(profiles.foreign_keys[0].ref_table == "people");
    BOOST_TEST(profiles.foreign_keys[0].name == "profiles_contact_fkey");

    c.apply(rename_table{"people", "users"});
    BOOST_TEST((c.tables == linked_tables().tables), "renaming back restores the model");
}

BOOST_AUTO_TEST_CASE(rename_column_follows_into_keys_indexes_and_the_references_to_it) {
    auto c = linked_tables();
    const std::vector<operation> renames{rename_column{"users", "email", "mail"}, rename_column{"users", "id", "user_id"},
                                         rename_column{"profiles", "owner", "owner_id"}};
    for (const auto& op : renames) c.apply(op);
    const auto& users = c.tables.at("users");
    std::vector<std::string> columns;
    for (const auto& col : users.columns) columns.push_back(col.name);
    BOOST_TEST(columns == (std::vector<std::string>{"user_id", "mail", "boss"}), boost::test_tools::per_element());
    BOOST_TEST(users.find_column("user_id")->primary_key);
    BOOST_TEST((users.uniques[0] == unique_key{"users_email_key", {"mail"}}));
    BOOST_TEST((users.indexes[0] == index_def{"users_email_idx", "users", {"mail"}, false}));
    BOOST_TEST(users.find_column("boss")->reference->ref_columns == (std::vector<std::string>{"user_id"}),
               boost::test_tools::per_element());
    const auto& profiles = c.tables.at("profiles");
    const auto* owner = profiles.find_column("owner_id");
    BOOST_TEST_REQUIRE((owner && owner->reference));
    BOOST_TEST(owner->reference->columns == (std::vector<std::string>{"owner_id"}), boost::test_tools::per_element());
    BOOST_TEST(owner->reference->ref_columns == (std::vector<std::string>{"user_id"}), boost::test_tools::per_element());
    BOOST_TEST(owner->reference->name == "profiles_owner_fkey");
    BOOST_TEST(profiles.foreign_keys[0].ref_columns == (std::vector<std::string>{"mail"}), boost::test_tools::per_element());

    for (auto it = renames.rbegin(); it != renames.rend(); ++it) c.apply(*inverse(*it));
    BOOST_TEST((c.tables == linked_tables().tables), "renaming back restores the model");
}

BOOST_AUTO_TEST_CASE(an_index_defined_without_a_name_keeps_its_default_name_through_renames) {
    table users("users");
    users.column("email", type::text());
    auto def = users.definition();
    def.indexes.push_back(index_def{"", "users", {"email"}, false});
    strata::catalog c;
    c.apply(create_table{def});
    c.apply(rename_table{"users", "people"});
    c.apply(rename_column{"people", "email", "mail"});
    BOOST_TEST_REQUIRE(c.tables.at("people").indexes.size() == 1u);
    BOOST_TEST(c.tables.at("people").indexes[0].name == "users_email_idx");
}

BOOST_AUTO_TEST_CASE(renaming_a_table_the_model_does_not_know_still_moves_the_keys_pointing_at_it) {
    strata::catalog c;
    table orders("orders");
    orders.column("customer", type::bigint()).references("customers", "id");
    c.apply(create_table{orders.definition()});
    c.apply(rename_table{"customers", "clients"});
    c.apply(rename_column{"clients", "id", "client_id"});
    BOOST_TEST(names(c) == (std::vector<std::string>{"orders"}), boost::test_tools::per_element());
    const auto& key = *c.tables.at("orders").columns[0].reference;
    BOOST_TEST(key.ref_table == "clients");
    BOOST_TEST(key.ref_columns == (std::vector<std::string>{"client_id"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(tables_for_a_rename_copies_both_names_and_the_tables_whose_keys_reference_it) {
    const auto whole = linked_tables();
    BOOST_TEST(names(whole.tables_for({rename_table{"users", "people"}})) == (std::vector<std::string>{"profiles", "users"}),
               boost::test_tools::per_element());
    BOOST_TEST(names(whole.tables_for({rename_table{"audit", "users"}})) == (std::vector<std::string>{"audit", "users"}),
               boost::test_tools::per_element());
    BOOST_TEST(names(whole.tables_for({rename_column{"users", "email", "mail"}})) ==
                   (std::vector<std::string>{"profiles", "users"}),
               boost::test_tools::per_element());
    BOOST_TEST(names(whole.tables_for({rename_column{"profiles", "owner", "owner_id"}})) ==
                   (std::vector<std::string>{"profiles"}),
               boost::test_tools::per_element());

    // What tables_for promises: applying the operations to the part leaves it as the whole model's
    // tables of those names, and every table they change is in the part.
    const std::vector<std::vector<operation>> units{
        {rename_table{"users", "people"}, rename_column{"people", "id", "person_id"}},
        {rename_column{"users", "email", "mail"}, drop_column{"profiles", "contact", std::nullopt}},
        {rename_table{"customers", "clients"}},
    };
    for (const auto& ops : units) {
        auto whole_after = whole;
        auto part = whole.tables_for(ops);
        for (const auto& op : ops) {
            whole_after.apply(op);
            part.apply(op);
        }
        for (const auto& [name, def] : part.tables) BOOST_TEST((whole_after.tables.at(name) == def), name);
        for (const auto& [name, def] : whole_after.tables) {
            auto was = whole.tables.find(name);
            if (was == whole.tables.end() || !(was->second == def)) BOOST_TEST(part.tables.contains(name), name);
        }
    }
}

// Checks and index expressions are SQL texts: the model follows a rename and a drop of a column
// they name, as both databases do, by a scan that skips strings, keywords, functions and types.
BOOST_AUTO_TEST_CASE(renaming_or_dropping_a_column_follows_the_checks_and_index_texts_naming_it) {
    strata::catalog c;
    table events("events");
    events.column("id", type::bigint());
    events.column("date", type::text());
    events.check("events_date_shape",
                 R"(date IS NULL OR (CAST(date AS date) IS NOT NULL AND "date" <> 'date' AND date(Date) <> date '2000-01-01'))");
    events.check("events_id_positive", R"("id" > 0)");
    c.apply(create_table{events.definition()});
    index_def by_day{"events_day_idx", "events", {}, false};
    by_day.expressions = {R"(date("date"))", R"("id")"};
    by_day.where = R"(date::text <> 'x')";
    c.apply(create_index{by_day});

    c.apply(rename_column{"events", "date", "day"});
    const auto& renamed = c.tables.at("events");
    BOOST_TEST_REQUIRE(renamed.checks.size() == 2u);
    BOOST_TEST(renamed.checks[0].expression ==
               R"("day" IS NULL OR (CAST("day" AS date) IS NOT NULL AND "day" <> 'date' AND date("day") <> date '2000-01-01'))");
    BOOST_TEST(renamed.checks[1].expression == R"("id" > 0)");
    BOOST_TEST_REQUIRE(renamed.indexes.size() == 1u);
    BOOST_TEST(renamed.indexes[0].expressions == (std::vector<std::string>{R"(date("day"))", R"("id")"}),
               boost::test_tools::per_element());
    BOOST_TEST(renamed.indexes[0].where == R"("day"::text <> 'x')");

    c.apply(drop_column{"events", "day", std::nullopt});
    const auto& dropped = c.tables.at("events");
    BOOST_TEST_REQUIRE(dropped.checks.size() == 1u);
    BOOST_TEST(dropped.checks[0].name == "events_id_positive");
    BOOST_TEST(dropped.indexes.empty());

    c.apply(add_check{"events", check_def{"events_id_small", R"("id" < 100)"}});
    c.apply(drop_check{"events", "events_id_positive", std::nullopt});
    BOOST_TEST_REQUIRE(c.tables.at("events").checks.size() == 1u);
    BOOST_TEST(c.tables.at("events").checks[0].name == "events_id_small");
}

BOOST_AUTO_TEST_SUITE_END()
