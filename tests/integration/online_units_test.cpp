// Online operations (issue 4, point 3), driven by units defined here: on PostgreSQL a foreign key
// added NOT VALID and validated apart, a unique constraint built CONCURRENTLY and attached, the
// unit run outside a transaction and, when interrupted, finished by the next up without repair;
// on SQLite the plain equivalents in one transaction. Every result is read back from the
// database's own catalog with a session of our own.

#include <strata/dialect.hpp>
#include <strata/error.hpp>
#include <strata/migration.hpp>
#include <strata/registry.hpp>
#include <strata/runner.hpp>

#include <soci/soci.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/change_unit.hpp"
#include "backend_test.hpp"
#include "support/schema_history.hpp"
#include "support/schema_reader.hpp"
#include "support/schema_session.hpp"
#include "support/temp_database.hpp"
#include "support/waiting.hpp"

using namespace strata::test;
using namespace strata::schema;
using namespace std::chrono_literals;

namespace {

using names = std::vector<std::string>;
using versions = std::vector<std::int64_t>;

using strata::test::change_unit;

using unit_ptr = std::shared_ptr<const change_unit>;

unit_ptr unit(std::int64_t version, std::string name, std::function<void(builder&)> ops) {
    return std::make_shared<const change_unit>(version, std::move(name), std::move(ops));
}

/// A registry of its own, never registry::global(). It must outlive every runner built on it.
std::unique_ptr<strata::registry> registry_of(const std::vector<unit_ptr>& units) {
    auto r = std::make_unique<strata::registry>();
    for (const auto& u : units) r->add(u, "online_units_test.cpp");
    return r;
}

/// Unit 1, plain: parents(id) and children(id, parent).
unit_ptr create_tables() {
    return unit(1, "create_parents_and_children", [](builder& b) {
        b.create_table("parents", [](table& t) { t.column("id", type::bigint()).primary(); });
        b.create_table("children", [](table& t) {
            t.column("id", type::bigint()).primary();
            t.column("parent", type::bigint());
        });
    });
}

/// Unit 2: children.parent_ref referencing parents(id) ON DELETE SET NULL, unique.
unit_ptr link_children(bool online) {
    return unit(2, online ? "link_children_online" : "link_children", [online](builder& b) {
        b.add_column("children", column("parent_ref", type::bigint()).references("parents", "id").on_delete(fk_action::set_null));
        if (online) b.online();
        b.add_unique("children", {"parent_ref"});
        if (online) b.online();
    });
}

std::unique_ptr<strata::registry> online_registry() { return registry_of({create_tables(), link_children(true)}); }
std::unique_ptr<strata::registry> plain_registry() { return registry_of({create_tables(), link_children(false)}); }

constexpr const char* fkey = "children_parent_ref_fkey";
constexpr const char* ukey = "children_parent_ref_key";

// The online unit 2 on PostgreSQL runs 8 statements: 0 refuses a parent_ref of another type,
// 1 adds the column, 2 adds the key NOT VALID, 3 validates it, 4 drops an INVALID index (a
// gexec query), 5 refuses somebody else's, 6 builds the index, 7 attaches it as the unique
// constraint. The counts below are how many of them a crashed run got through.
constexpr std::size_t online_unit_statements = 8;
constexpr std::size_t done_up_to_the_column = 2;
constexpr std::size_t done_up_to_the_not_valid_key = 3;
constexpr std::size_t done_up_to_the_build = 7;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

long long count_of(soci::session& sql, const std::string& query) { return std::stoll(query_value(sql, query).value_or("-1")); }

// ---- PostgreSQL catalog read-back -------------------------------------------------------------

/// A constraint of children as "type validated update-action delete-action backing-index" (- for none);
/// nullopt when children has no constraint of that name.
std::optional<std::string> constraint_of_children(soci::session& sql, const std::string& name) {
    auto rows = query_text(sql,
                           "SELECT CAST(c.contype AS TEXT) || ' ' || CAST(c.convalidated AS TEXT) || ' ' || "
                           "coalesce(nullif(CAST(c.confupdtype AS TEXT), ' '), '-') || ' ' || "
                           "coalesce(nullif(CAST(c.confdeltype AS TEXT), ' '), '-') || ' ' || "
                           "coalesce(CAST(CAST(nullif(c.conindid, 0) AS regclass) AS TEXT), '-') "
                           "FROM pg_constraint c WHERE c.conrelid = CAST('children' AS regclass) AND c.conname = :p",
                           name);
    if (rows.size() == 0) return std::nullopt;
    return rows.rows.front().front();
}

/// Every index on children as "name valid=<bool> unique=<bool> (columns)", by name.
names indexes_of_children(soci::session& sql) {
    auto rows = query_text(sql,
                           "SELECT CAST(c.relname AS TEXT) || ' valid=' || CAST(i.indisvalid AS TEXT) || ' unique=' || "
                           "CAST(i.indisunique AS TEXT) || ' (' || pg_get_indexdef(i.indexrelid, 1, true) || ')' "
                           "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                           "WHERE i.indrelid = CAST('children' AS regclass) ORDER BY c.relname");
    names out;
    for (const auto& row : rows.rows) out.push_back(row[0].value_or("?"));
    return out;
}

/// What the online unit leaves on PostgreSQL: a validated foreign key with its actions (update
/// NO ACTION 'a', delete SET NULL 'n'), and a unique constraint backed by a valid unique index.
void expect_linked_postgresql(soci::session& sql) {
    BOOST_TEST(constraint_of_children(sql, fkey) == std::optional<std::string>("f true a n parents_pkey"));
    BOOST_TEST(constraint_of_children(sql, ukey) == std::optional<std::string>("u true - - children_parent_ref_key"));
    BOOST_TEST(indexes_of_children(sql) == (names{"children_parent_ref_key valid=true unique=true (parent_ref)",
                                                  "children_pkey valid=true unique=true (id)"}),
               boost::test_tools::per_element());
    auto t = read_table(sql, "children");
    const auto* c = t.find_column("parent_ref");
    BOOST_TEST_REQUIRE(c != nullptr, "no column parent_ref:\n" << t);
    BOOST_TEST(c->type == "bigint");
    BOOST_TEST(c->nullable);
    BOOST_TEST(t.foreign_keys == (std::vector<foreign_key_info>{{fkey, {"parent_ref"}, "parents", {"id"}, "NO ACTION", "SET NULL"}}),
               boost::test_tools::per_element());
    BOOST_TEST(t.uniques == (std::vector<unique_info>{{ukey, {"parent_ref"}, unique_info::kind::constraint}}),
               boost::test_tools::per_element());
}

/// What a dry run says the pending online unit would run: the history row written `running`
/// first, then the unit's statements.
struct planned_online_run {
    std::string running_row;  ///< the INSERT, executable
    std::vector<std::string> statements;
};

planned_online_run plan_of_pending_unit(const strata::registry& units, const strata::database_url& url) {
    strata::runner_options options;
    options.dry_run = true;
    auto script = strata::runner(units, url, options).up().script;
    const std::string insert = std::string("INSERT INTO ") + pg_history_written;
    const std::string update = std::string("UPDATE ") + pg_history_written;
    planned_online_run plan;
    auto it = std::find_if(script.begin(), script.end(), [&](const std::string& l) { return l.rfind(insert, 0) == 0; });
    BOOST_TEST_REQUIRE((it != script.end()), "no history insert in the dry run:\n" << joined(script));
    BOOST_TEST_REQUIRE(contains(*it, "'running'"), "the dry run does not write the row 'running' first:\n" << joined(script));
    // The script's rows carry real values: it runs as-is.
    plan.running_row = *it;
    // The statements, up to the transaction that marks the row applied and logs the run.
    for (++it; it != script.end() && *it != "BEGIN"; ++it) plan.statements.push_back(*it);
    BOOST_TEST_REQUIRE((it != script.end() && it + 1 != script.end()), "no history update after the statements:\n" << joined(script));
    BOOST_TEST_REQUIRE((it + 1)->rfind(update, 0) == 0, *(it + 1));
    BOOST_TEST_REQUIRE(contains(*(it + 1), "'applied'"), *(it + 1));
    return plan;
}

/// A run of strata killed after the first `done` statements of the online unit: its history
/// row says running, the statements before `done` ran (each committed on its own).
planned_online_run crash_after(const strata::registry& units, const strata::database_url& url, soci::session& sql,
                               std::size_t done) {
    auto plan = plan_of_pending_unit(units, url);
    BOOST_TEST_REQUIRE(plan.statements.size() >= done);
    sql << plan.running_row;
    for (std::size_t i = 0; i < done; ++i) {
        // As the runner runs it: a gexec statement's rows are the statements.
        if (auto query = strata::gexec_query(plan.statements[i])) {
            for (const auto& row : query_text(sql, std::string(*query)).rows)
                for (const auto& value : row)
                    if (value) sql << *value;
            continue;
        }
        sql << plan.statements[i];
    }
    return plan;
}


}  // namespace

// ---------------------------------------------------------------------------------------------
// Both databases: the online unit leaves the schema its plain form leaves, down restores the
// schema exactly, and up again works.

STRATA_BACKEND_TEST(online_unit_builds_what_its_plain_form_builds_and_down_restores_the_schema) {
    auto plain_db = temp_database::create(backend);
    auto plain = plain_registry();
    strata::runner(*plain, plain_db.url()).up();
    auto plain_sql = open_session(plain_db.url());
    const auto expected = user_schema(*plain_sql);

    auto db = temp_database::create(backend);
    auto reg = online_registry();
    auto sql = open_session(db.url());
    strata::runner(*reg, db.url()).up(1);
    const auto before = read_schema(*sql);
    BOOST_TEST_REQUIRE(before.find("children") != nullptr);

    auto report = strata::runner(*reg, db.url()).up();
    BOOST_TEST_REQUIRE(report.units.size() == 1u);
    BOOST_TEST(report.units[0].version == 2);
    BOOST_TEST(recorded_versions(*sql) == (versions{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("applied"));
    BOOST_TEST(status_lines(*reg, db.url()) == (names{"1 applied", "2 applied"}), boost::test_tools::per_element());
    const auto after = user_schema(*sql);
    BOOST_TEST((after == expected), schema_diff(expected, after));
    if (backend == strata::backend::postgresql) expect_linked_postgresql(*sql);

    auto back = strata::runner(*reg, db.url()).down();
    BOOST_TEST_REQUIRE(back.units.size() == 1u);
    BOOST_TEST(back.units[0].version == 2);
    const auto reverted = read_schema(*sql);
    BOOST_TEST((reverted == before), schema_diff(before, reverted));
    BOOST_TEST(recorded_versions(*sql) == (versions{1}), boost::test_tools::per_element());
    if (backend == strata::backend::postgresql)
        BOOST_TEST(indexes_of_children(*sql) == (names{"children_pkey valid=true unique=true (id)"}), boost::test_tools::per_element());

    strata::runner(*reg, db.url()).up();
    const auto again = user_schema(*sql);
    BOOST_TEST((again == expected), schema_diff(expected, again));
    BOOST_TEST(audit_log(*sql) == (names{"1 up ok", "2 up ok", "2 down ok", "2 up ok"}), boost::test_tools::per_element());
}

// The database enforces what the online unit declares: a dangling reference and a second child
// of the same parent are refused, deleting the parent sets the reference to NULL.
STRATA_BACKEND_TEST(online_unit_constraints_are_enforced) {
    auto db = temp_database::create(backend);
    auto reg = online_registry();
    strata::runner(*reg, db.url()).up();
    auto sql = open_session(db.url());
    *sql << "INSERT INTO parents (id) VALUES (1), (2)";
    *sql << "INSERT INTO children (id, parent, parent_ref) VALUES (10, NULL, 1), (11, NULL, NULL), (12, NULL, NULL)";
    BOOST_CHECK_THROW(*sql << "INSERT INTO children (id, parent_ref) VALUES (20, 99)", soci::soci_error);
    BOOST_CHECK_THROW(*sql << "INSERT INTO children (id, parent_ref) VALUES (21, 1)", soci::soci_error);
    *sql << "INSERT INTO children (id, parent_ref) VALUES (22, 2)";
    *sql << "DELETE FROM parents WHERE id = 1";
    BOOST_TEST(query_text(*sql, "SELECT CAST(id AS TEXT), CAST(parent_ref AS TEXT) FROM children ORDER BY id") ==
               (text_rows{{{"10", std::nullopt}, {"11", std::nullopt}, {"12", std::nullopt}, {"22", "2"}}}));
}

// ---------------------------------------------------------------------------------------------
// What the runner runs: on PostgreSQL outside a transaction, the row `running` first; on SQLite
// the plain statements inside one transaction.

STRATA_BACKEND_TEST(online_unit_dry_run_shows_how_it_runs) {
    auto db = temp_database::create(backend);
    auto reg = online_registry();
    strata::runner(*reg, db.url()).up(1);
    strata::runner_options options;
    options.dry_run = true;
    auto script = strata::runner(*reg, db.url(), options).up().script;
    const bool postgresql = backend == strata::backend::postgresql;
    const std::string history_quoted = postgresql ? pg_history_written : std::string("\"") + history_table + "\"";
    const std::string log_quoted = postgresql ? pg_log_written : std::string("\"") + log_table + "\"";
    names shape;
    for (const auto& line : script) {
        if (line.rfind("-- not in a transaction", 0) == 0)
            shape.push_back("<not in a transaction>");
        else if (line.rfind("--", 0) == 0)
            continue;
        else if (line.rfind("INSERT INTO " + history_quoted, 0) == 0)
            shape.push_back(contains(line, "'running'") ? "<record running>" : contains(line, "'applied'") ? "<record applied>" : line);
        else if (line.rfind("UPDATE " + history_quoted, 0) == 0)
            shape.push_back(contains(line, "'applied'") ? "<mark applied>" : line);
        else if (line.rfind("INSERT INTO " + log_quoted, 0) == 0)
            shape.push_back("<log>");
        else if (line.rfind("DO $strata$", 0) == 0)
            shape.push_back(contains(line, "NOT VALID")                                          ? "<add fkey not valid>"
                            : contains(line, "USING INDEX")                                      ? "<attach unique>"
                            : contains(line, "column % exists but is not the one this unit adds") ? "<refuse another column>"
                            : contains(line, "exists and is not an index")                       ? "<refuse another index>"
                                                                                                 : line);
        else if (strata::gexec_query(line) && contains(line, "NOT i.indisvalid"))
            shape.push_back("<drop invalid index>");
        else
            shape.push_back(line);
    }
    names expected;
    if (backend == strata::backend::postgresql)
        expected = {"<not in a transaction>",
                    "<record running>",
                    "<refuse another column>",
                    R"(ALTER TABLE "children" ADD COLUMN IF NOT EXISTS "parent_ref" BIGINT)",
                    "<add fkey not valid>",
                    R"(ALTER TABLE "children" VALIDATE CONSTRAINT "children_parent_ref_fkey")",
                    "<drop invalid index>",
                    "<refuse another index>",
                    R"(CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "children_parent_ref_key" ON "children" ("parent_ref"))",
                    "<attach unique>",
                    "BEGIN",  // the row marked applied and the audit row, together
                    "<mark applied>",
                    "<log>",
                    "COMMIT"};
    else
        expected = {"PRAGMA foreign_keys = ON",  // the script runs as strata's connection does
                    "BEGIN IMMEDIATE",
                    R"(ALTER TABLE "children" ADD COLUMN "parent_ref" BIGINT CONSTRAINT "children_parent_ref_fkey" REFERENCES "parents" ("id") ON DELETE SET NULL CHECK ("parent_ref" BETWEEN -9223372036854775808 AND 9223372036854775807))",
                    R"(CREATE UNIQUE INDEX "children_parent_ref_key" ON "children" ("parent_ref"))",
                    "<record applied>",
                    "<log>",
                    "COMMIT"};
    BOOST_TEST(shape == expected, boost::test_tools::per_element());
}

// A failure half-way: SQLite rolls the whole unit back; PostgreSQL keeps the finished steps, the
// unit is interrupted (pending, not dirty) and the next up finishes it once the cause is fixed.
STRATA_BACKEND_TEST(online_unique_failing_on_duplicates_is_rolled_back_or_interrupted_then_finished) {
    auto db = temp_database::create(backend);
    // Unit 2 adds a unique constraint on children.parent, which holds duplicates.
    auto dup = registry_of({create_tables(), unit(2, "unique_parent_online", [](builder& b) {
                                b.add_unique("children", {"parent"}).online();
                            })});
    strata::runner(*dup, db.url()).up(1);
    auto sql = open_session(db.url());
    *sql << "INSERT INTO children (id, parent) VALUES (10, 1), (11, 1), (12, 2)";

    try {
        strata::runner(*dup, db.url()).up();
        BOOST_ERROR("up() built a unique constraint over duplicate values");
    } catch (const strata::migration_error& e) {
        BOOST_TEST(e.context().version.value_or(0) == 2);
        if (backend == strata::backend::postgresql) {
            BOOST_TEST(contains(e.what(), "run strata up again"), e.what());
            BOOST_TEST(!contains(e.what(), "strata repair"), e.what());
            BOOST_TEST(contains(e.what(), "strata dropped what the failed step had half-built: unique index children_parent_key "
                                          "on children, left INVALID by its build (up builds it again)"),
                       e.what());
        }
    }
    if (backend == strata::backend::postgresql) {
        BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("running"));
        BOOST_TEST(status_lines(*dup, db.url()) == (names{"1 applied", "2 pending interrupted"}), boost::test_tools::per_element());
        BOOST_TEST(strata::runner(*dup, db.url()).validate().empty(), "an interrupted online unit should not be a problem");
        // The failed concurrent build left its index INVALID: strata dropped it.
        BOOST_TEST(indexes_of_children(*sql) == (names{"children_pkey valid=true unique=true (id)"}), boost::test_tools::per_element());
    } else {
        BOOST_TEST(history_state(*sql, 2) == std::nullopt, "SQLite runs the unit in one transaction: nothing should stay");
        BOOST_TEST(status_lines(*dup, db.url()) == (names{"1 applied", "2 pending"}), boost::test_tools::per_element());
        BOOST_TEST(read_table(*sql, "children").uniques.empty(), read_table(*sql, "children"));
    }

    *sql << "UPDATE children SET parent = NULL WHERE id = 11";
    std::vector<std::string> notices;
    strata::runner_options options;
    options.on_notice = [&](const std::string& text) { notices.push_back(text); };
    auto report = strata::runner(*dup, db.url(), options).up();
    BOOST_TEST_REQUIRE(report.units.size() == 1u);
    BOOST_TEST(report.units[0].version == 2);
    BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("applied"));
    BOOST_TEST(status_lines(*dup, db.url()) == (names{"1 applied", "2 applied"}), boost::test_tools::per_element());
    BOOST_TEST(read_table(*sql, "children").uniques ==
                   (std::vector<unique_info>{{"children_parent_key", {"parent"},
                                              backend == strata::backend::postgresql ? unique_info::kind::constraint
                                                                                     : unique_info::kind::index}}),
               boost::test_tools::per_element());
    if (backend == strata::backend::postgresql) {
        BOOST_TEST(indexes_of_children(*sql) == (names{"children_parent_key valid=true unique=true (parent)",
                                                       "children_pkey valid=true unique=true (id)"}),
                   boost::test_tools::per_element());
        BOOST_TEST(std::any_of(notices.begin(), notices.end(), [](const std::string& n) { return contains(n, "resuming unit 2"); }),
                   "no notice about resuming; notices:\n" << joined(notices));
        BOOST_TEST(audit_log(*sql) == (names{"1 up ok", "2 up failed", "2 up ok"}), boost::test_tools::per_element());
    }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL only.

BOOST_AUTO_TEST_SUITE(postgresql)

// A foreign key whose validation fails on existing rows: the unit is interrupted and the key it
// added NOT VALID is dropped again (it would refuse the application's writes meanwhile); once the
// rows are fixed, up adds and validates it.
BOOST_AUTO_TEST_CASE(online_foreign_key_failing_validation_is_interrupted_then_finished) {
    auto db = temp_database::postgresql();
    auto reg = registry_of({create_tables(), unit(2, "parent_fkey_online", [](builder& b) {
                                b.add_foreign_key("children", {.columns = {"parent"}, .ref_table = "parents", .ref_columns = {"id"}})
                                    .online();
                            })});
    strata::runner(*reg, db.url()).up(1);
    auto sql = open_session(db.url());
    *sql << "INSERT INTO parents (id) VALUES (1)";
    *sql << "INSERT INTO children (id, parent) VALUES (10, 1), (11, 7)";

    try {
        strata::runner(*reg, db.url()).up();
        BOOST_ERROR("up() validated a foreign key that child 11 violates");
    } catch (const strata::migration_error& e) {
        BOOST_TEST(e.context().statement == R"(ALTER TABLE "children" VALIDATE CONSTRAINT "children_parent_fkey")");
        BOOST_TEST(e.context().sqlstate == "23503");  // foreign_key_violation
        BOOST_TEST(contains(e.what(), "run strata up again"), e.what());
        BOOST_TEST(contains(e.what(), "strata dropped what the failed step had half-built: foreign key children_parent_fkey on "
                                      "children, added NOT VALID (up builds it again)"),
                   e.what());
    }
    BOOST_TEST(constraint_of_children(*sql, "children_parent_fkey") == std::nullopt);
    BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("running"));
    BOOST_TEST(status_lines(*reg, db.url()) == (names{"1 applied", "2 pending interrupted"}), boost::test_tools::per_element());
    // Writes go on as before the release.
    BOOST_CHECK_NO_THROW(*sql << "INSERT INTO children (id, parent) VALUES (12, 8)");
    *sql << "DELETE FROM children WHERE id = 12";
    // Run again before the rows are fixed: a resumed run cannot tell its own half-built key from
    // one added by hand since, and says so.
    try {
        strata::runner(*reg, db.url()).up();
        BOOST_ERROR("up() validated a foreign key that child 11 violates");
    } catch (const strata::migration_error& e) {
        BOOST_TEST(contains(e.what(), "(up builds it again); this run resumed the unit, which takes what it finds under its "
                                      "names as its own: if somebody had added one by hand since the last run, add it again"),
                   e.what());
    }
    BOOST_TEST(constraint_of_children(*sql, "children_parent_fkey") == std::nullopt);

    *sql << "INSERT INTO parents (id) VALUES (7)";
    strata::runner(*reg, db.url()).up();
    BOOST_TEST(constraint_of_children(*sql, "children_parent_fkey") == std::optional<std::string>("f true a a parents_pkey"));
    BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("applied"));
    BOOST_TEST(read_table(*sql, "children").foreign_keys.size() == 1u);
}

