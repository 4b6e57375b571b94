// What the runner refuses (and then leaves untouched), down to a version, and redo.

#include <strata/error.hpp>
#include <strata/registry.hpp>
#include <strata/runner.hpp>

#include <soci/soci.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <stop_token>
#include <thread>

#include "backend_test.hpp"
#include "support/change_unit.hpp"
#include "support/schema_history.hpp"
#include "support/schema_reader.hpp"
#include "support/schema_session.hpp"
#include "support/temp_database.hpp"
#include "tutorial.hpp"

using namespace strata::test;
using namespace strata::schema;

STRATA_BACKEND_TEST(down_with_nothing_applied_is_refused) {
    auto db = temp_database::create(backend);
    strata::runner r(strata::registry::global(), db.url());
    BOOST_CHECK_THROW(r.down(), strata::config_error);

    auto sql = open_session(db.url());
    BOOST_TEST(read_table_names(*sql).empty(), "a refused down creates nothing");
}

STRATA_BACKEND_TEST(up_to_an_unknown_version_is_refused_and_applies_nothing) {
    auto db = temp_database::create(backend);
    strata::runner r(strata::registry::global(), db.url());
    BOOST_CHECK_THROW(r.up(99), strata::config_error);

    auto sql = open_session(db.url());
    BOOST_TEST(read_table_names(*sql).empty(), "a refused up creates nothing");
    BOOST_TEST(recorded_versions(*sql).empty());
}

STRATA_BACKEND_TEST(down_more_steps_than_applied_is_refused_and_reverts_nothing) {
    auto db = temp_database::create(backend);
    strata::runner r(strata::registry::global(), db.url());
    r.up();
    auto sql = open_session(db.url());
    const auto migrated = read_schema(*sql);

    BOOST_CHECK_THROW(r.down({.steps = 5}), strata::config_error);

    BOOST_TEST(recorded_versions(*sql) == (std::vector<std::int64_t>{1, 2, 3}), boost::test_tools::per_element());
    const auto now = read_schema(*sql);
    BOOST_TEST(now == migrated, schema_diff(migrated, now));
}

STRATA_BACKEND_TEST(down_to_a_version_reverts_only_the_newer_units) {
    auto db = temp_database::create(backend);
    strata::runner r(strata::registry::global(), db.url());
    r.up(1);
    auto sql = open_session(db.url());
    const auto after_unit_1 = read_schema(*sql);
    r.up();

    r.down({.to = 1});

    BOOST_TEST(recorded_versions(*sql) == (std::vector<std::int64_t>{1}), boost::test_tools::per_element());
    const auto now = read_schema(*sql);
    BOOST_TEST(now == after_unit_1, schema_diff(after_unit_1, now));
}

STRATA_BACKEND_TEST(redo_reverts_and_reapplies_the_newest_unit) {
    tutorial::migrated_database m(backend);
    auto& sql = *m.sql;
    const auto migrated = read_schema(sql);
    const std::string profile = tutorial::insert_profile(sql, "1 Redo Road");
    const std::string user = tutorial::insert_user(sql, "Redone", profile);
    const auto history_before = read_history(sql);
    BOOST_TEST_REQUIRE(history_before.size() == 3u);
    // The link goes with the column: refused until allowed, and nothing was run.
    BOOST_CHECK_THROW(strata::runner(strata::registry::global(), m.db.url()).redo(), strata::data_loss_error);
    BOOST_TEST(read_history(sql).back().applied_at == history_before.back().applied_at);

    // applied_at has millisecond precision on SQLite: make the new one measurably later.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    strata::runner(strata::registry::global(), m.db.url(), {.allow_data_loss = true}).redo();

    const auto history_after = read_history(sql);
    BOOST_TEST_REQUIRE(history_after.size() == 3u);
    for (std::size_t i = 0; i < 2; ++i) {
        BOOST_TEST_CONTEXT("history row " << history_before[i]) {
            BOOST_TEST(history_after[i].version == history_before[i].version);
            BOOST_TEST(history_after[i].applied_at == history_before[i].applied_at, "units 1 and 2 were not touched");
        }
    }
    BOOST_TEST(history_after[2].version == 3);
    BOOST_TEST(history_after[2].name == "add_profile_to_users");
    BOOST_TEST(history_after[2].checksum == history_before[2].checksum);
    BOOST_TEST(history_after[2].applied_at_seconds > history_before[2].applied_at_seconds,
               "unit 3 applied again: " << history_before[2].applied_at << " -> " << history_after[2].applied_at);

    const auto now = read_schema(sql);
    BOOST_TEST(now == migrated, schema_diff(migrated, now));
    // The column was dropped and added again: the user is still there, its link is gone.
    BOOST_TEST(query_value(sql, "SELECT \"firstName\" FROM users WHERE CAST(\"userId\" AS TEXT) = :p", user) == "Redone");
    BOOST_TEST(tutorial::profile_of(sql, user) == std::nullopt);
}

