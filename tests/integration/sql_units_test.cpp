// Units written in plain SQL, run against each database next to a C++ unit: per-database
// sections (a PostgreSQL plpgsql function and trigger, a SQLite trigger with a BEGIN ... END
// body), a no-transaction unit (CREATE INDEX CONCURRENTLY on PostgreSQL), and the refusals that
// come before anything runs: an irreversible down, an up missing for this database. Every result
// is read back from the database with a session of our own.

#include <strata/error.hpp>
#include <strata/migration.hpp>
#include <strata/registry.hpp>
#include <strata/runner.hpp>
#include <strata/sql_unit.hpp>

#include <soci/soci.h>

#include <cctype>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend_test.hpp"
#include "support/schema_history.hpp"
#include "support/schema_reader.hpp"
#include "support/schema_session.hpp"
#include "support/temp_database.hpp"

using namespace strata::test;

namespace {

using names = std::vector<std::string>;
using versions = std::vector<std::int64_t>;

/// Unit 1, in C++: the accounts the orders of unit 2 refer to.
class create_accounts final : public strata::migration {
public:
    strata::migration_info info() const override { return {1, "create_accounts"}; }

    void change(strata::schema::builder& b) const override {
        using namespace strata::schema;
        b.create_table("accounts", [](table& t) {
            t.column("id", type::integer()).primary();
            t.column("name", type::text()).not_null();
        });
    }
};

/// Unit 2: orders, whose total a trigger caps, written once per database.
const char* orders_sql = R"(-- Orders. The cap is a trigger so that it can say why; each database writes it its own way.
-- strata:up postgresql
CREATE TABLE orders (
  id integer PRIMARY KEY,
  account integer NOT NULL REFERENCES accounts (id),
  total integer NOT NULL CHECK (total >= 0)
);
CREATE FUNCTION orders_cap() RETURNS trigger AS $$
BEGIN
  IF NEW.total > 1000 THEN
    RAISE EXCEPTION 'order total % too big; ask finance', NEW.total;
  END IF;
  RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER orders_cap BEFORE INSERT OR UPDATE ON orders
  FOR EACH ROW EXECUTE FUNCTION orders_cap();

-- strata:up sqlite
CREATE TABLE orders (
  id integer PRIMARY KEY,
  account integer NOT NULL REFERENCES accounts (id),
  total integer NOT NULL CHECK (total >= 0)
);
CREATE TRIGGER orders_cap BEFORE INSERT ON orders
BEGIN
  -- CASE ... END inside the body does not end it; neither does this ;
  SELECT CASE WHEN NEW.total > 1000 THEN RAISE(ABORT, 'order total too big; ask finance') END;
END;

-- strata:down postgresql
DROP TABLE orders;
DROP FUNCTION orders_cap();

-- strata:down sqlite
DROP TABLE orders; -- its trigger goes with it
)";

/// Unit 3: an index built without blocking writes on PostgreSQL, which refuses that in a
/// transaction: its success proves the unit ran outside one.
const char* index_sql = R"(-- strata:no-transaction
-- strata:up
CREATE INDEX orders_account_idx ON orders (account);
-- strata:up postgresql
CREATE INDEX CONCURRENTLY orders_account_idx ON orders (account);
-- strata:down
DROP INDEX orders_account_idx;
)";

/// Unit 4: one section for both databases, with a string holding ; and a doubled quote.
const char* seed_sql = R"(-- strata:up
INSERT INTO accounts (id, name) VALUES (1, 'it''s; ok');
INSERT INTO accounts (id, name) VALUES (2, 'second');
-- strata:down
DELETE FROM accounts WHERE id IN (1, 2);
)";

std::shared_ptr<const strata::migration> sql_unit(std::int64_t version, const std::string& name, const char* text) {
    return std::make_shared<const strata::sql_migration>(version, name, text,
                                                         "units/000" + std::to_string(version) + "_" + name + ".sql");
}