// The brief's crash: the column and the NOT VALID key were added, a concurrent build of the
// unique index was killed (an INVALID index of that name stays), the process died with the
// history row `running`. The next up finishes the unit without a repair.
BOOST_AUTO_TEST_CASE(online_unit_resumes_after_a_crash_that_left_an_invalid_index) {
    auto db = temp_database::postgresql();
    auto reg = online_registry();
    strata::runner(*reg, db.url()).up(1);
    auto sql = open_session(db.url());
    *sql << "INSERT INTO parents (id) VALUES (1), (2), (3)";
    *sql << "INSERT INTO children (id, parent) VALUES (10, 1), (11, 2), (12, 3)";

    auto plan = crash_after(*reg, db.url(), *sql, done_up_to_the_not_valid_key);
    BOOST_TEST_REQUIRE(plan.statements.size() == online_unit_statements, joined(plan.statements));
    BOOST_TEST(constraint_of_children(*sql, fkey) == std::optional<std::string>("f false a n parents_pkey"));
    // The killed build: duplicates make CREATE UNIQUE INDEX CONCURRENTLY fail half-way.
    *sql << "UPDATE children SET parent_ref = 1 WHERE id IN (10, 11)";
    *sql << "UPDATE children SET parent_ref = 3 WHERE id = 12";
    BOOST_CHECK_THROW(*sql << "CREATE UNIQUE INDEX CONCURRENTLY children_parent_ref_key ON children (parent_ref)", soci::soci_error);
    *sql << "UPDATE children SET parent_ref = 2 WHERE id = 11";
    BOOST_TEST_REQUIRE(indexes_of_children(*sql) == (names{"children_parent_ref_key valid=false unique=true (parent_ref)",
                                                           "children_pkey valid=true unique=true (id)"}),
                       boost::test_tools::per_element());

    // status: pending and interrupted, not dirty; nothing to report as a problem.
    auto status = strata::runner(*reg, db.url()).status();
    BOOST_TEST_REQUIRE(status.size() == 2u);
    BOOST_TEST(strata::to_string(status[1].state) == std::string("pending"));
    BOOST_TEST(status[1].interrupted);
    BOOST_TEST(!status[0].interrupted);
    BOOST_TEST(strata::runner(*reg, db.url()).validate().empty());

    std::vector<std::string> notices;
    strata::runner_options options;
    options.on_notice = [&](const std::string& text) { notices.push_back(text); };
    const auto started = read_history(*sql).at(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    auto report = strata::runner(*reg, db.url(), options).up();
    BOOST_TEST_REQUIRE(report.units.size() == 1u);
    BOOST_TEST(report.units[0].version == 2);

    expect_linked_postgresql(*sql);
    BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("applied"));
    // Applied when the run that finished it did, not when the crashed one began (down --only
    // orders units by it).
    BOOST_TEST(read_history(*sql).at(1).applied_at_seconds > started.applied_at_seconds + 0.015,
               started << " then " << read_history(*sql).at(1));
    BOOST_TEST(count_of(*sql, std::string("SELECT CAST(count(*) AS TEXT) FROM ") + history_table) == 2);
    BOOST_TEST(status_lines(*reg, db.url()) == (names{"1 applied", "2 applied"}), boost::test_tools::per_element());
    BOOST_TEST(std::any_of(notices.begin(), notices.end(),
                           [](const std::string& n) { return contains(n, "resuming unit 2 link_children_online"); }),
               "no notice about resuming; notices:\n" << joined(notices));
    BOOST_TEST(query_text(*sql, "SELECT CAST(id AS TEXT), CAST(parent_ref AS TEXT) FROM children ORDER BY id") ==
               (text_rows{{{"10", "1"}, {"11", "2"}, {"12", "3"}}}));
    // Down of the resumed unit is exact too (the row written by the crashed run stored the down).
    strata::runner(*reg, db.url(), {.allow_data_loss = true}).down();
    BOOST_TEST(indexes_of_children(*sql) == (names{"children_pkey valid=true unique=true (id)"}), boost::test_tools::per_element());
    BOOST_TEST(read_table(*sql, "children").find_column("parent_ref") == nullptr);
}

