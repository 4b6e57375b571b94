// Checked on render (issue 9, point 9): what no database should be sent is refused while a unit
// is rendered, on both dialects, naming the operation; and the safe renderings that go with it
// (a parenthesised default_sql, a DO block tag its body does not contain).
#include <strata/dialect.hpp>
#include <strata/error.hpp>
#include <strata/schema/builder.hpp>

#include <boost/test/unit_test.hpp>

#include <functional>
#include <string>
#include <vector>

#include "render_support.hpp"

namespace {

using namespace strata::schema;
using statements = std::vector<std::string>;

const std::vector<strata::backend> both_dialects{strata::backend::sqlite, strata::backend::postgresql};

/// `users(id)`, as an earlier unit left it.
strata::catalog with_users() {
    builder b;
    b.create_table("users", [](table& t) {
        t.column("id", type::bigint()).primary();
        t.column("email", type::text());
    });
    return strata::test::state_after(b);
}

std::string refusal(strata::backend backend, const std::function<void(builder&)>& record, strata::catalog state = with_users()) {
    return strata::test::refusal(backend, record, std::move(state));
}

/// The same refusal on both dialects.
void refused_on_both(const std::function<void(builder&)>& record, const std::string& expected) {
    for (auto backend : both_dialects) BOOST_TEST(refusal(backend, record) == expected, strata::to_string(backend));
}

statements postgresql_sql(const builder& b, strata::catalog state = {}) {
    return strata::dialect_for(strata::backend::postgresql).render(b.operations(), state).statements;
}

const std::string long_table(64, 't');  // one byte over PostgreSQL's 63

}  // namespace

BOOST_AUTO_TEST_SUITE(render_checks)

// 1. Two .primary() columns: today PRIMARY KEY twice, which PostgreSQL refuses at run time.
BOOST_AUTO_TEST_CASE(two_primary_columns_are_refused_naming_both) {
    refused_on_both(
        [](builder& b) {
            b.create_table("memberships", [](table& t) {
                t.column("user", type::bigint()).primary();
                t.column("group", type::bigint()).primary();
            });
        },
        "create_table memberships: columns \"user\", \"group\" are each marked .primary(), but a table has one primary key; "
        "for a key over several columns write t.primary_key({\"user\", \"group\"}) instead");
}

// 2. Empty column lists and foreign keys whose column counts differ.
BOOST_AUTO_TEST_CASE(empty_column_lists_are_refused) {
    refused_on_both([](builder& b) { b.create_index("users", {}); },
                    "create_index users_idx: index \"users_idx\" names no column; give at least one");
    refused_on_both([](builder& b) { b.create_unique_index("users", {}, "users_unique"); },
                    "create_index users_unique: index \"users_unique\" names no column; give at least one");
    refused_on_both([](builder& b) { b.add_unique("users", {}); },
                    "add_unique users.users_key: unique key \"users_key\" names no column; give at least one");
    refused_on_both(
        [](builder& b) {
            b.create_table("tags", [](table& t) {
                t.column("id", type::bigint()).primary();
                t.unique({});
            });
        },
        "create_table tags: unique key \"tags_key\" names no column; give at least one");
    refused_on_both([](builder& b) { b.add_foreign_key("users", {.ref_table = "accounts", .ref_columns = {"id"}}); },
                    "add_foreign_key users.users_fkey: foreign key \"users_fkey\" names no column; give at least one");
}

BOOST_AUTO_TEST_CASE(foreign_keys_with_a_different_number_of_referenced_columns_are_refused) {
    refused_on_both(
        [](builder& b) {
            b.add_foreign_key("users", {.columns = {"id", "email"}, .ref_table = "accounts", .ref_columns = {"id"}});
        },
        "add_foreign_key users.users_id_email_fkey: foreign key \"users_id_email_fkey\" has 2 column(s) (\"id\", \"email\") "
        "but references 1 (\"id\"); give as many referenced columns as columns");
    refused_on_both(
        [](builder& b) {
            b.create_table("posts", [](table& t) {
                t.column("id", type::bigint()).primary();
                t.column("author", type::bigint()).on_delete(fk_action::cascade);  // references() forgotten
            });
        },
        "create_table posts: foreign key \"posts_author_fkey\" references no table; call references(table, column)");
}

