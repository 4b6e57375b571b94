// The runner's deploy-pipeline behaviour (issue 3), driven by units defined here, each test with a
// registry of its own: non-transactional units and their dirty state, refusing an irreversible
// down before anything runs, reverting a unit this build does not know from the stored down
// statements, checksum drift, a history of another application's units, out-of-order units,
// --atomic, DDL lock timeout retries, dry runs, the program named in hints.
// Every result is read back from the database with a session of our own.

#include <strata/error.hpp>
#include <strata/migration.hpp>
#include <strata/registry.hpp>
#include <strata/runner.hpp>

#include <soci/soci.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "backend_test.hpp"
#include "support/schema_history.hpp"
#include "support/schema_reader.hpp"
#include "support/schema_session.hpp"
#include "support/temp_database.hpp"
#include "support/waiting.hpp"

using namespace strata::test;
using strata::schema::sql_text;
using namespace std::chrono_literals;

namespace {

/// One raw statement of a unit and, when it has one, the statement that undoes it.
struct raw_statement {
    sql_text up;
    std::optional<sql_text> down;
};

/// The same text on both databases.
sql_text both(const std::string& text) { return {.postgresql = text, .sqlite = text}; }

/// A unit made of raw statements, in order; change() so that down is their inverse, reversed.
class raw_unit final : public strata::migration {
public:
    raw_unit(std::int64_t version, std::string name, std::vector<raw_statement> statements,
             strata::transaction_mode mode = strata::transaction_mode::per_unit,
             std::optional<std::string> data_loss_allowed = std::nullopt)
        : version_(version), name_(std::move(name)), statements_(std::move(statements)), mode_(mode),
          data_loss_allowed_(std::move(data_loss_allowed)) {}

    strata::migration_info info() const override { return {.version = version_, .name = name_, .transaction = mode_}; }

    void change(strata::schema::builder& b) const override {
        for (const auto& s : statements_) b.sql(s.up, s.down);
        if (data_loss_allowed_) b.allow_data_loss(*data_loss_allowed_);
    }

private:
    std::int64_t version_;
    std::string name_;
    std::vector<raw_statement> statements_;
    strata::transaction_mode mode_;
    std::optional<std::string> data_loss_allowed_;
};

using unit_ptr = std::shared_ptr<const raw_unit>;

unit_ptr unit(std::int64_t version, std::string name, std::vector<raw_statement> statements,
              strata::transaction_mode mode = strata::transaction_mode::per_unit) {
    return std::make_shared<const raw_unit>(version, std::move(name), std::move(statements), mode);
}

/// `CREATE TABLE <name> (<columns>)`, undone by `DROP TABLE <name>`.
unit_ptr table_unit(std::int64_t version, const std::string& table, const std::string& columns = "a integer") {
    return unit(version, "create_" + table,
                {{both("CREATE TABLE " + table + " (" + columns + ")"), both("DROP TABLE " + table)}});
}

/// A registry of its own, never registry::global(). It must outlive every runner built on it.
std::unique_ptr<strata::registry> registry_of(const std::vector<unit_ptr>& units) {
    auto r = std::make_unique<strata::registry>();
    for (const auto& u : units) r->add(u, "custom_units_test.cpp");
    return r;
}

using versions = std::vector<std::int64_t>;
using names = std::vector<std::string>;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string history_checksum(soci::session& sql, std::int64_t version) {
    return query_value(sql, std::string("SELECT checksum FROM ") + history_table + " WHERE version = " + std::to_string(version))
        .value_or("<null>");
}

long long count_of(soci::session& sql, const std::string& query) { return std::stoll(query_value(sql, query).value_or("-1")); }

/// Table names without strata's metadata tables.
names user_tables(soci::session& sql) {
    names out;
    for (auto& t : read_table_names(sql))
        if (t != history_table && t != log_table) out.push_back(t);
    return out;
}

names column_names(soci::session& sql, const std::string& table) {
    names out;
    for (const auto& c : read_table(sql, table).columns) out.push_back(c.name);
    return out;
}

names index_names(soci::session& sql, const std::string& table) {
    names out;
    for (const auto& i : read_table(sql, table).indexes) out.push_back(i.name);
    return out;
}

/// (version, state) of every line of status(), as "1 applied".
names status_lines(strata::runner& r) {
    names out;
    for (const auto& s : r.status()) out.push_back(std::to_string(s.version) + " " + strata::to_string(s.state));
    return out;
}

std::string described(const std::vector<strata::migration_error::completed_unit>& units) {
    std::string out;
    for (const auto& u : units) out += (out.empty() ? "" : ", ") + std::to_string(u.version) + " " + strata::to_string(u.dir);
    return out;
}

std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// 1. A non-transactional unit: CREATE INDEX CONCURRENTLY on PostgreSQL (refused inside a
//    transaction, so it succeeding proves the unit ran outside one), a plain index on SQLite.

STRATA_BACKEND_TEST(custom_non_transactional_unit_applies_and_reverts) {
    auto db = temp_database::create(backend);
    auto reg = registry_of({
        table_unit(1, "t"),
        unit(2, "index_t_concurrently",
             {{{.postgresql = "CREATE INDEX CONCURRENTLY t_a_idx ON t (a)", .sqlite = "CREATE INDEX t_a_idx ON t (a)"},
               sql_text{.postgresql = "DROP INDEX CONCURRENTLY t_a_idx", .sqlite = "DROP INDEX t_a_idx"}}},
             strata::transaction_mode::none),
    });
    strata::runner r(*reg, db.url());

    auto report = r.up();
    BOOST_TEST_REQUIRE(report.units.size() == 2u);
    BOOST_TEST(report.units[1].version == 2);

    auto sql = open_session(db.url());
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(history_state(*sql, 1) == std::optional<std::string>("applied"));
    BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("applied"));
    BOOST_TEST(index_names(*sql, "t") == (names{"t_a_idx"}), boost::test_tools::per_element());
    if (backend == strata::backend::postgresql)
        BOOST_TEST(query_value(*sql, "SELECT CAST(i.indisvalid AS TEXT) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                                     "WHERE c.relname = 't_a_idx'") == std::optional<std::string>("true"));
    BOOST_TEST(status_lines(r) == (names{"1 applied", "2 applied"}), boost::test_tools::per_element());

    auto back = r.down();
    BOOST_TEST_REQUIRE(back.units.size() == 1u);
    BOOST_TEST(back.units[0].version == 2);
    BOOST_TEST((back.units[0].dir == strata::direction::down));
    BOOST_TEST(recorded_versions(*sql) == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(index_names(*sql, "t").empty(), "the index should be gone:\n" << read_table(*sql, "t"));
    BOOST_TEST(user_tables(*sql) == (names{"t"}), boost::test_tools::per_element());
    BOOST_TEST(audit_log(*sql) == (names{"1 up ok", "2 up ok", "2 down ok"}), boost::test_tools::per_element());

    // An older build, without unit 2, reverts it with the statements stored with its row, outside
    // a transaction as well (on PostgreSQL DROP INDEX CONCURRENTLY is refused inside one).
    r.up();
    auto older = registry_of({table_unit(1, "t")});
    auto from_history = strata::runner(*older, db.url()).down();
    BOOST_TEST_REQUIRE(from_history.units.size() == 1u);
    BOOST_TEST(from_history.units[0].from_history);
    BOOST_TEST(index_names(*sql, "t").empty(), "the index should be gone:\n" << read_table(*sql, "t"));
    BOOST_TEST(recorded_versions(*sql) == (versions{1}), boost::test_tools::per_element());
}

// A database that refuses the history row a unit outside a transaction writes before its first
// statement (a read-only file, a trigger) ran nothing of it: the failure says nothing was kept,
// not "what its finished steps did stays", and the unit is as it was (applied, or pending).
STRATA_BACKEND_TEST(custom_non_transactional_unit_whose_history_row_is_refused_ran_nothing) {
    auto db = temp_database::create(backend);
    auto reg = registry_of({
        table_unit(1, "t"),
        unit(2, "index_t",
             {{both("CREATE INDEX t_a_idx ON t (a)"), both("DROP INDEX t_a_idx")}},
             strata::transaction_mode::none),
    });
    strata::runner(*reg, db.url()).up();
    auto sql = open_session(db.url());
    const bool sqlite = backend == strata::backend::sqlite;
    for (const char* event : {"UPDATE", "INSERT"}) {
        BOOST_TEST_CONTEXT(event) {
            if (sqlite) {
                *sql << std::string("CREATE TRIGGER refuse BEFORE ") + event +
                            " ON strata_schema_history BEGIN SELECT RAISE(ABORT, 'history refused'); END";
            } else {
                *sql << "CREATE OR REPLACE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                        "'BEGIN RAISE EXCEPTION ''history refused''; END'";
                *sql << std::string("CREATE TRIGGER refuse BEFORE ") + event +
                            " ON strata_schema_history FOR EACH ROW EXECUTE FUNCTION refuse()";
            }
            const bool down = std::string(event) == "UPDATE";  // a down marks the row reverting; an up inserts it
            try {
                if (down) strata::runner(*reg, db.url()).down();
                else strata::runner(*reg, db.url()).up();
                BOOST_ERROR("unit 2 ran although its history row was refused");
            } catch (const strata::error& e) {
                // (SQLite may find it first by rehearsing the run on a copy of the schema.)
                BOOST_TEST(contains(e.what(), "history refused"), e.what());
                BOOST_TEST(e.context().version.value_or(0) == 2);
                const auto* failed = dynamic_cast<const strata::migration_error*>(&e);
                BOOST_TEST((sqlite || failed), e.what());
                BOOST_TEST((!failed || failed->rolled_back()), "nothing of unit 2 ran, yet the failure says what it did stays");
            }
            BOOST_TEST(index_names(*sql, "t") == (down ? names{"t_a_idx"} : names{}), boost::test_tools::per_element());
            BOOST_TEST(recorded_versions(*sql) == (down ? versions{1, 2} : versions{1}), boost::test_tools::per_element());
            *sql << (sqlite ? "DROP TRIGGER refuse" : "DROP TRIGGER refuse ON strata_schema_history");
            if (down) strata::runner(*reg, db.url()).down();  // then the up, refused in its turn
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 2. A non-transactional unit failing after its first statement is left dirty: visible in the
//    history and in status, refused by up and down until strata repair.

STRATA_BACKEND_TEST(custom_interrupted_non_transactional_unit_is_dirty_until_repaired) {
    auto db = temp_database::create(backend);
    auto reg = registry_of({
        table_unit(1, "t"),
        unit(2, "index_then_fail",
             {{{.postgresql = "CREATE INDEX CONCURRENTLY t_a_idx ON t (a)", .sqlite = "CREATE INDEX t_a_idx ON t (a)"}},
              {both("ALTER TABLE no_such_table ADD COLUMN x integer")}},
             strata::transaction_mode::none),
    });
    auto sql = open_session(db.url());
    // Each step with a runner of its own, as each deploy or on-call command would be.

    try {
        strata::runner(*reg, db.url()).up();
        BOOST_ERROR("up() succeeded although unit 2's second statement names a table that does not exist");
    } catch (const strata::migration_error& e) {
        BOOST_TEST(e.context().version.value_or(0) == 2);
        BOOST_TEST(e.context().statement == "ALTER TABLE no_such_table ADD COLUMN x integer");
        BOOST_TEST(described(e.completed()) == "1 up");
        BOOST_TEST(contains(e.what(), "strata repair 2"), e.what());
    }

    // The first statement ran and stays; the row says the unit is running.
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("running"));
    BOOST_TEST(index_names(*sql, "t") == (names{"t_a_idx"}), boost::test_tools::per_element());
    BOOST_TEST(status_lines(*reg, db.url()) == (names{"1 applied", "2 dirty"}), boost::test_tools::per_element());

    // The next run refuses and changes nothing (down: see the test after this one).
    try {
        strata::runner(*reg, db.url()).up();
        BOOST_ERROR("up() ran with unit 2 dirty");
    } catch (const strata::validation_error& e) {
        BOOST_TEST(contains(e.what(), "strata repair 2"), e.what());
        BOOST_TEST_REQUIRE(e.problems().size() == 1u);
        BOOST_TEST(contains(e.problems()[0], "unit 2 index_then_fail"), e.problems()[0]);
    }
    BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("running"));
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(index_names(*sql, "t") == (names{"t_a_idx"}), boost::test_tools::per_element());

    // Nothing to repair on an applied unit, nor on a version without a row.
    BOOST_CHECK_THROW(strata::runner(*reg, db.url()).repair(1, false), strata::config_error);
    BOOST_CHECK_THROW(strata::runner(*reg, db.url()).repair(7, true), strata::config_error);
    BOOST_TEST(history_state(*sql, 1) == std::optional<std::string>("applied"));

    // Repair as pending: the row goes, the unit is pending again.
    strata::runner(*reg, db.url()).repair(2, false);
    BOOST_TEST(recorded_versions(*sql) == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(status_lines(*reg, db.url()) == (names{"1 applied", "2 pending"}), boost::test_tools::per_element());
    BOOST_CHECK_THROW(strata::runner(*reg, db.url()).repair(2, false), strata::config_error);  // no longer dirty

    // The person undoes the first statement by hand; the next run fails the same way, dirty again.
    *sql << "DROP INDEX t_a_idx";
    BOOST_CHECK_THROW(strata::runner(*reg, db.url()).up(), strata::migration_error);
    BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("running"));

    // Repair as applied: recorded applied, with this build's checksum, and up has nothing to do.
    strata::runner(*reg, db.url()).repair(2, true);
    BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("applied"));
    BOOST_TEST(status_lines(*reg, db.url()) == (names{"1 applied", "2 applied"}), boost::test_tools::per_element());
    auto report = strata::runner(*reg, db.url()).up();
    BOOST_TEST(report.units.empty());
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(count_of(*sql, std::string("SELECT CAST(count(*) AS TEXT) FROM ") + log_table + " WHERE action = 'repair'") == 2);
}

STRATA_BACKEND_TEST(custom_down_with_a_dirty_unit_is_refused) {
    auto db = temp_database::create(backend);
    auto reg = registry_of({
        table_unit(1, "t"),
        unit(2, "index_then_fail",
             {{{.postgresql = "CREATE INDEX CONCURRENTLY t_a_idx ON t (a)", .sqlite = "CREATE INDEX t_a_idx ON t (a)"},
               sql_text{.postgresql = "DROP INDEX CONCURRENTLY t_a_idx", .sqlite = "DROP INDEX t_a_idx"}},
              {both("ALTER TABLE no_such_table ADD COLUMN x integer"), both("SELECT 1")}},
             strata::transaction_mode::none),
    });
    BOOST_CHECK_THROW(strata::runner(*reg, db.url()).up(), strata::migration_error);
    auto sql = open_session(db.url());
    BOOST_TEST_REQUIRE(history_state(*sql, 2) == std::optional<std::string>("running"));

    try {
        strata::runner(*reg, db.url()).down();
        BOOST_ERROR("down() ran with unit 2 dirty");
    } catch (const strata::validation_error& e) {
        BOOST_TEST_REQUIRE(e.problems().size() == 1u);
        BOOST_TEST(contains(e.problems()[0], "unit 2 index_then_fail"), e.problems()[0]);
        BOOST_TEST(contains(e.what(), "strata repair 2"), e.what());
    }
    BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("running"));
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(index_names(*sql, "t") == (names{"t_a_idx"}), boost::test_tools::per_element());
}

// ---------------------------------------------------------------------------------------------
// 3. A unit without a down: refused by name before anything of the down request runs.

STRATA_BACKEND_TEST(custom_irreversible_unit_refuses_the_whole_down_before_anything_runs) {
    auto db = temp_database::create(backend);
    auto reg = registry_of({
        table_unit(1, "t1"),
        unit(2, "raw_without_down", {{both("CREATE TABLE t2 (a integer)")}}),
        table_unit(3, "t3"),
    });
    strata::runner r(*reg, db.url());
    r.up();
    auto sql = open_session(db.url());
    const auto history_before = read_history(*sql);
    const auto log_before = audit_log(*sql);
    BOOST_TEST_REQUIRE(history_before.size() == 3u);

    // Two steps: unit 3 could be reverted, unit 2 cannot; neither is.
    try {
        r.down({.steps = 2});
        BOOST_ERROR("down(steps=2) ran although unit 2 has no down");
    } catch (const strata::irreversible_error& e) {
        BOOST_TEST(e.context().version.value_or(0) == 2);
        BOOST_TEST(e.context().unit_name == "raw_without_down");
        BOOST_TEST(contains(e.what(), "unit 2 raw_without_down"), e.what());
    }
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(user_tables(*sql) == (names{"t1", "t2", "t3"}), boost::test_tools::per_element());
    BOOST_TEST(audit_log(*sql) == log_before, boost::test_tools::per_element());

    // One step reverts unit 3; the next down stops at unit 2, naming it.
    r.down();
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(user_tables(*sql) == (names{"t1", "t2"}), boost::test_tools::per_element());
    try {
        r.down();
        BOOST_ERROR("down() ran although unit 2 has no down");
    } catch (const strata::irreversible_error& e) {
        BOOST_TEST(e.context().version.value_or(0) == 2);
        BOOST_TEST(contains(e.what(), "raw_without_down"), e.what());
    }
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(user_tables(*sql) == (names{"t1", "t2"}), boost::test_tools::per_element());
}

// ---------------------------------------------------------------------------------------------
// 4. An older build (registry B, without unit 2) reverts unit 2 from the stored down statements.

STRATA_BACKEND_TEST(custom_older_build_reverts_an_unknown_unit_from_the_stored_statements) {
    auto db = temp_database::create(backend);
    auto newer = registry_of({table_unit(1, "t1"), table_unit(2, "t2")});
    strata::runner(*newer, db.url()).up();
    auto sql = open_session(db.url());
    BOOST_TEST_REQUIRE(recorded_versions(*sql) == (versions{1, 2}), boost::test_tools::per_element());

    auto older = registry_of({table_unit(1, "t1")});
    std::vector<std::string> notices;
    strata::runner_options options;
    options.on_notice = [&](const std::string& text) { notices.push_back(text); };
    strata::runner r(*older, db.url(), options);

    BOOST_TEST(status_lines(r) == (names{"1 applied", "2 unknown"}), boost::test_tools::per_element());
    try {
        r.up();
        BOOST_ERROR("up() from an older build ran against a history with a unit it does not know");
    } catch (const strata::validation_error& e) {
        BOOST_TEST_REQUIRE(e.problems().size() == 1u);
        BOOST_TEST(contains(e.problems()[0], "unit 2 create_t2"), e.problems()[0]);
    }
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2}), boost::test_tools::per_element());

    auto report = r.down();
    BOOST_TEST_REQUIRE(report.units.size() == 1u);
    BOOST_TEST(report.units[0].version == 2);
    BOOST_TEST(report.units[0].from_history);
    BOOST_TEST((report.units[0].dir == strata::direction::down));
    BOOST_TEST(recorded_versions(*sql) == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(user_tables(*sql) == (names{"t1"}), boost::test_tools::per_element());
    BOOST_TEST(std::any_of(notices.begin(), notices.end(),
                           [](const std::string& n) { return contains(n, "unit 2 create_t2") && contains(n, "stored"); }),
               "no notice about reverting unit 2 from the stored statements; notices:\n" << joined(notices));
    BOOST_TEST(status_lines(r) == (names{"1 applied"}), boost::test_tools::per_element());
}