/// Runs `command` (a run that drops an index CONCURRENTLY) while `reader`, a report's
/// transaction, is idle on children: the drop waits for it, and meanwhile the application's
/// INSERT (`insert`) goes through, not queued behind the drop. Then the reader ends and the
/// command finishes.
void expect_writes_pass_a_waiting_drop(const temp_database& db, soci::session& sql, std::unique_ptr<soci::session>& reader,
                                       const std::string& insert, const std::function<void()>& command) {
    std::exception_ptr failure;
    std::thread running([&] {
        try {
            command();
        } catch (...) {
            failure = std::current_exception();
        }
    });
    struct joiner {
        std::thread& t;
        std::unique_ptr<soci::session>& reader;
        ~joiner() {
            reader.reset();  // ends its transaction, so the command can finish
            if (t.joinable()) t.join();
        }
    } join_at_exit{running, reader};

    const bool dropping = eventually([&] {
        return count_of(sql, "SELECT CAST(count(*) AS TEXT) FROM pg_stat_activity WHERE datname = current_database() AND "
                             "wait_event_type = 'Lock' AND starts_with(query, 'DROP INDEX CONCURRENTLY')") == 1;
    });
    BOOST_TEST_REQUIRE(dropping, "no DROP INDEX CONCURRENTLY waiting for the reader");
    auto writer = open_session(db.url());
    *writer << "SET statement_timeout = '5s'";
    *writer << insert;

    reader.reset();
    running.join();
    if (failure) {
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& e) {
            BOOST_ERROR("the run failed: " << e.what());
        }
    }
}

// A killed build's INVALID index is dropped CONCURRENTLY by the up that finishes the unit: while
// the drop waits for a report's transaction on the table, the application's writes go through
// (a plain DROP INDEX would queue them behind its ACCESS EXCLUSIVE lock request).
BOOST_AUTO_TEST_CASE(online_unit_drops_a_killed_builds_invalid_index_without_blocking_writes) {
    auto db = temp_database::postgresql();
    auto reg = registry_of({create_tables(), unit(2, "index_parent", [](builder& b) {
                                b.create_index("children", {"parent"}).online();
                            })});
    strata::runner(*reg, db.url()).up(1);
    auto sql = open_session(db.url());
    *sql << "INSERT INTO parents (id) VALUES (1), (2)";
    *sql << "INSERT INTO children (id, parent) VALUES (10, 1), (11, 1)";
    // Killed before its build finished: the row says running, an INVALID index of its name is left.
    crash_after(*reg, db.url(), *sql, 0);
    BOOST_CHECK_THROW(*sql << "CREATE UNIQUE INDEX CONCURRENTLY children_parent_idx ON children (parent)", soci::soci_error);
    BOOST_TEST_REQUIRE(indexes_of_children(*sql) == (names{"children_parent_idx valid=false unique=true (parent)",
                                                           "children_pkey valid=true unique=true (id)"}),
                       boost::test_tools::per_element());

    auto reader = open_session(db.url());  // a report's transaction, idle on children
    *reader << "BEGIN";
    query_value(*reader, "SELECT CAST(count(*) AS TEXT) FROM children");
    expect_writes_pass_a_waiting_drop(db, *sql, reader, "INSERT INTO children (id, parent) VALUES (100, 2)", [&] {
        strata::runner_options options;
        options.ddl_lock_timeout = 60s;  // the wait is the reader's
        strata::runner(*reg, db.url(), options).up();
    });
    BOOST_TEST(indexes_of_children(*sql) == (names{"children_parent_idx valid=true unique=false (parent)",
                                                   "children_pkey valid=true unique=true (id)"}),
               boost::test_tools::per_element());
    BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("applied"));
    BOOST_TEST(count_of(*sql, "SELECT CAST(count(*) AS TEXT) FROM children WHERE id = 100") == 1);
}

/// What status says of each step of the interrupted unit 2: "<state> <operation>[: detail]".
names steps_of_unit_2(const strata::registry& units, const strata::database_url& url) {
    names out;
    for (const auto& s : strata::runner(units, url).status())
        if (s.version == 2)
            for (const auto& step : s.steps)
                out.push_back(std::string(strata::to_string(step.state)) + " " + step.operation +
                              (step.detail.empty() ? "" : ": " + step.detail));
    return out;
}

/// Reverts the interrupted unit 2 with down(): one unit, reported as half-done, the history
/// row gone, a `down ok` audit row saying so, and the schema `before` back. Then up applies it
/// whole.
void expect_rolled_back(const strata::registry& units, const temp_database& db, soci::session& sql,
                        const database_schema& before, bool drops_data = true) {
    // What the finished steps added goes, with what was written there.
    auto report = strata::runner(units, db.url(), {.allow_data_loss = true}).down();
    BOOST_TEST_REQUIRE(report.units.size() == 1u);
    BOOST_TEST(report.units[0].version == 2);
    BOOST_TEST(report.units[0].half_done);
    const auto after = read_schema(sql);
    BOOST_TEST((after == before), schema_diff(before, after));
    BOOST_TEST(recorded_versions(sql) == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(status_lines(units, db.url()) == (names{"1 applied", "2 pending"}), boost::test_tools::per_element());
    auto log = audit_log(sql);
    BOOST_TEST_REQUIRE(!log.empty());
    BOOST_TEST(log.back() == "2 down ok");
    BOOST_TEST(query_value(sql, "SELECT message FROM strata_schema_log WHERE action = 'down' AND version = 2") ==
               std::optional<std::string>(std::string("its up had been interrupted half-way: undid what its finished steps did") +
                                          (drops_data ? "; what it drops was not counted: --allow-data-loss" : "")));
}

// The 3 a.m. rollback: down of an online unit interrupted after any number of its statements
// (0 to all but the last: a run that got through all of them had its row marked applied).
// status says how far each step got, as the schema shows it; a dry run changes nothing; down
// undoes exactly the steps that finished (each step's inverse, only where it is there) and
// removes the row; the schema is the one before the unit, and up applies the unit whole again.
BOOST_AUTO_TEST_CASE(down_undoes_an_online_unit_interrupted_at_any_statement) {
    const std::vector<names> expected_steps{
        {"not done add_column children.parent_ref", "not done add_unique children.children_parent_ref_key"},
        {"not done add_column children.parent_ref", "not done add_unique children.children_parent_ref_key"},
        {"partly add_column children.parent_ref: column added, its foreign key children_parent_ref_fkey not yet",
         "not done add_unique children.children_parent_ref_key"},
        {"partly add_column children.parent_ref: column added, its foreign key children_parent_ref_fkey added NOT VALID, not "
         "validated yet",
         "not done add_unique children.children_parent_ref_key"},
        {"done add_column children.parent_ref", "not done add_unique children.children_parent_ref_key"},
        {"done add_column children.parent_ref", "not done add_unique children.children_parent_ref_key"},
        {"done add_column children.parent_ref", "not done add_unique children.children_parent_ref_key"},
        {"done add_column children.parent_ref",
         "partly add_unique children.children_parent_ref_key: index children_parent_ref_key built, not attached as the "
         "constraint yet"},
    };
    for (std::size_t done = 0; done < online_unit_statements; ++done) {
        BOOST_TEST_CONTEXT("crashed after " << done << " statement(s)") {
            auto db = temp_database::postgresql();
            auto reg = online_registry();
            strata::runner(*reg, db.url()).up(1);
            auto sql = open_session(db.url());
            *sql << "INSERT INTO parents (id) VALUES (1), (2)";
            *sql << "INSERT INTO children (id, parent) VALUES (10, 1), (11, 2)";
            const auto before = read_schema(*sql);
            crash_after(*reg, db.url(), *sql, done);
            BOOST_TEST(status_lines(*reg, db.url()) == (names{"1 applied", "2 pending interrupted"}), boost::test_tools::per_element());
            BOOST_TEST(steps_of_unit_2(*reg, db.url()) == expected_steps[done], boost::test_tools::per_element());

            const auto crashed = read_schema(*sql);
            strata::runner_options dry;
            dry.dry_run = true;
            auto script = strata::runner(*reg, db.url(), dry).down().script;
            BOOST_TEST(contains(joined(script), "DROP COLUMN \"parent_ref\""), joined(script));
            const auto still = read_schema(*sql);
            BOOST_TEST((still == crashed), schema_diff(crashed, still));
            BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("running"));

            expect_rolled_back(*reg, db, *sql, before);
            strata::runner(*reg, db.url()).up();
            expect_linked_postgresql(*sql);
        }
    }
}

// Every kind of online step in one unit (a column, a reversible backfill, a check, NOT NULL, a
// partial index), interrupted after any number of its statements: down puts the schema back
// (the backfill's way back runs in batches too, so this rollback runs outside a transaction).
BOOST_AUTO_TEST_CASE(down_undoes_every_kind_of_online_step_interrupted_at_any_statement) {
    auto every_kind = registry_of({create_tables(), unit(2, "every_online_step", [](builder& b) {
                                       b.add_column("children", column("note", type::text())).online();
                                       b.backfill("children", "\"note\" = 'x'", "\"note\" IS NULL", 1)
                                           .down("\"note\" = NULL", "\"note\" IS NOT NULL");
                                       b.add_check("children", "children_id_positive", "\"id\" > 0").online();
                                       b.change_column("children", column("parent", type::bigint()),
                                                       column("parent", type::bigint()).not_null())
                                           .online();
                                       b.create_index("children", {"parent"}).where("\"parent\" > 0").online();
                                   })});
    std::size_t statements = 0;
    for (std::size_t done = 0; statements == 0 || done < statements; ++done) {
        BOOST_TEST_CONTEXT("crashed after " << done << " statement(s)") {
            auto db = temp_database::postgresql();
            strata::runner(*every_kind, db.url()).up(1);
            auto sql = open_session(db.url());
            *sql << "INSERT INTO parents (id) VALUES (1), (2)";
            *sql << "INSERT INTO children (id, parent) VALUES (10, 1), (11, 2)";
            const auto before = read_schema(*sql);
            statements = crash_after(*every_kind, db.url(), *sql, done).statements.size();
            BOOST_TEST_REQUIRE(statements > 8u);
            auto steps = steps_of_unit_2(*every_kind, db.url());
            BOOST_TEST(steps.size() == 5u, joined(steps));
            expect_rolled_back(*every_kind, db, *sql, before);
            strata::runner(*every_kind, db.url()).up();
            BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("applied"));
        }
    }
}