// PostgreSQL resolves an unqualified name through the search_path, which can reach a history in
// another schema (`public`, migrated by the same units). strata's tables belong in the current
// schema; a first run there that would begin a new one is refused (the schema may have been made
// ahead of the database's history by mistake: every unit would apply again), unless told to
// (allow_new_history: a tenant's schema ahead of a shared public). Then it sees nothing applied,
// applies every unit and keeps its own history.
STRATA_BACKEND_TEST(a_history_further_down_the_search_path_is_not_this_schemas) {
    if (backend != strata::backend::postgresql) return;  // SQLite has no search_path
    auto db = temp_database::create(backend);
    strata::runner(strata::registry::global(), db.url()).up();  // units 1-3 and a history in public
    auto sql = open_session(db.url());
    *sql << "CREATE SCHEMA \"tenant\"";
    const std::string separator = db.url_text().find('?') == std::string::npos ? "?" : "&";
    const auto tenant = strata::database_url::parse(db.url_text() + separator + "options=-csearch_path%3Dtenant,public");

    BOOST_CHECK_THROW(strata::runner(strata::registry::global(), tenant).up(), strata::config_error);
    strata::runner r(strata::registry::global(), tenant, {.allow_new_history = true});
    for (const auto& s : r.status())
        BOOST_TEST((s.state == strata::unit_state::pending), "unit " << s.version << " is pending in the tenant schema");
    r.up();

    std::vector<std::string> tables;
    soci::rowset<std::string> rows = (sql->prepare << "SELECT table_name FROM information_schema.tables "
                                                      "WHERE table_schema = 'tenant' ORDER BY table_name");
    for (const auto& t : rows) tables.push_back(t);
    BOOST_TEST(tables == (std::vector<std::string>{"strata_schema_history", "strata_schema_log", "user_profiles", "users"}),
               boost::test_tools::per_element());
    long long recorded = 0;
    *sql << "SELECT count(*) FROM \"tenant\".\"strata_schema_history\" WHERE state = 'applied'", soci::into(recorded);
    BOOST_TEST(recorded == 3);
}

// A role without the rights to strata's tables (a read-only CI role) or to the schema they go
// in: a configuration to fix, exit 2, saying what to grant; not exit 1 as a failed unit.
// tools/pg-sandbox makes the role strata_plain (the test role's password, no rights here).
STRATA_BACKEND_TEST(a_role_without_rights_to_the_history_is_a_configuration_error) {
    if (backend != strata::backend::postgresql) return;
    auto db = temp_database::create(backend);
    std::string plain = db.url_text();
    const auto at = plain.find("://strata:");
    BOOST_TEST_REQUIRE(at != std::string::npos, "the test URL's user is not strata");
    plain.replace(at, 10, "://strata_plain:");
    const auto plain_url = strata::database_url::parse(plain);
    // No CREATE on public: the first up cannot make the history.
    try {
        strata::runner(strata::registry::global(), plain_url).up();
        BOOST_ERROR("up made a history without CREATE on the schema");
    } catch (const strata::error& e) {
        BOOST_TEST(strata::exit_status(e.kind()) == 2, e.what());
        BOOST_TEST(std::string(e.what()).find("permission denied for schema public") != std::string::npos, e.what());
    }
    long long tables = -1;
    *open_session(db.url()) << "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'strata%' OR tablename = 'users'",
        soci::into(tables);
    BOOST_TEST(tables == 0, "the refused up left tables behind");
    // The history another role made, not readable by this one.
    strata::runner(strata::registry::global(), db.url()).up();
    try {
        strata::runner(strata::registry::global(), plain_url).status();
        BOOST_ERROR("status read a history the role may not read");
    } catch (const strata::error& e) {
        BOOST_TEST(strata::exit_status(e.kind()) == 2, e.what());
        BOOST_TEST(std::string(e.what()).find("strata needs SELECT on strata_schema_history") != std::string::npos, e.what());
    }
}

