// Reversal: a change()-only unit's down, irreversible units, and inverse() round trips.
#include <strata/dialect.hpp>
#include <strata/error.hpp>
#include <strata/migration.hpp>

#include <boost/test/unit_test.hpp>

#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "support/change_unit.hpp"

namespace {

using namespace strata::schema;
using statements = std::vector<std::string>;

using strata::test::change_unit;

/// A unit that overrides up() only: its way back is unknown.
class up_only_unit final : public strata::migration {
public:
    strata::migration_info info() const override { return {9, "backfill_names"}; }
    void up(builder& b) const override { b.sql("UPDATE users SET \"lastName\" = '' WHERE \"lastName\" IS NULL"); }
};

/// A unit that overrides neither up() nor change().
class empty_unit final : public strata::migration {
public:
    strata::migration_info info() const override { return {11, "forgot_everything"}; }
};

std::vector<std::string> descriptions(const std::vector<operation>& ops) {
    std::vector<std::string> out;
    for (const auto& op : ops) out.push_back(describe(op));
    return out;
}

statements postgresql_sql(const std::vector<operation>& ops) {
    strata::catalog state;
    return strata::dialect_for(strata::backend::postgresql).render(ops, state).statements;
}

// The operation structs have no operator==; their parts do.
bool same(const create_table& a, const create_table& b) { return a.table == b.table; }
bool same(const drop_table& a, const drop_table& b) { return a.name == b.name && a.definition == b.definition; }
bool same(const add_column& a, const add_column& b) { return a.table == b.table && a.column == b.column; }
bool same(const drop_column& a, const drop_column& b) {
    return a.table == b.table && a.name == b.name && a.definition == b.definition;
}
bool same(const add_foreign_key& a, const add_foreign_key& b) { return a.table == b.table && a.key == b.key; }
bool same(const drop_foreign_key& a, const drop_foreign_key& b) {
    return a.table == b.table && a.name == b.name && a.definition == b.definition;
}
bool same(const add_unique& a, const add_unique& b) { return a.table == b.table && a.key == b.key; }
bool same(const drop_unique& a, const drop_unique& b) {
    return a.table == b.table && a.name == b.name && a.definition == b.definition;
}
bool same(const create_index& a, const create_index& b) { return a.index == b.index; }
bool same(const drop_index& a, const drop_index& b) {
    return a.table == b.table && a.name == b.name && a.definition == b.definition;
}
bool same(const rename_table& a, const rename_table& b) { return a.from == b.from && a.to == b.to; }
bool same(const rename_column& a, const rename_column& b) {
    return a.table == b.table && a.from == b.from && a.to == b.to;
}
bool same(const sql_text& a, const sql_text& b) { return a.postgresql == b.postgresql && a.sqlite == b.sqlite; }
bool same(const raw_sql& a, const raw_sql& b) {
    return same(a.up, b.up) && a.down.has_value() == b.down.has_value() && (!a.down || same(*a.down, *b.down));
}
bool same(const sql_script& a, const sql_script& b) {
    return a.postgresql == b.postgresql && a.sqlite == b.sqlite && a.source == b.source && a.role == b.role;
}
bool same(const raw_statements& a, const raw_statements& b) {
    return same(a.up, b.up) && a.down.has_value() == b.down.has_value() && (!a.down || same(*a.down, *b.down));
}
bool same(const add_check& a, const add_check& b) { return a.table == b.table && a.check == b.check; }
bool same(const drop_check& a, const drop_check& b) {
    return a.table == b.table && a.name == b.name && a.definition == b.definition;
}
bool same(const change_column& a, const change_column& b) {
    return a.table == b.table && a.before == b.before && a.after == b.after && same(a.using_up, b.using_up) &&
           same(a.using_down, b.using_down) && a.online == b.online;
}
bool same(const operation& a, const operation& b) {
    return a.index() == b.index() &&
           std::visit([&](const auto& x) { return same(x, std::get<std::decay_t<decltype(x)>>(b)); }, a);
}

table_def teams_table() {
    table t("teams");
    t.column("id", type::bigint()).primary();
    t.column("name", type::varchar(50)).not_null();
    t.column("parent", type::bigint()).references("teams", "id").on_delete(fk_action::cascade);
    t.unique({"name"});
    return t.definition();
}

const foreign_key manager_key{.name = "users_manager_fkey", .columns = {"manager"}, .ref_table = "users",
                              .ref_columns = {"userId"}, .on_update = fk_action::cascade,
                              .on_delete = fk_action::set_null};

/// One reversible operation of each kind, with everything its inverse needs.
std::vector<operation> reversible_operations() {
    column team("team", type::bigint());
    team.references("teams", "id").on_delete(fk_action::set_null).foreign_key_name("users_team_fkey");
    return {
        create_table{teams_table()},
        drop_table{"teams", teams_table()},
        add_column{"users", team},
        drop_column{"users", "team", team},
        add_foreign_key{"users", manager_key},
        drop_foreign_key{"users", "users_manager_fkey", manager_key},
        add_unique{"users", unique_key{"users_email_key", {"email"}}},
        drop_unique{"users", "users_email_key", unique_key{"users_email_key", {"email"}}},
        create_index{index_def{"users_lastName_idx", "users", {"lastName"}, false}},
        create_index{index_def{"users_userName_idx", "users", {"userName"}, true}},
        drop_index{"users", "users_lastName_idx", index_def{"users_lastName_idx", "users", {"lastName"}, false}},
        rename_table{"users", "people"},
        rename_column{"users", "email", "mail"},
        raw_sql{sql_text{"INSERT INTO pg", "INSERT INTO lite"}, sql_text{"DELETE FROM pg", "DELETE FROM lite"}},
        raw_statements{sql_script{.postgresql = statements{"INSERT INTO a", "INSERT INTO b"},
                                  .sqlite = statements{"INSERT INTO c"},
                                  .source = "0004_seed.sql",
                                  .role = strata::direction::up},
                       sql_script{.postgresql = statements{"DELETE FROM b", "DELETE FROM a"},
                                  .sqlite = std::nullopt,
                                  .source = "0004_seed.sql",
                                  .role = strata::direction::down}},
        change_column{"users", column("age", type::text()).default_sql("'0'"), column("age", type::integer()).not_null(),
                      sql_text{R"(CAST("age" AS INTEGER))", R"(CAST("age" AS INTEGER))"},
                      sql_text{R"(CAST("age" AS TEXT))", ""}},
    };
}

/// The irreversible_error down() throws for `unit`; fails the test when it throws nothing.
strata::irreversible_error down_error(const strata::migration& unit) {
    builder b;
    try {
        unit.down(b);
    } catch (const strata::irreversible_error& e) {
        return e;
    }
    BOOST_FAIL("down() did not throw irreversible_error");
    throw std::logic_error("unreachable");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(reversal)

BOOST_AUTO_TEST_CASE(down_of_a_change_only_unit_is_the_inverse_operations_in_reverse_order) {
    const change_unit unit(5, "organise_teams", [](builder& b) {
        b.create_table("teams", [](table& t) {
            t.column("id", type::bigint()).primary();
            t.column("name", type::varchar(50)).not_null();
        });
        b.add_column("users", column("team", type::bigint()).references("teams", "id"));
        b.add_foreign_key("users", {.columns = {"manager"}, .ref_table = "users", .ref_columns = {"userId"}});
        b.add_unique("users", {"email"});
        b.create_index("users", {"lastName"});
        b.create_unique_index("users", {"userName"});
        b.sql("INSERT INTO teams (id, name) VALUES (1, 'staff')", "DELETE FROM teams WHERE id = 1");
        b.drop_column("users", column("fax", type::varchar(20)));
        b.drop_table("legacy", [](table& t) { t.column("id", type::bigint()).primary(); });
    });

    builder up, down;
    unit.up(up);
    unit.down(down);
    BOOST_TEST(descriptions(up.operations()) == (std::vector<std::string>{
        "create_table teams", "add_column users.team", "add_foreign_key users.users_manager_fkey",
        "add_unique users.users_email_key", "create_index users_lastName_idx", "create_index users_userName_idx",
        "sql", "drop_column users.fax", "drop_table legacy",
    }), boost::test_tools::per_element());
    BOOST_TEST(descriptions(down.operations()) == (std::vector<std::string>{
        "create_table legacy", "add_column users.fax", "sql", "drop_index users_userName_idx",
        "drop_index users_lastName_idx", "drop_unique users.users_email_key",
        "drop_foreign_key users.users_manager_fkey", "drop_column users.team", "drop_table teams",
    }), boost::test_tools::per_element());
    BOOST_TEST(postgresql_sql(down.operations()) == (statements{
        R"sql(CREATE TABLE "legacy" (
  "id" BIGINT NOT NULL PRIMARY KEY
))sql",
        R"sql(ALTER TABLE "users" ADD COLUMN "fax" VARCHAR(20))sql",
        "DELETE FROM teams WHERE id = 1",
        R"sql(DROP INDEX "users_userName_idx")sql",
        R"sql(DROP INDEX "users_lastName_idx")sql",
        R"sql(ALTER TABLE "users" DROP CONSTRAINT "users_email_key")sql",
        R"sql(ALTER TABLE "users" DROP CONSTRAINT "users_manager_fkey")sql",
        R"sql(ALTER TABLE "users" DROP COLUMN "team")sql",
        R"sql(DROP TABLE "teams")sql",
    }), boost::test_tools::per_element());