// The brief's case: a failed deploy left the column and key added, and the unique index build
// failed on two rows sharing a value. strata drops the INVALID index the build leaves (it would
// refuse duplicate writes meanwhile); one left by a build strata did not see fail (a killed
// run, an older strata) is dropped by down, with the key and the column.
BOOST_AUTO_TEST_CASE(down_undoes_an_online_unit_whose_index_build_failed) {
    auto db = temp_database::postgresql();
    auto reg = online_registry();
    strata::runner(*reg, db.url()).up(1);
    auto sql = open_session(db.url());
    *sql << "INSERT INTO parents (id) VALUES (1), (2)";
    *sql << "INSERT INTO children (id, parent) VALUES (10, 1), (11, 2)";
    const auto before = read_schema(*sql);
    crash_after(*reg, db.url(), *sql, done_up_to_the_not_valid_key);
    *sql << "UPDATE children SET parent_ref = 1";  // two children share a parent: the unique build fails
    try {
        strata::runner(*reg, db.url()).up();
        BOOST_ERROR("up() built a unique index over duplicates");
    } catch (const strata::migration_error& e) {
        BOOST_TEST(contains(e.what(), "strata down to undo what its finished steps did"), e.what());
        BOOST_TEST(contains(e.what(), "strata dropped what the failed step had half-built: unique index "
                                      "children_parent_ref_key on children, left INVALID by its build"),
                   e.what());
    }
    BOOST_TEST(indexes_of_children(*sql) == (names{"children_pkey valid=true unique=true (id)"}), boost::test_tools::per_element());
    BOOST_TEST(steps_of_unit_2(*reg, db.url()) ==
                   (names{"done add_column children.parent_ref", "not done add_unique children.children_parent_ref_key"}),
               boost::test_tools::per_element());
    BOOST_CHECK_THROW(*sql << "CREATE UNIQUE INDEX CONCURRENTLY children_parent_ref_key ON children (parent_ref)", soci::soci_error);
    BOOST_TEST_REQUIRE(indexes_of_children(*sql) == (names{"children_parent_ref_key valid=false unique=true (parent_ref)",
                                                           "children_pkey valid=true unique=true (id)"}),
                       boost::test_tools::per_element());
    BOOST_TEST(steps_of_unit_2(*reg, db.url()) ==
                   (names{"done add_column children.parent_ref",
                          "partly add_unique children.children_parent_ref_key: an INVALID index children_parent_ref_key is left "
                          "by a build (or a concurrent drop) that failed or was killed (up drops and builds it again, down drops it)"}),
               boost::test_tools::per_element());
    // The rollback drops the column the application has written to: not without saying so.
    try {
        strata::runner(*reg, db.url()).down();
        BOOST_ERROR("the rollback dropped children.parent_ref with its values");
    } catch (const strata::data_loss_error& e) {
        BOOST_TEST(e.losses() == (names{"unit 2 link_children_online drops column \"children\".\"parent_ref\", which holds "
                                        "values in 2 rows"}),
                   boost::test_tools::per_element());
    }
    expect_rolled_back(*reg, db, *sql, before);
}

// The rollback of an online unit drops the index it built CONCURRENTLY (review 25 L3): while it
// waits for a transaction on the table, the application's writes go on, where a plain DROP INDEX
// would queue them behind its lock.
BOOST_AUTO_TEST_CASE(down_drops_an_online_units_index_without_blocking_writes) {
    auto db = temp_database::postgresql();
    auto reg = online_registry();
    strata::runner(*reg, db.url()).up(1);
    auto sql = open_session(db.url());
    *sql << "INSERT INTO parents (id) VALUES (1)";
    const auto before = read_schema(*sql);
    crash_after(*reg, db.url(), *sql, done_up_to_the_build);
    BOOST_TEST_REQUIRE(indexes_of_children(*sql) == (names{"children_parent_ref_key valid=true unique=true (parent_ref)",
                                                           "children_pkey valid=true unique=true (id)"}),
                       boost::test_tools::per_element());

    // A dry run's script keeps it for psql: the query, then \gexec, outside a transaction.
    strata::runner_options dry;
    dry.dry_run = true;
    const auto script = strata::runner(*reg, db.url(), dry).down().script;
    const auto drop = std::find_if(script.begin(), script.end(), [](const std::string& line) {
        return strata::gexec_query(line) && contains(line, "SELECT 'DROP INDEX CONCURRENTLY IF EXISTS '");
    });
    BOOST_TEST_REQUIRE((drop != script.end()), joined(script));
    BOOST_TEST((std::find(script.begin(), drop, "BEGIN") == drop), joined(script));
    // Undoing a half-done up leaves a half-done up: the row stays 'running' (review 28 L1).
    BOOST_TEST(contains(joined(script), "the history row says 'running' meanwhile"), joined(script));

    auto reader = open_session(db.url());  // a report's transaction, idle on children
    *reader << "BEGIN";
    query_value(*reader, "SELECT CAST(count(*) AS TEXT) FROM children");
    const std::string reader_pid = query_value(*reader, "SELECT CAST(pg_backend_pid() AS TEXT)").value_or("?");

    // Given 1 s and no retry, the drop gives up (review 27 L1, L2): the error names the statement
    // that waited, not the catalog query it came from, and who holds the table; the row still
    // says what is there, a half-done up (up finishes it, down undoes it), not an interrupted down.
    {
        strata::runner_options impatient;
        impatient.ddl_lock_timeout = 1s;
        impatient.ddl_lock_retries = 0;
        try {
            strata::runner(*reg, db.url(), impatient).down();
            BOOST_ERROR("the down did not wait for the reader");
        } catch (const strata::error& e) {
            BOOST_TEST(e.context().statement == "DROP INDEX CONCURRENTLY IF EXISTS children_parent_ref_key");
            BOOST_TEST(contains(e.what(), "the lock on children is held by pid " + reader_pid + " ("), e.what());
            BOOST_TEST(!contains(e.what(), "; on "), "a holder named twice: " << e.what());  // review 28 L3
            BOOST_TEST(contains(e.what(), "fix the cause and run strata up to finish it, or strata down to undo what its "
                                          "finished steps did"),
                       e.what());
        }
        BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("running"));
        const auto status = strata::runner(*reg, db.url()).status();
        BOOST_TEST_REQUIRE(status.size() == 2u);
        BOOST_TEST(status[1].interrupted);
        BOOST_TEST(!status[1].reverting);
    }

    expect_writes_pass_a_waiting_drop(db, *sql, reader, "INSERT INTO children (id, parent) VALUES (100, 1)", [&] {
        strata::runner_options options;
        options.ddl_lock_timeout = 60s;  // the wait is the reader's
        strata::runner(*reg, db.url(), options).down();
    });
    BOOST_TEST(indexes_of_children(*sql) == (names{"children_pkey valid=true unique=true (id)"}), boost::test_tools::per_element());
    BOOST_TEST(count_of(*sql, "SELECT CAST(count(*) AS TEXT) FROM children WHERE id = 100") == 1);
    BOOST_TEST(recorded_versions(*sql) == (std::vector<std::int64_t>{1}), boost::test_tools::per_element());
    const auto after = read_schema(*sql).without(history_table).without(log_table);
    const auto expected = before.without(history_table).without(log_table);
    BOOST_TEST(after == expected, schema_diff(expected, after));
}