// diff applies the target's units to a scratch database: a stop there says so, and never that
// units were "done and kept" (the target was only read; the scratch database is dropped).
STRATA_BACKEND_TEST(a_stop_during_diff_speaks_of_the_scratch_database) {
    if (backend != strata::backend::sqlite) return;  // one database is enough; SQLite's scratch is in memory
    auto db = temp_database::create(backend);
    strata::registry units;
    units.add(std::make_shared<const change_unit>(1, "create_notes", [](builder& b) {
                  b.create_table("notes", [](table& t) { t.column("id", type::bigint()).primary(); });
              }),
              "runner_test.cpp");
    units.add(std::make_shared<const change_unit>(2, "slow", [](builder& b) {
                  b.sql("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 6000000) SELECT count(*) FROM c",
                        "SELECT 1");
              }),
              "runner_test.cpp");
    strata::runner(units, db.url()).up();
    std::stop_source stop;
    strata::runner_options options;
    options.stop = stop.get_token();
    std::thread stopper([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        stop.request_stop();
    });
    try {
        strata::runner(units, db.url(), options).diff();
        BOOST_ERROR("diff was not stopped");
    } catch (const strata::error& e) {
        BOOST_TEST((e.kind() == strata::error_kind::interrupted), e.what());
        BOOST_TEST(std::string(e.what()).find("while applying to a scratch database the units") != std::string::npos, e.what());
        BOOST_TEST(dynamic_cast<const strata::migration_error*>(&e) == nullptr, "reported as the target's units: " << e.what());
    }
    stopper.join();
}

namespace {

/// Units 1 (tables notes and owners), `second` and 3 (a foreign key, which SQLite adds by
/// rebuilding the table, so it first rehearses the run on a copy of the schema).
void rehearsed_run(strata::registry& units, std::shared_ptr<const strata::migration> second) {
    units.add(std::make_shared<const change_unit>(1, "create_notes", [](builder& b) {
                  b.create_table("notes", [](table& t) {
                      t.column("id", type::bigint()).primary();
                      t.column("owner", type::bigint());
                  });
                  b.create_table("owners", [](table& t) { t.column("id", type::bigint()).primary(); });
              }),
              "runner_test.cpp");
    units.add(std::move(second), "runner_test.cpp");
    units.add(std::make_shared<const change_unit>(3, "notes_owner", [](builder& b) {
                  b.add_foreign_key("notes", {.columns = {"owner"}, .ref_table = "owners", .ref_columns = {"id"}});
              }),
              "runner_test.cpp");
}

}  // namespace

// A unit outside a transaction that fails in the rehearsal on the copy left nothing on the
// database: no advice to check it or repair the unit, which is pending (chaos probe L2).
STRATA_BACKEND_TEST(a_failure_in_the_rehearsal_gives_no_advice_for_the_database) {
    if (backend != strata::backend::sqlite) return;  // PostgreSQL rehearses nothing
    auto db = temp_database::create(backend);
    strata::registry units;
    rehearsed_run(units, std::make_shared<const change_unit>(
                             2, "index_owner",
                             [](builder& b) { b.sql("CREATE INDEX notes_owner ON notes (owner)", "DROP INDEX notes_owner"); },
                             strata::transaction_mode::none));
    strata::runner(units, db.url()).up(1);
    *open_session(db.url()) << "CREATE INDEX notes_owner ON notes (owner)";
    try {
        strata::runner(units, db.url()).up();
        BOOST_ERROR("up made an index that is there");
    } catch (const strata::error& e) {
        const std::string what = e.what();
        BOOST_TEST(what.find("index notes_owner already exists") != std::string::npos, what);
        BOOST_TEST(what.find("found by rehearsing the run on a copy of the schema") != std::string::npos, what);
        BOOST_TEST(what.find("dirty") == std::string::npos, what);
        BOOST_TEST(what.find("repair") == std::string::npos, what);
    }
    const auto status = strata::runner(units, db.url()).status();
    BOOST_TEST((status.at(1).state == strata::unit_state::pending));
}