// ---------------------------------------------------------------------------------------------
// 5. An applied unit whose statements changed: reported, refused, allowed on request.

STRATA_BACKEND_TEST(custom_changed_unit_is_reported_and_refused_unless_allowed) {
    auto db = temp_database::create(backend);
    auto original = registry_of({table_unit(1, "t", "a integer")});
    strata::runner(*original, db.url()).up();
    auto sql = open_session(db.url());
    const std::string applied_checksum = history_checksum(*sql, 1);

    auto edited = registry_of({table_unit(1, "t", "a integer, b integer")});
    {
        strata::runner r(*edited, db.url());
        auto status = r.status();
        BOOST_TEST_REQUIRE(status.size() == 1u);
        BOOST_TEST(strata::to_string(status[0].state) == std::string("changed"));
        BOOST_TEST(status[0].applied_checksum == applied_checksum);
        BOOST_TEST(status[0].checksum != applied_checksum);
        BOOST_TEST(r.validate().size() == 1u);

        BOOST_CHECK_THROW(r.up(), strata::validation_error);
    }
    BOOST_TEST(column_names(*sql, "t") == (names{"a"}), boost::test_tools::per_element());

    strata::runner_options allow;
    allow.allow_changed = true;
    auto report = strata::runner(*edited, db.url(), allow).up();
    BOOST_TEST(report.units.empty());
    BOOST_TEST(column_names(*sql, "t") == (names{"a"}), boost::test_tools::per_element());
    BOOST_TEST(recorded_versions(*sql) == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(history_checksum(*sql, 1) == applied_checksum);
}

STRATA_BACKEND_TEST(custom_down_of_a_changed_unit_is_refused_unless_allowed) {
    auto db = temp_database::create(backend);
    auto original = registry_of({table_unit(1, "t1"), table_unit(2, "t2", "a integer")});
    strata::runner(*original, db.url()).up();
    auto sql = open_session(db.url());

    // Unit 2 edited after it ran: its down would now be rendered from the edited unit.
    auto edited = registry_of({table_unit(1, "t1"), unit(2, "create_t2", {{both("CREATE TABLE t2 (a integer, b integer)"),
                                                                             both("DROP TABLE t2_renamed")}})});
    try {
        strata::runner(*edited, db.url()).down();
        BOOST_ERROR("down() reverted a unit that changed since it was applied without --allow-changed");
    } catch (const strata::validation_error& e) {
        BOOST_TEST_REQUIRE(e.problems().size() == 1u);
        BOOST_TEST(contains(e.problems()[0], "unit 2 create_t2"), e.problems()[0]);
    }
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(user_tables(*sql) == (names{"t1", "t2"}), boost::test_tools::per_element());

    // Allowed: reverted with the statements stored when it was applied (DROP TABLE t2), not the
    // edited unit's down (DROP TABLE t2_renamed, which would fail).
    std::vector<std::string> notices;
    strata::runner_options allow;
    allow.allow_changed = true;
    allow.on_notice = [&](const std::string& text) { notices.push_back(text); };
    auto report = strata::runner(*edited, db.url(), allow).down();
    BOOST_TEST_REQUIRE(report.units.size() == 1u);
    BOOST_TEST(report.units[0].version == 2);
    BOOST_TEST(report.units[0].from_history);
    BOOST_TEST(recorded_versions(*sql) == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(user_tables(*sql) == (names{"t1"}), boost::test_tools::per_element());
    BOOST_TEST(std::any_of(notices.begin(), notices.end(),
                           [](const std::string& n) { return contains(n, "unit 2 create_t2") && contains(n, "changed"); }),
               "no notice about reverting the changed unit 2; notices:\n" << joined(notices));
}

// ---------------------------------------------------------------------------------------------
// 6. --atomic: the whole release or nothing of it.

STRATA_BACKEND_TEST(custom_atomic_up_leaves_nothing_when_a_unit_fails) {
    auto db = temp_database::create(backend);
    auto reg = registry_of({table_unit(1, "t1"), table_unit(2, "t2"),
                            unit(3, "create_t1_again", {{both("CREATE TABLE t1 (a integer)")}})});
    strata::runner_options options;
    options.atomic = true;
    strata::runner r(*reg, db.url(), options);
    try {
        r.up();
        BOOST_ERROR("up --atomic succeeded although unit 3 creates a table that unit 1 created");
    } catch (const strata::migration_error& e) {
        BOOST_TEST(e.context().version.value_or(0) == 3);
        BOOST_TEST(described(e.completed()) == "", "nothing of an atomic release stays");
    }
    auto sql = open_session(db.url());
    BOOST_TEST(user_tables(*sql).empty(), "tables left behind by an atomic release that failed");
    BOOST_TEST(recorded_versions(*sql).empty());
    BOOST_TEST(count_of(*sql, std::string("SELECT CAST(count(*) AS TEXT) FROM ") + log_table + " WHERE outcome = 'ok'") == 0);
}

STRATA_BACKEND_TEST(custom_without_atomic_the_units_before_a_failure_stay) {
    auto db = temp_database::create(backend);
    auto reg = registry_of({table_unit(1, "t1"), table_unit(2, "t2"),
                            unit(3, "create_t1_again", {{both("CREATE TABLE t1 (a integer)")}})});
    strata::runner r(*reg, db.url());
    try {
        r.up();
        BOOST_ERROR("up succeeded although unit 3 creates a table that unit 1 created");
    } catch (const strata::migration_error& e) {
        BOOST_TEST(e.context().version.value_or(0) == 3);
        BOOST_TEST(described(e.completed()) == "1 up, 2 up");
    }
    auto sql = open_session(db.url());
    BOOST_TEST(user_tables(*sql) == (names{"t1", "t2"}), boost::test_tools::per_element());
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2}), boost::test_tools::per_element());
}

STRATA_BACKEND_TEST(custom_atomic_up_applies_the_whole_release) {
    auto db = temp_database::create(backend);
    auto reg = registry_of({table_unit(1, "t1"), table_unit(2, "t2"), table_unit(3, "t3")});
    strata::runner_options options;
    options.atomic = true;
    auto report = strata::runner(*reg, db.url(), options).up();
    BOOST_TEST(report.units.size() == 3u);
    auto sql = open_session(db.url());
    BOOST_TEST(user_tables(*sql) == (names{"t1", "t2", "t3"}), boost::test_tools::per_element());
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2, 3}), boost::test_tools::per_element());
}

STRATA_BACKEND_TEST(custom_atomic_up_refuses_a_non_transactional_unit_before_anything_runs) {
    auto db = temp_database::create(backend);
    auto reg = registry_of({
        table_unit(1, "t1"),
        unit(2, "index_t1_concurrently",
             {{{.postgresql = "CREATE INDEX CONCURRENTLY t1_a_idx ON t1 (a)", .sqlite = "CREATE INDEX t1_a_idx ON t1 (a)"},
               sql_text{.postgresql = "DROP INDEX CONCURRENTLY t1_a_idx", .sqlite = "DROP INDEX t1_a_idx"}}},
             strata::transaction_mode::none),
        table_unit(3, "t3"),
    });
    strata::runner_options options;
    options.atomic = true;
    strata::runner r(*reg, db.url(), options);
    try {
        r.up();
        BOOST_ERROR("up --atomic accepted a unit that cannot run in a transaction");
    } catch (const strata::unsupported_error& e) {
        BOOST_TEST(contains(e.what(), "unit 2 index_t1_concurrently"), e.what());
    }
    auto sql = open_session(db.url());
    BOOST_TEST(user_tables(*sql).empty(), "a refused atomic release ran something");
    BOOST_TEST(recorded_versions(*sql).empty());
}

// ---------------------------------------------------------------------------------------------
// 8. A pending unit older than the newest applied one (merged late) is refused unless allowed.

STRATA_BACKEND_TEST(custom_out_of_order_unit_is_refused_unless_allowed) {
    auto db = temp_database::create(backend);
    auto before_merge = registry_of({table_unit(1, "t1"), table_unit(3, "t3")});
    strata::runner(*before_merge, db.url()).up();
    auto sql = open_session(db.url());
    BOOST_TEST_REQUIRE(recorded_versions(*sql) == (versions{1, 3}), boost::test_tools::per_element());

    auto merged = registry_of({table_unit(1, "t1"), table_unit(2, "t2"), table_unit(3, "t3")});
    auto status = strata::runner(*merged, db.url()).status();
    BOOST_TEST_REQUIRE(status.size() == 3u);
    BOOST_TEST(strata::to_string(status[1].state) == std::string("pending"));
    BOOST_TEST(status[1].out_of_order);
    try {
        strata::runner(*merged, db.url()).up();
        BOOST_ERROR("up() applied unit 2 after unit 3 without --allow-out-of-order");
    } catch (const strata::validation_error& e) {
        BOOST_TEST_REQUIRE(e.problems().size() == 1u);
        BOOST_TEST(contains(e.problems()[0], "unit 2 create_t2"), e.problems()[0]);
        BOOST_TEST(contains(e.what(), "unit 2 create_t2"), e.what());
    }
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 3}), boost::test_tools::per_element());
    BOOST_TEST(user_tables(*sql) == (names{"t1", "t3"}), boost::test_tools::per_element());

    strata::runner_options allow;
    allow.allow_out_of_order = true;
    auto report = strata::runner(*merged, db.url(), allow).up();
    BOOST_TEST_REQUIRE(report.units.size() == 1u);
    BOOST_TEST(report.units[0].version == 2);
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(user_tables(*sql) == (names{"t1", "t2", "t3"}), boost::test_tools::per_element());
}

// ---------------------------------------------------------------------------------------------
// 9. A dry run reports the script, in order and with transaction boundaries, and creates nothing.

STRATA_BACKEND_TEST(custom_dry_run_reports_the_script_and_creates_nothing) {
    auto db = temp_database::create(backend);
    auto reg = registry_of({
        unit(1, "create_t1_with_index",
             {{both("CREATE TABLE t1 (a integer)"), both("DROP TABLE t1")},
              {both("CREATE INDEX t1_a_idx ON t1 (a)"), both("DROP INDEX t1_a_idx")}}),
        table_unit(2, "t2"),
    });
    strata::runner_options options;
    options.dry_run = true;
    auto report = strata::runner(*reg, db.url(), options).up();

    // The script with strata's own metadata statements named by what they do, comments left out.
    const std::string history_quoted = std::string("\"") + history_table + "\"";
    const std::string log_quoted = std::string("\"") + log_table + "\"";
    // A run's changes name them in the schema it found them in (PostgreSQL).
    const std::string in = backend == strata::backend::postgresql ? "\"public\"." : "";
    names shape;
    for (const auto& line : report.script) {
        if (line.rfind("--", 0) == 0) continue;
        if (line.rfind("CREATE TABLE " + history_quoted, 0) == 0)
            shape.push_back("<create history>");
        else if (line.rfind("CREATE TABLE " + log_quoted, 0) == 0)
            shape.push_back("<create log>");
        else if (line.rfind("INSERT INTO " + in + history_quoted, 0) == 0)
            // (On PostgreSQL the values come with a guard: INSERT ... SELECT 1, ... WHERE ...)
            shape.push_back(contains(line, " VALUES (1, ") || contains(line, " SELECT 1, ")   ? "<record 1>"
                            : contains(line, " VALUES (2, ") || contains(line, " SELECT 2, ") ? "<record 2>"
                                                                                              : line);
        else if (line.rfind("INSERT INTO " + in + log_quoted, 0) == 0)
            shape.push_back(contains(line, " VALUES (1, ") ? "<log 1>" : contains(line, " VALUES (2, ") ? "<log 2>" : line);
        else
            shape.push_back(line);
    }
    const std::string begin = backend == strata::backend::sqlite ? "BEGIN IMMEDIATE" : "BEGIN";
    names expected{begin, "<create history>", "<create log>", "COMMIT",
                         begin, "CREATE TABLE t1 (a integer)", "CREATE INDEX t1_a_idx ON t1 (a)", "<record 1>", "<log 1>", "COMMIT",
                         begin, "CREATE TABLE t2 (a integer)", "<record 2>", "<log 2>", "COMMIT"};
    // SQLite's script runs on a connection like strata's: foreign keys enforced.
    if (backend == strata::backend::sqlite) expected.insert(expected.begin(), "PRAGMA foreign_keys = ON");
    BOOST_TEST(shape == expected, boost::test_tools::per_element());
    BOOST_TEST(report.units.size() == 2u);

    if (backend == strata::backend::sqlite)
        BOOST_TEST(!std::filesystem::exists(db.url().path()), "a dry run created the SQLite file " << db.url().path());
    auto sql = open_session(db.url());
    BOOST_TEST(read_table_names(*sql).empty(), "a dry run created tables");
}

// ---------------------------------------------------------------------------------------------
// 10. The history records one of this build's versions under another name: the runner points at
//     another application's database (or one made from another project's units). It says so,
//     naming both units, and nothing runs or is repaired, whatever the options allow.

namespace {

/// Another application: its unit 1 is create_accounts. Its unit 2 is the same as this build's.
std::unique_ptr<strata::registry> accounts_app() { return registry_of({table_unit(1, "accounts"), table_unit(2, "ledger")}); }

/// This build: unit 1 is create_users, unit 2 agrees with that history, unit 3 is pending.
std::unique_ptr<strata::registry> users_app() {
    return registry_of({table_unit(1, "users"), table_unit(2, "ledger"), table_unit(3, "t3")});
}

const std::string both_names = "version 1 in the database is create_accounts, this build's unit 1 is create_users";

/// Every history row as "version name checksum state applied_at", to tell that nothing changed.
names history_rows(soci::session& sql) {
    auto rows = query_text(sql, std::string("SELECT CAST(version AS TEXT), name, checksum, state, CAST(applied_at AS TEXT) FROM ") +
                                    history_table + " ORDER BY version");
    names out;
    for (const auto& row : rows.rows) {
        std::string line;
        for (const auto& value : row) line += (line.empty() ? "" : " ") + value.value_or("<null>");
        out.push_back(line);
    }
    return out;
}

}  // namespace