// The same when the new release's own down of it was stopped too (its row says reverting), after
// the index was built (review 23's missing test): the older build finishes that down from the
// stored inverses, the index dropped CONCURRENTLY outside a transaction.
BOOST_AUTO_TEST_CASE(an_older_build_finishes_the_down_of_an_online_index_unit_stopped_half_way) {
    auto db = temp_database::postgresql();
    auto reg = online_registry();
    auto older = registry_of({create_tables()});
    strata::runner(*reg, db.url()).up(1);
    auto sql = open_session(db.url());
    *sql << "INSERT INTO parents (id) VALUES (1), (2)";
    const auto before = read_schema(*sql);
    crash_after(*reg, db.url(), *sql, done_up_to_the_build);
    // The new release's down began (the row says reverting) and was stopped before its first drop.
    *sql << std::string("UPDATE ") + history_table + " SET state = 'reverting' WHERE version = 2";
    BOOST_TEST_REQUIRE(indexes_of_children(*sql).size() == 2u, joined(indexes_of_children(*sql)));

    strata::runner old_build(*older, db.url());
    const auto status = old_build.status();
    BOOST_TEST_REQUIRE(status.size() == 2u);
    BOOST_TEST((status[1].state == strata::unit_state::dirty));
    BOOST_TEST(status[1].stored_rollback);
    const auto report = old_build.down();
    BOOST_TEST_REQUIRE(report.units.size() == 1u);
    BOOST_TEST(report.units[0].from_history);
    const auto after = read_schema(*sql);
    BOOST_TEST((after == before), schema_diff(before, after));
    BOOST_TEST(recorded_versions(*sql) == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(query_value(*sql, "SELECT message FROM strata_schema_log WHERE action = 'down' AND version = 2") ==
               std::optional<std::string>("its down had been interrupted half-way: finished it"));
}

// The 3 a.m. rollback with the previous release's migrator, which does not know unit 2, stopped
// half-way by the new release (rollback probe H2). The row stores each step's guarded inverse
// while it says running: the older build's status says what it is, its up refuses, and its down
// undoes the finished steps as the new build would. Once applied, the row stores what an applied
// row stores.
BOOST_AUTO_TEST_CASE(an_older_build_undoes_an_online_unit_it_does_not_know_left_half_way) {
    auto db = temp_database::postgresql();
    auto reg = online_registry();
    auto older = registry_of({create_tables()});
    strata::runner(*reg, db.url()).up(1);
    auto sql = open_session(db.url());
    *sql << "INSERT INTO parents (id) VALUES (1), (2)";
    *sql << "INSERT INTO children (id, parent) VALUES (10, 1), (11, 2)";
    const auto before = read_schema(*sql);
    crash_after(*reg, db.url(), *sql, done_up_to_the_not_valid_key);
    BOOST_TEST_REQUIRE(constraint_of_children(*sql, fkey).has_value());

    std::vector<std::string> notices;
    strata::runner_options options;
    options.on_notice = [&](const std::string& text) { notices.push_back(text); };
    strata::runner old_build(*older, db.url(), options);
    const auto status = old_build.status();
    BOOST_TEST_REQUIRE(status.size() == 2u);
    BOOST_TEST((status[1].state == strata::unit_state::dirty));
    BOOST_TEST(status[1].stored_rollback);
    try {
        old_build.up();
        BOOST_ERROR("an older build's up went past a unit it cannot finish");
    } catch (const strata::validation_error& e) {
        BOOST_TEST(contains(e.what(), "unit 2 link_children_online was interrupted half-way (its up) by a build that has it and "
                                      "this one does not: strata down undoes what its finished steps did"),
                   e.what());
    }
    auto report = old_build.down();
    BOOST_TEST_REQUIRE(report.units.size() == 1u);
    BOOST_TEST(report.units[0].half_done);
    BOOST_TEST(report.units[0].from_history);
    BOOST_TEST(contains(joined(notices), "reverting unit 2 link_children_online, which this build does not know, with the "
                                         "statements stored by the build that ran it"),
               joined(notices));
    const auto after = read_schema(*sql);
    BOOST_TEST((after == before), schema_diff(before, after));
    BOOST_TEST(recorded_versions(*sql) == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(query_value(*sql, "SELECT message FROM strata_schema_log WHERE action = 'down' AND version = 2") ==
               std::optional<std::string>("its up had been interrupted half-way: undid what its finished steps did"));

    strata::runner(*reg, db.url()).up();
    const auto stored = query_value(*sql, "SELECT down_statements FROM strata_schema_history WHERE version = 2");
    BOOST_TEST_REQUIRE(stored.has_value());
    BOOST_TEST(!contains(*stored, "rollback"), *stored);
    BOOST_TEST(status_lines(*reg, db.url()) == (names{"1 applied", "2 applied"}), boost::test_tools::per_element());
}

// An online unit with no way back (an up() alone) stores its rollback while it runs all the
// same (review 23 L7): a build that does not know it undoes what its finished steps did.
BOOST_AUTO_TEST_CASE(an_online_unit_without_a_down_stores_its_rollback_while_it_runs) {
    class index_one_way final : public strata::migration {
    public:
        strata::migration_info info() const override { return {2, "index_parent_one_way"}; }
        void up(builder& b) const override { b.create_index("children", {"parent"}).online(); }
    };
    auto reg = std::make_unique<strata::registry>();
    reg->add(create_tables(), "online_units_test.cpp");
    reg->add(std::make_shared<const index_one_way>(), "online_units_test.cpp");
    auto older = registry_of({create_tables()});
    auto db = temp_database::postgresql();
    strata::runner(*reg, db.url()).up(1);
    auto sql = open_session(db.url());
    const auto before = read_schema(*sql);
    // Killed after its build, before the row was marked applied.
    const auto plan = crash_after(*reg, db.url(), *sql, 3);
    BOOST_TEST_REQUIRE(plan.statements.size() == 3u, joined(plan.statements));
    BOOST_TEST_REQUIRE(indexes_of_children(*sql) == (names{"children_parent_idx valid=true unique=false (parent)",
                                                           "children_pkey valid=true unique=true (id)"}),
                       boost::test_tools::per_element());
    const auto stored = query_value(*sql, "SELECT down_statements FROM strata_schema_history WHERE version = 2");
    BOOST_TEST_REQUIRE(stored.has_value(), "the running row stores nothing");
    BOOST_TEST(stored->rfind("{\"rollback\":", 0) == 0u, *stored);

    strata::runner old_build(*older, db.url());
    const auto status = old_build.status();
    BOOST_TEST_REQUIRE(status.size() == 2u);
    BOOST_TEST(status[1].stored_rollback);
    auto report = old_build.down();
    BOOST_TEST_REQUIRE(report.units.size() == 1u);
    BOOST_TEST(report.units[0].half_done);
    BOOST_TEST(report.units[0].from_history);
    const auto after = read_schema(*sql);
    BOOST_TEST((after == before), schema_diff(before, after));
    BOOST_TEST(recorded_versions(*sql) == (versions{1}), boost::test_tools::per_element());

    // Applied, it stores nothing: it has no down.
    strata::runner(*reg, db.url()).up();
    BOOST_TEST(query_value(*sql, "SELECT down_statements FROM strata_schema_history WHERE version = 2") == std::nullopt);
}

// A row written without a rollback (by a build before it was stored) gets one from the run that
// resumes it, so that if that run stops too, any build can undo what is done (review 29 M3).
BOOST_AUTO_TEST_CASE(a_resumed_online_unit_stores_its_rollback_in_its_row) {
    auto db = temp_database::postgresql();
    auto reg = online_registry();
    strata::runner(*reg, db.url()).up(1);
    auto sql = open_session(db.url());
    *sql << "INSERT INTO parents (id) VALUES (1)";
    *sql << "INSERT INTO children (id, parent) VALUES (10, 1), (11, 1)";
    crash_after(*reg, db.url(), *sql, done_up_to_the_not_valid_key);
    *sql << "UPDATE strata_schema_history SET down_statements = CAST(CAST(down_statements AS jsonb) - 'rollback' AS text) "
            "WHERE version = 2";
    BOOST_TEST_REQUIRE(!contains(query_value(*sql, "SELECT down_statements FROM strata_schema_history WHERE version = 2").value_or(""),
                                 "rollback"));
    // The resumed run stops again: the unique index's build finds duplicates.
    *sql << "UPDATE children SET parent_ref = 1";
    BOOST_CHECK_THROW(strata::runner(*reg, db.url()).up(), strata::migration_error);
    BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("running"));
    BOOST_TEST(contains(query_value(*sql, "SELECT down_statements FROM strata_schema_history WHERE version = 2").value_or(""),
                        "\"rollback\""));
    // A build that does not know the unit undoes it from there.
    auto older = registry_of({create_tables()});
    BOOST_TEST(strata::runner(*older, db.url()).status().at(1).stored_rollback);
}

// What the row stores while the unit runs goes once it is applied: by the up that resumes it,
// and by repair --applied of a row this build cannot resume (review 23 M2). A down after either
// runs the unit's down without calling it edited.
BOOST_AUTO_TEST_CASE(an_applied_online_unit_stores_its_down_alone_however_it_got_applied) {
    for (bool by_repair : {false, true}) {
        BOOST_TEST_CONTEXT((by_repair ? "repair --applied" : "resumed")) {
            auto db = temp_database::postgresql();
            auto reg = online_registry();
            strata::runner(*reg, db.url()).up(1);
            auto sql = open_session(db.url());
            crash_after(*reg, db.url(), *sql, done_up_to_the_not_valid_key);
            const std::string stored_query = "SELECT down_statements FROM strata_schema_history WHERE version = 2";
            BOOST_TEST_REQUIRE(contains(query_value(*sql, stored_query).value_or(""), "\"rollback\""));
            if (by_repair) {
                // Another checksum: this build cannot resume it, so it is dirty, for a person.
                const auto checksum = query_value(*sql, "SELECT checksum FROM strata_schema_history WHERE version = 2");
                *sql << "UPDATE strata_schema_history SET checksum = 'elsewhere' WHERE version = 2";
                strata::runner(*reg, db.url()).repair(2, true);
                *sql << "UPDATE strata_schema_history SET checksum = '" + checksum.value_or("") + "' WHERE version = 2";
                strata::runner(*reg, db.url()).up();  // nothing to do: applied
            } else {
                strata::runner(*reg, db.url()).up();
            }
            BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("applied"));
            const auto stored = query_value(*sql, stored_query);
            BOOST_TEST(!contains(stored.value_or(""), "rollback"), stored.value_or("NULL"));
            strata::runner_options options;
            options.dry_run = true;
            const auto script = joined(strata::runner(*reg, db.url(), options).down().script);
            BOOST_TEST(contains(script, "-- unit 2 link_children_online (down)"), script);
            BOOST_TEST(!contains(script, "its down was edited"), script);
        }
    }
}

// A foreign key whose validation failed (the NOT VALID key dropped with the failure): down
// removes the unit's row and leaves the schema as before it.
BOOST_AUTO_TEST_CASE(down_undoes_an_online_foreign_key_whose_validation_failed) {
    auto db = temp_database::postgresql();
    auto reg = registry_of({create_tables(), unit(2, "parent_fkey_online", [](builder& b) {
                                b.add_foreign_key("children", {.columns = {"parent"}, .ref_table = "parents", .ref_columns = {"id"}})
                                    .online();
                            })});
    strata::runner(*reg, db.url()).up(1);
    auto sql = open_session(db.url());
    *sql << "INSERT INTO parents (id) VALUES (1)";
    *sql << "INSERT INTO children (id, parent) VALUES (10, 1), (11, 7)";
    const auto before = read_schema(*sql);
    BOOST_CHECK_THROW(strata::runner(*reg, db.url()).up(), strata::migration_error);
    BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("running"));
    expect_rolled_back(*reg, db, *sql, before, false);
    BOOST_TEST(constraint_of_children(*sql, "children_parent_fkey") == std::nullopt);
}

// What the unit refused as not its own stays: a parent_ref of another type (its first step
// failed), an index of the unique's name on another table. down removes only the history row.
BOOST_AUTO_TEST_CASE(down_of_an_interrupted_online_unit_leaves_what_it_did_not_make) {
    auto db = temp_database::postgresql();
    auto reg = online_registry();
    strata::runner(*reg, db.url()).up(1);
    auto sql = open_session(db.url());
    crash_after(*reg, db.url(), *sql, 0);  // the clash is found as the unit resumes (on a first run: names_taken)
    *sql << "ALTER TABLE children ADD COLUMN parent_ref TEXT";
    *sql << "CREATE TABLE elsewhere (x int)";
    *sql << "CREATE INDEX children_parent_ref_key ON elsewhere (x)";
    const auto before = read_schema(*sql);
    try {
        strata::runner(*reg, db.url()).up();
        BOOST_ERROR("up() took over a parent_ref column of another type");
    } catch (const strata::migration_error& e) {
        BOOST_TEST(contains(e.what(), "column parent_ref exists but is not the one this unit adds"), e.what());
    }
    BOOST_TEST(status_lines(*reg, db.url()) == (names{"1 applied", "2 pending interrupted"}), boost::test_tools::per_element());
    expect_rolled_back(*reg, db, *sql, before);
    BOOST_TEST(read_table(*sql, "children").find_column("parent_ref") != nullptr);
}

// status says what an interrupted unit's steps did, and an object of a step's name that is not
// of its shape (made while the unit was interrupted) is not the step done: status said "done"
// for an index of the unique's name on another column, which up then refused and down left.
BOOST_AUTO_TEST_CASE(status_does_not_count_somebody_elses_object_as_a_step_done) {
    auto db = temp_database::postgresql();
    auto reg = online_registry();
    strata::runner(*reg, db.url()).up(1);
    auto sql = open_session(db.url());
    crash_after(*reg, db.url(), *sql, done_up_to_the_column);
    *sql << "CREATE UNIQUE INDEX children_parent_ref_key ON children (parent)";
    BOOST_TEST(steps_of_unit_2(*reg, db.url()) ==
                   (names{"partly add_column children.parent_ref: column added, its foreign key children_parent_ref_fkey not yet",
                          "not done add_unique children.children_parent_ref_key: an index of that name exists but is not the one "
                          "this unit makes (up refuses it, down leaves it)"}),
               boost::test_tools::per_element());
    *sql << "DROP INDEX children_parent_ref_key";
    *sql << "ALTER TABLE children ADD CONSTRAINT children_parent_ref_fkey FOREIGN KEY (parent) REFERENCES parents (id)";
    BOOST_TEST(steps_of_unit_2(*reg, db.url()) ==
                   (names{"not done add_column children.parent_ref: a foreign key of that name exists but is not the one this "
                          "unit makes (up refuses it, down leaves it)",
                          "not done add_unique children.children_parent_ref_key"}),
               boost::test_tools::per_element());
}

// A crash after any number of the unit's statements, 0 to all of them: the next up finishes.
BOOST_AUTO_TEST_CASE(online_unit_resumes_after_a_crash_at_any_statement) {
    auto reference_db = temp_database::postgresql();
    auto reg = online_registry();
    strata::runner(*reg, reference_db.url()).up();
    auto reference_sql = open_session(reference_db.url());
    const auto expected = user_schema(*reference_sql);

    for (std::size_t done = 0; done <= online_unit_statements; ++done) {
        BOOST_TEST_CONTEXT("crashed after " << done << " statement(s)") {
            auto db = temp_database::postgresql();
            strata::runner(*reg, db.url()).up(1);
            auto sql = open_session(db.url());
            *sql << "INSERT INTO parents (id) VALUES (1), (2)";
            *sql << "INSERT INTO children (id, parent) VALUES (10, 1), (11, 2)";
            auto plan = crash_after(*reg, db.url(), *sql, done);
            BOOST_TEST_REQUIRE(plan.statements.size() == online_unit_statements, joined(plan.statements));
            BOOST_TEST(status_lines(*reg, db.url()) == (names{"1 applied", "2 pending interrupted"}), boost::test_tools::per_element());

            std::vector<std::string> notices;
            strata::runner_options options;
            options.on_notice = [&](const std::string& text) { notices.push_back(text); };
            try {
                auto report = strata::runner(*reg, db.url(), options).up();
                BOOST_TEST(report.units.size() == 1u);
            } catch (const std::exception& e) {
                BOOST_ERROR("the resumed up failed: " << e.what());
                continue;
            }
            const auto after = user_schema(*sql);
            BOOST_TEST((after == expected), schema_diff(expected, after));
            expect_linked_postgresql(*sql);
            BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("applied"));
            BOOST_TEST(std::any_of(notices.begin(), notices.end(), [](const std::string& n) { return contains(n, "resuming unit 2"); }),
                       joined(notices));
        }
    }
}

