#include "tutorial.hpp"

#include <strata/registry.hpp>
#include <strata/runner.hpp>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <atomic>
#include <ostream>
#include <regex>

#include "support/schema_session.hpp"

namespace strata::test::tutorial {
namespace {

/// How each database reports the tutorial's types and defaults.
struct spelling {
    std::string uuid;
    std::string timestamp;
    std::string varchar_prefix;
    std::string random_uuid_default;
    std::string now_default;
    std::string null_varchar_default;
    std::string profile_fkey_name;
    unique_info::kind profile_unique_kind;

    std::string varchar(int length) const { return varchar_prefix + "(" + std::to_string(length) + ")"; }
};

spelling spelled_by(backend b) {
    if (b == backend::postgresql)
        return {.uuid = "uuid",
                .timestamp = "timestamp with time zone",
                .varchar_prefix = "character varying",
                .random_uuid_default = "gen_random_uuid()",
                .now_default = "now()",
                .null_varchar_default = "NULL::character varying",
                .profile_fkey_name = "users_profile_fkey",
                .profile_unique_kind = unique_info::kind::constraint};
    // SQLite reports the declared type and the default's text without its outer parentheses.
    // uuids and times are TEXT (a declared UUID would get NUMERIC affinity); strata writes a
    // version 4 uuid expression and ISO 8601 UTC text. The UNIQUE is an index, the only kind
    // SQLite can drop again; foreign keys have no name SQLite reports.
    return {.uuid = "TEXT",
            .timestamp = "TEXT",
            .varchar_prefix = "VARCHAR",
            .random_uuid_default =
                "lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || "
                "substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || "
                "substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))",
            .now_default = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            .null_varchar_default = "NULL",
            .profile_fkey_name = "",
            .profile_unique_kind = unique_info::kind::index};
}

std::string quoted(const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
}

}  // namespace

table_schema expected_users(backend b, users_stage stage) {
    const spelling s = spelled_by(b);
    table_schema t{
        .name = "users",
        .columns =
            {
                {"userId", s.uuid, false, s.random_uuid_default},
                {"firstName", s.varchar(100), false, std::nullopt},
                {"lastName", s.varchar(100), true, std::nullopt},
                {"email", s.varchar(255), true, s.null_varchar_default},
                {"userName", s.varchar(255), true, s.null_varchar_default},
                {"phone", s.varchar(13), true, std::nullopt},
                {"photo", s.varchar(1024), true, s.null_varchar_default},
                {"createdAt", s.timestamp, false, s.now_default},
                {"updatedAt", s.timestamp, false, s.now_default},
            },
        .primary_key = {"userId"},
    };
    if (stage == users_stage::unit_3) {
        t.columns.push_back({"profile", s.uuid, true, std::nullopt});
        t.foreign_keys.push_back({.name = s.profile_fkey_name,
                                  .columns = {"profile"},
                                  .ref_table = "user_profiles",
                                  .ref_columns = {"userProfileId"},
                                  .on_update = "CASCADE",
                                  .on_delete = "SET NULL"});
        t.uniques.push_back({"users_profile_key", {"profile"}, s.profile_unique_kind});
    }
    return t;
}

table_schema expected_user_profiles(backend b) {
    const spelling s = spelled_by(b);
    return {
        .name = "user_profiles",
        .columns =
            {
                {"userProfileId", s.uuid, false, s.random_uuid_default},
                {"address", s.varchar(100), false, std::nullopt},
                {"createdAt", s.timestamp, false, s.now_default},
                {"updatedAt", s.timestamp, false, s.now_default},
            },
        .primary_key = {"userProfileId"},
    };
}

migrated_database::migrated_database(backend b) : db(temp_database::create(b)) {
    strata::runner(strata::registry::global(), db.url()).up();
    sql = open_session(db.url());
}

std::string insert_profile(soci::session& sql, const std::string& address) {
    sql << "INSERT INTO user_profiles (address) VALUES (" + quoted(address) + ")";
    return query_value(sql, "SELECT CAST(\"userProfileId\" AS TEXT) FROM user_profiles WHERE address = :p", address).value();
}

std::string insert_user(soci::session& sql, const std::string& first_name, const std::optional<std::string>& profile) {
    sql << "INSERT INTO users (\"firstName\", profile) VALUES (" + quoted(first_name) + ", " +
               (profile ? quoted(*profile) : "NULL") + ")";
    return query_value(sql, "SELECT CAST(\"userId\" AS TEXT) FROM users WHERE \"firstName\" = :p", first_name).value();
}

std::optional<std::string> profile_of(soci::session& sql, const std::string& user_id) {
    return query_value(sql, "SELECT CAST(profile AS TEXT) FROM users WHERE CAST(\"userId\" AS TEXT) = :p", user_id);
}

std::string unique_text(const std::string& prefix) {
    static std::atomic<int> counter{0};
    return prefix + " " + std::to_string(++counter);
}

std::ostream& operator<<(std::ostream& out, refusal r) {
    switch (r) {
    case refusal::none: return out << "accepted";
    case refusal::not_null: return out << "refused: NOT NULL";
    case refusal::too_long: return out << "refused: too long";
    case refusal::unique: return out << "refused: UNIQUE";
    case refusal::foreign_key: return out << "refused: FOREIGN KEY";
    case refusal::other: return out << "refused for another reason";
    }
    return out;
}

std::ostream& operator<<(std::ostream& out, const statement_outcome& o) {
    out << o.kind;
    if (!o.message.empty()) out << " (" << o.message << ")";
    return out;
}

statement_outcome run(soci::session& sql, const std::string& sql_text) {
    try {
        sql << sql_text;
        return {};
    } catch (const soci::postgresql_soci_error& e) {
        const std::string state = e.sqlstate();
        refusal kind = state == "23502"   ? refusal::not_null
                       : state == "22001" ? refusal::too_long  // value too long for type character varying(n)
                       : state == "23505" ? refusal::unique
                       : state == "23503" ? refusal::foreign_key
                                          : refusal::other;
        return {kind, state + " " + e.get_error_message()};
    } catch (const soci::soci_error& e) {
        const std::string m = e.get_error_message();
        auto has = [&](const char* text) { return m.find(text) != std::string::npos; };
        refusal kind = has("NOT NULL constraint failed")       ? refusal::not_null
                       : has("UNIQUE constraint failed")       ? refusal::unique
                       : has("FOREIGN KEY constraint failed")  ? refusal::foreign_key
                       // strata's varchar check: CHECK (length("c") <= n)
                       : has("CHECK constraint failed: length(") && has(") <= ") ? refusal::too_long
                                                                                 : refusal::other;
        return {kind, m};
    }
}

bool is_random_uuid(const std::string& text) {
    static const std::regex v4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    return std::regex_match(text, v4);
}

}  // namespace strata::test::tutorial