namespace {

// Two rollbacks at once (the on-call engineer's and the pipeline's, or a retried job): the second
// waited for the lock while the first reverted the newest unit. Counting from the newest unit
// again, it would revert the next one, which nobody asked for: it is refused, nothing reverted.
// The same for each rollback counted from the newest unit: down, down --steps, redo. What the
// first run did meanwhile to unit 3: reverted it; redid it (reverted and applied again: the same
// versions, a row written since, applied_at changed), whose fresh unit 3 the second would revert;
// or left it interrupted (its row's state alone changed: a down outside a transaction that
// stopped half-way, an online unit finished).
enum class meanwhile { reverted, redone, interrupted };

/// What a down of `r` on `url` refuses to drop (data_loss_error::losses()); empty when it ran.
std::vector<std::string> down_refusal(const strata::registry& r, const strata::database_url& url, const strata::down_request& request) {
    try {
        strata::runner(r, url).down(request);
    } catch (const strata::data_loss_error& e) {
        return e.losses();
    }
    return {};
}

/// Holds strata's migration lock of `db` as another strata run does: PostgreSQL's session
/// advisory lock, SQLite's flock of the lock file next to the database.
class migration_lock_of_another_run {
public:
    explicit migration_lock_of_another_run(const temp_database& db) {
        if (db.kind() == strata::backend::postgresql) {
            session_ = open_session(db.url());
            *session_ << "SELECT pg_advisory_lock(1398034753, hashtext(current_schema() || '.strata_schema_history'))";
        } else {
            fd_ = ::open((std::filesystem::canonical(db.url().path()).string() + "-strata.lock").c_str(), O_RDWR | O_CREAT, 0644);
            BOOST_TEST_REQUIRE(fd_ >= 0);
            BOOST_TEST_REQUIRE(::flock(fd_, LOCK_EX) == 0);
        }
    }
    migration_lock_of_another_run(const migration_lock_of_another_run&) = delete;
    migration_lock_of_another_run& operator=(const migration_lock_of_another_run&) = delete;
    ~migration_lock_of_another_run() { release(); }
    void release() {
        if (session_) *session_ << "SELECT pg_advisory_unlock(1398034753, hashtext(current_schema() || '.strata_schema_history'))";
        session_.reset();
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    std::unique_ptr<soci::session> session_;
    int fd_ = -1;
};

void a_relative_rollback_whose_history_changed_meanwhile_is_refused(strata::backend backend,
                                                                    const std::function<void(strata::runner&)>& rollback,
                                                                    meanwhile what = meanwhile::reverted) {
    auto db = temp_database::create(backend);
    auto reg = registry_of({table_unit(1, "t"), table_unit(2, "u"), table_unit(3, "v")});
    strata::runner(*reg, db.url()).up();
    migration_lock_of_another_run other_run(db);
    std::optional<std::string> refusal;
    std::atomic<bool> told_waiting = false;
    strata::runner_options options;
    options.lock_timeout = 30s;
    options.on_notice = [&](const std::string& text) {
        if (contains(text, "waiting for the migration lock")) told_waiting = true;
    };
    std::thread second([&] {
        try {
            strata::runner r(*reg, db.url(), options);
            rollback(r);
        } catch (const strata::config_error& e) {
            refusal = e.what();
        } catch (const std::exception& e) {
            BOOST_ERROR("down failed otherwise: " << e.what());
        }
    });
    auto sql = open_session(db.url());
    const bool waiting = eventually([&] { return told_waiting.load(); });
    // What the first run does meanwhile to unit 3.
    switch (what) {
    case meanwhile::reverted:
        *sql << "DROP TABLE v";
        *sql << "DELETE FROM strata_schema_history WHERE version = 3";
        break;
    case meanwhile::redone:
        *sql << "DROP TABLE v";
        *sql << "CREATE TABLE v (a integer)";
        *sql << (backend == strata::backend::postgresql
                     ? "UPDATE strata_schema_history SET applied_at = applied_at + interval '1 second' WHERE version = 3"
                     : "UPDATE strata_schema_history SET applied_at = strftime('%Y-%m-%dT%H:%M:%fZ', applied_at, '+1 second') "
                       "WHERE version = 3");
        break;
    case meanwhile::interrupted: *sql << "UPDATE strata_schema_history SET state = 'reverting' WHERE version = 3"; break;
    }
    other_run.release();
    second.join();
    BOOST_TEST_REQUIRE(waiting, "the second down never waited for the lock");
    BOOST_TEST_REQUIRE(refusal.has_value(), "the second down reverted a unit nobody asked it to");
    BOOST_TEST(contains(*refusal, std::string("the history changed while this run waited for the migration lock: another run ") +
                                      (what == meanwhile::reverted
                                           ? "reverted unit 3 create_v"
                                           : "wrote the row of unit 3 create_v anew (redone, finished or interrupted)") +
                                      "; counted from the newest unit now, this run would revert one nobody asked it to, so "
                                      "nothing was reverted"),
               *refusal);
    BOOST_TEST(contains(*refusal, "strata down --to VERSION"), *refusal);
    const bool kept = what != meanwhile::reverted;
    BOOST_TEST(recorded_versions(*sql) == (kept ? versions{1, 2, 3} : versions{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(user_tables(*sql) == (kept ? names{"t", "u", "v"} : names{"t", "u"}), boost::test_tools::per_element());
}

}  // namespace

STRATA_BACKEND_TEST(custom_a_down_whose_history_changed_while_it_waited_for_the_lock_is_refused) {
    a_relative_rollback_whose_history_changed_meanwhile_is_refused(backend, [](strata::runner& r) { r.down(); });
}

STRATA_BACKEND_TEST(custom_a_down_steps_whose_history_changed_while_it_waited_for_the_lock_is_refused) {
    a_relative_rollback_whose_history_changed_meanwhile_is_refused(backend, [](strata::runner& r) { r.down({.steps = 1}); });
}

STRATA_BACKEND_TEST(custom_a_redo_whose_history_changed_while_it_waited_for_the_lock_is_refused) {
    a_relative_rollback_whose_history_changed_meanwhile_is_refused(backend, [](strata::runner& r) { r.redo(); });
}

// Versions alone would not show it: the other run redid unit 3 meanwhile (its row rewritten).
STRATA_BACKEND_TEST(custom_a_down_whose_newest_unit_was_redone_while_it_waited_for_the_lock_is_refused) {
    a_relative_rollback_whose_history_changed_meanwhile_is_refused(backend, [](strata::runner& r) { r.down(); }, meanwhile::redone);
}

// Nor would applied_at: the other run's down of unit 3 stopped half-way (its state alone changed).
STRATA_BACKEND_TEST(custom_a_redo_whose_newest_unit_was_interrupted_while_it_waited_for_the_lock_is_refused) {
    a_relative_rollback_whose_history_changed_meanwhile_is_refused(backend, [](strata::runner& r) { r.redo(); },
                                                                   meanwhile::interrupted);
}

STRATA_BACKEND_TEST(custom_a_version_recorded_under_another_name_is_mismatched) {
    auto db = temp_database::create(backend);
    auto theirs = accounts_app();
    strata::runner(*theirs, db.url()).up();
    auto ours = users_app();
    strata::runner r(*ours, db.url());

    BOOST_TEST(status_lines(r) == (names{"1 mismatched", "2 applied", "3 pending"}), boost::test_tools::per_element());
    auto status = r.status();
    BOOST_TEST_REQUIRE(status.size() == 3u);
    BOOST_TEST(status[0].name == "create_users");
    BOOST_TEST(status[0].applied_name == "create_accounts");
    BOOST_TEST(!status[0].applied_at.empty());
    BOOST_TEST(status[1].name == "create_ledger");
    BOOST_TEST(status[1].applied_name == "create_ledger");
    BOOST_TEST(status[2].applied_name == "", "a pending unit has no recorded name");

    auto problems = r.validate();
    BOOST_TEST_REQUIRE(problems.size() == 1u);
    BOOST_TEST(contains(problems[0], both_names), problems[0]);
    BOOST_TEST(contains(problems[0], "--database"), problems[0]);
    BOOST_TEST(contains(problems[0], "give it back its recorded name"), problems[0]);
}

STRATA_BACKEND_TEST(custom_up_down_and_redo_refuse_a_mismatched_history_whatever_the_options) {
    auto db = temp_database::create(backend);
    auto theirs = accounts_app();
    strata::runner(*theirs, db.url()).up();
    auto sql = open_session(db.url());
    const auto history_before = history_rows(*sql);
    const auto log_before = audit_log(*sql);
    const auto schema_before = read_schema(*sql);
    BOOST_TEST_REQUIRE(history_before.size() == 2u);

    strata::runner_options every_allow;
    every_allow.allow_changed = every_allow.allow_unknown = every_allow.allow_out_of_order = true;
    strata::runner_options dry;
    dry.dry_run = true;
    auto ours = users_app();
    for (const auto& [what, options] : std::vector<std::pair<std::string, strata::runner_options>>{
             {"no option", {}}, {"every allow option", every_allow}, {"a dry run", dry}}) {
        strata::runner r(*ours, db.url(), options);
        // down and redo would revert unit 2, on which both builds agree: refused all the same.
        const std::vector<std::pair<std::string, std::function<void()>>> commands{
            {"up", [&] { r.up(); }},
            {"up to 3", [&] { r.up(3); }},
            {"down", [&] { r.down(); }},
            {"down to 1", [&] { r.down({.to = 1}); }},
            {"down 5 steps", [&] { r.down({.steps = 5}); }},
            {"down all", [&] { r.down({.all = true}); }},
            {"redo", [&] { r.redo(); }},
        };
        for (const auto& [command, run] : commands) {
            BOOST_TEST_CONTEXT(command << " with " << what) {
                try {
                    run();
                    BOOST_ERROR("ran against a history that records another unit 1");
                } catch (const strata::validation_error& e) {
                    BOOST_TEST(contains(e.what(), both_names), e.what());
                    BOOST_TEST(contains(e.what(), "nothing was run"), e.what());
                    BOOST_TEST_REQUIRE(e.problems().size() == 1u);
                    BOOST_TEST(contains(e.problems()[0], both_names), e.problems()[0]);
                } catch (const std::exception& e) {
                    BOOST_ERROR("refused with another error than validation_error: " << e.what());
                }
                BOOST_TEST(history_rows(*sql) == history_before, boost::test_tools::per_element());
                BOOST_TEST(audit_log(*sql) == log_before, boost::test_tools::per_element());
                const auto now = read_schema(*sql);
                BOOST_TEST(now == schema_before, schema_diff(schema_before, now));
            }
        }
    }
    // The application the database belongs to still agrees with it.
    BOOST_TEST(strata::runner(*theirs, db.url()).validate().empty());
}

STRATA_BACKEND_TEST(custom_a_renamed_unit_with_the_same_statements_is_mismatched_not_applied) {
    // The checksum covers the statements only: here the names alone tell the two units apart.
    auto db = temp_database::create(backend);
    const raw_statement create_t{both("CREATE TABLE t (a integer)"), both("DROP TABLE t")};
    auto before = registry_of({unit(1, "create_t", {create_t})});
    strata::runner(*before, db.url()).up();
    auto renamed = registry_of({unit(1, "make_t", {create_t})});
    strata::runner r(*renamed, db.url());

    auto status = r.status();
    BOOST_TEST_REQUIRE(status.size() == 1u);
    BOOST_TEST(strata::to_string(status[0].state) == std::string("mismatched"));
    BOOST_TEST(status[0].checksum == status[0].applied_checksum);
    BOOST_TEST(status[0].applied_name == "create_t");
    BOOST_CHECK_THROW(r.down(), strata::validation_error);
    auto sql = open_session(db.url());
    BOOST_TEST(recorded_versions(*sql) == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(user_tables(*sql) == (names{"t"}), boost::test_tools::per_element());

    // Given back its recorded name, the unit agrees again.
    BOOST_TEST(strata::runner(*before, db.url()).validate().empty());
}

// A row left running by another application's unit: the other unit is what matters (mismatched,
// not dirty), and repairing it with this build is refused.
STRATA_BACKEND_TEST(custom_a_dirty_row_under_another_name_is_mismatched_and_not_repaired) {
    auto db = temp_database::create(backend);
    auto index_then_fail =
        unit(2, "index_then_fail",
             {{{.postgresql = "CREATE INDEX CONCURRENTLY t_a_idx ON t (a)", .sqlite = "CREATE INDEX t_a_idx ON t (a)"}},
              {both("ALTER TABLE no_such_table ADD COLUMN x integer")}},
             strata::transaction_mode::none);
    auto theirs = registry_of({table_unit(1, "t"), index_then_fail});
    BOOST_CHECK_THROW(strata::runner(*theirs, db.url()).up(), strata::migration_error);
    auto sql = open_session(db.url());
    BOOST_TEST_REQUIRE(history_state(*sql, 2) == std::optional<std::string>("running"));
    const auto history_before = history_rows(*sql);

    auto ours = registry_of({table_unit(1, "t"), table_unit(2, "t2")});
    BOOST_TEST(status_lines(*ours, db.url()) == (names{"1 applied", "2 mismatched"}), boost::test_tools::per_element());
    auto problems = strata::runner(*ours, db.url()).validate();
    BOOST_TEST_REQUIRE(problems.size() == 1u);
    BOOST_TEST(contains(problems[0], "version 2 in the database is index_then_fail, this build's unit 2 is create_t2"),
               problems[0]);
    BOOST_TEST(!contains(problems[0], "repair"), "a hint to repair another application's unit: " << problems[0]);

    for (bool mark_applied : {true, false}) {
        try {
            strata::runner(*ours, db.url()).repair(2, mark_applied);
            BOOST_ERROR("repaired another application's unit 2");
        } catch (const strata::validation_error& e) {
            BOOST_TEST(contains(e.what(), "version 2 in the database is index_then_fail, this build's unit 2 is create_t2"),
                       e.what());
            BOOST_TEST(contains(e.what(), "nothing was repaired"), e.what());
        }
    }
    // Nor may a build that agrees on unit 2 but not on unit 1 repair unit 2: it is the wrong database.
    auto other = registry_of({table_unit(1, "u"), index_then_fail});
    BOOST_CHECK_THROW(strata::runner(*other, db.url()).repair(2, false), strata::validation_error);
    BOOST_TEST(history_rows(*sql) == history_before, boost::test_tools::per_element());

    // The application that ran it sees it dirty, as before.
    BOOST_TEST(status_lines(*theirs, db.url()) == (names{"1 applied", "2 dirty"}), boost::test_tools::per_element());
}

// A migrator built on strata names itself in its hints (runner_options::program_name).
STRATA_BACKEND_TEST(custom_hints_name_the_program_given_in_the_options) {
    auto db = temp_database::create(backend);
    auto reg = registry_of({
        table_unit(1, "t"),
        unit(2, "index_then_fail",
             {{{.postgresql = "CREATE INDEX CONCURRENTLY t_a_idx ON t (a)", .sqlite = "CREATE INDEX t_a_idx ON t (a)"}},
              {both("ALTER TABLE no_such_table ADD COLUMN x integer")}},
             strata::transaction_mode::none),
    });
    strata::runner_options options;
    options.program_name = "myapp-migrate";

    try {
        strata::runner(*reg, db.url(), options).up();
        BOOST_ERROR("up() succeeded although unit 2's second statement names a table that does not exist");
    } catch (const strata::migration_error& e) {
        BOOST_TEST(contains(e.what(), "then run myapp-migrate repair 2"), e.what());
        BOOST_TEST(!contains(e.what(), "strata repair"), e.what());
    }
    try {
        strata::runner(*reg, db.url(), options).up();
        BOOST_ERROR("up() ran with unit 2 dirty");
    } catch (const strata::validation_error& e) {
        BOOST_TEST(contains(e.what(), "then run myapp-migrate repair 2"), e.what());
        BOOST_TEST(!contains(e.what(), "strata repair"), e.what());
    }
    try {
        strata::runner(*reg, db.url(), options).repair(1, false);
        BOOST_ERROR("repaired unit 1, which is not dirty");
    } catch (const strata::config_error& e) {
        BOOST_TEST(contains(e.what(), "if it was reverted by hand, myapp-migrate repair 1 --reverted records that"), e.what());
    }
    // Without the option, the hint names strata.
    auto problems = strata::runner(*reg, db.url()).validate();
    BOOST_TEST_REQUIRE(problems.size() == 1u);
    BOOST_TEST(contains(problems[0], "then run strata repair 2"), problems[0]);
}

// ---------------------------------------------------------------------------------------------
// The migration lock is held for a command's run (runner.hpp), not for the runner's lifetime: a
// runner kept after its up() (an application that migrates at startup and keeps the runner for
// status) must not block the next deploy.

STRATA_BACKEND_TEST(custom_a_finished_command_releases_the_migration_lock) {
    auto db = temp_database::create(backend);
    auto reg = registry_of({table_unit(1, "t1"), table_unit(2, "t2")});
    strata::runner first(*reg, db.url());
    first.up(1);

    strata::runner_options quick;
    quick.lock_timeout = 1s;
    std::optional<strata::run_report> report;
    try {
        report = strata::runner(*reg, db.url(), quick).up();
    } catch (const strata::lock_timeout_error& e) {
        BOOST_ERROR("a second runner could not take the migration lock after the first runner's up() returned: " << e.what());
    }
    auto sql = open_session(db.url());
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2}), boost::test_tools::per_element());
}

// ---------------------------------------------------------------------------------------------
// 7. PostgreSQL only: a unit that waits too long for a table lock is rolled back and retried.

namespace {

/// Another session holding ACCESS EXCLUSIVE on `table` in an open transaction.
struct table_lock_holder {
    std::unique_ptr<soci::session> session;

