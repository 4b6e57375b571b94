// Checks and partial/expression indexes (issue 9, points 3 and 6): a table created with a check,
// a check added to a table with rows (a violating row fails the unit, which leaves the schema as
// it was), a partial unique index, a unique index on an expression, a check dropped; a column
// renamed and a later unit that makes SQLite rebuild the table keep them all. The rows each
// accepts and refuses are tried, and down restores exactly the schema read back before. The
// same units with online() on PostgreSQL, where a failed validation leaves the unit interrupted
// (strata drops the NOT VALID check, which would refuse writes meanwhile) and a rerun after the
// rows are fixed finishes the unit. Units are defined here, in a registry
// of the test's own.

#include <strata/error.hpp>
#include <strata/migration.hpp>
#include <strata/registry.hpp>
#include <strata/runner.hpp>

#include <soci/soci.h>

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
using strata::test::tutorial::statement_outcome;

namespace {

const check_def age_check{"members_age_adult", R"("age" >= 18)"};
const check_def email_check{"members_email_has_at", R"("email" LIKE '%@%')"};

/// 1: members, with a check on age. 2: a check on email. 3: a partial unique index on email
/// (live rows only). 4: a unique index on lower(nickname). 5: drops the age check. 6: renames
/// nickname to handle. 7: drops the email check, which makes SQLite rebuild the table: the
/// indexes must come back on the renamed column. With `online`, 2-4 are online().
std::unique_ptr<strata::registry> check_units(bool online) {
    auto r = std::make_unique<strata::registry>();
    auto add = [&](std::int64_t version, std::string name, std::function<void(builder&)> ops) {
        r->add(std::make_shared<const change_unit>(version, std::move(name), std::move(ops)), "checks_indexes_test.cpp");
    };
    add(1, "create_members", [](builder& b) {
        b.create_table("members", [](table& t) {
            t.column("id", type::bigint()).primary();
            t.column("email", type::varchar(100)).not_null();
            t.column("age", type::integer());
            t.column("nickname", type::text());
            t.column("deleted_at", type::timestamptz());
            t.check(age_check.name, age_check.expression);
        });
    });
    add(2, "add_email_check", [=](builder& b) {
        b.add_check("members", email_check.name, email_check.expression);
        if (online) b.online();
    });
    add(3, "one_live_member_per_email", [=](builder& b) {
        b.create_unique_index("members", {"email"}, "members_live_email_key").where(R"("deleted_at" IS NULL)");
        if (online) b.online();
    });
    add(4, "nicknames_unique_in_any_case", [=](builder& b) {
        b.create_unique_index_on("members", {R"(lower("nickname"))"}, "members_nickname_lower_key");
        if (online) b.online();
    });
    add(5, "drop_age_check", [](builder& b) { b.drop_check("members", age_check); });
    add(6, "rename_nickname_to_handle", [](builder& b) { b.rename_column("members", "nickname", "handle"); });
    add(7, "drop_email_check", [](builder& b) { b.drop_check("members", email_check); });
    return r;
}

table_schema members(soci::session& sql) { return read_table(sql, "members"); }

/// Refused by the check `name`: PostgreSQL says `violates check constraint "name"`, SQLite
/// `CHECK constraint failed: name`.
bool refused_by_check(const statement_outcome& o, const std::string& name) {
    return o.kind == refusal::other && o.message.find(name) != std::string::npos;
}

std::string member(int id, const std::string& email, int age, const std::string& nickname, bool deleted = false) {
    return "INSERT INTO members (id, email, age, nickname, deleted_at) VALUES (" + std::to_string(id) + ", '" + email +
           "', " + std::to_string(age) + ", '" + nickname + "', " + (deleted ? "'2020-01-01T00:00:00Z'" : "NULL") + ")";
}

const check_info* find_check(const table_schema& t, const std::string& name) {
    for (const auto& c : t.checks)
        if (c.name == name) return &c;
    return nullptr;
}

const unique_info* find_unique(const table_schema& t, const std::string& name) {
    for (const auto& u : t.uniques)
        if (u.name == name) return &u;
    return nullptr;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// Unit 2 refused a row without '@': plain (and on SQLite, always) the unit rolled back; online
/// on PostgreSQL the unit is interrupted and the check it added NOT VALID is dropped again (it
/// would refuse the application's writes while the unit is not applied). Either way, fixing the
/// row and running up again applies it.
void add_check_fails_on_a_violating_row_then_applies(strata::runner& r, soci::session& sql, bool online_postgresql) {
    BOOST_TEST_REQUIRE(run(sql, member(2, "no-at-sign", 40, "Bob")) == refusal::none);
    const auto before = user_schema(sql);
    try {
        r.up(2);
        BOOST_ERROR("add_check was applied over a row it refuses:\n" << members(sql));
    } catch (const strata::error& e) {
        BOOST_TEST(contains(e.what(), email_check.name), e.what());
        if (online_postgresql)
            BOOST_TEST(contains(e.what(), "strata dropped what the failed step had half-built: check " +
                                              std::string(email_check.name) + " on members, added NOT VALID (up builds it again)"),
                       e.what());
    }
    // The schema as before the unit, whose row says running online (it resumes).
    BOOST_TEST(user_schema(sql) == before, schema_diff(before, user_schema(sql)));
    if (!online_postgresql) {
        BOOST_TEST(recorded_versions(sql) == (std::vector<std::int64_t>{1}), boost::test_tools::per_element());
    } else {
        BOOST_TEST(recorded_versions(sql) == (std::vector<std::int64_t>{1, 2}), boost::test_tools::per_element());
        // Writes go on as before the release.
        BOOST_TEST(run(sql, member(3, "also-no-at", 40, "Cy")) == refusal::none);
        BOOST_TEST_REQUIRE(run(sql, "DELETE FROM members WHERE id = 3") == refusal::none);
    }
    BOOST_TEST_REQUIRE(run(sql, "UPDATE members SET email = 'bob@example.org' WHERE id = 2") == refusal::none);
    r.up(2);
    BOOST_TEST(recorded_versions(sql) == (std::vector<std::int64_t>{1, 2}), boost::test_tools::per_element());
    const table_schema schema = members(sql);
    const auto* c = find_check(schema, email_check.name);
    BOOST_TEST_REQUIRE(c != nullptr, members(sql));
    BOOST_TEST(!contains(c->definition, "NOT VALID"), c->definition);
}

void checks_and_indexes_round_trip(strata::backend backend, bool online) {
    auto db = temp_database::create(backend);
    auto units = check_units(online);
    strata::runner r(*units, db.url(), {.allow_data_loss = true});  // the rows stay until down drops the table
    auto sql = open_session(db.url());
    const auto empty = user_schema(*sql);

    // 1: the check written in create_table holds.
    r.up(1);
    const auto created = user_schema(*sql);
    BOOST_TEST(members(*sql).checks.size() == 1u, members(*sql));
    BOOST_TEST(refused_by_check(run(*sql, member(1, "kid@example.org", 10, "Kid")), age_check.name));
    BOOST_TEST_REQUIRE(run(*sql, member(1, "ada@example.org", 36, "Ada")) == refusal::none);

    // 2: added to a table with rows.
    add_check_fails_on_a_violating_row_then_applies(r, *sql, online && backend == strata::backend::postgresql);
    BOOST_TEST(refused_by_check(run(*sql, member(3, "no-at-sign", 40, "Cy")), email_check.name));
    BOOST_TEST(refused_by_check(run(*sql, member(3, "kid@example.org", 10, "Cy")), age_check.name));

    // 3: a partial unique index: deleted rows may share an email, live ones may not.
    r.up(3);
    BOOST_TEST(run(*sql, member(3, "gone@example.org", 20, "G1", true)) == refusal::none);
    BOOST_TEST(run(*sql, member(4, "gone@example.org", 20, "G2", true)) == refusal::none);
    BOOST_TEST(run(*sql, member(5, "ada@example.org", 20, "Ada2")) == refusal::unique);
    BOOST_TEST(run(*sql, member(5, "gone@example.org", 20, "G3")) == refusal::none);
    BOOST_TEST(run(*sql, member(6, "gone@example.org", 20, "G4")) == refusal::unique);

    // 4: a unique index on lower(nickname): case variants are refused.
    r.up(4);
    BOOST_TEST(run(*sql, member(6, "ada2@example.org", 20, "aDA")) == refusal::unique);
    BOOST_TEST(run(*sql, member(6, "grace@example.org", 20, "Grace")) == refusal::none);

    const auto indexed = members(*sql);
    const auto* live = find_unique(indexed, "members_live_email_key");
    const auto* lower = find_unique(indexed, "members_nickname_lower_key");
    BOOST_TEST_REQUIRE(live != nullptr, indexed);
    BOOST_TEST_REQUIRE(lower != nullptr, indexed);
    BOOST_TEST(live->columns == (std::vector<std::string>{"email"}), boost::test_tools::per_element());
    BOOST_TEST(lower->columns == (std::vector<std::string>{"<expression>"}), boost::test_tools::per_element());
    if (backend == strata::backend::postgresql) {
        BOOST_TEST(live->where == "deleted_at IS NULL");
        BOOST_TEST(lower->expressions == (std::vector<std::string>{"lower(nickname)"}), boost::test_tools::per_element());
        BOOST_TEST(find_check(indexed, age_check.name)->definition == "CHECK ((age >= 18))");
    } else {
        BOOST_TEST(live->where == R"(("deleted_at" IS NULL))");
        BOOST_TEST(lower->expressions == (std::vector<std::string>{R"((lower("nickname")))"}), boost::test_tools::per_element());
        BOOST_TEST(find_check(indexed, age_check.name)->definition == R"(CHECK ("age" >= 18))");
    }
    BOOST_TEST(lower->where.empty());

    // 5: the age check is gone.
    r.up(5);
    BOOST_TEST(find_check(members(*sql), age_check.name) == nullptr, members(*sql));
    BOOST_TEST(run(*sql, member(7, "young@example.org", 10, "Young")) == refusal::none);

    // 6, 7: renamed column; SQLite rebuilds the table for 7 and recreates the indexes on it.
    r.up(7);
    const auto rebuilt = members(*sql);
    BOOST_TEST(rebuilt.checks.empty(), rebuilt);
    BOOST_TEST(find_unique(rebuilt, "members_nickname_lower_key") != nullptr, rebuilt);
    BOOST_TEST(find_unique(rebuilt, "members_live_email_key") != nullptr, rebuilt);
    BOOST_TEST(run(*sql, "INSERT INTO members (id, email, age, handle) VALUES (8, 'ivy@example.org', 20, 'GRACE')") ==
               refusal::unique);
    BOOST_TEST(run(*sql, "INSERT INTO members (id, email, age, handle) VALUES (8, 'ada@example.org', 20, 'Ivy')") ==
               refusal::unique);
    BOOST_TEST(run(*sql, "INSERT INTO members (id, email, age, handle) VALUES (8, 'no-at-sign', 20, 'Ivy')") == refusal::none);
    BOOST_TEST(query_value(*sql, "SELECT CAST(count(*) AS TEXT) FROM members") == std::optional<std::string>("8"));

    // Down: the rows the checks would refuse go first, then each unit is undone.
    BOOST_TEST_REQUIRE(run(*sql, "DELETE FROM members WHERE id IN (7, 8)") == refusal::none);
    r.down({.to = 1});
    const auto reverted = user_schema(*sql);
    BOOST_TEST(reverted == created, schema_diff(created, reverted));
    BOOST_TEST(recorded_versions(*sql) == (std::vector<std::int64_t>{1}), boost::test_tools::per_element());
    BOOST_TEST(query_value(*sql, "SELECT CAST(count(*) AS TEXT) FROM members") == std::optional<std::string>("6"));

    r.down({.all = true});
    BOOST_TEST(user_schema(*sql) == empty, schema_diff(empty, user_schema(*sql)));
}

}  // namespace

STRATA_BACKEND_TEST(checks_partial_and_expression_indexes_hold_and_down_restores_the_schema) {
    checks_and_indexes_round_trip(backend, false);
}

STRATA_BACKEND_TEST(online_checks_partial_and_expression_indexes_hold_and_down_restores_the_schema) {
    checks_and_indexes_round_trip(backend, true);
}