/// A registry of its own, never registry::global(). It must outlive every runner built on it.
std::unique_ptr<strata::registry> registry_of(const std::vector<std::shared_ptr<const strata::migration>>& units) {
    auto r = std::make_unique<strata::registry>();
    for (const auto& u : units) r->add(u, "sql_units_test.cpp");
    return r;
}

std::unique_ptr<strata::registry> orders_registry() {
    return registry_of({std::make_shared<const create_accounts>(), sql_unit(2, "create_orders", orders_sql),
                        sql_unit(3, "index_orders", index_sql), sql_unit(4, "seed_accounts", seed_sql)});
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// The database's refusal of `statement`; nullopt when it is accepted.
std::optional<std::string> refusal(soci::session& sql, const std::string& statement) {
    try {
        sql << statement;
    } catch (const soci::soci_error& e) {
        return e.get_error_message();
    }
    return std::nullopt;
}

/// Table names without strata's metadata tables.
names user_tables(soci::session& sql) {
    names out;
    for (auto& t : read_table_names(sql))
        if (t != history_table && t != log_table) out.push_back(t);
    return out;
}

long long count_of(soci::session& sql, const std::string& query) { return std::stoll(query_value(sql, query).value_or("-1")); }

/// Triggers and functions the units may leave behind.
long long routines(soci::session& sql, strata::backend backend) {
    if (backend == strata::backend::postgresql)
        return count_of(sql, "SELECT CAST(count(*) AS TEXT) FROM pg_proc WHERE proname = 'orders_cap'") +
               count_of(sql, "SELECT CAST(count(*) AS TEXT) FROM pg_trigger WHERE tgname = 'orders_cap'");
    return count_of(sql, "SELECT CAST(count(*) AS TEXT) FROM sqlite_master WHERE type = 'trigger'");
}

std::string other_than(strata::backend backend) {
    return backend == strata::backend::postgresql ? "sqlite" : "postgresql";
}

}  // namespace