    table_lock_holder(const strata::database_url& url, const std::string& table) : session(open_session(url)) {
        *session << "BEGIN";
        *session << ("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
    }
    void release() { *session << "ROLLBACK"; }
};

std::unique_ptr<strata::registry> lock_registry() {
    return registry_of({table_unit(1, "t"),
                        unit(2, "add_t_c", {{both("ALTER TABLE t ADD COLUMN c int"), both("ALTER TABLE t DROP COLUMN c")}})});
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// 10. The history stays where the next run looks for it. A unit that creates a schema the
//     search_path lists before the history's (the app's own schema under search_path=app,public,
//     a schema named like the role under "$user", public) would make the next run find no
//     history and apply every unit again: it fails instead, rolled back, the history true.

namespace {

/// The test database's URL, its sessions starting with `search_path`.
strata::database_url with_search_path(const temp_database& db, const std::string& search_path) {
    const std::string separator = db.url_text().find('?') == std::string::npos ? "?" : "&";
    return strata::database_url::parse(db.url_text() + separator + "options=-csearch_path%3D" + search_path);
}

/// Runs `command`, which must fail as a unit whose history the next run would not find.
template <typename Command>
void expect_hidden_history(Command command, std::int64_t version, const std::string& explanation) {
    try {
        command();
        BOOST_ERROR("unit " << version << " was recorded in a history the next run would not find");
    } catch (const strata::migration_error& e) {
        BOOST_TEST_MESSAGE(e.what());
        BOOST_TEST(strata::exit_status(e.kind()) == 1, e.what());
        BOOST_TEST((e.context().version == std::optional<std::int64_t>(version)), e.what());
        BOOST_TEST(contains(e.what(), explanation), e.what());
        BOOST_TEST(contains(e.what(), "the next run would look for the history there, not find this one, and apply every "
                                      "unit again, so strata records nothing of this change"),
                   e.what());
        BOOST_TEST(contains(e.what(), "ALTER TABLE ... SET SCHEMA"), e.what());
    }
}

/// Runs `command`, which must be refused (exit 2) for finding no history in `current` but one
/// with units of this build (`rows`: how many, as the message says) in `further`, later in the search_path.
template <typename Command>
void expect_history_elsewhere(Command command, const std::string& current, const std::string& further, const std::string& rows) {
    try {
        command();
        BOOST_ERROR("a run began a new history in " << current << " while " << further << " holds one");
    } catch (const strata::config_error& e) {
        BOOST_TEST_MESSAGE(e.what());
        BOOST_TEST(contains(e.what(), "schema \"" + current + "\" (search_path "), e.what());
        BOOST_TEST(contains(e.what(), "has no strata history, but schema \"" + further +
                                          "\", which the search_path lists after it, holds one with " + rows),
                   e.what());
        BOOST_TEST(contains(e.what(), "A history begun in \"" + current + "\" would apply every unit again there"), e.what());
        BOOST_TEST(contains(e.what(), "ALTER TABLE \"" + further + "\".strata_schema_history SET SCHEMA \"" + current + "\""), e.what());
        BOOST_TEST(contains(e.what(), "run with --allow-new-history, or name \"" + current + "\" alone in the search_path; nothing was changed"),
                   e.what());
    }
}

long long schemas_named(soci::session& sql, const std::string& name) {
    return count_of(sql, "SELECT CAST(count(*) AS TEXT) FROM pg_namespace WHERE nspname = '" + name + "'");
}

}  // namespace

STRATA_BACKEND_TEST(custom_unit_creating_a_schema_ahead_of_the_history_is_refused) {
    if (backend != strata::backend::postgresql) return;  // SQLite has no search_path
    auto db = temp_database::create(backend);
    auto reg = registry_of({
        table_unit(1, "t"),
        unit(2, "create_app", {{both("CREATE SCHEMA app"), both("DROP SCHEMA app")}, {both("CREATE TABLE u (a integer)"), both("DROP TABLE u")}}),
    });
    const auto url = with_search_path(db, "app,public");
    auto sql = open_session(db.url());
    // The rerun fails alike: it still finds the history, and applies unit 1 not again.
    for (int run = 1; run <= 2; ++run) {
        expect_hidden_history([&] { strata::runner(*reg, url).up(); }, 2,
                              "a session starting with search_path app, public would find strata's history in schema "
                              "app, not in schema public where it is");
        BOOST_TEST(schemas_named(*sql, "app") == 0, "the refused unit's schema stayed");
        BOOST_TEST(recorded_versions(*sql) == (versions{1}), boost::test_tools::per_element());
        BOOST_TEST(user_tables(*sql) == (names{"t"}), boost::test_tools::per_element());
    }
    // In one transaction (--atomic) alike.
    expect_hidden_history([&] { strata::runner(*reg, url, {.atomic = true}).up(); }, 2, "would find strata's history in schema app");
    BOOST_TEST(schemas_named(*sql, "app") == 0, "the refused unit's schema stayed");
    strata::runner r(*reg, url);
    BOOST_TEST(status_lines(r) == (names{"1 applied", "2 pending"}), boost::test_tools::per_element());
    BOOST_TEST(audit_log(*sql) == (names{"1 up ok", "2 up failed", "2 up failed", "2 up failed"}), boost::test_tools::per_element());

    // A dry run's script, run by hand with the same search_path, fails alike.
    auto script = strata::runner(*reg, url, {.dry_run = true}).up().script;
    auto by_hand = open_session(url);
    bool refused = false;
    for (const auto& statement : script) {
        if (statement.rfind("--", 0) == 0) continue;
        try {
            *by_hand << statement;
        } catch (const soci::soci_error& e) {
            refused = contains(e.what(), "would find strata's history in schema app, not in schema public");
            BOOST_TEST(refused, e.what());
            break;
        }
    }
    BOOST_TEST(refused, "the script recorded unit 2 in a history the next run would not find:\n" << joined(script));
}

// The default search_path, "$user", public: a schema named like the role comes first.
STRATA_BACKEND_TEST(custom_unit_creating_the_roles_schema_is_refused) {
    if (backend != strata::backend::postgresql) return;
    auto db = temp_database::create(backend);
    auto reg = registry_of({unit(1, "create_own_schema", {{both("CREATE SCHEMA AUTHORIZATION CURRENT_USER"), both("SELECT 1")}})});
    expect_hidden_history([&] { strata::runner(*reg, db.url()).up(); }, 1,
                          "would find strata's history in schema " + db.url().user() + ", not in schema public");
    auto sql = open_session(db.url());
    BOOST_TEST(schemas_named(*sql, db.url().user()) == 0, "the refused unit's schema stayed");
    BOOST_TEST(recorded_versions(*sql).empty());
}

// Outside a transaction the schema stays (each statement commits): the row says running, and
// the failure says why.
STRATA_BACKEND_TEST(custom_non_transactional_unit_creating_a_schema_ahead_of_the_history_fails) {
    if (backend != strata::backend::postgresql) return;
    auto db = temp_database::create(backend);
    auto reg = registry_of({table_unit(1, "t"), unit(2, "create_app", {{both("CREATE SCHEMA app"), both("DROP SCHEMA app")}},
                                                     strata::transaction_mode::none)});
    const auto url = with_search_path(db, "app,public");
    expect_hidden_history([&] { strata::runner(*reg, url).up(); }, 2, "would find strata's history in schema app, not in schema public");
    auto sql = open_session(db.url());
    BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("running"));
    // The next run finds no history in app, the schema that stayed: it begins none there (which
    // would apply unit 1 again), refused before anything runs, in a dry run too.
    for (bool dry_run : {false, true})
        expect_history_elsewhere([&] { strata::runner(*reg, url, {.dry_run = dry_run}).up(); }, "app", "public", "2 unit(s) of this build, the newest 2 create_app");
    BOOST_TEST(count_of(*sql, "SELECT CAST(count(*) AS TEXT) FROM pg_tables WHERE schemaname = 'app'") == 0);
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2}), boost::test_tools::per_element());
    // Once the schema is dropped, the runs find the history again (unit 2 for up or down to settle).
    *sql << "DROP SCHEMA app";
    strata::runner after(*reg, url);
    BOOST_TEST(status_lines(after).front() == "1 applied");
    BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("running"));
}

// A table of the history's name further on that strata cannot read as a history (here: other
// columns) is not one to look at (review 23 L12): up begins the history in the current schema,
// in one transaction too (the failed read behind a savepoint), instead of failing on a raw error.
STRATA_BACKEND_TEST(custom_a_table_of_the_historys_name_further_on_that_is_not_one_is_passed_over) {
    if (backend != strata::backend::postgresql) return;
    for (bool atomic : {false, true}) {
        BOOST_TEST_CONTEXT("atomic " << atomic) {
            auto db = temp_database::create(backend);
            auto sql = open_session(db.url());
            *sql << "CREATE SCHEMA app";
            *sql << "CREATE SCHEMA other";
            *sql << "CREATE TABLE other.strata_schema_history (id integer)";
            // And another tool's, whose versions are not numbers (review 29 M1).
            *sql << "CREATE SCHEMA tool";
            *sql << "CREATE TABLE tool.strata_schema_history (version text, name text)";
            *sql << "INSERT INTO tool.strata_schema_history VALUES ('V1__init', 'create_t')";
            auto reg = registry_of({table_unit(1, "t")});
            strata::runner(*reg, with_search_path(db, "app,other,tool"), {.atomic = atomic}).up();
            BOOST_TEST(count_of(*sql, "SELECT CAST(count(*) AS TEXT) FROM app.strata_schema_history") == 1);
            BOOST_TEST(count_of(*sql, "SELECT CAST(count(*) AS TEXT) FROM pg_tables WHERE schemaname = 'app' AND tablename = 't'") == 1);
        }
    }
}

// But a history further on that cannot be read now (a lock not granted in time) may be this
// application's: the run stops, nothing begun in the current schema (review 29 H1).
STRATA_BACKEND_TEST(custom_a_history_further_on_that_is_locked_stops_the_run) {
    if (backend != strata::backend::postgresql) return;
    auto db = temp_database::create(backend);
    auto reg = registry_of({table_unit(1, "t")});
    strata::runner(*reg, db.url()).up();  // the history in public
    auto sql = open_session(db.url());
    *sql << "CREATE SCHEMA app";
    auto holder = open_session(db.url());
    *holder << "BEGIN";
    *holder << "LOCK TABLE public.strata_schema_history IN ACCESS EXCLUSIVE MODE";
    strata::runner_options options;
    options.lock_timeout = 1s;
    options.ddl_lock_timeout = 200ms;
    BOOST_CHECK_THROW(strata::runner(*reg, with_search_path(db, "app,public"), options).up(), strata::error);
    *holder << "ROLLBACK";
    BOOST_TEST(count_of(*sql, "SELECT CAST(count(*) AS TEXT) FROM pg_tables WHERE schemaname = 'app'") == 0,
               "a run began a history in app while public's was locked");
}

// A schema made ahead of the history between runs (by hand: no run writes then): the next run
// is refused rather than beginning a new history there, in one transaction too, and status says
// where the history is. The ways out the refusal names work.
STRATA_BACKEND_TEST(custom_a_schema_made_ahead_of_the_history_between_runs_is_found) {
    if (backend != strata::backend::postgresql) return;
    auto db = temp_database::create(backend);
    auto reg = registry_of({table_unit(1, "t"), table_unit(2, "u")});
    const auto url = with_search_path(db, "app,public");
    strata::runner(*reg, url).up(1);
    auto sql = open_session(db.url());
    *sql << "CREATE SCHEMA app";
    for (bool atomic : {false, true})
        expect_history_elsewhere([&] { strata::runner(*reg, url, {.atomic = atomic}).up(); }, "app", "public",
                                 "1 unit(s) of this build, the newest 1 create_t");
    BOOST_TEST(count_of(*sql, "SELECT CAST(count(*) AS TEXT) FROM pg_tables WHERE schemaname = 'app'") == 0,
               "a refused run made tables in app");
    BOOST_TEST(recorded_versions(*sql) == (versions{1}), boost::test_tools::per_element());

    std::vector<std::string> notices;
    strata::runner_options options;
    options.on_notice = [&](const std::string& text) { notices.push_back(text); };
    strata::runner looking(*reg, url, options);
    BOOST_TEST(status_lines(looking) == (names{"1 pending", "2 pending"}), boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(notices.size() == 1u);
    BOOST_TEST(contains(notices.front(), "schema \"app\" (search_path app,public) has no strata history, but schema "
                                         "\"public\", which the search_path lists after it, holds one with 1 unit(s) of this build"),
               notices.front());
    notices.clear();
    BOOST_CHECK_THROW(looking.down(), strata::config_error);  // nothing to revert
    BOOST_TEST(notices.size() == 1u, "down said nothing of the history further on");

    // A history of its own for app: the search_path names app alone.
    strata::runner(*reg, with_search_path(db, "app")).up();
    BOOST_TEST(count_of(*sql, "SELECT CAST(count(*) AS TEXT) FROM app.strata_schema_history") == 2);
    // An empty history further on is no reason to refuse: nothing in it would apply again.
    auto other = temp_database::create(backend);
    auto other_sql = open_session(other.url());
    strata::runner(*reg, other.url()).up();
    strata::runner(*reg, other.url()).down({.all = true});
    *other_sql << "CREATE SCHEMA app";
    strata::runner(*reg, with_search_path(other, "app,public")).up();
    BOOST_TEST(count_of(*other_sql, "SELECT CAST(count(*) AS TEXT) FROM app.strata_schema_history") == 2);
    // Nor is another application's history there (no unit of this build): a shared public
    // migrated by its own units, a tenant's schema ahead of it.
    auto shared = temp_database::create(backend);
    auto shared_sql = open_session(shared.url());
    auto shared_units = registry_of({table_unit(1, "shared_t"), table_unit(5, "shared_u")});
    strata::runner(*shared_units, shared.url()).up();
    *shared_sql << "CREATE SCHEMA app";
    strata::runner(*reg, with_search_path(shared, "app,public")).up();
    BOOST_TEST(count_of(*shared_sql, "SELECT CAST(count(*) AS TEXT) FROM app.strata_schema_history") == 2);
    BOOST_TEST(count_of(*shared_sql, "SELECT CAST(count(*) AS TEXT) FROM public.strata_schema_history") == 2);
}

// A down that creates such a schema is refused too, and rolled back.
STRATA_BACKEND_TEST(custom_down_creating_a_schema_ahead_of_the_history_is_refused) {
    if (backend != strata::backend::postgresql) return;
    auto db = temp_database::create(backend);
    auto reg = registry_of({unit(1, "odd", {{both("CREATE TABLE t (a integer)"), both("DROP TABLE t")}, {both("SELECT 1"), both("CREATE SCHEMA app")}})});
    const auto url = with_search_path(db, "app,public");
    strata::runner(*reg, url).up();
    expect_hidden_history([&] { strata::runner(*reg, url).down(); }, 1, "would find strata's history in schema app, not in schema public");
    auto sql = open_session(db.url());
    BOOST_TEST(schemas_named(*sql, "app") == 0, "the refused down's schema stayed");
    BOOST_TEST(recorded_versions(*sql) == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(user_tables(*sql) == (names{"t"}), boost::test_tools::per_element());
}

// What the guard must not refuse: a unit that sets its own search_path for its statements
// (SET LOCAL), and a schema created after the history's in the search_path.
STRATA_BACKEND_TEST(custom_units_setting_their_search_path_keep_their_history) {
    if (backend != strata::backend::postgresql) return;
    auto db = temp_database::create(backend);
    auto reg = registry_of({
        unit(1, "create_side", {{both("CREATE SCHEMA side"), both("DROP SCHEMA side")}}),
        unit(2, "table_in_side",
             {{both("SET LOCAL search_path = side, public"), both("SELECT 1")}, {both("CREATE TABLE s (a integer)"), both("DROP TABLE side.s")}}),
        // As pg_dump's scripts start: no schema at all. strata's rows still find their tables.
        unit(3, "qualified_names_only",
             {{both("SET LOCAL search_path = ''"), both("SELECT 1")}, {both("CREATE TABLE side.z (a integer)"), both("DROP TABLE side.z")}}),
    });
    strata::runner r(*reg, with_search_path(db, "public,side"));
    r.up();
    auto sql = open_session(db.url());
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(count_of(*sql, "SELECT CAST(count(*) AS TEXT) FROM pg_tables WHERE schemaname = 'side' AND tablename IN ('s', 'z')") == 2);
    BOOST_TEST(status_lines(r) == (names{"1 applied", "2 applied", "3 applied"}), boost::test_tools::per_element());
    r.down({.all = true});
    BOOST_TEST(recorded_versions(*sql).empty());
    BOOST_TEST(schemas_named(*sql, "side") == 0);
}

// A unit's session settings (a plain SET, set_config(..., false)) end with it: the next unit of
// the same run starts as it would in a run of its own, in a transaction or outside one.
STRATA_BACKEND_TEST(custom_a_units_session_settings_end_with_it) {
    if (backend != strata::backend::postgresql) return;  // SQLite's PRAGMAs are refused in SQL units
    // (Not between the units of up --atomic, which share one transaction: README.)
    for (const auto mode : {strata::transaction_mode::per_unit, strata::transaction_mode::none}) {
        BOOST_TEST_CONTEXT("transaction per unit: " << (mode == strata::transaction_mode::per_unit)) {
            auto db = temp_database::create(backend);
            auto reg = registry_of({
                unit(1, "set_things",
                     {{both("CREATE SCHEMA side"), both("DROP SCHEMA side")},
                      {both("SELECT set_config('search_path', 'side, public', false)"), both("SELECT 1")},
                      {both("SET statement_timeout = '50ms'"), both("SELECT 1")},
                      {both("CREATE TABLE a (x integer)"), both("DROP TABLE side.a")}},
                     mode),
                unit(2, "plain", {{both("SELECT pg_sleep(0.2)"), both("SELECT 1")}, {both("CREATE TABLE b (x integer)"), both("DROP TABLE b")}}),
            });
            strata::runner(*reg, db.url()).up();
            auto sql = open_session(db.url());
            BOOST_TEST(recorded_versions(*sql) == (versions{1, 2}), boost::test_tools::per_element());
            BOOST_TEST(count_of(*sql, "SELECT CAST(count(*) AS TEXT) FROM pg_tables WHERE schemaname = 'side' AND tablename = 'a'") == 1);
            BOOST_TEST(count_of(*sql, "SELECT CAST(count(*) AS TEXT) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'b'") == 1,
                       "unit 2's table went where unit 1's search_path said");
        }
    }
}

// A unit whose down alone was edited since it was applied (its checksum covers the up): status
// cannot tell, but the down says which statements it runs, this build's, and that an older build
// would run the stored ones (rollback probe M6).
STRATA_BACKEND_TEST(custom_a_down_edited_since_the_unit_was_applied_says_so) {
    auto db = temp_database::create(backend);
    auto applied = registry_of({unit(1, "t", {{both("CREATE TABLE t (a integer)"), both("DROP TABLE t")}})});
    auto edited = registry_of({unit(1, "t", {{both("CREATE TABLE t (a integer)"), both("DROP TABLE IF EXISTS t")}})});
    strata::runner(*applied, db.url()).up();
    std::vector<std::string> notices;
    strata::runner_options options;
    options.on_notice = [&](const std::string& text) { notices.push_back(text); };
    strata::runner(*edited, db.url(), options).down();
    BOOST_TEST_REQUIRE(notices.size() == 1u, joined(notices));
    BOOST_TEST(notices.front() == "reverting unit 1 t, with this build's down statements, which differ from those stored when it "
                                  "was applied (its down was edited since: an older build would run the stored ones)");
    auto sql = open_session(db.url());
    BOOST_TEST(user_tables(*sql).empty());
    // Not said for a down as it was stored.
    notices.clear();
    strata::runner(*applied, db.url()).up();
    strata::runner(*applied, db.url(), options).down();
    BOOST_TEST(notices.empty(), joined(notices));
}

// A rollback is not sticky: an up after a down (a restarted instance of the release rolled back)
// applies the units again. It says so, from the audit log, for each unit a down reverted last,
// in a dry run too (rollback probe M9).
STRATA_BACKEND_TEST(custom_an_up_after_a_rollback_says_it_applies_the_reverted_units_again) {
    auto db = temp_database::create(backend);
    auto reg = registry_of({table_unit(1, "t"), table_unit(2, "u"), table_unit(3, "v")});
    strata::runner(*reg, db.url()).up(2);
    strata::runner(*reg, db.url()).down();
    std::vector<std::string> notices;
    strata::runner_options options;
    options.on_notice = [&](const std::string& text) { notices.push_back(text); };
    for (bool dry_run : {true, false}) {
        notices.clear();
        options.dry_run = dry_run;
        strata::runner(*reg, db.url(), options).up();
        BOOST_TEST_REQUIRE(notices.size() == 1u, joined(notices));
        BOOST_TEST(notices.front().starts_with("unit 2 create_u was reverted by a down at 20"), notices.front());
        BOOST_TEST(contains(notices.front(), std::string(" (strata_schema_log); this up ") +
                                                 (dry_run ? "would apply" : "applies") + " it again"),
                   notices.front());
    }
    auto sql = open_session(db.url());
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2, 3}), boost::test_tools::per_element());
    // Applied again, it is no longer a unit a down reverted last.
    strata::runner(*reg, db.url()).down({.to = 1});
    strata::runner(*reg, db.url()).up(2);
    notices.clear();
    options.dry_run = false;
    strata::runner(*reg, db.url(), options).up();
    BOOST_TEST_REQUIRE(notices.size() == 1u, joined(notices));
    BOOST_TEST(notices.front().starts_with("unit 3 create_v was reverted"), notices.front());
}

