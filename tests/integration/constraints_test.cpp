// What the tutorial's schema accepts and refuses, tried with real rows through a session of our
// own (on SQLite with foreign keys switched on, as every application connection must).
// The same steps run after up all and after reverting and re-applying unit 3, which on SQLite
// rebuilds the users table: the rebuilt table must enforce the same rules.

#include <strata/registry.hpp>
#include <strata/runner.hpp>

#include <soci/soci.h>

#include <regex>

#include "backend_test.hpp"
#include "support/schema_session.hpp"
#include "tutorial.hpp"

using namespace strata::test;
using namespace strata::test::tutorial;

namespace {

void a_user_without_first_name_is_refused(soci::session& sql) {
    const std::string last_name = unique_text("nobody");
    BOOST_TEST(run(sql, "INSERT INTO users (\"lastName\") VALUES ('" + last_name + "')") == refusal::not_null);
    BOOST_TEST(run(sql, "INSERT INTO users (\"firstName\", \"lastName\") VALUES (NULL, '" + last_name + "')") ==
               refusal::not_null);
    BOOST_TEST(query_text(sql, "SELECT \"lastName\" FROM users WHERE \"lastName\" = :p", last_name).size() == 0u);
}

void first_name_holds_at_most_100_characters(soci::session& sql) {
    const std::string tag = unique_text("long");
    const std::string hundred = tag + std::string(100 - tag.size(), 'x');
    const std::string hundred_one = hundred + "y";
    BOOST_TEST(run(sql, "INSERT INTO users (\"firstName\") VALUES ('" + hundred_one + "')") == refusal::too_long);
    BOOST_TEST(run(sql, "INSERT INTO users (\"firstName\") VALUES ('" + hundred + "')") == refusal::none);
    // Stored whole, not truncated.
    BOOST_TEST(query_value(sql, "SELECT CAST(length(\"firstName\") AS TEXT) FROM users WHERE \"firstName\" = :p",
                           hundred) == "100");
}

void two_users_cannot_share_a_profile(soci::session& sql) {
    const std::string profile = insert_profile(sql, unique_text("shared street"));
    insert_user(sql, unique_text("first owner"), profile);
    BOOST_TEST(run(sql, "INSERT INTO users (\"firstName\", profile) VALUES ('" + unique_text("second owner") + "', '" +
                            profile + "')") == refusal::unique);
    BOOST_TEST(query_value(sql, "SELECT CAST(count(*) AS TEXT) FROM users WHERE CAST(profile AS TEXT) = :p", profile) ==
               "1");
}

void users_without_a_profile_do_not_collide(soci::session& sql) {
    // UNIQUE(profile) allows any number of NULLs: a user need not have a profile.
    BOOST_TEST(run(sql, "INSERT INTO users (\"firstName\") VALUES ('" + unique_text("no profile") + "')") == refusal::none);
    BOOST_TEST(run(sql, "INSERT INTO users (\"firstName\") VALUES ('" + unique_text("no profile") + "')") == refusal::none);
}

void a_user_cannot_point_at_a_missing_profile(soci::session& sql) {
    const std::string name = unique_text("dangling");
    BOOST_TEST(run(sql, "INSERT INTO users (\"firstName\", profile) VALUES ('" + name +
                            "', '00000000-0000-4000-8000-000000000000')") == refusal::foreign_key);
    BOOST_TEST(query_text(sql, "SELECT \"firstName\" FROM users WHERE \"firstName\" = :p", name).size() == 0u);
}

void deleting_a_profile_unlinks_its_user(soci::session& sql) {
    const std::string profile = insert_profile(sql, unique_text("deleted street"));
    const std::string user = insert_user(sql, unique_text("soon unlinked"), profile);
    BOOST_TEST_REQUIRE(profile_of(sql, user) == profile);

    BOOST_TEST(run(sql, "DELETE FROM user_profiles WHERE CAST(\"userProfileId\" AS TEXT) = '" + profile + "'") ==
               refusal::none);
    BOOST_TEST(profile_of(sql, user) == std::nullopt);  // ON DELETE SET NULL; the user stays
}

void changing_a_profile_id_follows_to_its_user(soci::session& sql) {
    const std::string profile = insert_profile(sql, unique_text("moved street"));
    const std::string user = insert_user(sql, unique_text("follows"), profile);
    static int renamed = 0;  // a valid uuid no step has used yet
    const std::string serial = std::to_string(++renamed);
    const std::string new_id = "0a1b2c3d-0000-4000-8000-" + std::string(12 - serial.size(), '0') + serial;
    BOOST_TEST(run(sql, "UPDATE user_profiles SET \"userProfileId\" = '" + new_id +
                            "' WHERE CAST(\"userProfileId\" AS TEXT) = '" + profile + "'") == refusal::none);
    BOOST_TEST(profile_of(sql, user) == new_id);  // ON UPDATE CASCADE
    // Put it back, so the step can run again on the same database.
    BOOST_TEST(run(sql, "UPDATE user_profiles SET \"userProfileId\" = '" + profile +
                            "' WHERE CAST(\"userProfileId\" AS TEXT) = '" + new_id + "'") == refusal::none);
    BOOST_TEST(profile_of(sql, user) == profile);
}

/// -1 < age < 120 seconds by the database's clock: "set by the database just now".
void check_recent(soci::session& sql, const std::string& table, const std::string& key_column, const std::string& key,
                  const std::string& column) {
    const bool sqlite = backend_of(sql) == strata::backend::sqlite;
    const std::string age = sqlite ? "(julianday('now') - julianday(\"" + column + "\")) * 86400.0"
                                   : "extract(epoch from clock_timestamp() - \"" + column + "\")";
    auto value = query_value(sql, "SELECT CAST(\"" + column + "\" AS TEXT) FROM " + table + " WHERE CAST(\"" +
                                      key_column + "\" AS TEXT) = :p",
                             key);
    BOOST_TEST_CONTEXT(table << "." << column << " = " << value.value_or("NULL")) {
        BOOST_TEST_REQUIRE(value.has_value());
        if (sqlite) {  // ISO 8601 in UTC, which sorts and compares as text
            static const std::regex iso_utc("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
            BOOST_TEST(std::regex_match(*value, iso_utc));
        }
        const double seconds = std::stod(
            query_value(sql, "SELECT CAST(" + age + " AS TEXT) FROM " + table + " WHERE CAST(\"" + key_column +
                                 "\" AS TEXT) = :p",
                        key)
                .value());
        BOOST_TEST(seconds > -1.0);
        BOOST_TEST(seconds < 120.0);
    }
}

void ids_and_timestamps_are_generated(soci::session& sql) {
    const std::string profile = insert_profile(sql, unique_text("generated street"));
    const std::string user = insert_user(sql, unique_text("generated"));
    const std::string other_user = insert_user(sql, unique_text("generated"));
    BOOST_TEST(is_random_uuid(profile), profile << " is a lower-case hyphenated version 4 uuid");
    BOOST_TEST(is_random_uuid(user), user << " is a lower-case hyphenated version 4 uuid");
    BOOST_TEST(user != other_user);
    for (const char* column : {"createdAt", "updatedAt"}) {
        check_recent(sql, "users", "userId", user, column);
        check_recent(sql, "user_profiles", "userProfileId", profile, column);
    }
}

void check_tutorial_constraints(soci::session& sql) {
    BOOST_TEST_CONTEXT("a user without firstName is refused") a_user_without_first_name_is_refused(sql);
    BOOST_TEST_CONTEXT("firstName holds at most 100 characters") first_name_holds_at_most_100_characters(sql);
    BOOST_TEST_CONTEXT("two users cannot share a profile") two_users_cannot_share_a_profile(sql);
    BOOST_TEST_CONTEXT("users without a profile do not collide") users_without_a_profile_do_not_collide(sql);
    BOOST_TEST_CONTEXT("a user cannot point at a missing profile") a_user_cannot_point_at_a_missing_profile(sql);
    BOOST_TEST_CONTEXT("deleting a profile unlinks its user") deleting_a_profile_unlinks_its_user(sql);
    BOOST_TEST_CONTEXT("changing a profile id follows to its user") changing_a_profile_id_follows_to_its_user(sql);
    BOOST_TEST_CONTEXT("ids and timestamps are generated") ids_and_timestamps_are_generated(sql);
}

}  // namespace

STRATA_BACKEND_TEST(the_migrated_schema_enforces_the_tutorial_constraints) {
    migrated_database m(backend);
    check_tutorial_constraints(*m.sql);
}

STRATA_BACKEND_TEST(constraints_still_hold_after_reverting_and_reapplying_the_profile_link) {
    migrated_database m(backend);
    check_tutorial_constraints(*m.sql);  // leaves rows behind, some of them linked
    {
        strata::runner r(strata::registry::global(), m.db.url(), {.allow_data_loss = true});  // the links go
        r.down();
        r.up();
    }
    check_tutorial_constraints(*m.sql);
}