// An index of the unique's name that this unit did not build (another column, not unique, on
// another table, an INVALID one on another table) or a relation of that name that is no index is
// refused, not adopted or dropped; the unit stays interrupted and finishes once the clash is gone.
BOOST_AUTO_TEST_CASE(online_unique_refuses_an_index_of_its_name_that_it_did_not_build) {
    const std::string not_its_index = "index children_parent_ref_key exists but is not the one this unit builds";
    struct clash {
        std::string what;
        std::vector<std::string> create;  // the last one may fail (a CONCURRENTLY build left INVALID)
        std::string message;
        std::string remove = "DROP INDEX children_parent_ref_key";
    };
    const std::vector<clash> clashes{
        {"a unique index on another column", {"CREATE UNIQUE INDEX children_parent_ref_key ON children (parent)"}, not_its_index},
        {"a non-unique index on the same column", {"CREATE INDEX children_parent_ref_key ON children (parent_ref)"}, not_its_index},
        {"a unique index on another table", {"CREATE UNIQUE INDEX children_parent_ref_key ON parents (id)"}, not_its_index},
        {"a unique index on more columns", {"CREATE UNIQUE INDEX children_parent_ref_key ON children (parent_ref, id)"}, not_its_index},
        {"an INVALID unique index on another table",
         {"CREATE TABLE other_things (x int)", "INSERT INTO other_things VALUES (1), (1)",
          "CREATE UNIQUE INDEX CONCURRENTLY children_parent_ref_key ON other_things (x)"},
         not_its_index},
        {"a table of its name", {"CREATE TABLE children_parent_ref_key (id int)"},
         "children_parent_ref_key exists and is not an index", "DROP TABLE children_parent_ref_key"},
    };
    auto reg = online_registry();
    for (const auto& c : clashes) {
        BOOST_TEST_CONTEXT(c.what) {
            auto db = temp_database::postgresql();
            strata::runner(*reg, db.url()).up(1);
            auto sql = open_session(db.url());
            crash_after(*reg, db.url(), *sql, 0);  // the clash is found as the unit resumes (on a first run: names_taken)
            *sql << "ALTER TABLE children ADD COLUMN IF NOT EXISTS parent_ref bigint";  // so the clash can name it
            for (std::size_t i = 0; i < c.create.size(); ++i) {
                try {
                    *sql << c.create[i];
                } catch (const soci::soci_error&) {
                    if (i + 1 != c.create.size()) throw;  // only the CONCURRENTLY build is meant to fail
                    const auto valid = query_value(*sql, "SELECT CAST(indisvalid AS TEXT) FROM pg_index WHERE "
                                                         "indexrelid = to_regclass('children_parent_ref_key')");
                    BOOST_TEST(valid == std::optional<std::string>("false"), "the failed build left an INVALID index");
                }
            }
            const auto oid_before = query_value(*sql, "SELECT CAST(CAST(to_regclass('children_parent_ref_key') AS oid) AS TEXT)");

            try {
                strata::runner(*reg, db.url()).up();
                BOOST_ERROR("up() adopted " << c.what << " as its unique constraint");
            } catch (const strata::migration_error& e) {
                BOOST_TEST(contains(e.what(), c.message), e.what());
                BOOST_TEST(contains(e.what(), "run strata up again"), e.what());
                BOOST_TEST(e.context().version.value_or(0) == 2);
            }
            BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("running"));
            BOOST_TEST(status_lines(*reg, db.url()) == (names{"1 applied", "2 pending interrupted"}), boost::test_tools::per_element());
            BOOST_TEST(query_value(*sql, "SELECT CAST(CAST(to_regclass('children_parent_ref_key') AS oid) AS TEXT)") == oid_before,
                       "the clashing index was dropped or replaced");
            BOOST_TEST(constraint_of_children(*sql, ukey) == std::nullopt);

            *sql << c.remove;
            strata::runner(*reg, db.url()).up();
            expect_linked_postgresql(*sql);
            BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("applied"));
        }
    }
}

// A valid index that is exactly the one the unit builds (same table, columns, unique) left by a
// crash after the build and before the attach: adopted and attached.
BOOST_AUTO_TEST_CASE(online_unique_adopts_its_own_valid_index_left_before_the_attach) {
    auto db = temp_database::postgresql();
    auto reg = online_registry();
    strata::runner(*reg, db.url()).up(1);
    auto sql = open_session(db.url());
    crash_after(*reg, db.url(), *sql, done_up_to_the_build);
    BOOST_TEST_REQUIRE(indexes_of_children(*sql) == (names{"children_parent_ref_key valid=true unique=true (parent_ref)",
                                                           "children_pkey valid=true unique=true (id)"}),
                       boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(constraint_of_children(*sql, ukey) == std::nullopt);
    const auto oid_before = query_value(*sql, "SELECT CAST(CAST(to_regclass('children_parent_ref_key') AS oid) AS TEXT)");
    strata::runner(*reg, db.url()).up();
    expect_linked_postgresql(*sql);
    BOOST_TEST(query_value(*sql, "SELECT CAST(CAST(to_regclass('children_parent_ref_key') AS oid) AS TEXT)") == oid_before,
               "the valid index was rebuilt instead of attached");
}

// A constraint of the same name that the unit did not create, of another kind (CHECK, UNIQUE,
// FOREIGN KEY where the other is expected), must not be taken for the unit's own: the plain form
// would fail on it. The online form refuses it, runs nothing past the refusal, leaves the clash
// as it was and the unit interrupted; once the clash is gone, up finishes the unit.
BOOST_AUTO_TEST_CASE(online_unit_refuses_a_constraint_of_its_name_that_it_did_not_create) {
    struct clash {
        std::string what;
        std::string name;
        std::string create;
        std::string kind;  // the clash's contype, as constraint_of_children shows it
    };
    const std::vector<clash> clashes{
        {"a check constraint named like the foreign key", fkey,
         "ALTER TABLE children ADD CONSTRAINT children_parent_ref_fkey CHECK (id > 0)", "c"},
        {"a check constraint named like the unique constraint", ukey,
         "ALTER TABLE children ADD CONSTRAINT children_parent_ref_key CHECK (id > 0)", "c"},
        {"a unique constraint named like the foreign key", fkey,
         "ALTER TABLE children ADD CONSTRAINT children_parent_ref_fkey UNIQUE (parent)", "u"},
        {"a foreign key named like the unique constraint", ukey,
         "ALTER TABLE children ADD CONSTRAINT children_parent_ref_key FOREIGN KEY (parent) REFERENCES parents (id)", "f"},
    };
    auto reg = online_registry();
    for (const auto& c : clashes) {
        BOOST_TEST_CONTEXT(c.what) {
            auto db = temp_database::postgresql();
            strata::runner(*reg, db.url()).up(1);
            auto sql = open_session(db.url());
            crash_after(*reg, db.url(), *sql, 0);  // the clash is found as the unit resumes (on a first run: names_taken)
            *sql << c.create;
            const auto clash_before = constraint_of_children(*sql, c.name);
            BOOST_TEST_REQUIRE(clash_before.value_or("").rfind(c.kind + " ", 0) == 0u, clash_before.value_or("<none>"));
            try {
                strata::runner(*reg, db.url()).up();
                BOOST_ERROR("up() recorded unit 2 " << history_state(*sql, 2).value_or("<no row>") << " with " << c.what
                                                    << " in place; children is now:\n"
                                                    << read_table(*sql, "children"));
            } catch (const strata::migration_error& e) {
                BOOST_TEST(contains(e.what(), "constraint " + c.name + " exists but is not the one this unit adds"), e.what());
                BOOST_TEST(contains(e.what(), "run strata up again"), e.what());
                BOOST_TEST(e.context().version.value_or(0) == 2);
            }
            BOOST_TEST(constraint_of_children(*sql, c.name) == clash_before, "the clash was changed or dropped");
            BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("running"));
            BOOST_TEST(status_lines(*reg, db.url()) == (names{"1 applied", "2 pending interrupted"}), boost::test_tools::per_element());
            if (c.name == ukey) {
                // Refused at the attach: the foreign key before it was done, the unique not attached.
                BOOST_TEST(constraint_of_children(*sql, fkey) == std::optional<std::string>("f true a n parents_pkey"));
            } else {
                BOOST_TEST(constraint_of_children(*sql, ukey) == std::nullopt);
            }

            *sql << "ALTER TABLE children DROP CONSTRAINT " + c.name;
            strata::runner(*reg, db.url()).up();
            expect_linked_postgresql(*sql);
            BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("applied"));
        }
    }
}

// A foreign key of the unit's name, a foreign key indeed, but pointing at another table than the
// one the unit declares is not the unit's: refused, on add_column and on add_foreign_key, and
// left pointing where it pointed.
BOOST_AUTO_TEST_CASE(online_foreign_key_refuses_a_foreign_key_of_its_name_to_another_table) {
    struct variant {
        std::string what;
        unit_ptr unit;
        std::string name;
        std::string column;
    };
    const std::vector<variant> variants{
        {"add_column online", link_children(true), fkey, "parent_ref"},
        {"add_foreign_key online", unit(2, "parent_fkey_online", [](builder& b) {
             b.add_foreign_key("children", {.columns = {"parent"}, .ref_table = "parents", .ref_columns = {"id"}}).online();
         }), "children_parent_fkey", "parent"},
    };
    for (const auto& v : variants) {
        BOOST_TEST_CONTEXT(v.what) {
            auto db = temp_database::postgresql();
            auto reg = registry_of({create_tables(), v.unit});
            strata::runner(*reg, db.url()).up(1);
            auto sql = open_session(db.url());
            crash_after(*reg, db.url(), *sql, 0);  // the clash is found as the unit resumes (on a first run: names_taken)
            *sql << "CREATE TABLE others (id bigint PRIMARY KEY)";
            *sql << "ALTER TABLE children ADD COLUMN IF NOT EXISTS parent_ref bigint";
            *sql << "ALTER TABLE children ADD CONSTRAINT " + v.name + " FOREIGN KEY (" + v.column +
                        ") REFERENCES others (id) ON DELETE SET NULL";
            const std::string pointing_at_others =
                "SELECT CAST(CAST(confrelid AS regclass) AS TEXT) FROM pg_constraint WHERE conname = '" + v.name + "'";
            BOOST_TEST_REQUIRE(query_value(*sql, pointing_at_others) == std::optional<std::string>("others"));
            try {
                strata::runner(*reg, db.url()).up();
                BOOST_ERROR("up() took the foreign key to others for its own and recorded unit 2 "
                            << history_state(*sql, 2).value_or("<no row>") << ":\n"
                            << read_table(*sql, "children"));
            } catch (const strata::migration_error& e) {
                BOOST_TEST(contains(e.what(), "constraint " + v.name + " exists but is not the one this unit adds"), e.what());
                BOOST_TEST(contains(e.what(), "run strata up again"), e.what());
                BOOST_TEST(e.context().version.value_or(0) == 2);
            }
            BOOST_TEST(query_value(*sql, pointing_at_others) == std::optional<std::string>("others"));
            BOOST_TEST(read_table(*sql, "children").foreign_keys.size() == 1u, read_table(*sql, "children"));
            BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("running"));
            BOOST_TEST(status_lines(*reg, db.url()) == (names{"1 applied", "2 pending interrupted"}), boost::test_tools::per_element());

            *sql << "ALTER TABLE children DROP CONSTRAINT " + v.name;
            strata::runner(*reg, db.url()).up();
            BOOST_TEST(query_value(*sql, pointing_at_others) == std::optional<std::string>("parents"));
            BOOST_TEST(constraint_of_children(*sql, v.name).value_or("").rfind("f true ", 0) == 0u,
                       constraint_of_children(*sql, v.name).value_or("<none>"));
            BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("applied"));
        }
    }
}