// A dry run's script resets the session where a run would (review 21 M6): run by hand, it
// leaves the schema the run leaves, unit 2's table where its own session puts it.
STRATA_BACKEND_TEST(custom_a_dry_run_script_resets_a_units_session_settings_as_a_run_does) {
    if (backend != strata::backend::postgresql) return;
    auto reg = registry_of({
        unit(1, "set_search_path",
             {{both("CREATE SCHEMA side"), both("DROP SCHEMA side")},
              {both("SELECT set_config('search_path', 'side, public', false)"), both("SELECT 1")},
              {both("CREATE TABLE a (x integer)"), both("DROP TABLE side.a")}}),
        unit(2, "plain", {{both("CREATE TABLE b (x integer)"), both("DROP TABLE b")}}),
    });
    auto db = temp_database::create(backend);
    const auto script = strata::runner(*reg, db.url(), {.dry_run = true}).up().script;
    const auto reset = std::find(script.begin(), script.end(), "RESET ALL");
    BOOST_TEST_REQUIRE((reset != script.end()), "no reset after unit 1:\n" << joined(script));
    BOOST_TEST((reset + 1 != script.end() && *(reset + 1) == "RESET ROLE"), joined(script));
    BOOST_TEST(std::count(script.begin(), script.end(), "RESET ALL") == 1, "a reset after the unit that sets nothing:\n" << joined(script));
    auto by_hand = open_session(db.url());
    for (const auto& statement : script)
        if (statement.rfind("--", 0) != 0) *by_hand << statement;
    auto sql = open_session(db.url());
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(count_of(*sql, "SELECT CAST(count(*) AS TEXT) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'b'") == 1,
               "unit 2's table went where unit 1's search_path said:\n" << joined(script));
}

BOOST_AUTO_TEST_SUITE(postgresql)

// status while a run is at a unit outside a transaction (its row says running, as after a
// crash): in progress, naming the run that holds the migration lock, not sent to up or down.
BOOST_AUTO_TEST_CASE(custom_status_during_a_run_says_its_unit_is_in_progress) {
    auto db = temp_database::postgresql();
    auto reg = registry_of({table_unit(1, "t"),
                            unit(2, "index_t_concurrently",
                                 {{both("CREATE INDEX CONCURRENTLY t_a_idx ON t (a)"), both("DROP INDEX CONCURRENTLY t_a_idx")}},
                                 strata::transaction_mode::none)});
    strata::runner(*reg, db.url()).up(1);
    auto old = open_session(db.url());  // a snapshot the index build waits for
    *old << "BEGIN ISOLATION LEVEL REPEATABLE READ";
    query_value(*old, "SELECT CAST(count(*) AS TEXT) FROM t");
    std::thread run([&] {
        try {
            strata::runner(*reg, db.url()).up();
        } catch (const std::exception& e) {
            BOOST_ERROR("the run failed: " << e.what());
        }
    });
    auto sql = open_session(db.url());
    const bool running = eventually([&] { return history_state(*sql, 2) == std::optional<std::string>("running"); }, 20s);
    std::vector<strata::unit_status> during;
    if (running) during = strata::runner(*reg, db.url()).status();
    *old << "COMMIT";
    run.join();
    BOOST_TEST_REQUIRE(running, "the run never marked unit 2 running");
    BOOST_TEST_REQUIRE(during.size() == 2u);
    BOOST_TEST(contains(during[1].in_progress, "application 'strata'"), "in_progress: " << during[1].in_progress);
    BOOST_TEST(during[0].in_progress.empty());
    const auto after = strata::runner(*reg, db.url()).status();
    BOOST_TEST((after.at(1).state == strata::unit_state::applied));
    BOOST_TEST(after.at(1).in_progress.empty());
}

// A raw CREATE INDEX CONCURRENTLY outside a transaction, while a report's transaction older than
// the build is open: the build waits for it, --ddl-lock-timeout cancels it, and PostgreSQL keeps
// the index, INVALID. Its next try drops that index first (as an online unit's build does):
// without, IF NOT EXISTS skipped it and the unit was recorded applied with an index no query
// uses, and the plain form failed on the name and left the unit dirty (chaos probe H1). An
// INVALID index a killed run left goes the same way.
BOOST_AUTO_TEST_CASE(custom_a_concurrent_index_build_retried_after_a_lock_timeout_is_built_valid) {
    for (const std::string form : {"CREATE INDEX CONCURRENTLY IF NOT EXISTS \"t_a_idx\" ON \"t\" (\"a\")",
                                   "-- the report index\ncreate unique index concurrently T_A_IDX on public.t using btree (a)"}) {
        auto db = temp_database::postgresql();
        auto reg = registry_of({table_unit(1, "t"), unit(2, "index_t_concurrently", {{both(form), both("DROP INDEX CONCURRENTLY t_a_idx")}},
                                                         strata::transaction_mode::none)});
        strata::runner(*reg, db.url()).up(1);
        auto sql = open_session(db.url());
        *sql << "INSERT INTO t (a) VALUES (1), (2), (3)";
        auto report = open_session(db.url());  // a snapshot older than the build, for a second
        *report << "BEGIN ISOLATION LEVEL REPEATABLE READ";
        query_value(*report, "SELECT CAST(count(*) AS TEXT) FROM t");
        std::thread ends([&] {
            std::this_thread::sleep_for(1500ms);
            *report << "COMMIT";
        });
        std::vector<std::string> notices;
        strata::runner_options options;
        options.on_notice = [&](const std::string& text) { notices.push_back(text); };
        try {
            strata::runner(*reg, db.url(), options).up();
        } catch (const std::exception& e) {
            BOOST_ERROR(form << ": " << e.what());
        }
        ends.join();
        BOOST_TEST(std::any_of(notices.begin(), notices.end(), [](const std::string& n) { return contains(n, "retrying in"); }),
                   form << ": the build never waited for the report:\n" << joined(notices));
        BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("applied"), form);
        BOOST_TEST(query_value(*sql, "SELECT string_agg(c.relname || ' ' || i.indisvalid, ', ') FROM pg_index i JOIN pg_class c "
                                     "ON c.oid = i.indexrelid WHERE i.indrelid = 't'::regclass") == "t_a_idx true",
                   form);
        // An INVALID index a killed run left (a unique build that met a duplicate here) goes too.
        strata::runner(*reg, db.url()).down();
        *sql << "INSERT INTO t (a) VALUES (3)";
        try {
            *sql << "CREATE UNIQUE INDEX CONCURRENTLY t_a_idx ON t (a)";
        } catch (const std::exception&) {
        }
        *sql << "DELETE FROM t WHERE ctid = (SELECT max(ctid) FROM t WHERE a = 3)";
        BOOST_TEST(query_value(*sql, "SELECT CAST(count(*) AS TEXT) FROM pg_index WHERE NOT indisvalid") == "1");
        strata::runner(*reg, db.url()).up();
        BOOST_TEST(query_value(*sql, "SELECT string_agg(c.relname || ' ' || i.indisvalid, ', ') FROM pg_index i JOIN pg_class c "
                                     "ON c.oid = i.indexrelid WHERE i.indrelid = 't'::regclass") == "t_a_idx true",
                   form);
    }
}

// An INVALID index of that name that another session is building right now is no leftover: the
// cleanup before the unit's CREATE INDEX CONCURRENTLY refuses it by name, with the builder's pid,
// instead of dropping it (review 30 L1: the drop waited for the build's lock, then dropped the
// finished index). The other build finishes, valid; the unit runs once it has.
BOOST_AUTO_TEST_CASE(custom_an_index_another_session_is_building_is_refused_not_dropped) {
    auto db = temp_database::postgresql();
    auto reg = registry_of({table_unit(1, "t"), unit(2, "index_t_concurrently",
                                                     {{both("CREATE INDEX CONCURRENTLY IF NOT EXISTS t_a_idx ON t (a)"),
                                                       both("DROP INDEX CONCURRENTLY t_a_idx")}},
                                                     strata::transaction_mode::none)});
    strata::runner(*reg, db.url()).up(1);
    auto sql = open_session(db.url());
    *sql << "INSERT INTO t (a) VALUES (1), (2), (3)";
    auto report = open_session(db.url());  // a snapshot older than the other build: it waits for it
    *report << "BEGIN ISOLATION LEVEL REPEATABLE READ";
    query_value(*report, "SELECT CAST(count(*) AS TEXT) FROM t");
    auto builder = open_session(db.url());
    const auto builder_pid = query_value(*builder, "SELECT CAST(pg_backend_pid() AS TEXT)");
    std::thread build([&] {
        try {
            *builder << "CREATE INDEX CONCURRENTLY t_a_idx ON t (a)";
        } catch (const std::exception& e) {
            BOOST_ERROR("the other session's build failed: " << e.what());
        }
    });
    const bool waiting = eventually([&] {
        return query_value(*sql, "SELECT CAST(count(*) AS TEXT) FROM pg_stat_progress_create_index p JOIN pg_index i ON "
                                 "i.indexrelid = p.index_relid WHERE NOT i.indisvalid AND p.phase LIKE 'waiting for old%'") == "1";
    });
    std::string failure;
    if (waiting) {
        try {
            strata::runner(*reg, db.url()).up();
        } catch (const strata::error& e) {
            failure = e.what();
        }
    }
    *report << "COMMIT";
    build.join();
    BOOST_TEST_REQUIRE(waiting, "the other build never waited for the report");
    BOOST_TEST(contains(failure, "index t_a_idx is being built by another session (pid " + builder_pid.value_or("?") +
                                     ", waiting for old snapshots): stop that build with SELECT pg_cancel_backend(" +
                                     builder_pid.value_or("?") + "), then run again (what it leaves is dropped and the unit "
                                     "builds its index)"),
               failure);
    BOOST_TEST(query_value(*sql, "SELECT string_agg(c.relname || ' ' || i.indisvalid, ', ') FROM pg_index i JOIN pg_class c "
                                 "ON c.oid = i.indexrelid WHERE i.indrelid = 't'::regclass") == "t_a_idx true",
               "the other session's index was not left to finish");
    // Nothing of the unit ran: it is pending, not dirty, and the next up applies it.
    BOOST_TEST(contains(failure, "unit 2 index_t_concurrently was not run: nothing of it was kept, it is still pending"), failure);
    BOOST_TEST(!history_state(*sql, 2).has_value());
    BOOST_TEST(contains(audit_log(*sql).back(), "2 up failed"), joined(audit_log(*sql)));
    strata::runner(*reg, db.url()).up();
    BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("applied"));
}

// up --atomic waits for the migration lock inside its transaction: its units are dated when
// they are applied, not when that transaction began (review 32 H1: PostgreSQL's now() dated unit
// 4 before unit 3, applied meanwhile by the run it waited for, and down then refused unit 4 as
// "not the last applied", diff built 4 before the table it indexes).
BOOST_AUTO_TEST_CASE(custom_an_atomic_up_that_waited_for_the_lock_is_dated_when_it_applied) {
    auto db = temp_database::postgresql();
    auto older = registry_of({table_unit(1, "t1"), unit(2, "slow", {{both("SELECT pg_sleep(1.5)"), both("SELECT 1")}}),
                              table_unit(3, "t3")});
    auto newer = registry_of({table_unit(1, "t1"), unit(2, "slow", {{both("SELECT pg_sleep(1.5)"), both("SELECT 1")}}),
                              table_unit(3, "t3"), unit(4, "index_t3", {{both("CREATE INDEX t3_a ON t3 (a)"), both("DROP INDEX t3_a")}})});
    strata::runner(*older, db.url()).up(1);
    std::thread first([&] {
        try {
            strata::runner(*older, db.url()).up();
        } catch (const std::exception& e) {
            BOOST_ERROR("the first run failed: " << e.what());
        }
    });
    std::this_thread::sleep_for(300ms);  // the first run holds the lock, in unit 2
    strata::runner_options atomic;
    atomic.atomic = true;
    try {
        strata::runner(*newer, db.url(), atomic).up();
    } catch (const std::exception& e) {
        BOOST_ERROR("up --atomic failed: " << e.what());
    }
    first.join();
    auto sql = open_session(db.url());
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2, 3, 4}), boost::test_tools::per_element());
    BOOST_TEST(query_value(*sql, "SELECT CAST((SELECT applied_at FROM strata_schema_history WHERE version = 4) > "
                                 "(SELECT applied_at FROM strata_schema_history WHERE version = 3) AS TEXT)") == "true");
    try {
        BOOST_TEST(strata::runner(*newer, db.url()).diff().differences.empty());
        strata::runner(*newer, db.url()).down();
    } catch (const std::exception& e) {
        BOOST_ERROR("diff or down after the atomic run: " << e.what());
    }
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2, 3}), boost::test_tools::per_element());
}