// 3. Duplicate column names.
BOOST_AUTO_TEST_CASE(a_column_defined_twice_is_refused) {
    refused_on_both(
        [](builder& b) {
            b.create_table("notes", [](table& t) {
                t.column("body", type::text());
                t.column("body", type::varchar(10));
            });
        },
        "create_table notes: column \"body\" is defined twice");
    refused_on_both([](builder& b) { b.add_column("users", column("email", type::text())); },
                    "add_column users.email: table users already has a column \"email\" (an earlier unit created it)");
}

BOOST_AUTO_TEST_CASE(adding_a_column_to_a_table_the_model_does_not_know_is_left_to_the_database) {
    builder b;
    b.add_column("legacy", column("email", type::text()));
    BOOST_TEST(postgresql_sql(b) == statements{R"sql(ALTER TABLE "legacy" ADD COLUMN "email" TEXT)sql"},
               boost::test_tools::per_element());
}

// 4. varchar(0) and negative lengths.
BOOST_AUTO_TEST_CASE(varchar_without_a_positive_length_is_refused) {
    refused_on_both([](builder& b) { b.add_column("users", column("code", type::varchar(0))); },
                    "add_column users.code: column \"code\" is varchar(0); a varchar needs a length of at least 1 (or use "
                    "type::text())");
    refused_on_both(
        [](builder& b) { b.create_table("codes", [](table& t) { t.column("code", type::varchar(-5)); }); },
        "create_table codes: column \"code\" is varchar(-5); a varchar needs a length of at least 1 (or use type::text())");
}

// 5. Identifiers PostgreSQL would cut to 63 bytes, given or derived, refused on both dialects.
BOOST_AUTO_TEST_CASE(identifiers_longer_than_63_bytes_are_refused_on_both_dialects) {
    refused_on_both([](builder& b) { b.create_table(long_table, [](table& t) { t.column("id", type::bigint()); }); },
                    "create_table " + long_table + ": the table name \"" + long_table +
                        "\" is 64 bytes long, more than the 63 PostgreSQL keeps (it would cut it silently); give the table "
                        "a shorter name");
    const std::string column_name(40, 'c');
    refused_on_both(
        [&](builder& b) {
            b.create_table("user_profiles_archive", [&](table& t) {
                t.column(column_name, type::bigint()).references("users", "id");
            });
        },
        "create_table user_profiles_archive: the foreign key name (the default <table>_<columns>_fkey) "
        "\"user_profiles_archive_" + column_name + "_fkey\" is 67 bytes long, more than the 63 PostgreSQL keeps (it would "
        "cut it silently); name the key with .foreign_key_name(...) on the column or the name field of foreign_key");
    const std::string wide(50, 'w');
    refused_on_both([&](builder& b) { b.create_index("users", {"email", wide}); },
                    "create_index users_email_" + wide + "_idx: the index name (the default <table>_<columns>_idx) "
                    "\"users_email_" + wide + "_idx\" is 66 bytes long, more than the 63 PostgreSQL keeps (it "
                    "would cut it silently); pass a shorter name as the name argument of create_index or create_unique_index");
}

BOOST_AUTO_TEST_CASE(a_63_byte_name_and_a_shorter_given_name_render) {
    const std::string exactly(63, 'x');
    const std::string column_name(40, 'c');
    builder b;
    b.create_table(exactly, [](table& t) { t.column("id", type::bigint()); });
    b.add_unique("users", {"email"}, "users_email_unique");
    b.add_column("users", column(column_name, type::bigint()).references("users", "id").foreign_key_name("users_self_fkey"));
    BOOST_TEST(postgresql_sql(b, with_users()).size() == 3u);
}