    // The drop at the end of down keeps the definition, so down can itself be reversed.
    const auto& dropped = std::get<drop_table>(down.operations().back());
    BOOST_TEST_REQUIRE(dropped.definition.has_value());
    BOOST_TEST((*dropped.definition == std::get<create_table>(up.operations().front()).table));
}

BOOST_AUTO_TEST_CASE(down_of_renames_swaps_the_names_back_in_reverse_order) {
    const change_unit unit(6, "rename_people", [](builder& b) {
        b.rename_table("users", "people");
        b.rename_column("people", "email", "mail");
    });
    builder up, down;
    unit.up(up);
    unit.down(down);
    BOOST_TEST(descriptions(up.operations()) == (std::vector<std::string>{
        "rename_table users -> people", "rename_column people.email -> mail",
    }), boost::test_tools::per_element());
    BOOST_TEST(postgresql_sql(down.operations()) == (statements{
        R"sql(ALTER TABLE "people" RENAME COLUMN "mail" TO "email")sql",
        R"sql(ALTER TABLE "people" RENAME TO "users")sql",
    }), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(drops_given_their_definition_fill_in_default_names_and_invert_to_the_matching_add) {
    builder b;
    b.drop_foreign_key("users", foreign_key{.columns = {"manager"}, .ref_table = "users", .ref_columns = {"userId"},
                                            .on_update = fk_action::cascade, .on_delete = fk_action::set_null});
    b.drop_unique("users", unique_key{.columns = {"email"}});
    b.drop_unique("users", unique_key{"users_full_name", {"firstName", "lastName"}});
    b.drop_index(index_def{.table = "users", .columns = {"lastName"}});
    b.drop_index(index_def{.name = "users_one_phone", .table = "users", .columns = {"phone"}, .unique = true});

    const unique_key email_key{"users_email_key", {"email"}};
    const unique_key full_name_key{"users_full_name", {"firstName", "lastName"}};
    const index_def last_name_index{"users_lastName_idx", "users", {"lastName"}, false};
    const index_def phone_index{"users_one_phone", "users", {"phone"}, true};
    const std::vector<operation> recorded{
        drop_foreign_key{"users", "users_manager_fkey", manager_key},
        drop_unique{"users", "users_email_key", email_key},
        drop_unique{"users", "users_full_name", full_name_key},
        drop_index{"users", "users_lastName_idx", last_name_index},
        drop_index{"users", "users_one_phone", phone_index},
    };
    const std::vector<operation> inverses{
        add_foreign_key{"users", manager_key},
        add_unique{"users", email_key},
        add_unique{"users", full_name_key},
        create_index{last_name_index},
        create_index{phone_index},
    };
    BOOST_TEST_REQUIRE(b.operations().size() == recorded.size());
    for (std::size_t i = 0; i < recorded.size(); ++i) {
        BOOST_TEST_CONTEXT(describe(recorded[i])) {
            BOOST_TEST(same(b.operations()[i], recorded[i]), "recorded as " << describe(b.operations()[i]));
            const auto back = inverse(b.operations()[i]);
            BOOST_TEST_REQUIRE(back.has_value());
            BOOST_TEST(same(*back, inverses[i]), "inverted to " << describe(*back));
        }
    }
}

BOOST_AUTO_TEST_CASE(down_of_a_change_unit_dropping_with_definitions_recreates_what_it_dropped) {
    const change_unit unit(12, "loosen_users", [](builder& b) {
        b.drop_foreign_key("users", foreign_key{.columns = {"manager"}, .ref_table = "users", .ref_columns = {"userId"},
                                                .on_delete = fk_action::set_null});
        b.drop_unique("users", unique_key{.columns = {"email"}});
        b.drop_index(index_def{.table = "users", .columns = {"lastName"}});
        b.drop_index(index_def{.name = "users_one_phone", .table = "users", .columns = {"phone"}, .unique = true});
    });

    builder up, down;
    unit.up(up);
    unit.down(down);
    BOOST_TEST(postgresql_sql(up.operations()) == (statements{
        R"sql(ALTER TABLE "users" DROP CONSTRAINT "users_manager_fkey")sql",
        R"sql(ALTER TABLE "users" DROP CONSTRAINT "users_email_key")sql",
        R"sql(DROP INDEX "users_lastName_idx")sql",
        R"sql(DROP INDEX "users_one_phone")sql",
    }), boost::test_tools::per_element());
    BOOST_TEST(descriptions(down.operations()) == (std::vector<std::string>{
        "create_index users_one_phone", "create_index users_lastName_idx", "add_unique users.users_email_key",
        "add_foreign_key users.users_manager_fkey",
    }), boost::test_tools::per_element());
    BOOST_TEST(postgresql_sql(down.operations()) == (statements{
        R"sql(CREATE UNIQUE INDEX "users_one_phone" ON "users" ("phone"))sql",
        R"sql(CREATE INDEX "users_lastName_idx" ON "users" ("lastName"))sql",
        R"sql(ALTER TABLE "users" ADD CONSTRAINT "users_email_key" UNIQUE ("email"))sql",
        R"sql(ALTER TABLE "users" ADD CONSTRAINT "users_manager_fkey" FOREIGN KEY ("manager") REFERENCES "users" ("userId") ON DELETE SET NULL)sql",
    }), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(irreversible_operations_make_down_fail_naming_the_unit_and_the_operation) {
    struct irreversible_case {
        std::string described;
        std::function<void(builder&)> record;
    };
    const std::vector<irreversible_case> cases{
        {"sql", [](builder& b) { b.sql("INSERT INTO roles VALUES ('admin')"); }},
        {"sql", [](builder& b) { b.sql(sql_text{"SELECT 1", "SELECT 2"}); }},
        {"drop_table legacy", [](builder& b) { b.drop_table("legacy"); }},
        {"drop_column users.fax", [](builder& b) { b.drop_column("users", "fax"); }},
        {"drop_foreign_key users.users_manager_fkey", [](builder& b) { b.drop_foreign_key("users", "users_manager_fkey"); }},
        {"drop_unique users.users_email_key", [](builder& b) { b.drop_unique("users", "users_email_key"); }},
        {"drop_index users_lastName_idx", [](builder& b) { b.drop_index("users", "users_lastName_idx"); }},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.described) {
            const change_unit unit(7, "seed_roles", [&](builder& b) {
                b.create_table("roles", [](table& t) { t.column("name", type::text()); });
                c.record(b);
            });
            const auto e = down_error(unit);
            BOOST_TEST(std::string(e.what()) ==
                       "unit 7 seed_roles (down) cannot run: its operation '" + c.described +
                           "' cannot be reversed (a drop needs the definition of what it drops, raw sql needs its "
                           "down text); write down() by hand; nothing was run");
            BOOST_TEST((e.context().version == 7));
            BOOST_TEST(e.context().unit_name == "seed_roles");
            BOOST_TEST((e.context().dir == strata::direction::down));
        }
    }
}

BOOST_AUTO_TEST_CASE(a_unit_overriding_only_up_cannot_go_down) {
    const up_only_unit unit;
    BOOST_TEST(std::string(down_error(unit).what()) ==
               "unit 9 backfill_names (down) cannot run: it overrides up() without down(); write down() to "
               "make it reversible; nothing was run");
}

BOOST_AUTO_TEST_CASE(a_unit_overriding_neither_up_nor_change_cannot_go_up) {
    const empty_unit unit;
    builder b;
    BOOST_CHECK_EXCEPTION(unit.up(b), strata::registry_error, [](const strata::registry_error& e) {
        BOOST_TEST(e.message() == "unit 11 forgot_everything defines neither up() nor change(); override one of them");
        return true;
    });
}

BOOST_AUTO_TEST_CASE(inverse_of_the_inverse_is_the_original_operation) {
    for (const auto& op : reversible_operations()) {
        BOOST_TEST_CONTEXT(describe(op)) {
            const auto back = inverse(op);
            BOOST_TEST_REQUIRE(back.has_value());
            BOOST_TEST(!same(*back, op));
            const auto again = inverse(*back);
            BOOST_TEST_REQUIRE(again.has_value());
            BOOST_TEST(same(*again, op));
        }
    }
}

BOOST_AUTO_TEST_CASE(inverse_pairs_each_operation_with_its_opposite) {
    std::vector<std::string> pairs;
    for (const auto& op : reversible_operations()) pairs.push_back(describe(op) + " <-> " + describe(*inverse(op)));
    BOOST_TEST(pairs == (std::vector<std::string>{
        "create_table teams <-> drop_table teams",
        "drop_table teams <-> create_table teams",
        "add_column users.team <-> drop_column users.team",
        "drop_column users.team <-> add_column users.team",
        "add_foreign_key users.users_manager_fkey <-> drop_foreign_key users.users_manager_fkey",
        "drop_foreign_key users.users_manager_fkey <-> add_foreign_key users.users_manager_fkey",
        "add_unique users.users_email_key <-> drop_unique users.users_email_key",
        "drop_unique users.users_email_key <-> add_unique users.users_email_key",
        "create_index users_lastName_idx <-> drop_index users_lastName_idx",
        "create_index users_userName_idx <-> drop_index users_userName_idx",
        "drop_index users_lastName_idx <-> create_index users_lastName_idx",
        "rename_table users -> people <-> rename_table people -> users",
        "rename_column users.email -> mail <-> rename_column users.mail -> email",
        "sql <-> sql",
        "sql <-> sql",
        "change_column users.age <-> change_column users.age",
    }), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(inverse_of_change_column_swaps_before_and_after_and_the_using_expressions) {
    builder b;
    b.change_column("users", column("age", type::text()), column("age", type::integer()).not_null())
        .using_sql(R"(CAST("age" AS INTEGER))", R"(CAST("age" AS TEXT))");
    const auto back = inverse(b.operations().front());
    BOOST_TEST_REQUIRE(back.has_value());
    const auto& swapped = std::get<change_column>(*back);
    BOOST_TEST(swapped.table == "users");
    BOOST_TEST((swapped.before == column("age", type::integer()).not_null()));
    BOOST_TEST((swapped.after == column("age", type::text())));
    BOOST_TEST(same(swapped.using_up, sql_text{R"(CAST("age" AS TEXT))", R"(CAST("age" AS TEXT))"}));
    BOOST_TEST(same(swapped.using_down, sql_text{R"(CAST("age" AS INTEGER))", R"(CAST("age" AS INTEGER))"}));
    BOOST_TEST(postgresql_sql({*back}) ==
                   (statements{R"(ALTER TABLE "users" ALTER COLUMN "age" TYPE TEXT USING (CAST("age" AS TEXT)), ALTER COLUMN "age" DROP NOT NULL)"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(down_of_a_change_column_unit_restores_the_column) {
    const change_unit unit(5, "require_age", [](builder& b) {
        b.change_column("users", column("age", type::integer()), column("age", type::integer()).not_null().default_sql("0"));
    });
    builder down;
    unit.down(down);
    BOOST_TEST(descriptions(down.operations()) == (std::vector<std::string>{"change_column users.age"}), boost::test_tools::per_element());
    BOOST_TEST(postgresql_sql(down.operations()) ==
                   (statements{R"(ALTER TABLE "users" ALTER COLUMN "age" DROP DEFAULT, ALTER COLUMN "age" DROP NOT NULL)"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(inverse_of_raw_sql_swaps_up_and_down_for_each_dialect) {
    const auto back = inverse(raw_sql{sql_text{"INSERT INTO pg", "INSERT INTO lite"},
                                      sql_text{"DELETE FROM pg", "DELETE FROM lite"}});
    BOOST_TEST_REQUIRE(back.has_value());
    const auto& swapped = std::get<raw_sql>(*back);
    BOOST_TEST(swapped.up.postgresql == "DELETE FROM pg");
    BOOST_TEST(swapped.up.sqlite == "DELETE FROM lite");
    BOOST_TEST_REQUIRE(swapped.down.has_value());
    BOOST_TEST(swapped.down->postgresql == "INSERT INTO pg");
    BOOST_TEST(swapped.down->sqlite == "INSERT INTO lite");
}

BOOST_AUTO_TEST_CASE(inverse_is_empty_when_what_it_needs_is_missing) {
    const std::vector<operation> irreversible{
        drop_table{"legacy", std::nullopt},
        drop_column{"users", "fax", std::nullopt},
        drop_foreign_key{"users", "users_manager_fkey", std::nullopt},
        drop_unique{"users", "users_email_key", std::nullopt},
        drop_index{"users", "users_lastName_idx", std::nullopt},
        raw_sql{sql_text{"SELECT 1", "SELECT 1"}, std::nullopt},
        raw_statements{sql_script{.postgresql = statements{"SELECT 1"}, .sqlite = statements{"SELECT 1"}}, std::nullopt},
    };
    for (const auto& op : irreversible) BOOST_TEST(!inverse(op).has_value(), describe(op) << " has an inverse");
}

// Checks and partial/expression indexes (issue 9, points 3 and 6).
BOOST_AUTO_TEST_CASE(checks_and_partial_or_expression_indexes_invert_with_everything_they_need) {
    const check_def positive{"orders_total_positive", "\"total\" > 0"};
    index_def live_email{"users_live_email_key", "users", {"email"}, true};
    live_email.where = "\"deleted_at\" IS NULL";
    index_def lower_email{"users_email_lower_idx", "users", {}, false};
    lower_email.expressions = {"lower(\"email\")"};
    lower_email.where = "\"active\"";

    builder b;
    b.add_check("orders", positive.name, positive.expression).online();
    b.drop_check("orders", positive);
    b.create_unique_index("users", {"email"}, "users_live_email_key").where("\"deleted_at\" IS NULL");
    b.create_index_on("users", {"lower(\"email\")"}, "users_email_lower_idx").where("\"active\"");
    b.drop_index(lower_email);
    const auto& ops = b.operations();
    BOOST_TEST_REQUIRE(ops.size() == 5u);
    const std::vector<operation> expected_inverses{
        drop_check{"orders", positive.name, positive},
        add_check{"orders", positive},
        drop_index{"users", "users_live_email_key", live_email},
        drop_index{"users", "users_email_lower_idx", lower_email},
        create_index{lower_email},
    };
    for (std::size_t i = 0; i < ops.size(); ++i) {
        BOOST_TEST_CONTEXT(describe(ops[i])) {
            const auto back = inverse(ops[i]);
            BOOST_TEST_REQUIRE(back.has_value());
            BOOST_TEST(same(*back, expected_inverses[i]), describe(*back));
            const auto again = inverse(*back);
            BOOST_TEST_REQUIRE(again.has_value());
            if (i != 0) BOOST_TEST(same(*again, ops[i]));  // the way back is plain: online is not kept
        }
    }
    BOOST_TEST(descriptions({ops[0], ops[1]}) ==
                   (std::vector<std::string>{"add_check orders.orders_total_positive", "drop_check orders.orders_total_positive"}),
               boost::test_tools::per_element());
    BOOST_TEST(!inverse(drop_check{"orders", positive.name, std::nullopt}).has_value());
    builder irreversible;
    irreversible.drop_check("orders", "orders_total_positive");
    BOOST_TEST(!inverse(irreversible.operations().front()).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