// diff builds the expected schema in a scratch database on the server and drops it. A session it
// may not end there (an autovacuum worker, another role's monitoring agent: here strata_plain,
// which tools/pg-sandbox makes) refused DROP DATABASE ... WITH (FORCE), and the database, with
// the units' rows, stayed without a word (chaos probe M2). Now it is dropped without FORCE
// (the server ends an autovacuum worker itself and waits for others), else the run says so.
STRATA_BACKEND_TEST(a_scratch_database_that_cannot_be_dropped_is_named) {
    if (backend != strata::backend::postgresql) return;  // SQLite's scratch is in memory
    auto db = temp_database::create(backend);
    strata::registry units;
    units.add(std::make_shared<const change_unit>(1, "slow_notes", [](builder& b) {
                  b.create_table("notes", [](table& t) { t.column("id", type::bigint()).primary(); });
                  b.sql("SELECT pg_sleep(1.5)", "SELECT 1");
              }),
              "runner_test.cpp");
    strata::runner(units, db.url()).up();
    std::string plain = db.url_text();
    const auto at = plain.find("://strata:");
    BOOST_TEST_REQUIRE(at != std::string::npos, "the test URL's user is not strata");
    plain.replace(at, 10, "://strata_plain:");
    const auto plain_url = strata::database_url::parse(plain);
    auto sql = open_session(db.url());
    // The agent: joins the scratch database as soon as it is there, and stays.
    std::atomic<bool> done = false;
    std::unique_ptr<soci::session> agent;
    std::string scratch;
    std::thread joins([&] {
        while (!done && !agent) {
            auto look = open_session(db.url());
            std::string name;
            soci::indicator found = soci::i_null;
            // This process's (the name holds the pid): another test binary's may be there too.
            *look << ("SELECT max(datname) FROM pg_database WHERE datname LIKE 'strata\\_scratch\\_" + std::to_string(::getpid()) +
                      "\\_%'"),
                soci::into(name, found);
            if (found == soci::i_ok) {
                try {
                    agent = open_session(plain_url.with_dbname(name));
                    scratch = name;
                } catch (const std::exception&) {
                }
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    });
    std::vector<std::string> notices;
    strata::runner_options options;
    options.on_notice = [&](const std::string& text) { notices.push_back(text); };
    try {
        strata::runner(units, db.url(), options).diff();
    } catch (const std::exception& e) {
        BOOST_ERROR("diff failed: " << e.what());
    }
    done = true;
    joins.join();
    BOOST_TEST_REQUIRE(!scratch.empty(), "the agent never joined a scratch database");
    std::string said;
    for (const auto& n : notices) said += n + "\n";
    BOOST_TEST(said.find("the scratch database " + scratch + " could not be dropped (") != std::string::npos, said);
    BOOST_TEST(said.find("drop it as a role that may end the sessions in it: DROP DATABASE IF EXISTS \"" + scratch +
                         "\" WITH (FORCE)") != std::string::npos,
               said);
    agent.reset();
    // Without FORCE: the server waits for the agent's session, which may still be ending.
    *sql << ("DROP DATABASE IF EXISTS \"" + scratch + "\"");
}

// SQLite rehearses a run that rebuilds a table on a copy of the schema before anything runs: a
// stop there (a deploy system's SIGTERM) is a stop, exit 143, not unit 2's failure (exit 1), and
// it ends the statement running on the copy (chaos probe M1).
STRATA_BACKEND_TEST(a_stop_during_the_rehearsal_is_a_stop_not_a_units_failure) {
    if (backend != strata::backend::sqlite) return;  // PostgreSQL rehearses nothing
    auto db = temp_database::create(backend);
    strata::registry units;
    // Minutes on the copy unless the stop ends it.
    rehearsed_run(units, std::make_shared<const change_unit>(2, "slow", [](builder& b) {
                      b.sql("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 500000000) SELECT count(*) FROM c",
                            "SELECT 1");
                  }));
    // The run's rehearsal, and a dry run's, which runs on a copy too (review 30 M1).
    for (const bool dry_run : {false, true}) {
        std::stop_source stop;
        strata::runner_options options;
        options.dry_run = dry_run;
        options.stop = stop.get_token();
        options.stopped_by = [] { return std::string("SIGTERM"); };
        std::thread stopper([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            stop.request_stop();
        });
        const auto start = std::chrono::steady_clock::now();
        try {
            strata::runner(units, db.url(), options).up();
            BOOST_ERROR("up was not stopped" << (dry_run ? " (dry run)" : ""));
        } catch (const strata::error& e) {
            BOOST_TEST((e.kind() == strata::error_kind::interrupted), e.what());
            BOOST_TEST(std::string(e.what()).find("interrupted by SIGTERM while rehearsing the run on a copy of the schema, before "
                                                  "anything ran on the database: nothing was run") != std::string::npos,
                       e.what());
            BOOST_TEST(dynamic_cast<const strata::migration_error*>(&e) == nullptr, "reported as a unit's failure: " << e.what());
        }
        stopper.join();
        // Ended by the stop, not by the end of the statement (which takes minutes).
        const auto took = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start);
        BOOST_TEST(took.count() < 30);
        auto sql = open_session(db.url());
        for (const auto& name : read_table_names(*sql)) BOOST_TEST(name.rfind("strata_", 0) == 0, "a table of the units: " << name);
    }
}