// The count of what a down drops waits for a busy table as the down's statements do, tries
// again, then the down runs (review 31 M2: one --ddl-lock-timeout try and exit 5, where the down
// itself would have waited).
BOOST_AUTO_TEST_CASE(custom_the_data_loss_count_is_retried_until_the_table_lock_goes) {
    auto db = temp_database::postgresql();
    auto reg = lock_registry();
    strata::runner(*reg, db.url()).up();
    std::vector<std::string> notices;
    strata::runner_options options;
    options.on_notice = [&](const std::string& text) { notices.push_back(text); };
    {
        table_lock_holder holder(db.url(), "t");
        std::thread releaser([&] {
            std::this_thread::sleep_for(1500ms);
            holder.release();
        });
        try {
            strata::runner(*reg, db.url(), options).down();
        } catch (const std::exception& e) {
            BOOST_ERROR("the down gave up although the lock went after 1.5 s: " << e.what());
        }
        releaser.join();
    }
    auto sql = open_session(db.url());
    BOOST_TEST(recorded_versions(*sql) == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(std::any_of(notices.begin(), notices.end(),
                           [](const std::string& n) {
                               return contains(n, "unit 2 add_t_c drops column t.c: counting the data it would destroy waited "
                                                  "longer than 200 ms for a table lock, retrying in ");
                           }),
               joined(notices));
}

// up --atomic on PostgreSQL takes its lock and reads the history inside the release's one
// transaction: after a table lock timed out, that transaction is begun again, whole, as the
// README promises (before, the first 200 ms wait failed the release), and no failed audit row
// is written for a try that is retried. Past the budget the failure names who held the lock.
BOOST_AUTO_TEST_CASE(custom_atomic_up_is_retried_until_the_lock_goes) {
    auto db = temp_database::postgresql();
    // Quoted, as strata's own statements are: the holder is found by the table's quoted name.
    auto reg = registry_of({table_unit(1, "t"), unit(2, "add_t_c", {{both("ALTER TABLE \"t\" ADD COLUMN c int"),
                                                                      both("ALTER TABLE \"t\" DROP COLUMN c")}})});
    strata::runner(*reg, db.url()).up(1);
    std::vector<std::string> notices;
    strata::runner_options options;
    options.atomic = true;
    options.on_notice = [&](const std::string& text) { notices.push_back(text); };
    {
        table_lock_holder holder(db.url(), "t");
        std::thread releaser([&] {
            std::this_thread::sleep_for(2s);
            holder.release();
        });
        std::optional<strata::run_report> report;
        try {
            report = strata::runner(*reg, db.url(), options).up();
        } catch (const std::exception& e) {
            BOOST_ERROR("up --atomic failed although the lock went after 2 s: " << e.what());
        }
        releaser.join();
        BOOST_TEST_REQUIRE(report.has_value());
        BOOST_TEST(report->units.size() == 1u);
    }
    auto sql = open_session(db.url());
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(audit_log(*sql) == (names{"1 up ok", "2 up ok"}), boost::test_tools::per_element());
    BOOST_TEST(std::any_of(notices.begin(), notices.end(), [](const std::string& n) { return contains(n, "retrying"); }),
               joined(notices));

    // Past the budget: exit 1, naming the holder.
    strata::runner(*reg, db.url()).down();
    table_lock_holder holder(db.url(), "t");
    const std::string holder_pid = query_value(*holder.session, "SELECT CAST(pg_backend_pid() AS TEXT)").value_or("?");
    options.ddl_lock_deadline = 1s;
    try {
        strata::runner(*reg, db.url(), options).up();
        BOOST_ERROR("up --atomic went through a lock held all along");
    } catch (const strata::migration_error& e) {
        BOOST_TEST(contains(e.what(), "canceling statement due to lock timeout"), e.what());
        BOOST_TEST(contains(e.what(), "is held by pid " + holder_pid), e.what());
    }
    holder.release();
}

BOOST_AUTO_TEST_CASE(custom_ddl_lock_timeout_is_retried_until_the_lock_goes) {
    auto db = temp_database::postgresql();
    auto reg = lock_registry();
    strata::runner(*reg, db.url()).up(1);

    // The defaults (issue 12, point 3): short tries, retried until the lock goes (within 2 min),
    // and who holds the lock said once, not per try.
    std::vector<std::string> notices;
    strata::runner_options options;
    options.on_notice = [&](const std::string& text) { notices.push_back(text); };
    strata::runner r(*reg, db.url(), options);

    table_lock_holder holder(db.url(), "t");
    std::thread releaser([&] {
        std::this_thread::sleep_for(3s);
        holder.release();
    });
    std::optional<strata::run_report> report;
    try {
        report = r.up();
    } catch (const std::exception& e) {
        BOOST_ERROR("up() failed although the lock went after 3 s: " << e.what());
    }
    releaser.join();

    BOOST_TEST_REQUIRE(report.has_value());
    BOOST_TEST_REQUIRE(report->units.size() == 1u);
    BOOST_TEST(report->units[0].version == 2);
    auto sql = open_session(db.url());
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(column_names(*sql, "t") == (names{"a", "c"}), boost::test_tools::per_element());
    BOOST_TEST(notices.size() == 1u, "one notice for many tries; notices:\n" << joined(notices));
    BOOST_TEST(std::any_of(notices.begin(), notices.end(),
                           [](const std::string& n) { return contains(n, "ALTER TABLE t ADD COLUMN c int") && contains(n, "retrying"); }),
               "no notice names the statement that waited; notices:\n" << joined(notices));
}

// CREATE INDEX CONCURRENTLY in a unit run in a transaction fails with SQLSTATE 25001; the error
// says how to run the unit outside one.
BOOST_AUTO_TEST_CASE(custom_a_statement_refused_in_a_transaction_says_how_to_run_outside_one) {
    auto db = temp_database::postgresql();
    auto reg = registry_of({table_unit(1, "t"), unit(2, "index_t", {{both("CREATE INDEX CONCURRENTLY t_a_idx ON t (a)")}})});
    try {
        strata::runner(*reg, db.url()).up();
        BOOST_ERROR("CREATE INDEX CONCURRENTLY ran in a transaction");
    } catch (const strata::migration_error& e) {
        BOOST_TEST(e.context().sqlstate == "25001");
        BOOST_TEST(contains(e.what(), "the statement cannot run inside a transaction: run the unit outside one "
                                      "(-- strata:no-transaction at the top of a SQL unit"),
                   e.what());
    }
}

// Outside a transaction the deadline counts lock waits, not work: a statement that meets a busy
// table after a step that ran longer than the whole deadline (an index build, a backfill) is
// still retried. It used to fail at its first timeout, the deadline long past.
BOOST_AUTO_TEST_CASE(custom_ddl_lock_deadline_does_not_count_the_work_before_a_lock_wait) {
    auto db = temp_database::postgresql();
    auto reg = registry_of({table_unit(1, "t"),
                            unit(2, "slow_then_add_t_c",
                                 {{both("SELECT pg_sleep(2.5)")}, {both("ALTER TABLE t ADD COLUMN c int"), both("ALTER TABLE t DROP COLUMN c")}},
                                 strata::transaction_mode::none)});
    strata::runner(*reg, db.url()).up(1);
    strata::runner_options options;
    options.ddl_lock_deadline = 2s;
    // The table is busy from 1 s, while the first statement runs, to 4 s, after it ended.
    std::unique_ptr<table_lock_holder> holder;
    std::thread locker([&] {
        std::this_thread::sleep_for(1s);
        holder = std::make_unique<table_lock_holder>(db.url(), "t");
        std::this_thread::sleep_for(3s);
        holder->release();
    });
    try {
        strata::runner(*reg, db.url(), options).up();
    } catch (const std::exception& e) {
        BOOST_ERROR("the unit's second statement was not retried after a 2.5 s first statement: " << e.what());
    }
    locker.join();
    auto sql = open_session(db.url());
    BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("applied"));
    BOOST_TEST(column_names(*sql, "t") == (names{"a", "c"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(custom_ddl_lock_timeout_fails_the_unit_after_the_last_retry) {
    auto db = temp_database::postgresql();
    auto reg = lock_registry();
    strata::runner(*reg, db.url()).up(1);

    std::vector<std::string> notices;
    strata::runner_options options;
    options.ddl_lock_timeout = 200ms;
    options.ddl_lock_retries = 1;
    options.on_notice = [&](const std::string& text) { notices.push_back(text); };
    strata::runner r(*reg, db.url(), options);

    table_lock_holder holder(db.url(), "t");
    try {
        r.up();
        BOOST_ERROR("up() succeeded although another session held the lock on t throughout");
    } catch (const strata::migration_error& e) {
        BOOST_TEST(e.context().version.value_or(0) == 2);
        BOOST_TEST(e.context().sqlstate == "55P03");  // lock_not_available
        BOOST_TEST(e.context().statement == "ALTER TABLE t ADD COLUMN c int");
    }
    holder.release();

    BOOST_TEST(notices.size() == 1u, "expected exactly one retry; notices:\n" << joined(notices));
    auto sql = open_session(db.url());
    BOOST_TEST(recorded_versions(*sql) == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(column_names(*sql, "t") == (names{"a"}), boost::test_tools::per_element());
}

// A down outside a transaction that failed half-way (a view of the application's on a table it
// drops): the error says which of its statements ran and how to retry the down; the way it
// names works once the cause is gone (rollback probe M7).
BOOST_AUTO_TEST_CASE(custom_a_non_transactional_down_failing_half_way_says_what_ran_and_how_to_retry) {
    auto db = temp_database::postgresql();
    auto reg = registry_of({unit(1, "two_tables",
                                 {{both("CREATE TABLE a (x integer)"), both("DROP TABLE a")},
                                  {both("CREATE TABLE b (y integer)"), both("DROP TABLE IF EXISTS b")}},
                                 strata::transaction_mode::none)});
    strata::runner(*reg, db.url()).up();
    auto sql = open_session(db.url());
    *sql << "CREATE VIEW a_view AS SELECT x FROM a";
    try {
        strata::runner(*reg, db.url()).down();
        BOOST_ERROR("down dropped a table a view reads");
    } catch (const strata::migration_error& e) {
        BOOST_TEST(e.context().statement == "DROP TABLE a");
        BOOST_TEST(contains(e.what(), "unit 1 two_tables is now dirty: statement 2 of 2 failed, the 1 before it finished and "
                                      "stay; check the database (strata diff), run the rest of its down by hand (from "
                                      "statement 2 on), then strata repair 1 (the unit is pending); to run its whole down "
                                      "again instead, which only works when each of its statements can run twice (DROP ... "
                                      "IF EXISTS): strata repair 1 --applied, then strata down"),
                   e.what());
    }
    BOOST_TEST(user_tables(*sql) == (names{"a"}), boost::test_tools::per_element());
    BOOST_TEST(history_state(*sql, 1) == std::optional<std::string>("reverting"));
    *sql << "DROP VIEW a_view";
    // Each way on works: its down again (this one can run twice), or the rest by hand.
    for (bool by_hand : {false, true}) {
        if (by_hand) {
            strata::runner(*reg, db.url()).up();
            *sql << "CREATE VIEW a_view AS SELECT x FROM a";
            BOOST_CHECK_THROW(strata::runner(*reg, db.url()).down(), strata::migration_error);
            *sql << "DROP VIEW a_view";
            *sql << "DROP TABLE a";
            strata::runner(*reg, db.url()).repair(1, false);
        } else {
            strata::runner(*reg, db.url()).repair(1, true);
            strata::runner(*reg, db.url()).down();
        }
        BOOST_TEST(user_tables(*sql).empty());
        BOOST_TEST(recorded_versions(*sql).empty());
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sqlite)

// A unit stopped by another process holding the database past the lock timeout (exit 5, not the
// unit's failure) lists the units of the run before it, which stay: `completed` in --json.
BOOST_AUTO_TEST_CASE(custom_a_unit_stopped_by_a_busy_database_lists_the_units_before_it) {
    auto db = temp_database::create(strata::backend::sqlite);
    auto reg = registry_of({table_unit(1, "t1"), table_unit(2, "t2")});
    strata::runner_options quick;
    quick.lock_timeout = 300ms;
    std::unique_ptr<soci::session> holder;
    try {
        strata::runner(*reg, db.url(), quick).up(std::nullopt, [&](const strata::unit_report& u) {
            if (u.version != 1) return;
            holder = open_session(db.url());
            *holder << "BEGIN EXCLUSIVE";
        });
        BOOST_ERROR("unit 2 ran while another connection held the database");
    } catch (const strata::lock_timeout_error& e) {
        BOOST_TEST(e.context().version.value_or(0) == 2, e.what());
        const auto* done = strata::completed_before(e);
        BOOST_TEST_REQUIRE(done != nullptr, e.what());
        BOOST_TEST_REQUIRE(done->size() == 1u, e.what());
        BOOST_TEST(done->front().version == 1);
        BOOST_TEST((done->front().dir == strata::direction::up));
    }
    holder.reset();
    auto sql = open_session(db.url());
    BOOST_TEST(recorded_versions(*sql) == (versions{1}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------
// A rollback that would drop data (the rollback probe: redo and down dropped filled columns
// without a word): what a down's statements drop is read before anything runs.

STRATA_BACKEND_TEST(custom_a_down_that_would_drop_data_is_refused_before_anything_runs) {
    auto db = temp_database::create(backend);
    auto units = registry_of({
        table_unit(1, "ledger", "id integer PRIMARY KEY, note text"),
        // Its down names a table somebody dropped by hand since: nothing of it to lose.
        unit(2, "scratch", {{both("CREATE TABLE scratch (id integer)"), both("DROP TABLE IF EXISTS scratch")}}),
        unit(3, "ledger_extra", {{both("ALTER TABLE ledger ADD COLUMN extra text"), both("ALTER TABLE ledger DROP COLUMN extra")}}),
    });
    strata::runner(*units, db.url()).up();
    auto sql = open_session(db.url());
    *sql << "DROP TABLE scratch";
    *sql << "INSERT INTO ledger (id, note) VALUES (1, 'kept')";

    auto refusal = [&](const strata::registry& r, const strata::down_request& request) { return down_refusal(r, db.url(), request); };
    // The empty column would go, but unit 1 comes later in the same run and drops a row: nothing
    // of the run starts.
    BOOST_TEST(refusal(*units, {.all = true}) == (names{"unit 1 create_ledger drops table ledger with its 1 row"}),
               boost::test_tools::per_element());
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(column_names(*sql, "ledger") == (names{"id", "note", "extra"}), boost::test_tools::per_element());
    // A dry run counts the same: the count that finds no scratch table spoils none after it.
    {
        const auto report = strata::runner(*units, db.url(), {.dry_run = true}).down({.all = true});
        BOOST_TEST_REQUIRE(report.refused_losses.size() == 1u);
        BOOST_TEST(strata::describe(report.refused_losses[0]) == "unit 1 create_ledger drops table ledger with its 1 row");
    }
    if (backend == strata::backend::sqlite) {
        // Another process writing (it holds the write lock) does not stop a dry run's counts.
        auto writer = open_session(db.url());
        *writer << "BEGIN IMMEDIATE";
        strata::runner_options dry;
        dry.dry_run = true;
        dry.lock_timeout = 300ms;
        BOOST_TEST(strata::runner(*units, db.url(), dry).down({.all = true}).refused_losses.size() == 1u);
        *writer << "ROLLBACK";
    }
    if (backend == strata::backend::postgresql) {
        // Its counts wait for a table lock as long as the run's statements would, then stop it.
        table_lock_holder holder(db.url(), "ledger");
        try {
            strata::runner(*units, db.url(), {.ddl_lock_timeout = 100ms, .dry_run = true}).down({.all = true});
            BOOST_ERROR("the dry run counted ledger's rows through another session's lock");
        } catch (const strata::lock_timeout_error& e) {
            BOOST_TEST(contains(e.what(), "unit 3 ledger_extra drops column ledger.extra: could not count the data it would destroy"),
                       e.what());
        }
        // A stop while a count waits (a deploy system's SIGTERM) says which count and that nothing
        // was run (chaos probe L5).
        std::stop_source stop;
        strata::runner_options stopped{.ddl_lock_timeout = 30s};
        stopped.stop = stop.get_token();
        std::thread stopper([&] {
            std::this_thread::sleep_for(300ms);
            stop.request_stop();
        });
        try {
            strata::runner(*units, db.url(), stopped).down({.all = true});
            BOOST_ERROR("the down was not stopped");
        } catch (const strata::error& e) {
            BOOST_TEST((e.kind() == strata::error_kind::interrupted), e.what());
            BOOST_TEST(contains(e.what(), "while counting what the rollback drops (unit 3 ledger_extra drops column ledger.extra); "
                                          "nothing was run"),
                       e.what());
        }
        stopper.join();
        holder.release();
        BOOST_TEST(strata::runner(*units, db.url(), {.dry_run = true}).down({.all = true}).refused_losses.size() == 1u);
    }

    *sql << "UPDATE ledger SET extra = 'lost with the column'";
    BOOST_TEST(refusal(*units, {}) == (names{"unit 3 ledger_extra drops column ledger.extra, which holds values in 1 row"}),
               boost::test_tools::per_element());
    // An older build reverting unit 3 from the statements stored with it reads them the same way.
    auto older = registry_of({table_unit(1, "ledger", "id integer PRIMARY KEY, note text")});
    BOOST_TEST(refusal(*older, {.to = 1}).size() == 1u);
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2, 3}), boost::test_tools::per_element());

    // Allowed, nothing is read, and each drop is named as it goes.
    std::vector<std::string> notices;
    strata::runner_options allow{.allow_data_loss = true};
    allow.on_notice = [&](const std::string& text) { notices.push_back(text); };
    strata::runner(*units, db.url(), allow).down({.to = 1});
    BOOST_TEST(recorded_versions(*sql) == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(column_names(*sql, "ledger") == (names{"id", "note"}), boost::test_tools::per_element());
    BOOST_TEST(std::count(notices.begin(), notices.end(),
                          "unit 3 ledger_extra drops column ledger.extra whatever it holds (--allow-data-loss)") == 1);

    // A table emptied first goes without asking.
    *sql << "DELETE FROM ledger";
    strata::runner(*units, db.url()).down({.all = true});
    BOOST_TEST(user_tables(*sql).empty(), user_schema(*sql));
}

// The rollback of a release that added a column and then renamed it: the newest unit's down
// renames it back, the next one drops it. Counted under the name it has before the run, its
// values are found (read under the dropped name, which does not exist yet, they were lost).
STRATA_BACKEND_TEST(custom_a_down_dropping_a_column_the_run_renames_first_counts_its_values) {
    auto db = temp_database::create(backend);
    auto units = registry_of({
        table_unit(1, "ledger", "id integer PRIMARY KEY"),
        unit(2, "ledger_phone", {{both(R"(ALTER TABLE "ledger" ADD COLUMN "phone" text)"), both(R"(ALTER TABLE "ledger" DROP COLUMN "phone")")}}),
        unit(3, "ledger_rename",
             {{both(R"(ALTER TABLE "ledger" RENAME COLUMN "phone" TO "mobile")"), both(R"(ALTER TABLE "ledger" RENAME COLUMN "mobile" TO "phone")")}}),
    });
    strata::runner(*units, db.url()).up();
    auto sql = open_session(db.url());
    *sql << "INSERT INTO ledger (id, mobile) VALUES (1, '555-0100'), (2, NULL)";
    try {
        strata::runner(*units, db.url()).down({.steps = 2});
        BOOST_ERROR("down dropped the values of a column it renamed first");
    } catch (const strata::data_loss_error& e) {
        BOOST_TEST(e.losses() == (names{R"(unit 2 ledger_phone drops column "ledger"."phone" (named "ledger"."mobile" until this )"
                                        R"(run renames it), which holds values in 1 row)"}),
                   boost::test_tools::per_element());
    }
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(column_names(*sql, "ledger") == (names{"id", "mobile"}), boost::test_tools::per_element());
    // One step reverts the rename alone: nothing dropped, nothing asked.
    strata::runner(*units, db.url()).down();
    BOOST_TEST(column_names(*sql, "ledger") == (names{"id", "phone"}), boost::test_tools::per_element());
}

// The same read through what review 30 found: a rename in a unit whose down may drop data (its
// allowance covers its own drops, not the renames later units' drops are read through), a
// rename spelled with the schema and a drop without it, and a rename that does not happen (IF
// EXISTS: the table was renamed back by hand), whose drop is read under the name as written.
STRATA_BACKEND_TEST(custom_a_drop_is_read_through_allowed_qualified_and_conditional_renames) {
    auto db = temp_database::create(backend);
    const std::string schema = backend == strata::backend::postgresql ? "public" : "main";
    auto units = registry_of({
        table_unit(1, "ledger", "id integer PRIMARY KEY"),
        unit(2, "ledger_phone", {{both(R"(ALTER TABLE ledger ADD COLUMN phone text)"), both(R"(ALTER TABLE ledger DROP COLUMN phone)")}}),
        std::make_shared<const raw_unit>(
            3, "ledger_rename",
            std::vector<raw_statement>{{both("ALTER TABLE " + schema + ".ledger RENAME COLUMN phone TO mobile"),
                                        both("ALTER TABLE " + schema + ".ledger RENAME COLUMN mobile TO phone")},
                                       {both("ALTER TABLE ledger ADD COLUMN derived text"), both("ALTER TABLE ledger DROP COLUMN derived")}},
            strata::transaction_mode::per_unit, std::optional<std::string>("derived is computed from mobile again")),
    });
    strata::runner(*units, db.url()).up();
    auto sql = open_session(db.url());
    *sql << "INSERT INTO ledger (id, mobile, derived) VALUES (1, '555-0100', 'x')";
    auto losses = [&](const strata::registry& r, const strata::down_request& request) { return down_refusal(r, db.url(), request); };
    BOOST_TEST(losses(*units, {.steps = 2}) ==
                   (names{R"(unit 2 ledger_phone drops column ledger.phone (named ledger.mobile until this run renames it), )"
                          R"(which holds values in 1 row)"}),
               boost::test_tools::per_element());
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(column_names(*sql, "ledger") == (names{"id", "mobile", "derived"}), boost::test_tools::per_element());

    // A table renamed by a unit whose down renames it back only IF EXISTS, renamed back by hand.
    auto renamed = registry_of({
        table_unit(1, "ledger", "id integer PRIMARY KEY"),
        unit(2, "ledger_v2", {{both("ALTER TABLE ledger RENAME TO ledger_v2"), both("ALTER TABLE IF EXISTS ledger_v2 RENAME TO ledger")}}),
    });
    auto other = temp_database::create(backend);
    if (backend == strata::backend::sqlite) return;  // SQLite has no ALTER TABLE IF EXISTS
    strata::runner(*renamed, other.url()).up();
    auto osql = open_session(other.url());
    *osql << "ALTER TABLE ledger_v2 RENAME TO ledger";
    *osql << "INSERT INTO ledger (id) VALUES (1)";
    try {
        strata::runner(*renamed, other.url()).down({.all = true});
        BOOST_ERROR("down dropped a table with rows");
    } catch (const strata::data_loss_error& e) {
        BOOST_TEST(e.losses() == (names{"unit 1 create_ledger drops table ledger with its 1 row"}), boost::test_tools::per_element());
    }
    BOOST_TEST(recorded_versions(*osql) == (versions{1, 2}), boost::test_tools::per_element());
}

STRATA_BACKEND_TEST(custom_a_unit_whose_down_drops_data_on_purpose_is_reverted_without_a_count) {
    auto db = temp_database::create(backend);
    const std::string why = "the down copies the notes to notes_archive first";
    // Unit 2's down keeps the notes elsewhere before it drops their table, and says so.
    auto notes = std::make_shared<const raw_unit>(
        2, "notes",
        std::vector<raw_statement>{{both("CREATE TABLE notes (id integer, body text)"), both("DROP TABLE notes")},
                                   {both("SELECT 1"), both("CREATE TABLE notes_archive AS SELECT * FROM notes")}},
        strata::transaction_mode::per_unit, why);
    auto units = registry_of({table_unit(1, "ledger", "id integer PRIMARY KEY, note text"), notes});
    strata::runner(*units, db.url()).up();
    auto sql = open_session(db.url());
    *sql << "INSERT INTO ledger (id, note) VALUES (1, 'kept')";
    *sql << "INSERT INTO notes (id, body) VALUES (1, 'one'), (2, 'two')";

    // Unit 1, which says nothing, is still counted: the run is refused for it alone.
    try {
        strata::runner(*units, db.url()).down({.all = true});
        BOOST_ERROR("the down of unit 1 dropped ledger with its row");
    } catch (const strata::data_loss_error& e) {
        BOOST_TEST(e.losses() == (names{"unit 1 create_ledger drops table ledger with its 1 row"}), boost::test_tools::per_element());
    }
    BOOST_TEST(user_tables(*sql) == (names{"ledger", "notes"}), boost::test_tools::per_element());

    // Unit 2 alone: named with its reason, not counted, not refused (a dry run says so too).
    const std::string notice = "unit 2 notes drops table notes whatever it holds: the unit allows it (" + why + ")";
    std::vector<std::string> notices;
    strata::runner_options dry{.dry_run = true};
    dry.on_notice = [&](const std::string& text) { notices.push_back(text); };
    const auto report = strata::runner(*units, db.url(), dry).down();
    BOOST_TEST(report.refused_losses.empty());
    BOOST_TEST_REQUIRE(report.allowed_losses.size() == 1u);
    BOOST_TEST(report.allowed_losses[0].table == "notes");
    BOOST_TEST(report.allowed_losses[0].allowed == why);
    BOOST_TEST(std::count(notices.begin(), notices.end(), notice) == 1, joined(notices));

    // An older build reverts it from the statements stored with it, allowance included.
    auto older = registry_of({table_unit(1, "ledger", "id integer PRIMARY KEY, note text")});
    notices.clear();
    strata::runner_options noticed;
    noticed.on_notice = [&](const std::string& text) { notices.push_back(text); };
    strata::runner(*older, db.url(), noticed).down({.to = 1});
    const std::string as_applied =
        "unit 2 notes drops table notes whatever it holds: the unit allowed it when it was applied (" + why + ")";
    BOOST_TEST(std::count(notices.begin(), notices.end(), as_applied) == 1, joined(notices));
    BOOST_TEST(query_value(*sql, "SELECT message FROM strata_schema_log WHERE action = 'down' AND version = 2") ==
               std::optional<std::string>("what it drops was not counted, the unit allows it: " + why));
    BOOST_TEST(recorded_versions(*sql) == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(user_tables(*sql) == (names{"ledger", "notes_archive"}), boost::test_tools::per_element());
    BOOST_TEST(count_of(*sql, "SELECT CAST(count(*) AS TEXT) FROM notes_archive") == 2);
}

STRATA_BACKEND_TEST(custom_an_allowance_to_drop_data_added_after_the_apply_is_this_builds_and_said) {
    auto db = temp_database::create(backend);
    strata::runner(*registry_of({table_unit(1, "ledger")}), db.url()).up();
    // The same statements (the unit is not changed), now with an allowance: this build's goes.
    auto allowing = registry_of({std::make_shared<const raw_unit>(
        1, "create_ledger", std::vector<raw_statement>{{both("CREATE TABLE ledger (a integer)"), both("DROP TABLE ledger")}},
        strata::transaction_mode::per_unit, std::string("kept in the warehouse"))});
    BOOST_TEST((strata::runner(*allowing, db.url()).status().at(0).state == strata::unit_state::applied));
    auto sql = open_session(db.url());
    *sql << "INSERT INTO ledger (a) VALUES (1)";
    std::vector<std::string> notices;
    strata::runner_options noticed;
    noticed.on_notice = [&](const std::string& text) { notices.push_back(text); };
    strata::runner(*allowing, db.url(), noticed).down();
    BOOST_TEST(user_tables(*sql).empty(), user_schema(*sql));
    BOOST_TEST(std::count(notices.begin(), notices.end(),
                          "reverting unit 1 create_ledger, with this build's allowance to drop data, which differs from the "
                          "one stored when it was applied (\"kept in the warehouse\" now: an older build would go by the "
                          "stored one)") == 1,
               joined(notices));
}

// Both edited since the apply (review 27 L5): the notice says both, not the statements' alone.
STRATA_BACKEND_TEST(custom_a_down_and_its_allowance_both_edited_since_the_apply_are_both_said) {
    auto db = temp_database::create(backend);
    strata::runner(*registry_of({table_unit(1, "ledger")}), db.url()).up();
    auto edited = registry_of({std::make_shared<const raw_unit>(
        1, "create_ledger", std::vector<raw_statement>{{both("CREATE TABLE ledger (a integer)"), both("DROP TABLE IF EXISTS ledger")}},
        strata::transaction_mode::per_unit, std::string("kept in the warehouse"))});
    std::vector<std::string> notices;
    strata::runner_options noticed;
    noticed.on_notice = [&](const std::string& text) { notices.push_back(text); };
    strata::runner(*edited, db.url(), noticed).down();
    BOOST_TEST(std::count(notices.begin(), notices.end(),
                          "reverting unit 1 create_ledger, with this build's down statements, which differ from those "
                          "stored when it was applied (its down was edited since: an older build would run the stored "
                          "ones) and with this build's allowance to drop data, which differs from the one stored when it "
                          "was applied (\"kept in the warehouse\" now: an older build would go by the stored one)") == 1,
               joined(notices));
}

STRATA_BACKEND_TEST(custom_accepting_a_changed_unit_says_when_its_allowance_to_drop_data_changes) {
    auto db = temp_database::create(backend);
    strata::runner(*registry_of({table_unit(1, "ledger")}), db.url()).up();
    const std::string why = "ledger is copied to the warehouse nightly";
    auto edited = registry_of({std::make_shared<const raw_unit>(
        1, "create_ledger",
        std::vector<raw_statement>{{both("CREATE TABLE ledger (a integer)"), both("DROP TABLE ledger")}, {both("SELECT 1"), both("SELECT 1")}},
        strata::transaction_mode::per_unit, why)});
    const auto review = strata::runner(*edited, db.url()).accept_change(1);
    BOOST_TEST(!review.stored_data_loss_allowed.has_value());
    BOOST_TEST(review.data_loss_allowed.value_or("") == why);
    auto sql = open_session(db.url());
    const auto message = query_value(*sql, "SELECT message FROM strata_schema_log WHERE action = 'repair'").value_or("");
    BOOST_TEST(contains(message, "; its down's drops now allowed by the unit (" + why + ")"), message);
    // Stored with the accepted down: the rollback goes without a count, and the log says why.
    *sql << "INSERT INTO ledger (a) VALUES (1)";
    strata::runner(*registry_of({}), db.url()).down();
    BOOST_TEST(user_tables(*sql).empty(), user_schema(*sql));
    BOOST_TEST(query_value(*sql, "SELECT message FROM strata_schema_log WHERE action = 'down'") ==
               std::optional<std::string>("what it drops was not counted, the unit allows it: " + why));
}

// ---------------------------------------------------------------------------------------------
// A unit merged late, applied after units with higher versions (the rollback probe: `down`
// reverted the highest version, and the late unit could not be reverted alone).

STRATA_BACKEND_TEST(custom_down_only_reverts_one_unit_and_refuses_one_that_later_units_may_build_on) {
    auto db = temp_database::create(backend);
    auto sql = open_session(db.url());
    auto release = registry_of({table_unit(1, "t1"), table_unit(2, "t2"), table_unit(3, "t3")});
    auto before_the_merge = registry_of({table_unit(1, "t1"), table_unit(3, "t3")});
    strata::runner_options late;
    late.allow_out_of_order = true;
    // applied_at has millisecond precision on SQLite: each apply measurably later than the last.
    auto apply = [&](const strata::registry& r, const strata::runner_options& o = {}) {
        std::this_thread::sleep_for(20ms);
        strata::runner(r, db.url(), o).up();
    };
    apply(*before_the_merge);
    apply(*release, late);  // unit 2, applied last

    // Reverted alone: nothing applied after it.
    auto report = strata::runner(*release, db.url()).down({.only = 2});
    BOOST_TEST_REQUIRE(report.units.size() == 1u);
    BOOST_TEST(report.units[0].version == 2);
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 3}), boost::test_tools::per_element());
    BOOST_TEST(user_tables(*sql) == (names{"t1", "t3"}), boost::test_tools::per_element());
    // Done already: nothing to do, as for a fleet's rerun; a version nobody has is a typo.
    BOOST_TEST(strata::runner(*release, db.url()).down({.only = 2}).units.empty());
    BOOST_CHECK_THROW(strata::runner(*release, db.url()).down({.only = 9}), strata::config_error);

    // A plain down, or redo, would revert the highest version and leave unit 2, applied after it,
    // which may build on it (team probe F11): refused; --allow-out-of-order goes on, and says
    // which unit came last.
    apply(*release, late);
    for (const bool redo : {false, true}) {
        try {
            redo ? strata::runner(*release, db.url()).redo() : strata::runner(*release, db.url()).down();
            BOOST_ERROR((redo ? "redo" : "down") << " reverted unit 3 under unit 2, applied after it");
        } catch (const strata::config_error& e) {
            BOOST_TEST(contains(e.what(), "unit 3 create_t3 is not the last unit applied: unit 2 create_t2 was applied after it, "
                                          "would stay applied, and may build on it"),
                       e.what());
            BOOST_TEST(contains(e.what(), "(strata down --to 1, which reverts every unit above that version, the last applied "
                                          "first; or only these, one by one: strata down --only 2, then strata down --only 3), "
                                          "or, when nothing applied after it needs it, add --allow-out-of-order"),
                       e.what());
        }
        BOOST_TEST(recorded_versions(*sql) == (versions{1, 2, 3}), boost::test_tools::per_element());
    }
    std::vector<std::string> notices;
    strata::runner_options noticed = late;
    noticed.on_notice = [&](const std::string& text) { notices.push_back(text); };
    strata::runner(*release, db.url(), noticed).down();
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(std::any_of(notices.begin(), notices.end(),
                           [](const std::string& n) {
                               return contains(n, "unit 2 create_t2 was applied last (") && contains(n, "down --only 2");
                           }),
               joined(notices));

    // Unit 3 now came after unit 2 and may build on it: not reverted alone without saying so.
    apply(*release);
    try {
        strata::runner(*release, db.url()).down({.only = 2});
        BOOST_ERROR("unit 2 was reverted alone under unit 3, applied after it");
    } catch (const strata::config_error& e) {
        BOOST_TEST(contains(e.what(), "unit 3 create_t3 was applied after it"), e.what());
        BOOST_TEST(contains(e.what(), "down --to 1"), e.what());
    }
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2, 3}), boost::test_tools::per_element());
    strata::runner(*release, db.url(), late).down({.only = 2});
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 3}), boost::test_tools::per_element());
    BOOST_TEST(audit_log(*sql).back() == "2 down ok");

    // Unit 2, applied after unit 3 with a lower version, may build on it too: the way to revert
    // both goes below unit 2.
    apply(*release, late);
    try {
        strata::runner(*release, db.url()).down({.only = 3});
        BOOST_ERROR("unit 3 was reverted alone under unit 2, applied after it");
    } catch (const strata::config_error& e) {
        BOOST_TEST(contains(e.what(), "unit 2 create_t2 was applied after it"), e.what());
        BOOST_TEST(contains(e.what(), "(strata down --to 1, which reverts every unit above that version, the last applied first; "
                                      "or only these, one by one: strata down --only 2, then strata down --only 3)"),
                   e.what());
    }
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2, 3}), boost::test_tools::per_element());
}