// 6. default_sql() is spliced into the statement: it must be one expression.
BOOST_AUTO_TEST_CASE(a_default_sql_injecting_statements_is_refused) {
    refused_on_both(
        [](builder& b) {
            b.create_table("victims", [](table& t) {
                t.column("name", type::text()).default_sql("'a'); DROP TABLE victim; CREATE TABLE pwned (x int");
            });
        },
        "create_table victims: the default_sql of column \"name\" is not a single SQL expression: it has a ';' outside "
        "string literals; give one expression, such as 0, 'text' or lower('A')");
    const std::vector<std::pair<std::string, std::string>> cases{
        {"1) NOT NULL, \"evil\" integer CHECK (1", "it closes a parenthesis it did not open"},
        {"(1", "its parentheses are unbalanced"},
        {"'open", "it has an unterminated string"},
        {"0 -- )", "it has a comment"},
        {"$$'$$", "it has a '$' outside string literals"},
        {"  ", "it is empty"},
    };
    for (const auto& [expression, why] : cases)
        refused_on_both([&](builder& b) { b.add_column("users", column("x", type::text()).default_sql(expression)); },
                        "add_column users.x: the default_sql of column \"x\" is not a single SQL expression: " + why +
                            "; give one expression, such as 0, 'text' or lower('A')");
}

BOOST_AUTO_TEST_CASE(a_default_sql_expression_is_parenthesised_and_a_literal_stays_as_written) {
    builder b;
    b.create_table("labels", [](table& t) {
        t.column("code", type::text()).default_sql("lower('A;B')");
        t.column("note", type::text()).default_sql("'it''s; fine'");
        t.column("rank", type::integer()).default_sql("-1");
    });
    BOOST_TEST(postgresql_sql(b) == statements{R"sql(CREATE TABLE "labels" (
  "code" TEXT DEFAULT (lower('A;B')),
  "note" TEXT DEFAULT 'it''s; fine',
  "rank" INTEGER DEFAULT -1
))sql"}, boost::test_tools::per_element());
}

// 7. The online DO blocks are dollar-quoted: a name holding the tag gets another tag.
BOOST_AUTO_TEST_CASE(an_online_do_block_picks_a_tag_its_text_does_not_contain) {
    builder b;
    b.add_unique("odd$strata$name", {"a$strata1$b"}).online();
    const auto sql = postgresql_sql(b);
    BOOST_TEST_REQUIRE(sql.size() == 4u);  // the INVALID leftover's drop (a gexec query) first
    for (std::size_t i : {1u, 3u}) {
        const auto& block = sql[i];
        BOOST_TEST(block.rfind("DO $strata2$ ", 0) == 0u, block);
        BOOST_TEST(block.size() - block.rfind(" $strata2$") == std::string(" $strata2$").size(), block);
        BOOST_TEST(block.find("$strata2$", 4) == block.size() - std::string("$strata2$").size(), block);
    }
    builder plain;
    plain.add_unique("users", {"email"}).online();
    BOOST_TEST(postgresql_sql(plain).at(1).rfind("DO $strata$ ", 0) == 0u);
}

// 8. nothing_to_undo() renders nothing anywhere and is its own inverse.
BOOST_AUTO_TEST_CASE(nothing_to_undo_renders_no_statement_on_either_dialect) {
    builder b;
    b.nothing_to_undo();
    BOOST_TEST_REQUIRE(b.operations().size() == 1u);
    for (auto backend : both_dialects) {
        strata::catalog state;
        BOOST_TEST(strata::dialect_for(backend).render(b.operations(), state).statements.empty(), strata::to_string(backend));
        auto back = inverse(b.operations().front());
        BOOST_TEST_REQUIRE(back.has_value());
        BOOST_TEST(strata::dialect_for(backend).render({*back}, state).statements.empty(), strata::to_string(backend));
    }
}