STRATA_BACKEND_TEST(sql_units_apply_next_to_a_cpp_unit_and_revert_to_the_empty_schema) {
    auto db = temp_database::create(backend);
    auto sql = open_session(db.url());
    const auto empty = user_schema(*sql);
    BOOST_TEST_REQUIRE(empty.tables.empty());

    auto reg = orders_registry();
    strata::runner r(*reg, db.url(), {.allow_data_loss = true});
    auto report = r.up();
    BOOST_TEST(report.units.size() == 4u);
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2, 3, 4}), boost::test_tools::per_element());

    BOOST_TEST(user_tables(*sql) == (names{"accounts", "orders"}), boost::test_tools::per_element());
    const auto orders = read_table(*sql, "orders");
    names columns;
    for (const auto& c : orders.columns) columns.push_back(c.name);
    BOOST_TEST(columns == (names{"id", "account", "total"}), boost::test_tools::per_element());
    BOOST_TEST(orders.primary_key == (names{"id"}), boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(orders.foreign_keys.size() == 1u);
    BOOST_TEST(orders.foreign_keys[0].ref_table == "accounts");
    BOOST_TEST(orders.foreign_keys[0].columns == (names{"account"}), boost::test_tools::per_element());
    BOOST_TEST(orders.indexes == (std::vector<index_info>{{"orders_account_idx", {"account"}}}), boost::test_tools::per_element());
    if (backend == strata::backend::postgresql)
        BOOST_TEST(query_value(*sql, "SELECT CAST(i.indisvalid AS TEXT) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                                     "WHERE c.relname = 'orders_account_idx'") == std::optional<std::string>("true"));
    BOOST_TEST(query_value(*sql, "SELECT name FROM accounts WHERE id = 1") == std::optional<std::string>("it's; ok"));

    // What the constraints and the trigger accept and refuse.
    BOOST_TEST(!refusal(*sql, "INSERT INTO orders (id, account, total) VALUES (1, 1, 50)").has_value());
    auto too_big = refusal(*sql, "INSERT INTO orders (id, account, total) VALUES (2, 1, 5000)");
    BOOST_TEST_REQUIRE(too_big.has_value(), "the trigger let a total of 5000 in");
    BOOST_TEST(contains(*too_big, "too big; ask finance"), *too_big);
    BOOST_TEST(refusal(*sql, "INSERT INTO orders (id, account, total) VALUES (3, 1, -1)").has_value(), "a negative total got in");
    BOOST_TEST(refusal(*sql, "INSERT INTO orders (id, account, total) VALUES (4, 99, 10)").has_value(),
               "an order of an account that does not exist got in");
    BOOST_TEST(count_of(*sql, "SELECT CAST(count(*) AS TEXT) FROM orders") == 1);
    *sql << "DELETE FROM orders";

    r.down({.all = true});
    BOOST_TEST(recorded_versions(*sql).empty());
    BOOST_TEST(user_schema(*sql) == empty, schema_diff(empty, user_schema(*sql)));
    BOOST_TEST(routines(*sql, backend) == 0);
    BOOST_TEST(audit_log(*sql) == (names{"1 up ok", "2 up ok", "3 up ok", "4 up ok", "4 down ok", "3 down ok", "2 down ok",
                                         "1 down ok"}),
               boost::test_tools::per_element());
}

STRATA_BACKEND_TEST(sql_unit_without_a_down_section_refuses_down_before_anything_runs) {
    auto db = temp_database::create(backend);
    auto reg = registry_of({
        sql_unit(1, "create_t1", "-- strata:up\nCREATE TABLE t1 (a integer);\n-- strata:down\nDROP TABLE t1;\n"),
        sql_unit(2, "create_t2", "-- strata:up\nCREATE TABLE t2 (a integer);\n"),
    });
    strata::runner r(*reg, db.url());
    r.up();
    auto sql = open_session(db.url());
    const auto log_before = audit_log(*sql);
    BOOST_TEST_REQUIRE(recorded_versions(*sql) == (versions{1, 2}), boost::test_tools::per_element());

    try {
        r.down({.all = true});
        BOOST_ERROR("down --all ran although unit 2 has no down section");
    } catch (const strata::irreversible_error& e) {
        BOOST_TEST(e.context().version.value_or(0) == 2);
        BOOST_TEST(contains(e.what(), "unit 2 create_t2 (down) cannot run"), e.what());
        BOOST_TEST(contains(e.what(), "units/0002_create_t2.sql has no -- strata:down section"), e.what());
    }
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(user_tables(*sql) == (names{"t1", "t2"}), boost::test_tools::per_element());
    BOOST_TEST(audit_log(*sql) == log_before, boost::test_tools::per_element());
}

STRATA_BACKEND_TEST(sql_unit_with_a_down_for_the_other_database_only_is_irreversible_here) {
    auto db = temp_database::create(backend);
    const std::string other = other_than(backend);
    auto reg = registry_of({
        sql_unit(1, "create_t1", "-- strata:up\nCREATE TABLE t1 (a integer);\n-- strata:down\nDROP TABLE t1;\n"),
        sql_unit(2, "create_t2", ("-- strata:up\nCREATE TABLE t2 (a integer);\n-- strata:down " + other + "\nDROP TABLE t2;\n").c_str()),
    });
    strata::runner r(*reg, db.url());
    r.up();
    auto sql = open_session(db.url());
    try {
        r.down({.all = true});
        BOOST_ERROR("down --all ran although unit 2 has a down section for " << other << " only");
    } catch (const strata::irreversible_error& e) {
        BOOST_TEST(e.context().version.value_or(0) == 2);
        BOOST_TEST(contains(e.what(), std::string("has no \"-- strata:down ") + strata::to_string(backend) + "\" section"), e.what());
    }
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(user_tables(*sql) == (names{"t1", "t2"}), boost::test_tools::per_element());
}

STRATA_BACKEND_TEST(sql_unit_without_an_up_for_this_database_is_refused_before_anything_runs) {
    auto db = temp_database::create(backend);
    const std::string other = other_than(backend);
    auto reg = registry_of({
        sql_unit(1, "create_t1", "-- strata:up\nCREATE TABLE t1 (a integer);\n-- strata:down\nDROP TABLE t1;\n"),
        sql_unit(2, "elsewhere_only", ("-- strata:up " + other + "\nCREATE TABLE t2 (a integer);\n").c_str()),
    });
    strata::runner r(*reg, db.url());
    try {
        r.up();
        BOOST_ERROR("up ran although unit 2 has no up section for this database");
    } catch (const strata::unsupported_error& e) {
        BOOST_TEST(e.context().version.value_or(0) == 2);
        BOOST_TEST(contains(e.what(), std::string("units/0002_elsewhere_only.sql has no \"-- strata:up ") +
                                          strata::to_string(backend) + "\" section (nor a generic \"-- strata:up\"), so it "
                                          "cannot run on " + strata::to_string(backend)),
                   e.what());
    }
    auto sql = open_session(db.url());
    BOOST_TEST(recorded_versions(*sql).empty());
    BOOST_TEST(user_tables(*sql).empty());

    // Up to unit 1 only: what this database can run, runs.
    r.up(1);
    BOOST_TEST(recorded_versions(*sql) == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(user_tables(*sql) == (names{"t1"}), boost::test_tools::per_element());
}

namespace {

/// Unit 2 of the test below: a table whose columns carry clauses strata does not render (an
/// inline CHECK, a collation, UNIQUE, an inline REFERENCES). SQLite's collation is NOCASE.
const char* items_sql = R"(-- strata:up postgresql
CREATE TABLE items (
  id integer PRIMARY KEY,
  qty integer NOT NULL DEFAULT 1 CHECK (qty > 0),
  label text COLLATE "C" UNIQUE,
  owner integer REFERENCES accounts (id)
);
-- strata:up sqlite
CREATE TABLE items (
  id integer PRIMARY KEY,
  qty integer NOT NULL DEFAULT 1 CHECK (qty > 0),
  label text COLLATE NOCASE UNIQUE,
  owner integer REFERENCES accounts (id)
);
-- strata:down
DROP TABLE items;
)";

/// Unit 3, in C++: each column of items changed (SQLite rebuilds the table for each).
class change_items final : public strata::migration {
public:
    strata::migration_info info() const override { return {3, "change_items"}; }

    void change(strata::schema::builder& b) const override {
        using namespace strata::schema;
        b.change_column("items", column("qty", type::integer()).not_null().default_sql("1"),
                        column("qty", type::bigint()).not_null().default_sql("1"));
        b.change_column("items", column("label", type::text()), column("label", type::text()).not_null().default_sql("'x'"));
        b.change_column("items", column("owner", type::integer()), column("owner", type::bigint()));
    }
};

}  // namespace

// A change_column keeps what it does not change: on SQLite it rebuilds the table from its
// CREATE TABLE text, and the column's clauses a SQL unit wrote stay (PostgreSQL's ALTER COLUMN
// keeps them anyway), on the way up and on the way down.
STRATA_BACKEND_TEST(change_column_on_a_table_a_sql_unit_made_keeps_its_checks_collation_unique_and_reference) {
    auto db = temp_database::create(backend);
    auto reg = registry_of({std::make_shared<const create_accounts>(), sql_unit(2, "create_items", items_sql),
                            std::make_shared<const change_items>()});
    strata::runner r(*reg, db.url());
    r.up(2);
    auto sql = open_session(db.url());
    *sql << "INSERT INTO accounts (id, name) VALUES (1, 'one')";
    *sql << "INSERT INTO items (id, qty, label, owner) VALUES (1, 2, 'Apple', 1)";

    auto kept = [&](const std::string& when) {
        BOOST_TEST(refusal(*sql, "INSERT INTO items (id, qty, label) VALUES (10, 0, 'zero')").has_value(),
                   when << ": the CHECK (qty > 0) was lost");
        BOOST_TEST(refusal(*sql, "INSERT INTO items (id, qty, label, owner) VALUES (11, 1, 'pear', 99)").has_value(),
                   when << ": the REFERENCES accounts (id) of owner was lost");
        BOOST_TEST(refusal(*sql, "INSERT INTO items (id, qty, label) VALUES (12, 1, 'Apple')").has_value(),
                   when << ": the UNIQUE of label was lost");
        if (backend == strata::backend::sqlite) {
            BOOST_TEST(count_of(*sql, "SELECT CAST(count(*) AS TEXT) FROM items WHERE label = 'APPLE'") == 1,
                       when << ": the COLLATE NOCASE of label was lost");
        } else {
            BOOST_TEST(query_value(*sql, "SELECT collation_name FROM information_schema.columns WHERE table_name = 'items' "
                                         "AND column_name = 'label'") == std::optional<std::string>("C"),
                       when);
        }
        BOOST_TEST(count_of(*sql, "SELECT CAST(count(*) AS TEXT) FROM items") == 1, when);
    };
    kept("before unit 3");

    auto lower = [](std::string s) {
        for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        return s;
    };
    r.up();
    kept("after unit 3");
    const auto changed = read_table(*sql, "items");
    for (const auto& c : changed.columns) {
        if (c.name == "qty" || c.name == "owner") BOOST_TEST(lower(c.type) == "bigint", c.name << " is " << c.type);
        if (c.name == "label") BOOST_TEST(!c.nullable, "label is still nullable");
    }
    BOOST_TEST(refusal(*sql, "INSERT INTO items (id, qty) VALUES (13, 1)").has_value() == false, "label's default 'x' is missing");
    *sql << "DELETE FROM items WHERE id = 13";

    r.down({.to = 2});
    kept("after unit 3 was reverted");
    BOOST_TEST(!refusal(*sql, "INSERT INTO items (id, qty) VALUES (14, 1)").has_value(), "label is still NOT NULL");
    for (const auto& c : read_table(*sql, "items").columns)
        if (c.name == "qty" || c.name == "owner") BOOST_TEST(lower(c.type) == "integer", c.name << " is " << c.type);
}

// A SQL unit outside a transaction whose concurrent unique build fails on duplicates: strata
// cannot resume such a unit (it is dirty) nor tell what its text built, but it says what
// PostgreSQL keeps: the INVALID index.
STRATA_BACKEND_TEST(sql_unit_whose_concurrent_unique_build_fails_says_what_postgresql_keeps) {
    if (backend != strata::backend::postgresql) return;
    auto db = temp_database::create(backend);
    auto reg = registry_of({std::make_shared<const create_accounts>(), sql_unit(2, "unique_names", R"(-- strata:no-transaction
-- strata:up
CREATE UNIQUE INDEX CONCURRENTLY accounts_name_key ON accounts (name);
-- strata:down
DROP INDEX CONCURRENTLY accounts_name_key;
)")});
    strata::runner r(*reg, db.url());
    r.up(1);
    auto sql = open_session(db.url());
    *sql << "INSERT INTO accounts (id, name) VALUES (1, 'same'), (2, 'same')";
    try {
        r.up();
        BOOST_ERROR("up built a unique index over duplicates");
    } catch (const strata::migration_error& e) {
        BOOST_TEST(e.context().sqlstate == "23505");
        BOOST_TEST(contains(e.what(), "is now dirty: statement 1 of 1 failed; check the database, then run strata repair 2"),
                   e.what());
        BOOST_TEST(contains(e.what(), "PostgreSQL keeps the index a failed concurrent build leaves, INVALID"), e.what());
        BOOST_TEST(contains(e.what(), "SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid, and drop them (DROP INDEX CONCURRENTLY)"), e.what());
    }
    // What the message says is there.
    BOOST_TEST(query_value(*sql, "SELECT CAST(indisvalid AS TEXT) FROM pg_index WHERE indexrelid = 'accounts_name_key'::regclass") ==
               std::optional<std::string>("false"));
}

// A failing statement holding a password (SQL probe L6): its audit row names the statement with
// the password hidden. (The command line passes errors through the same redaction.)
// A statement of a .sql unit that fails when it runs is named with the FILE:LINE it starts on
// (SQL probe L1), as the build's errors are: for each database's own section, up and down.
STRATA_BACKEND_TEST(sql_unit_statement_failing_at_run_time_names_its_file_and_line) {
    auto db = temp_database::create(backend);
    // With the bad row, the up fails on line 7; without it, the up runs and the lines move up one.
    auto text = [](bool bad_row) {
        return std::string("-- a comment line\n-- strata:up\nCREATE TABLE a (x integer);\n\nCREATE TABLE\n  b (y integer);\n") +
               (bad_row ? "INSERT INTO a (x) VALUES ('not a number'), (1), (2);\n" : "") +
               "-- strata:down sqlite\nDROP TABLE b;\nDROP TABLE no_such_table;\n"
               "-- strata:down postgresql\nDROP TABLE b;\nDROP TABLE no_such_table;\n";
    };
    const auto with_bad_row = text(true), without = text(false);
    auto reg = registry_of({sql_unit(1, "two_tables", with_bad_row.c_str())});
    try {
        strata::runner(*reg, db.url()).up();
        if (backend == strata::backend::postgresql) BOOST_ERROR("PostgreSQL took text for an integer");
    } catch (const strata::migration_error& e) {
        BOOST_TEST(e.context().source == "units/0001_two_tables.sql:7");
        BOOST_TEST(contains(e.what(), "\n  at units/0001_two_tables.sql:7"), e.what());
    }
    if (backend == strata::backend::postgresql) {
        auto fixed = registry_of({sql_unit(1, "two_tables", without.c_str())});
        strata::runner(*fixed, db.url()).up();
        try {
            strata::runner(*fixed, db.url()).down();
            BOOST_ERROR("down dropped a table that does not exist");
        } catch (const strata::migration_error& e) {
            BOOST_TEST(e.context().source == "units/0001_two_tables.sql:12");
        }
        return;
    }
    // SQLite took the text (a column's type is a hint there): the down fails on its own line,
    // found by its rehearsal on a copy of the schema before anything ran.
    try {
        strata::runner(*reg, db.url()).down();
        BOOST_ERROR("down dropped a table that does not exist");
    } catch (const strata::error& e) {
        BOOST_TEST(e.context().source == "units/0001_two_tables.sql:10");
    }
}

STRATA_BACKEND_TEST(sql_unit_failing_on_a_statement_with_a_password_keeps_it_out_of_the_audit_log) {
    if (backend != strata::backend::postgresql) return;  // SQLite has no roles
    auto db = temp_database::create(backend);
    auto reg = registry_of({sql_unit(1, "app_role", R"(-- strata:up
ALTER ROLE strata_no_such_role_here LOGIN PASSWORD 'hunter2-secret';
-- strata:down
SELECT 1;
)")});
    try {
        strata::runner(*reg, db.url()).up();
        BOOST_ERROR("up altered a role that does not exist");
    } catch (const strata::migration_error& e) {
        BOOST_TEST(contains(e.context().statement, "hunter2-secret"));  // the engine's own context, for a program
    }
    auto sql = open_session(db.url());
    const auto message = query_value(*sql, std::string("SELECT message FROM ") + log_table + " WHERE version = 1");
    BOOST_TEST_REQUIRE(message.has_value());
    BOOST_TEST(!contains(*message, "hunter2-secret"), *message);
    BOOST_TEST(contains(*message, "PASSWORD '***'"), *message);
}