// A unit merged late that builds on a unit with a higher version (an index on its column),
// applied after it: down --to reverts the last applied first, the index before the column (in
// version order the column's drop took the index with it on PostgreSQL, and the late unit's row
// said applied with nothing of it there; SQLite refused the drop of an indexed column). And
// down --to a version the late unit was applied after names it, left applied (team probe F3).
// repair --applied of a row below applied units keeps when its run wrote it: a repair is no
// application, and a down orders units by it (dated now, unit 2 looked applied after unit 3,
// and a plain down was refused).
STRATA_BACKEND_TEST(custom_a_repaired_row_keeps_its_place_in_the_applied_order) {
    auto db = temp_database::create(backend);
    auto reg = registry_of({table_unit(1, "t1"), table_unit(2, "t2"), table_unit(3, "t3")});
    strata::runner(*reg, db.url()).up();
    auto sql = open_session(db.url());
    *sql << "UPDATE strata_schema_history SET state = 'running' WHERE version = 2";  // dirty, as a crash leaves it
    std::this_thread::sleep_for(20ms);  // applied_at has millisecond precision on SQLite
    strata::runner(*reg, db.url()).repair(2, true);
    try {
        strata::runner(*reg, db.url()).down();
    } catch (const std::exception& e) {
        BOOST_ERROR("down after repair --applied of unit 2: " << e.what());
    }
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2}), boost::test_tools::per_element());
}