// 9. change_column: what it cannot change, what changes nothing, and a before that is not the
// column as earlier units left it.
BOOST_AUTO_TEST_CASE(a_change_column_changing_what_it_does_not_change_is_refused_naming_the_operation_to_use) {
    refused_on_both([](builder& b) { b.change_column("people", column("email", type::text()), column("mail", type::text())); },
                    "change_column people.email: before names column \"email\" and after \"mail\"; change_column keeps the "
                    "name: rename it with rename_column (then change it under its new name)");
    refused_on_both(
        [](builder& b) {
            b.change_column("people", column("team", type::bigint()), column("team", type::bigint()).references("teams", "id"));
        },
        "change_column people.team: it changes the reference of column \"team\" (no reference before, \"people_team_fkey\" "
        "to teams (\"id\") after); change_column changes only the type, the default and nullability: use drop_foreign_key "
        "and add_foreign_key");
    refused_on_both([](builder& b) { b.change_column("people", column("id", type::bigint()), column("id", type::bigint()).primary()); },
                    "change_column people.id: it makes column \"id\" the primary key; change_column changes only the type, the "
                    "default and nullability, and strata cannot change a primary key (create a new table with create_table, "
                    "or use raw sql)");
    refused_on_both(
        [](builder& b) { b.change_column("people", column("id", type::bigint()).primary(), column("id", type::bigint()).primary().null()); },
        "change_column people.id: column \"id\" is the primary key, which cannot take NULL; keep it NOT NULL");
}

BOOST_AUTO_TEST_CASE(a_change_column_that_changes_nothing_is_refused) {
    refused_on_both([](builder& b) { b.change_column("people", column("age", type::integer()), column("age", type::integer())); },
                    "change_column people.age: before and after are the same column, so nothing changes; give the column as "
                    "it should be as after");
}

BOOST_AUTO_TEST_CASE(a_change_column_using_expression_is_refused_without_a_type_change_or_when_not_one_expression) {
    refused_on_both(
        [](builder& b) {
            b.change_column("people", column("age", type::integer()), column("age", type::integer()).not_null()).using_sql("0");
        },
        "change_column people.age: using_sql() is given but the type stays integer; a USING expression converts values to a "
        "new type: drop using_sql()");
    refused_on_both(
        [](builder& b) {
            b.change_column("people", column("age", type::text()), column("age", type::integer()))
                .using_sql(R"(CAST("age" AS INTEGER)); DROP TABLE people; --)");
        },
        "change_column people.age: the using_sql expression of column \"age\" is not a single SQL expression: it has a ';' "
        "outside string literals; give one expression, such as CAST(\"age\" AS INTEGER) or lower(\"age\")");
    refused_on_both(
        [](builder& b) {
            b.change_column("people", column("age", type::text()), column("age", type::integer()))
                .using_sql(R"(CAST("age" AS INTEGER))", "(age");
        },
        "change_column people.age: the using_sql down expression of column \"age\" is not a single SQL expression: its "
        "parentheses are unbalanced; give one expression, such as CAST(\"age\" AS INTEGER) or lower(\"age\")");
}

// PostgreSQL refuses text to integer without USING; SQLite's rebuild would copy the text as it is.
BOOST_AUTO_TEST_CASE(a_type_change_postgresql_cannot_make_on_its_own_needs_a_using_expression) {
    refused_on_both([](builder& b) { b.change_column("people", column("age", type::text()), column("age", type::integer())); },
                    "change_column people.age: PostgreSQL does not convert text to integer on its own; give the conversion "
                    "with using_sql(): one expression over \"age\" that means the same on every database the unit runs on, or one "
                    "per database (sql_text)");
    refused_on_both([](builder& b) { b.change_column("people", column("on", type::integer()), column("on", type::boolean())); },
                    "change_column people.on: PostgreSQL does not convert integer to boolean on its own; give the conversion "
                    "with using_sql(): one expression over \"on\" that means the same on every database the unit runs on, or one "
                    "per database (sql_text)");
    // To text and varchar, between integer and bigint, and within a type it does.
    builder b;
    b.change_column("people", column("age", type::integer()), column("age", type::text()));
    b.change_column("people", column("age", type::bigint()), column("age", type::integer()));
    b.change_column("people", column("nick", type::varchar(20)), column("nick", type::varchar(10)));
    b.change_column("people", column("at", type::timestamptz()), column("at", type::varchar(40)));
    BOOST_TEST(postgresql_sql(b).size() == 4u);
}