// A constraint of the unit's name and kind, but on other columns, or for a foreign key referencing
// other columns or with other ON UPDATE / ON DELETE actions, is not the unit's own either: the
// online unit refuses it, leaves it exactly as it was (same oid, definition and validation) and
// the unit interrupted; once the clash is dropped, up finishes the unit.
BOOST_AUTO_TEST_CASE(online_unit_refuses_a_constraint_of_its_name_and_kind_on_other_columns_or_actions) {
    struct clash {
        std::string what;
        std::string name;
        std::vector<std::string> setup;  // run in order, the last one makes the clash
        std::string message;             // what the refusal says
    };
    const std::string refused_constraint_fkey = std::string("constraint ") + fkey + " exists but is not the one this unit adds";
    const std::vector<clash> clashes{
        {"a foreign key of the unit's name on another column", fkey,
         {"ALTER TABLE children ADD CONSTRAINT children_parent_ref_fkey FOREIGN KEY (parent) REFERENCES parents (id) "
          "ON DELETE SET NULL"},
         refused_constraint_fkey},
        {"a foreign key of the unit's name on its column but ON DELETE CASCADE", fkey,
         {"ALTER TABLE children ADD COLUMN parent_ref bigint",
          "ALTER TABLE children ADD CONSTRAINT children_parent_ref_fkey FOREIGN KEY (parent_ref) REFERENCES parents (id) "
          "ON DELETE CASCADE"},
         refused_constraint_fkey},
        {"a foreign key of the unit's name on its column but ON UPDATE CASCADE", fkey,
         {"ALTER TABLE children ADD COLUMN parent_ref bigint",
          "ALTER TABLE children ADD CONSTRAINT children_parent_ref_fkey FOREIGN KEY (parent_ref) REFERENCES parents (id) "
          "ON UPDATE CASCADE ON DELETE SET NULL"},
         refused_constraint_fkey},
        {"a foreign key of the unit's name to another column of parents", fkey,
         {"ALTER TABLE parents ADD COLUMN code bigint UNIQUE", "ALTER TABLE children ADD COLUMN parent_ref bigint",
          "ALTER TABLE children ADD CONSTRAINT children_parent_ref_fkey FOREIGN KEY (parent_ref) REFERENCES parents (code) "
          "ON DELETE SET NULL"},
         refused_constraint_fkey},
        // A UNIQUE constraint brings an index of its own name, so the index guard in front of the
        // attach is the one that refuses it.
        {"a unique constraint of the unit's name on another column", ukey,
         {"ALTER TABLE children ADD COLUMN parent_ref bigint",
          "ALTER TABLE children ADD CONSTRAINT children_parent_ref_key UNIQUE (parent)"},
         std::string("index ") + ukey + " exists but is not the one this unit builds"},
    };
    // The whole of a constraint of children: oid, validated, definition (columns, target, actions).
    const auto whole_constraint = [](soci::session& sql, const std::string& name) -> std::optional<std::string> {
        auto rows = query_text(sql,
                               "SELECT CAST(c.oid AS TEXT) || ' ' || CAST(c.convalidated AS TEXT) || ' ' || "
                               "pg_get_constraintdef(c.oid) FROM pg_constraint c "
                               "WHERE c.conrelid = CAST('children' AS regclass) AND c.conname = :p",
                               name);
        if (rows.size() == 0) return std::nullopt;
        return rows.rows.front().front();
    };
    auto reg = online_registry();
    for (const auto& c : clashes) {
        BOOST_TEST_CONTEXT(c.what) {
            auto db = temp_database::postgresql();
            strata::runner(*reg, db.url()).up(1);
            auto sql = open_session(db.url());
            crash_after(*reg, db.url(), *sql, 0);  // the clash is found as the unit resumes (on a first run: names_taken)
            for (const auto& s : c.setup) *sql << s;
            const auto clash_before = whole_constraint(*sql, c.name);
            BOOST_TEST_REQUIRE(clash_before.has_value());
            const auto indexes_before = indexes_of_children(*sql);
            try {
                strata::runner(*reg, db.url()).up();
                BOOST_ERROR("up() took " << c.what << " for its own and recorded unit 2 "
                                         << history_state(*sql, 2).value_or("<no row>") << "; children is now:\n"
                                         << read_table(*sql, "children"));
            } catch (const strata::migration_error& e) {
                BOOST_TEST(contains(e.what(), c.message), e.what());
                BOOST_TEST(contains(e.what(), "run strata up again"), e.what());
                BOOST_TEST(e.context().version.value_or(0) == 2);
                BOOST_TEST(e.context().statement.rfind("DO $strata$", 0) == 0u, e.context().statement);
            }
            BOOST_TEST(whole_constraint(*sql, c.name) == clash_before, "the clash was changed, replaced or dropped");
            BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("running"));
            BOOST_TEST(status_lines(*reg, db.url()) == (names{"1 applied", "2 pending interrupted"}), boost::test_tools::per_element());
            if (c.name == ukey) {
                // Refused in front of the build: the foreign key before it was done, no index built.
                BOOST_TEST(constraint_of_children(*sql, fkey) == std::optional<std::string>("f true a n parents_pkey"));
                BOOST_TEST(indexes_of_children(*sql) == indexes_before, boost::test_tools::per_element());
            } else {
                // Refused at the foreign key: nothing after it ran.
                BOOST_TEST(constraint_of_children(*sql, ukey) == std::nullopt);
                BOOST_TEST(read_table(*sql, "children").foreign_keys.size() == 1u, read_table(*sql, "children"));
            }

            *sql << "ALTER TABLE children DROP CONSTRAINT " + c.name;
            strata::runner(*reg, db.url()).up();
            expect_linked_postgresql(*sql);
            BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("applied"));
            BOOST_TEST(status_lines(*reg, db.url()) == (names{"1 applied", "2 applied"}), boost::test_tools::per_element());
        }
    }
}

// On its first run (no history row) an online unit's steps would take over what they find under
// their names, shape for shape, as they do to resume, and its down would then remove it: a
// column made by hand with the declared type (a hotfix holding data), a check of its name with
// another expression, a unique index exactly like its own. Each is refused before anything runs
// and stays as it was; the unit is pending, not interrupted, and applies once the name is free.
BOOST_AUTO_TEST_CASE(online_unit_refuses_on_its_first_run_what_it_finds_under_its_names) {
    struct clash {
        std::string what;
        unit_ptr unit;
        std::vector<std::string> create;
        std::string found;    // as the refusal names it
        std::string kept;     // a query whose answer must not change
        std::string remove;
    };
    const std::vector<clash> clashes{
        {"a bigint parent_ref made by hand, holding data", link_children(true),
         {"ALTER TABLE children ADD COLUMN parent_ref bigint", "UPDATE children SET parent_ref = id"},
         "column parent_ref of children", "SELECT CAST(sum(parent_ref) AS TEXT) FROM children",
         "ALTER TABLE children DROP COLUMN parent_ref"},
        {"a text column made by hand for a unit adding it online without a key (in a transaction)",
         unit(2, "children_note", [](builder& b) { b.add_column("children", column("note", type::text())).online(); }),
         {"ALTER TABLE children ADD COLUMN note text", "UPDATE children SET note = 'kept'"}, "column note of children",
         "SELECT string_agg(note, ',' ORDER BY id) FROM children", "ALTER TABLE children DROP COLUMN note"},
        {"a check of the unit's name with another expression",
         unit(2, "children_id_check", [](builder& b) { b.add_check("children", "children_id_small", "id < 1000").online(); }),
         {"ALTER TABLE children ADD CONSTRAINT children_id_small CHECK (id <> 13)"}, "constraint children_id_small of children",
         "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'children_id_small'",
         "ALTER TABLE children DROP CONSTRAINT children_id_small"},
        {"a unique index exactly like the unit's", link_children(true),
         {"ALTER TABLE children ADD COLUMN parent_ref bigint", "CREATE UNIQUE INDEX children_parent_ref_key ON children (parent_ref)"},
         "column parent_ref of children, index children_parent_ref_key of children",
         "SELECT CAST(CAST(to_regclass('children_parent_ref_key') AS oid) AS TEXT)",
         "ALTER TABLE children DROP COLUMN parent_ref"},
        {"a check of the name of an online NOT NULL's temporary check, which its last step drops",
         unit(2, "require_parent",
              [](builder& b) {
                  b.change_column("children", column("parent", type::bigint()), column("parent", type::bigint()).not_null()).online();
              }),
         {"ALTER TABLE children ADD CONSTRAINT children_parent_not_null_check CHECK (parent IS NOT NULL)"},
         "constraint children_parent_not_null_check of children",
         "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'children_parent_not_null_check'",
         "ALTER TABLE children DROP CONSTRAINT children_parent_not_null_check"},
    };
    for (const auto& c : clashes) {
        BOOST_TEST_CONTEXT(c.what) {
            auto db = temp_database::postgresql();
            auto reg = registry_of({create_tables(), c.unit});
            strata::runner(*reg, db.url()).up(1);
            auto sql = open_session(db.url());
            *sql << "INSERT INTO parents (id) VALUES (1), (2)";
            *sql << "INSERT INTO children (id, parent) VALUES (1, 1), (2, 2)";
            for (const auto& statement : c.create) *sql << statement;
            const auto kept = query_value(*sql, c.kept);
            BOOST_TEST_REQUIRE(kept.has_value());
            try {
                strata::runner(*reg, db.url()).up();
                BOOST_ERROR("up() took over " << c.what << " and recorded unit 2 " << history_state(*sql, 2).value_or("<no row>"));
            } catch (const strata::migration_error& e) {
                BOOST_TEST(contains(e.what(), "the database already has " + c.found + ", which this unit creates"), e.what());
                BOOST_TEST(contains(e.what(), "nothing was run"), e.what());
                BOOST_TEST(e.context().version.value_or(0) == 2);
                BOOST_TEST(e.rolled_back(), "said to have kept part of a unit that did not start");
            }
            BOOST_TEST(query_value(*sql, c.kept) == kept, "what was there changed");
            BOOST_TEST(history_state(*sql, 2) == std::nullopt);
            BOOST_TEST(status_lines(*reg, db.url()) == (names{"1 applied", "2 pending"}), boost::test_tools::per_element());

            *sql << c.remove;
            strata::runner(*reg, db.url()).up();
            BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("applied"));
        }
    }
}

// A column of the unit's name but another type, made before the unit ran, is not the column the
// unit adds: the plain form fails on it; the online form refuses it before adding anything,
// leaves it as it was and the unit interrupted. A column of the declared type is the unit's own
// (a crashed run added it) and is kept.
BOOST_AUTO_TEST_CASE(online_add_column_refuses_an_existing_column_of_another_type) {
    auto db = temp_database::postgresql();
    auto reg = online_registry();
    strata::runner(*reg, db.url()).up(1);
    auto sql = open_session(db.url());
    crash_after(*reg, db.url(), *sql, 0);  // the clash is found as the unit resumes (on a first run: names_taken)
    *sql << "ALTER TABLE children ADD COLUMN parent_ref integer";
    try {
        strata::runner(*reg, db.url()).up();
        BOOST_ERROR("up() recorded unit 2 " << history_state(*sql, 2).value_or("<no row>")
                                            << " although children.parent_ref is integer, not the bigint it declares:\n"
                                            << read_table(*sql, "children"));
    } catch (const strata::migration_error& e) {
        BOOST_TEST(contains(e.what(), "column parent_ref exists but is not the one this unit adds"), e.what());
        BOOST_TEST(contains(e.what(), "run strata up again"), e.what());
        BOOST_TEST(e.context().version.value_or(0) == 2);
        BOOST_TEST(e.context().statement.rfind("DO $strata$", 0) == 0u, e.context().statement);
    }
    auto t = read_table(*sql, "children");
    const auto* c = t.find_column("parent_ref");
    BOOST_TEST_REQUIRE(c != nullptr, t);
    BOOST_TEST(c->type == "integer");
    BOOST_TEST(t.foreign_keys.empty(), t);
    BOOST_TEST(t.uniques.empty(), t);
    BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("running"));
    BOOST_TEST(status_lines(*reg, db.url()) == (names{"1 applied", "2 pending interrupted"}), boost::test_tools::per_element());

    // The column made bigint, as declared: the unit takes it as its own and finishes.
    *sql << "ALTER TABLE children ALTER COLUMN parent_ref TYPE bigint";
    const auto attnum_before = query_value(*sql, "SELECT CAST(attnum AS TEXT) FROM pg_attribute WHERE attrelid = "
                                                 "CAST('children' AS regclass) AND attname = 'parent_ref'");
    strata::runner(*reg, db.url()).up();
    expect_linked_postgresql(*sql);
    BOOST_TEST(query_value(*sql, "SELECT CAST(attnum AS TEXT) FROM pg_attribute WHERE attrelid = "
                                 "CAST('children' AS regclass) AND attname = 'parent_ref'") == attnum_before,
               "the column was dropped and added again");
    BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("applied"));
}