STRATA_BACKEND_TEST(custom_down_to_reverts_the_last_applied_first) {
    auto db = temp_database::create(backend);
    auto sql = open_session(db.url());
    const auto add_c = unit(3, "add_t_c", {{both("ALTER TABLE t ADD COLUMN c integer"), both("ALTER TABLE t DROP COLUMN c")}});
    const auto index_c = unit(2, "index_t_c", {{both("CREATE INDEX t_c_idx ON t (c)"), both("DROP INDEX t_c_idx")}});
    auto before_the_merge = registry_of({table_unit(1, "t"), add_c});
    auto release = registry_of({table_unit(1, "t"), index_c, add_c});
    strata::runner_options late;
    late.allow_out_of_order = true;
    strata::runner(*before_the_merge, db.url()).up();
    std::this_thread::sleep_for(20ms);  // applied_at has millisecond precision on SQLite
    strata::runner(*release, db.url(), late).up();
    // The expected schema is built in the order the database applied the units (team probe F9:
    // in version order unit 2's index met no column c, and diff failed).
    try {
        const auto drift = strata::runner(*release, db.url()).diff();
        BOOST_TEST(drift.differences.empty());
        BOOST_TEST(drift.applied == (versions{1, 2, 3}), boost::test_tools::per_element());
    } catch (const strata::error& e) {
        BOOST_ERROR("diff of a history applied out of order: " << e.what());
    }

    // Unit 2 came after unit 3, with a lower version: down --to 3 keeps both, and says so.
    std::vector<std::string> notices;
    strata::runner_options noticed;
    noticed.on_notice = [&](const std::string& text) { notices.push_back(text); };
    BOOST_TEST(strata::runner(*release, db.url(), noticed).down({.to = 3}).units.empty());
    BOOST_TEST(std::any_of(notices.begin(), notices.end(),
                           [](const std::string& n) {
                               return contains(n, "left applied, although applied after unit 3 add_t_c (the last applied "
                                                  "first): unit 2 index_t_c (to "
                                                  "revert it: strata down --only 2); down --to reverts the units with versions "
                                                  "above 3 only");
                           }),
               joined(notices));

    const auto report = strata::runner(*release, db.url()).down({.to = 1});
    BOOST_TEST_REQUIRE(report.units.size() == 2u);
    BOOST_TEST(report.units[0].version == 2);
    BOOST_TEST(report.units[1].version == 3);
    BOOST_TEST(recorded_versions(*sql) == (versions{1}), boost::test_tools::per_element());
    const auto log = audit_log(*sql);
    BOOST_TEST_REQUIRE(log.size() >= 2u);
    BOOST_TEST((std::vector<std::string>(log.end() - 2, log.end()) == names{"2 down ok", "3 down ok"}),
               boost::test_tools::per_element());
    const auto t = read_table(*sql, "t");  // as unit 1 made it: no c, no index
    BOOST_TEST(t.columns.size() == 1u, t);
    BOOST_TEST(t.indexes.empty(), t);
}

// Review 31: what the data-loss count read wrongly. SQLite: a quoted name and a bare one of the
// same spelling are one name (H4: the rename was missed, the values dropped). PostgreSQL: a
// composite value with a NULL field holds data (H3: IS NOT NULL is false for it); rows a forced
// row-level security policy hides from the role are not "none" (they are unread); an E'' string
// with an escaped quote in a DO block hides no DROP after it (H6).
STRATA_BACKEND_TEST(custom_the_data_loss_count_reads_quoted_names_composites_hidden_rows_and_escapes) {
    const bool sqlite = backend == strata::backend::sqlite;
    auto db = temp_database::create(backend);
    auto renamed = registry_of({
        unit(1, "create_invoices", {{both("CREATE TABLE \"Invoices\" (id integer PRIMARY KEY)"), both("DROP TABLE \"Invoices\"")}}),
        unit(2, "invoices_phone", {{both("ALTER TABLE \"Invoices\" ADD COLUMN \"contactPhone\" text"),
                                    both("ALTER TABLE \"Invoices\" DROP COLUMN \"contactPhone\"")}}),
        // Bare names on SQLite, where they are the quoted ones; PostgreSQL would fold them.
        unit(3, "invoices_rename",
             {{both(sqlite ? "ALTER TABLE Invoices RENAME COLUMN contactPhone TO contactMobile"
                           : "ALTER TABLE \"Invoices\" RENAME COLUMN \"contactPhone\" TO \"contactMobile\""),
               both(sqlite ? "ALTER TABLE Invoices RENAME COLUMN contactMobile TO contactPhone"
                           : "ALTER TABLE \"Invoices\" RENAME COLUMN \"contactMobile\" TO \"contactPhone\"")}}),
    });
    strata::runner(*renamed, db.url()).up();
    auto sql = open_session(db.url());
    *sql << "INSERT INTO \"Invoices\" (id, \"contactMobile\") VALUES (1, '555-0100')";
    const auto refused = down_refusal(*renamed, db.url(), {.steps = 2});
    BOOST_TEST_REQUIRE(refused.size() == 1u, joined(refused));
    BOOST_TEST(contains(refused[0], "unit 2 invoices_phone drops column \"Invoices\".\"contactPhone\" (named "), refused[0]);
    BOOST_TEST(contains(refused[0], "contactMobile"), refused[0]);  // quoted on PostgreSQL, bare on SQLite
    BOOST_TEST(contains(refused[0], " until this run renames it), which holds values in 1 row"), refused[0]);
    BOOST_TEST(column_names(*sql, "Invoices") == (names{"id", "contactMobile"}), boost::test_tools::per_element());
    if (sqlite) return;

    auto pg = temp_database::postgresql();
    auto units = registry_of({
        unit(1, "address_type", {{both("CREATE TYPE addr AS (street text, zip text)"), both("DROP TYPE addr")}}),
        unit(2, "shops", {{both("CREATE TABLE shops (id integer PRIMARY KEY)"), both("DROP TABLE shops")}}),
        unit(3, "shops_address", {{both("ALTER TABLE shops ADD COLUMN address addr"), both("ALTER TABLE shops DROP COLUMN address")}}),
        unit(4, "secrets", {{both("CREATE TABLE secrets (id integer); ALTER TABLE secrets ENABLE ROW LEVEL SECURITY; "
                                  "ALTER TABLE secrets FORCE ROW LEVEL SECURITY; "
                                  "CREATE POLICY hidden ON secrets FOR SELECT USING (false); "
                                  "CREATE POLICY written ON secrets FOR INSERT WITH CHECK (true)"),
                             both("DROP TABLE secrets")}}),
        unit(5, "audit", {{both("CREATE TABLE audit_trail (id integer)"),
                           both("DO $$ BEGIN RAISE NOTICE E'the audit trail, it\\'s going away'; DROP TABLE audit_trail; END $$")}}),
    });
    strata::runner(*units, pg.url()).up();
    auto psql = open_session(pg.url());
    *psql << "INSERT INTO shops (id, address) VALUES (1, ROW('Main St', NULL))";
    *psql << "INSERT INTO secrets (id) VALUES (1)";
    *psql << "INSERT INTO audit_trail (id) VALUES (1)";
    BOOST_TEST(query_value(*psql, "SELECT CAST(count(*) AS TEXT) FROM secrets") == "0", "the policy hides the row");
    const auto all = down_refusal(*units, pg.url(), {.steps = 3});
    BOOST_TEST_REQUIRE(all.size() == 3u, joined(all));
    BOOST_TEST(all[0] == "unit 5 audit drops table audit_trail with its 1 row");
    BOOST_TEST(contains(all[1], "unit 4 secrets drops table secrets, which could not be read to see whether it holds data ("),
               all[1]);
    BOOST_TEST(contains(all[1], "row-level security"), all[1]);
    BOOST_TEST(all[2] == "unit 3 shops_address drops column shops.address, which holds values in 1 row");
    BOOST_TEST(recorded_versions(*psql) == (versions{1, 2, 3, 4, 5}), boost::test_tools::per_element());

    // A unit that sets its own search_path drops its table there, not where the URL's finds
    // one of that name (review 31 H1: counted in public, not there, dropped with its rows).
    auto tenant = registry_of({
        unit(1, "app_schema", {{both("CREATE SCHEMA app"), both("DROP SCHEMA app")}}),
        unit(2, "app_ledger", {{both("SET LOCAL search_path TO app; CREATE TABLE ledger (id integer)"),
                                both("SET LOCAL search_path TO app; DROP TABLE ledger")}}),
    });
    auto other = temp_database::postgresql();
    strata::runner(*tenant, other.url()).up();
    auto osql = open_session(other.url());
    *osql << "INSERT INTO app.ledger (id) VALUES (1), (2)";
    BOOST_TEST(down_refusal(*tenant, other.url(), {}) == (names{"unit 2 app_ledger drops table ledger with its 2 rows"}),
               boost::test_tools::per_element());
    BOOST_TEST(query_value(*osql, "SELECT CAST(count(*) AS TEXT) FROM app.ledger") == "2");

    // DROP TYPE and DROP DOMAIN with CASCADE take the columns of that type with their values
    // (review 31 H2): each column counted; an empty one goes without asking.
    auto typed = registry_of({
        unit(1, "person", {{both("CREATE TABLE person (id integer)"), both("DROP TABLE person")}}),
        unit(2, "person_mood", {{both("CREATE TYPE mood AS ENUM ('sad', 'happy'); CREATE DOMAIN us_zip AS text; "
                                      "ALTER TABLE person ADD COLUMN mood mood, ADD COLUMN moods mood[], ADD COLUMN zip us_zip"),
                                 both("DROP TYPE mood CASCADE; DROP DOMAIN us_zip CASCADE")}}),
    });
    auto third = temp_database::postgresql();
    strata::runner(*typed, third.url()).up();
    auto tsql = open_session(third.url());
    *tsql << "INSERT INTO person (id, mood, zip) VALUES (1, 'happy', NULL), (2, NULL, '02134')";
    BOOST_TEST(down_refusal(*typed, third.url(), {}) ==
                   (names{"unit 2 person_mood drops column public.person.mood (of type mood, dropped with CASCADE), which "
                          "holds values in 1 row",
                          "unit 2 person_mood drops column public.person.zip (of domain us_zip, dropped with CASCADE), which "
                          "holds values in 1 row"}),
               boost::test_tools::per_element());
    BOOST_TEST(column_names(*tsql, "person") == (names{"id", "mood", "moods", "zip"}), boost::test_tools::per_element());

    // TRUNCATE ... CASCADE empties the tables referencing the one it names, each counted and
    // named (review 31 M1: only the seed rows were named, the referencing rows went unsaid).
    auto seeded = registry_of({
        unit(1, "countries", {{both("CREATE TABLE countries (code text PRIMARY KEY); CREATE TABLE addresses (id integer, "
                                    "country text REFERENCES countries); CREATE TABLE labels (address integer)"),
                               both("DROP TABLE labels; DROP TABLE addresses; DROP TABLE countries")}}),
        unit(2, "seed_countries", {{both("INSERT INTO countries VALUES ('ch'), ('de')"), both("TRUNCATE countries CASCADE")}}),
    });
    auto fourth = temp_database::postgresql();
    strata::runner(*seeded, fourth.url()).up();
    auto fsql = open_session(fourth.url());
    *fsql << "INSERT INTO addresses (id, country) VALUES (1, 'ch'), (2, NULL), (3, NULL)";
    BOOST_TEST(down_refusal(*seeded, fourth.url(), {}) ==
                   (names{"unit 2 seed_countries truncates table countries with its 2 rows",
                          "unit 2 seed_countries truncates table public.addresses (it references table countries, truncated "
                          "with CASCADE) with its 3 rows"}),
               boost::test_tools::per_element());
    BOOST_TEST(query_value(*fsql, "SELECT CAST(count(*) AS TEXT) FROM addresses") == "3");

    // DROP SCHEMA ... CASCADE: its tables counted (a schema's drop names no table, as a dropped
    // type's does not: each gets its own query).
    auto schema = registry_of({unit(1, "tenant_schema", {{both("CREATE SCHEMA tenant; CREATE TABLE tenant.notes (id integer)"),
                                                         both("DROP SCHEMA tenant CASCADE")}})});
    auto fifth = temp_database::postgresql();
    strata::runner(*schema, fifth.url()).up();
    BOOST_TEST(down_refusal(*schema, fifth.url(), {}) ==
                   (names{"unit 1 tenant_schema drops schema \"tenant\" with CASCADE, which holds 1 table"}),
               boost::test_tools::per_element());
    BOOST_TEST(recorded_versions(*open_session(fifth.url())) == (versions{1}), boost::test_tools::per_element());
}

STRATA_BACKEND_TEST(custom_a_down_of_several_statements_in_one_text_is_read_whole) {
    auto db = temp_database::create(backend);
    auto units = registry_of({unit(1, "two_tables", {{both("CREATE TABLE m1 (id integer); CREATE TABLE m2 (id integer)"),
                                                      both("DROP TABLE m2; DROP TABLE m1")}})});
    strata::runner(*units, db.url()).up();
    auto sql = open_session(db.url());
    *sql << "INSERT INTO m1 (id) VALUES (1)";
    try {
        strata::runner(*units, db.url()).down();
        BOOST_ERROR("the second statement of the down dropped m1 with its row");
    } catch (const strata::data_loss_error& e) {
        BOOST_TEST(e.losses() == (names{"unit 1 two_tables drops table m1 with its 1 row"}), boost::test_tools::per_element());
    }
    *sql << "INSERT INTO m2 (id) VALUES (1), (2)";
    try {
        strata::runner(*units, db.url()).down();
        BOOST_ERROR("the down dropped m1 and m2 with their rows");
    } catch (const strata::data_loss_error& e) {
        BOOST_TEST(e.losses() == (names{"unit 1 two_tables drops table m2 with its 2 rows",
                                        "unit 1 two_tables drops table m1 with its 1 row"}),
                   boost::test_tools::per_element());
        BOOST_TEST(contains(e.what(), "down would destroy data: unit 1 two_tables drops table m2 with its 2 rows (and 1 more, "
                                      "below); nothing was run"),
                   e.what());
    }
    BOOST_TEST(user_tables(*sql) == (names{"m1", "m2"}), boost::test_tools::per_element());
}