BOOST_AUTO_TEST_CASE(an_online_change_column_other_than_making_a_column_not_null_is_refused) {
    const std::string refused = "online() only makes a nullable column NOT NULL (a NOT VALID check, validated without "
                                "blocking writes, then SET NOT NULL), and nothing else in the same change_column; record "
                                "the other changes in a change_column of their own without online()";
    refused_on_both(
        [](builder& b) {
            b.change_column("people", column("age", type::integer()), column("age", type::bigint()).not_null()).online();
        },
        "change_column people.age: " + refused);
    refused_on_both(
        [](builder& b) {
            b.change_column("people", column("age", type::integer()).not_null(), column("age", type::integer())).online();
        },
        "change_column people.age: " + refused);
    refused_on_both(
        [](builder& b) {
            b.change_column("people", column("age", type::integer()), column("age", type::integer()).not_null().default_sql("0"))
                .online();
        },
        "change_column people.age: " + refused);
    const std::string table(50, 't');
    refused_on_both(
        [&](builder& b) {
            b.change_column(table, column("age", type::integer()), column("age", type::integer()).not_null()).online();
        },
        "change_column " + table + ".age: the name of the temporary check (<table>_<column>_not_null_check) \"" + table +
            "_age_not_null_check\" is 69 bytes long, more than the 63 PostgreSQL keeps (it would cut it silently); give the "
            "column or the table a shorter name");
}