// Without a reference, an online add_column has nothing to validate apart: its unit runs in one
// transaction like a plain one, and a failure later in the unit takes the column back with it.
BOOST_AUTO_TEST_CASE(online_add_column_without_a_reference_runs_in_a_transaction) {
    auto db = temp_database::postgresql();
    auto add_note = [](builder& b) { b.add_column("children", column("note", type::varchar(40)).not_null().default_sql("''")).online(); };
    auto ok = registry_of({create_tables(), unit(2, "note_online", add_note)});
    auto failing = registry_of({create_tables(), unit(2, "note_online", [add_note](builder& b) {
                                    add_note(b);
                                    b.sql("SELECT CAST('not a number' AS integer)", std::string("SELECT 1"));
                                })});
    strata::runner(*ok, db.url()).up(1);
    auto sql = open_session(db.url());

    strata::runner_options options;
    options.dry_run = true;
    auto script = strata::runner(*ok, db.url(), options).up().script;
    BOOST_TEST(std::none_of(script.begin(), script.end(), [](const std::string& l) { return contains(l, "not in a transaction"); }),
               joined(script));
    auto begin = std::find(script.begin(), script.end(), std::string("BEGIN"));
    auto add = std::find(script.begin(), script.end(),
                         std::string(R"(ALTER TABLE "children" ADD COLUMN IF NOT EXISTS "note" VARCHAR(40) NOT NULL DEFAULT '')"));
    auto commit = std::find(script.begin(), script.end(), std::string("COMMIT"));
    BOOST_TEST((begin < add && add < commit && commit != script.end()), joined(script));

    try {
        strata::runner(*failing, db.url()).up();
        BOOST_ERROR("the unit's failing statement did not fail");
    } catch (const strata::migration_error& e) {
        BOOST_TEST(!contains(e.what(), "run strata up again"), e.what());
        BOOST_TEST(!contains(e.what(), "strata repair"), e.what());
    }
    BOOST_TEST(read_table(*sql, "children").find_column("note") == nullptr, "the column stayed after the unit rolled back");
    BOOST_TEST(history_state(*sql, 2) == std::nullopt);
    BOOST_TEST(status_lines(*failing, db.url()) == (names{"1 applied", "2 pending"}), boost::test_tools::per_element());

    strata::runner(*ok, db.url()).up();
    auto t = read_table(*sql, "children");
    const auto* c = t.find_column("note");
    BOOST_TEST_REQUIRE(c != nullptr, t);
    BOOST_TEST(c->type == "character varying(40)");
    BOOST_TEST(!c->nullable);
    BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("applied"));
}

// Each step runs under the DDL lock timeout and is retried. A transaction that writes to the table
// and stays open makes the concurrent build wait for it; the wait times out, is retried, and the
// unit must end with a valid index once the writer commits.
BOOST_AUTO_TEST_CASE(online_index_build_waiting_on_a_writer_is_retried_until_it_succeeds) {
    struct variant {
        std::string what;
        std::function<void(builder&)> ops;
        std::string index;
        bool constraint;  // attached as a unique constraint
    };
    const std::vector<variant> variants{
        {"create_unique_index online",
         [](builder& b) { b.create_unique_index("children", {"parent"}, "children_one_per_parent").online(); },
         "children_one_per_parent", false},
        {"add_unique online", [](builder& b) { b.add_unique("children", {"parent"}).online(); }, "children_parent_key", true},
    };
    for (const auto& v : variants) {
        BOOST_TEST_CONTEXT(v.what) {
            auto db = temp_database::postgresql();
            auto reg = registry_of({create_tables(), unit(2, "unique_parent_online", v.ops)});
            strata::runner(*reg, db.url()).up(1);
            auto sql = open_session(db.url());
            *sql << "INSERT INTO children (id, parent) VALUES (1, 1), (2, 2)";

            auto writer = open_session(db.url());
            *writer << "BEGIN";
            *writer << "INSERT INTO children (id, parent) VALUES (3, 3)";
            std::thread committer([&] {
                std::this_thread::sleep_for(1200ms);
                *writer << "COMMIT";
            });

            std::vector<std::string> notices;
            strata::runner_options options;
            options.ddl_lock_timeout = 300ms;
            options.on_notice = [&](const std::string& text) { notices.push_back(text); };
            std::string failure;
            try {
                strata::runner(*reg, db.url(), options).up();
            } catch (const std::exception& e) {
                failure = e.what();
            }
            committer.join();

            BOOST_TEST(failure.empty(), "up() failed although the writer committed after 1.2 s: " << failure);
            BOOST_TEST(std::any_of(notices.begin(), notices.end(), [](const std::string& n) { return contains(n, "retrying"); }),
                       "the build did not wait for the writer at all (no retry); notices:\n" << joined(notices));
            BOOST_TEST(indexes_of_children(*sql) == (names{v.index + " valid=true unique=true (parent)",
                                                           "children_pkey valid=true unique=true (id)"}),
                       boost::test_tools::per_element());
            if (v.constraint)
                BOOST_TEST(constraint_of_children(*sql, v.index) == std::optional<std::string>("u true - - " + v.index));
            BOOST_TEST(history_state(*sql, 2).value_or("<no row>") == std::string("applied"));
        }
    }
}

// Writes go on while the long steps run. Each long step is held at a point where it waits on
// something else, so what it holds can be looked at without a race: VALIDATE CONSTRAINT waits
// for a lock on parents (another session holds it), the concurrent build waits for an older
// snapshot (another session's). Meanwhile the migrating session holds no lock on children that
// blocks a write, and another session's write to children (200k rows) completes at once.
BOOST_AUTO_TEST_CASE(online_unit_does_not_block_writes_while_it_validates_and_builds) {
    auto db = temp_database::postgresql();
    auto reg = online_registry();
    strata::runner(*reg, db.url()).up(1);
    auto sql = open_session(db.url());
    *sql << "INSERT INTO parents (id) SELECT g FROM generate_series(1, 200000) g";
    // The crashed run of the unit got as far as the column (unit 2 resumes from it); the rows
    // come before the NOT VALID key, so they are only checked by the validation.
    auto plan = plan_of_pending_unit(*reg, db.url());
    BOOST_TEST_REQUIRE(plan.statements.size() == online_unit_statements, joined(plan.statements));
    *sql << plan.running_row;
    for (std::size_t i = 0; i < done_up_to_the_column; ++i) *sql << plan.statements[i];
    *sql << "INSERT INTO children (id, parent, parent_ref) SELECT g, g, g FROM generate_series(1, 200000) g";
    for (std::size_t i = done_up_to_the_column; i < done_up_to_the_not_valid_key; ++i) *sql << plan.statements[i];
    *sql << "ANALYZE children";
    BOOST_TEST_REQUIRE(constraint_of_children(*sql, fkey) == std::optional<std::string>("f false a n parents_pkey"));

    // Holds parents so that VALIDATE waits (it takes ROW SHARE on the referenced table).
    auto parents_holder = open_session(db.url());
    *parents_holder << "BEGIN";
    *parents_holder << "LOCK TABLE parents IN EXCLUSIVE MODE";
    // An older snapshot: the concurrent build waits for it before it can finish.
    auto snapshot_holder = open_session(db.url());
    *snapshot_holder << "BEGIN ISOLATION LEVEL REPEATABLE READ";
    query_value(*snapshot_holder, "SELECT CAST(1 AS TEXT)");

    auto writer = open_session(db.url());
    *writer << "SET statement_timeout = '10s'";

    std::exception_ptr up_failure;
    std::vector<std::string> notices;
    std::thread migrating([&] {
        try {
            strata::runner_options options;
            options.ddl_lock_timeout = 60s;  // the waits below are ours, not production's
            options.on_notice = [&](const std::string& text) { notices.push_back(text); };
            strata::runner(*reg, db.url(), options).up();
        } catch (...) {
            up_failure = std::current_exception();
        }
    });
    struct joiner {
        std::thread& t;
        std::unique_ptr<soci::session>& a;
        std::unique_ptr<soci::session>& b;
        ~joiner() {
            a.reset();  // closing the sessions ends their transactions, so the run can finish
            b.reset();
            if (t.joinable()) t.join();
        }
    } join_at_exit{migrating, parents_holder, snapshot_holder};

    /// The pid of the session running a statement starting with `prefix` and waiting on a lock.
    auto waiting_backend = [&](const std::string& prefix) -> std::optional<std::string> {
        auto rows = query_text(*sql,
                               "SELECT CAST(pid AS TEXT) FROM pg_stat_activity WHERE datname = current_database() "
                               "AND wait_event_type = 'Lock' AND starts_with(query, :p)",
                               prefix);
        if (rows.size() != 1) return std::nullopt;
        return rows.rows.front().front();
    };
    /// The lock modes `pid` holds on children, sorted.
    auto modes_on_children = [&](const std::string& pid) {
        auto rows = query_text(*sql,
                               "SELECT mode FROM pg_locks WHERE granted AND relation = CAST('children' AS regclass) "
                               "AND pid = CAST(:p AS integer) ORDER BY mode",
                               pid);
        names out;
        for (const auto& row : rows.rows) out.push_back(row[0].value_or("?"));
        return out;
    };
    /// Milliseconds one write to children takes for the writer.
    auto timed_write = [&](const std::string& statement) {
        auto start = clock_type::now();
        *writer << statement;
        return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start).count();
    };
    const std::set<std::string> write_blocking{"ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"};

    // 1. VALIDATE CONSTRAINT, waiting for parents.
    std::optional<std::string> pid;
    BOOST_TEST_REQUIRE(eventually([&] { return (pid = waiting_backend("ALTER TABLE \"children\" VALIDATE CONSTRAINT")).has_value(); }),
                       "the run never reached VALIDATE CONSTRAINT waiting on parents");
    auto held = modes_on_children(*pid);
    BOOST_TEST((std::find(held.begin(), held.end(), "ShareUpdateExclusiveLock") != held.end()), joined(held));
    for (const auto& mode : held) BOOST_TEST(!write_blocking.count(mode), "VALIDATE holds " << mode << " on children");
    // An UPDATE that leaves parent_ref alone: an INSERT would run the foreign key's check, which
    // locks parents, which our holder has locked, not the migration.
    auto ms = timed_write("UPDATE children SET parent = parent + 1 WHERE id = 1");
    BOOST_TEST(ms < 1000, "an UPDATE of children took " << ms << " ms during VALIDATE CONSTRAINT");
    BOOST_TEST(waiting_backend("ALTER TABLE \"children\" VALIDATE CONSTRAINT").has_value(), "VALIDATE was no longer running");
    parents_holder.reset();

    // 2. The concurrent build, waiting for the older snapshot.
    BOOST_TEST_REQUIRE(eventually([&] { return (pid = waiting_backend("CREATE UNIQUE INDEX CONCURRENTLY")).has_value(); }),
                       "the run never reached CREATE UNIQUE INDEX CONCURRENTLY waiting on the old snapshot");
    held = modes_on_children(*pid);
    BOOST_TEST((std::find(held.begin(), held.end(), "ShareUpdateExclusiveLock") != held.end()), joined(held));
    for (const auto& mode : held) BOOST_TEST(!write_blocking.count(mode), "the concurrent build holds " << mode << " on children");
    ms = timed_write("INSERT INTO children (id, parent) VALUES (300001, 1)");
    BOOST_TEST(ms < 1000, "an INSERT into children took " << ms << " ms during CREATE INDEX CONCURRENTLY");
    BOOST_TEST(waiting_backend("CREATE UNIQUE INDEX CONCURRENTLY").has_value(), "the build was no longer running");
    snapshot_holder.reset();

    migrating.join();
    if (up_failure) {
        try {
            std::rethrow_exception(up_failure);
        } catch (const std::exception& e) {
            BOOST_ERROR("up() failed: " << e.what());
        }
    }
    expect_linked_postgresql(*sql);
    BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("applied"));
    BOOST_TEST(count_of(*sql, "SELECT CAST(count(*) AS TEXT) FROM children") == 200001);
}

BOOST_AUTO_TEST_SUITE_END()