BOOST_AUTO_TEST_CASE(a_change_column_whose_before_is_not_the_column_earlier_units_left_is_refused) {
    refused_on_both(
        [](builder& b) { b.change_column("users", column("email", type::varchar(20)).not_null(), column("email", type::text()).not_null()); },
        "change_column users.email: before does not match column \"email\" as earlier units left it (type text, not "
        "varchar(20); nullable, not NOT NULL); give before as the column is now");
    refused_on_both([](builder& b) { b.change_column("users", column("age", type::integer()), column("age", type::bigint())); },
                    "change_column users.age: table users has no column \"age\" (an earlier unit created the table)");
    // The column as the model has it renders.
    builder b;
    b.change_column("users", column("email", type::text()), column("email", type::varchar(100)).not_null());
    BOOST_TEST(postgresql_sql(b, with_users()) ==
                   (statements{R"sql(ALTER TABLE "users" ALTER COLUMN "email" TYPE VARCHAR(100), ALTER COLUMN "email" SET NOT NULL)sql"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(using_sql_must_follow_a_change_column_and_give_an_expression) {
    builder b;
    BOOST_CHECK_THROW(b.using_sql("0"), strata::unsupported_error);
    b.add_column("users", column("age", type::integer()));
    BOOST_CHECK_EXCEPTION(b.using_sql("0"), strata::unsupported_error, [](const strata::unsupported_error& e) {
        BOOST_TEST(e.message() == "using_sql() must follow the change_column it applies to, not 'add_column users.age'");
        return true;
    });
    b.change_column("users", column("age", type::integer()), column("age", type::text()));
    BOOST_CHECK_THROW(b.using_sql(""), strata::unsupported_error);
    b.using_sql(R"(CAST("age" AS TEXT))");
    BOOST_TEST(std::get<change_column>(b.operations().back()).using_up.postgresql == R"(CAST("age" AS TEXT))");
    BOOST_TEST(std::get<change_column>(b.operations().back()).using_up.sqlite == R"(CAST("age" AS TEXT))");
    BOOST_CHECK_THROW(b.using_sql(sql_text{}), strata::unsupported_error);
}

// Per dialect: each text is checked, and named by its dialect when they differ.
BOOST_AUTO_TEST_CASE(a_change_column_using_expression_per_dialect_is_checked_per_dialect) {
    refused_on_both(
        [](builder& b) {
            b.change_column("people", column("at", type::text()), column("at", type::timestamptz()))
                .using_sql(sql_text{R"(CAST("at" AS TIMESTAMPTZ))", "1; DROP TABLE people"});
        },
        "change_column people.at: the using_sql expression of column \"at\" for sqlite is not a single SQL expression: it "
        "has a ';' outside string literals; give one expression, such as CAST(\"at\" AS INTEGER) or lower(\"at\")");
    // PostgreSQL needs its text; SQLite may go without (it copies the stored text).
    refused_on_both(
        [](builder& b) {
            b.change_column("people", column("at", type::text()), column("at", type::timestamptz())).using_sql(sql_text{"", "\"at\""});
        },
        "change_column people.at: PostgreSQL does not convert text to timestamptz on its own; give the conversion with "
        "using_sql(): one expression over \"at\" that means the same on every database the unit runs on, or one per "
        "database (sql_text)");
    builder b;
    b.change_column("people", column("at", type::text()), column("at", type::timestamptz()))
        .using_sql(sql_text{R"(CAST("at" AS TIMESTAMPTZ))", ""});
    BOOST_TEST(postgresql_sql(b) ==
                   (statements{R"sql(ALTER TABLE "people" ALTER COLUMN "at" TYPE TIMESTAMPTZ USING (CAST("at" AS TIMESTAMPTZ)))sql"}),
               boost::test_tools::per_element());
}

// 9. Checks, index expressions and where() predicates are spliced in too: one expression each,
// and the names drop_check and drop_index find them by.
BOOST_AUTO_TEST_CASE(a_check_or_index_text_that_is_not_one_expression_is_refused_naming_its_role) {
    refused_on_both([](builder& b) { b.add_check("users", "users_id_positive", R"("id" > 0); DROP TABLE users; SELECT (1)"); },
                    "add_check users.users_id_positive: the expression of check \"users_id_positive\" is not a single SQL "
                    "expression: it has a ';' outside string literals; give one expression, such as \"price\" > 0");
    refused_on_both(
        [](builder& b) {
            b.create_table("orders", [](table& t) {
                t.column("total", type::integer());
                t.check("orders_total_positive", R"(("total" > 0) OR ("total" IS NULL))");
                t.check("orders_total_small", R"("total" < 10 /* small */)");
            });
        },
        "create_table orders: the expression of check \"orders_total_small\" is not a single SQL expression: it has a "
        "comment; give one expression, such as \"price\" > 0");
    refused_on_both([](builder& b) { b.create_index("users", {"email"}).where(R"("id" > 0; DELETE FROM users)"); },
                    "create_index users_email_idx: the where() predicate of index \"users_email_idx\" is not a single SQL "
                    "expression: it has a ';' outside string literals; give one expression, such as \"deleted_at\" IS NULL");
    refused_on_both([](builder& b) { b.create_unique_index_on("users", {"lower(\"email\")", "1) WHERE (1"}, "users_lower_key"); },
                    "create_index users_lower_key: expression 2 of index \"users_lower_key\" is not a single SQL expression: "
                    "it closes a parenthesis it did not open; give one expression, such as lower(\"email\")");
    // A ';' inside a string literal is text, not a statement end.
    builder fine;
    fine.add_check("users", "users_email_no_semicolon", R"("email" NOT LIKE '%;%')");
    fine.create_index("users", {"email"}, "users_email_semicolon_idx").where(R"("email" LIKE '%;%')");
    BOOST_TEST(postgresql_sql(fine, with_users()) ==
                   (statements{R"sql(ALTER TABLE "users" ADD CONSTRAINT "users_email_no_semicolon" CHECK ("email" NOT LIKE '%;%'))sql",
                               R"sql(CREATE INDEX "users_email_semicolon_idx" ON "users" ("email") WHERE ("email" LIKE '%;%'))sql"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_check_or_an_index_on_expressions_without_a_name_is_refused) {
    refused_on_both([](builder& b) { b.add_check("users", "", R"("id" > 0)"); },
                    "add_check users.: a check needs a name (drop_check finds it by name, and the names each database "
                    "would make up differ); pass one, such as add_check(\"products\", \"products_price_positive\", "
                    "\"\\\"price\\\" > 0\")");
    refused_on_both([](builder& b) { b.create_table("orders", [](table& t) {
                        t.column("total", type::integer());
                        t.check("", R"("total" > 0)");
                    }); },
                    "create_table orders: a check needs a name (drop_check finds it by name, and the names each database "
                    "would make up differ); pass one, such as add_check(\"products\", \"products_price_positive\", "
                    "\"\\\"price\\\" > 0\")");
    refused_on_both([](builder& b) { b.drop_check("users", ""); },
                    "drop_check users.: no check name given; pass the name of the check to drop");
    refused_on_both([](builder& b) { b.create_index_on("users", {R"(lower("email"))"}, ""); },
                    "create_index : an index on expressions of table users needs a name (there is no default one); pass it "
                    "as the name argument of create_index_on or create_unique_index_on");
    refused_on_both([](builder& b) { b.create_index_on("users", {}, "users_nothing_idx"); },
                    "create_index users_nothing_idx: index \"users_nothing_idx\" names no column; give at least one");
    index_def both{"users_mixed_idx", "users", {"id"}, false};
    both.expressions = {R"(lower("email"))"};
    refused_on_both([&](builder& b) { b.add(create_index{both}); },
                    "create_index users_mixed_idx: index \"users_mixed_idx\" lists both columns (\"id\") and expressions; "
                    "give one or the other (a column can be one of the expressions, quoted: \"id\")");
    refused_on_both([](builder& b) { b.add_check("users", "users_id_positive", R"("id" > 0)").add_check("users", "users_id_positive", "TRUE"); },
                    "add_check users.users_id_positive: table users already has a check \"users_id_positive\" (an earlier "
                    "unit added it); drop it first or choose another name");
}

BOOST_AUTO_TEST_CASE(where_applies_only_to_the_index_just_recorded) {
    builder b;
    b.add_column("users", column("deleted_at", type::timestamptz()));
    try {
        b.where(R"("deleted_at" IS NULL)");
        BOOST_ERROR("where() after add_column did not throw");
    } catch (const strata::unsupported_error& e) {
        BOOST_TEST(e.message() == "'add_column users.deleted_at' has no where(); where() makes the index just recorded partial "
                                  "and applies to create_index, create_unique_index, create_index_on and create_unique_index_on");
    }
    builder none;
    BOOST_CHECK_THROW(none.where("TRUE"), strata::unsupported_error);
    builder blank;
    blank.create_index("users", {"email"});
    try {
        blank.where("  ");
        BOOST_ERROR("a blank where() did not throw");
    } catch (const strata::unsupported_error& e) {
        BOOST_TEST(e.message() == "'create_index users_email_idx': where() needs a predicate, one SQL expression such as "
                                  "\"deleted_at\" IS NULL");
    }
}

// A column the table does not have, in a key, an index or a check: PostgreSQL refuses the unit
// at run time, and SQLite read a quoted name matching no column as a string and applied it (a
// unique index on the constant 'emial' let the table hold one row; a check on one never failed).
BOOST_AUTO_TEST_CASE(a_column_the_table_lacks_is_refused_before_anything_runs) {
    refused_on_both([](builder& b) { b.create_unique_index("users", {"emial"}, "users_email_uq"); },
                    "create_index users_email_uq: index \"users_email_uq\" names column \"emial\", which table users does "
                    "not have; its columns are \"id\", \"email\"");
    refused_on_both([](builder& b) { b.create_index("users", {"Email"}); },
                    "create_index users_Email_idx: index \"users_Email_idx\" names column \"Email\", which table users does "
                    "not have; did you mean \"email\"? strata quotes names, so case counts");
    refused_on_both([](builder& b) { b.add_unique("users", {"mail"}); },
                    "add_unique users.users_mail_key: unique key \"users_mail_key\" names column \"mail\", which table users "
                    "does not have; its columns are \"id\", \"email\"");
    refused_on_both([](builder& b) { b.add_check("users", "users_email_set", R"(length("emial") > 0)"); },
                    "add_check users.users_email_set: the expression of check \"users_email_set\" names column \"emial\", "
                    "which table users does not have; its columns are \"id\", \"email\"");
    refused_on_both([](builder& b) { b.create_index_on("users", {R"(lower("mail"))"}, "users_lower_idx"); },
                    "create_index users_lower_idx: expression 1 of index \"users_lower_idx\" names column \"mail\", which "
                    "table users does not have; its columns are \"id\", \"email\"");
    refused_on_both([](builder& b) { b.create_index("users", {"id"}).where(R"("deleted" IS NULL)"); },
                    "create_index users_id_idx: the where() predicate of index \"users_id_idx\" names column \"deleted\", "
                    "which table users does not have; its columns are \"id\", \"email\"");
    refused_on_both(
        [](builder& b) {
            b.create_table("orders", [](table& t) {
                t.column("id", type::bigint()).primary();
                t.column("placedAt", type::timestamptz());
                t.unique({"placed_at"});
                t.check("orders_recent", R"("placedAt" > '2020-01-01')");
            });
        },
        "create_table orders: unique key \"orders_placed_at_key\" names column \"placed_at\", which table orders does "
        "not have; its columns are \"id\", \"placedAt\"");
    // A column with capitals written without quotes is another name on PostgreSQL.
    refused_on_both(
        [](builder& b) {
            b.create_table("orders", [](table& t) {
                t.column("totalCents", type::bigint());
                t.check("orders_total_cap", "totalCents < 100000000");
            });
        },
        "create_table orders: the expression of check \"orders_total_cap\" names column totalCents without quotes, which "
        "PostgreSQL reads as totalcents (SQLite finds \"totalCents\" in any case); quote it: \"totalCents\"");
    // A keyword spelled like a capitalised column is not the column.
    for (auto backend : both_dialects)
        BOOST_TEST(refusal(backend, [](builder& b) {
                       b.create_table("events", [](table& t) {
                           t.column("Year", type::integer());
                           t.column("at", type::timestamp());
                           t.check("events_year", R"("Year" = EXTRACT(YEAR FROM "at"))");
                       });
                   }) == "<rendered>",
                   strata::to_string(backend));
    // What is not a column of the table passes: functions, types, keywords, strings, a bare
    // lower-case name, and a table the model does not know (raw sql made it).
    for (auto backend : both_dialects) {
        BOOST_TEST(refusal(backend, [](builder& b) {
                       b.add_check("users", "users_ok", R"(length("email") > 0 AND email <> 'emial' AND "id"::bigint > 0 AND CAST("id" AS "numeric") > 0 AND "lower"("email") IS NOT NULL AND users."id" > 0 AND "email" COLLATE "C" > 'a' AND "email" COLLATE"C" > 'a' AND "email" :: "text" <> '')");
                       b.create_index("legacy", {"whatever"});
                       b.add_check("legacy", "legacy_ok", R"("anything" > 0)");
                   }) == "<rendered>",
                   strata::to_string(backend));
    }
}

BOOST_AUTO_TEST_SUITE_END()
