// Backfill (issue 9, point 8): a unit updates rows in batches. On PostgreSQL each batch commits
// on its own (a failure half-way keeps the batches before, and the next up finishes the rest),
// progress is reported per batch, and a backfill whose SET leaves its WHERE true stops instead of
// looping; on SQLite it is one UPDATE in the unit's transaction. Down with down(set, where)
// restores the values, and the schema read back is exactly the one before; without it, down is
// refused before anything runs. Units are defined here, in a registry of the test's own.

#include <strata/migration.hpp>
#include <strata/registry.hpp>
#include <strata/runner.hpp>

#include <soci/soci.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "backend_test.hpp"
#include "support/change_unit.hpp"
#include "support/schema_history.hpp"
#include "support/schema_reader.hpp"
#include "support/schema_session.hpp"
#include "support/temp_database.hpp"

using namespace strata::test;
using namespace strata::schema;

namespace {

using names = std::vector<std::string>;
using unit_ptr = std::shared_ptr<const strata::migration>;

constexpr int rows_to_fill = 25;
constexpr int batch = 10;

unit_ptr unit(std::int64_t version, std::string name, std::function<void(builder&)> ops) {
    return std::make_shared<const change_unit>(version, std::move(name), std::move(ops));
}

std::unique_ptr<strata::registry> registry_of(const std::vector<unit_ptr>& units) {
    auto r = std::make_unique<strata::registry>();
    for (const auto& u : units) r->add(u, "backfill_test.cpp");
    return r;
}

/// Unit 1: items(id, status, score).
unit_ptr create_items() {
    return unit(1, "create_items", [](builder& b) {
        b.create_table("items", [](table& t) {
            t.column("id", type::bigint()).primary();
            t.column("status", type::text());
            t.column("score", type::bigint());
        });
    });
}

/// Unit 2: status 'active' and score id * 2 where status is NULL, 10 rows a batch; its down
/// clears both again (on the rows it set, those 'active').
unit_ptr fill_items(bool reversible = true) {
    return unit(2, "fill_items", [reversible](builder& b) {
        b.backfill("items", R"("status" = 'active', "score" = "id" * 2)", R"("status" IS NULL)", batch);
        if (reversible) b.down(R"("status" = NULL, "score" = NULL)", R"("status" = 'active')");
    });
}

/// Rows 1-25 with status NULL (to fill) and rows 100, 101 'kept' (not to touch).
void insert_items(soci::session& sql) {
    for (int id = 1; id <= rows_to_fill; ++id) sql << "INSERT INTO items (id) VALUES (" + std::to_string(id) + ")";
    sql << "INSERT INTO items (id, status, score) VALUES (100, 'kept', 7)";
    sql << "INSERT INTO items (id, status, score) VALUES (101, 'kept', 8)";
}

/// The number a one-value query returns.
long long count_of(soci::session& sql, const std::string& query) {
    return std::stoll(query_value(sql, "SELECT CAST((" + query + ") AS TEXT)").value_or("-1"));
}

long long filled(soci::session& sql) {
    return count_of(sql, "SELECT count(*) FROM items WHERE status = 'active' AND score = id * 2");
}

long long unfilled(soci::session& sql) { return count_of(sql, "SELECT count(*) FROM items WHERE status IS NULL AND score IS NULL"); }

/// The rows that must stay as they are.
text_rows kept_rows(soci::session& sql) {
    return query_text(sql, "SELECT CAST(id AS TEXT), status, CAST(score AS TEXT) FROM items WHERE id >= 100 ORDER BY id");
}

text_rows expected_kept() { return {{{"100", "kept", "7"}, {"101", "kept", "8"}}}; }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// A trigger refusing to set row 15 'active': the batch holding it fails.
void refuse_row_15(strata::backend backend, soci::session& sql) {
    if (backend == strata::backend::postgresql) {
        sql << "CREATE FUNCTION refuse_15() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN IF NEW.id = 15 AND NEW.status = "
               "''active'' THEN RAISE EXCEPTION ''row 15 refused''; END IF; RETURN NEW; END'";
        sql << "CREATE TRIGGER refuse_15 BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION refuse_15()";
    } else {
        sql << "CREATE TRIGGER refuse_15 BEFORE UPDATE ON items WHEN NEW.id = 15 AND NEW.status = 'active' "
               "BEGIN SELECT RAISE(ABORT, 'row 15 refused'); END";
    }
}

}  // namespace

STRATA_BACKEND_TEST(backfill_updates_every_matching_row_and_down_restores_them) {
    auto db = temp_database::create(backend);
    auto units = registry_of({create_items(), fill_items()});
    strata::runner(*units, db.url()).up(1);
    auto sql = open_session(db.url());
    insert_items(*sql);
    const auto before = user_schema(*sql);

    std::vector<strata::progress_event> progress;
    strata::runner_options options;
    options.on_progress = [&](const strata::progress_event& p) { progress.push_back(p); };
    strata::runner r(*units, db.url(), options);
    auto report = r.up();
    BOOST_TEST_REQUIRE(report.units.size() == 1u);
    BOOST_TEST(filled(*sql) == rows_to_fill);
    BOOST_TEST(kept_rows(*sql) == expected_kept());
    BOOST_TEST(user_schema(*sql) == before, "a backfill changes rows, not the schema");
    BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("applied"));

    if (backend == strata::backend::postgresql) {
        // Counted first (25), then one event per batch: 10, 20, 25.
        std::vector<std::int64_t> done;
        for (const auto& p : progress) {
            done.push_back(p.done);
            BOOST_TEST(p.total == rows_to_fill);
            BOOST_TEST(p.version == 2);
            BOOST_TEST(p.name == "fill_items");
            BOOST_TEST(p.operation == "backfill items");
            BOOST_TEST(p.unit == "rows");
        }
        BOOST_TEST(done == (std::vector<std::int64_t>{0, 10, 20, 25}), boost::test_tools::per_element());
    } else {
        BOOST_TEST(progress.empty(), "SQLite runs one UPDATE: no batches to report");
    }

    r.down();
    BOOST_TEST(unfilled(*sql) == rows_to_fill);
    BOOST_TEST(kept_rows(*sql) == expected_kept());
    BOOST_TEST(user_schema(*sql) == before);
    BOOST_TEST(history_state(*sql, 2) == std::nullopt);
}

STRATA_BACKEND_TEST(backfill_without_down_is_refused_as_irreversible_before_anything_runs) {
    auto db = temp_database::create(backend);
    auto units = registry_of({create_items(), fill_items(false)});
    strata::runner r(*units, db.url());
    r.up(1);
    auto sql = open_session(db.url());
    insert_items(*sql);
    r.up();
    BOOST_TEST(filled(*sql) == rows_to_fill);
    try {
        r.down();
        BOOST_ERROR("down() reverted a backfill that has no down");
    } catch (const strata::irreversible_error& e) {
        BOOST_TEST(contains(e.what(), "'backfill items' cannot be reversed"), e.what());
    }
    BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("applied"));
    BOOST_TEST(filled(*sql) == rows_to_fill);
}

// A batch fails half-way (a trigger refuses row 15). PostgreSQL keeps the batches committed
// before it: the unit is interrupted, not dirty, and the next up finishes the rest. SQLite rolls
// the one UPDATE back with the unit.
STRATA_BACKEND_TEST(backfill_failing_half_way_keeps_finished_batches_and_the_next_up_finishes) {
    auto db = temp_database::create(backend);
    auto units = registry_of({create_items(), fill_items()});
    strata::runner(*units, db.url()).up(1);
    auto sql = open_session(db.url());
    insert_items(*sql);
    refuse_row_15(backend, *sql);

    try {
        strata::runner(*units, db.url()).up();
        BOOST_ERROR("up() set row 15 despite its trigger");
    } catch (const strata::migration_error& e) {
        BOOST_TEST(e.context().version.value_or(0) == 2);
        BOOST_TEST(contains(e.what(), "row 15 refused"), e.what());
        if (backend == strata::backend::postgresql) BOOST_TEST(contains(e.what(), "run strata up again"), e.what());
    }
    const long long kept_batches = filled(*sql);
    if (backend == strata::backend::postgresql) {
        // Whole batches before the one holding row 15, each committed on its own.
        BOOST_TEST(kept_batches > 0);
        BOOST_TEST(kept_batches < rows_to_fill);
        BOOST_TEST(kept_batches % batch == 0);
        BOOST_TEST(count_of(*sql, "SELECT count(*) FROM items WHERE id = 15 AND status IS NULL") == 1);
        BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("running"));
        BOOST_TEST(status_lines(*units, db.url()) == (names{"1 applied", "2 pending interrupted"}), boost::test_tools::per_element());
    } else {
        BOOST_TEST(kept_batches == 0, "SQLite runs the unit in one transaction: nothing should stay");
        BOOST_TEST(history_state(*sql, 2) == std::nullopt);
        BOOST_TEST(status_lines(*units, db.url()) == (names{"1 applied", "2 pending"}), boost::test_tools::per_element());
    }

    *sql << "DROP TRIGGER refuse_15" + std::string(backend == strata::backend::postgresql ? " ON items" : "");
    std::vector<strata::progress_event> progress;
    strata::runner_options options;
    options.on_progress = [&](const strata::progress_event& p) { progress.push_back(p); };
    auto report = strata::runner(*units, db.url(), options).up();
    BOOST_TEST_REQUIRE(report.units.size() == 1u);
    BOOST_TEST(filled(*sql) == rows_to_fill);
    BOOST_TEST(kept_rows(*sql) == expected_kept());
    BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("applied"));
    BOOST_TEST(status_lines(*units, db.url()) == (names{"1 applied", "2 applied"}), boost::test_tools::per_element());
    BOOST_TEST(audit_log(*sql) == (names{"1 up ok", "2 up failed", "2 up ok"}), boost::test_tools::per_element());
    if (backend == strata::backend::postgresql) {
        // The rerun counted only the rows still to do.
        BOOST_TEST_REQUIRE(!progress.empty());
        BOOST_TEST(progress.front().total == rows_to_fill - kept_batches);
        BOOST_TEST(progress.back().done == rows_to_fill - kept_batches);
    }
}

// A SET that leaves the WHERE true would make the batches endless: PostgreSQL stops after the
// first batch and says why. (SQLite's one UPDATE ends by itself.)
STRATA_BACKEND_TEST(backfill_whose_set_leaves_its_where_true_stops_instead_of_looping) {
    auto db = temp_database::create(backend);
    auto units = registry_of({create_items(), unit(2, "bump_scores", [](builder& b) {
                                  b.backfill("items", R"("score" = coalesce("score", 0) + 1)", R"("status" IS NULL)", batch);
                              })});
    strata::runner(*units, db.url()).up(1);
    auto sql = open_session(db.url());
    insert_items(*sql);
    if (backend == strata::backend::sqlite) {
        strata::runner(*units, db.url()).up();
        BOOST_TEST(count_of(*sql, "SELECT count(*) FROM items WHERE score = 1") == rows_to_fill);
        return;
    }
    try {
        strata::runner(*units, db.url()).up();
        BOOST_ERROR("up() returned from a backfill whose WHERE stays true");
    } catch (const strata::migration_error& e) {
        BOOST_TEST(contains(e.what(), "backfill items: rows it just updated still match its where_sql, so its batches "
                                      "would never end; stopped after 10 rows (committed)"),
                   e.what());
    }
    BOOST_TEST(count_of(*sql, "SELECT count(*) FROM items WHERE score = 1") == batch);
    BOOST_TEST(count_of(*sql, "SELECT count(*) FROM items WHERE score > 1 AND id < 100") == 0);
}

BOOST_AUTO_TEST_SUITE(postgresql)

// A row its batch locks but cannot update (a BEFORE UPDATE trigger skips it) would be locked
// again by every batch after: the backfill stops, saying why, instead of looping for ever.
BOOST_AUTO_TEST_CASE(backfill_whose_rows_a_trigger_skips_stops_instead_of_looping) {
    auto db = temp_database::postgresql();
    auto units = registry_of({create_items(), fill_items()});
    strata::runner(*units, db.url()).up(1);
    auto sql = open_session(db.url());
    insert_items(*sql);
    *sql << "CREATE FUNCTION keep_five() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF OLD.id = 5 THEN RETURN NULL; END IF; "
            "RETURN NEW; END $$";
    *sql << "CREATE TRIGGER keep_five BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION keep_five()";
    try {
        strata::runner(*units, db.url()).up();
        BOOST_ERROR("the backfill ended although row 5 still matches its where_sql");
    } catch (const strata::migration_error& e) {
        BOOST_TEST(std::string(e.what()).find("locked 1 rows matching its where_sql and updated none of them") != std::string::npos,
                   e.what());
    }
    BOOST_TEST(query_value(*sql, "SELECT CAST(count(*) AS TEXT) FROM items WHERE status IS NULL") == std::optional<std::string>("1"));
    BOOST_TEST(history_state(*sql, 2) != std::optional<std::string>("applied"), "the stopped backfill was recorded applied");
}

// A row the application changes while a batch waits for its lock (another column, committed
// after the batch began) is updated too: the backfill ends only once no row matches its
// where_sql, never while one does and its history row says applied.
BOOST_AUTO_TEST_CASE(backfill_updates_a_row_the_application_changed_while_the_batch_waited) {
    auto db = temp_database::postgresql();
    auto units = registry_of({create_items(), fill_items()});
    strata::runner(*units, db.url()).up(1);
    auto sql = open_session(db.url());
    *sql << "INSERT INTO items (id) VALUES (1)";
    auto app = open_session(db.url());
    *app << "BEGIN";
    *app << "UPDATE items SET score = 7 WHERE id = 1";
    std::thread commit_later([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(700));
        *app << "COMMIT";
    });
    strata::runner(*units, db.url()).up();
    commit_later.join();
    BOOST_TEST(query_value(*sql, "SELECT status FROM items WHERE id = 1") == std::optional<std::string>("active"),
               "the backfill ended, recorded applied, with a row it had to update left as it was");
    BOOST_TEST(recorded_versions(*sql) == (std::vector<std::int64_t>{1, 2}), boost::test_tools::per_element());
}

// The same half-done revert seen by the previous release's migrator, which lacks the backfill
// (rollback probe H2, part B): the row stores the unit's way back while it says reverting, so
// the older build's status says down undoes it, and its down finishes reverting it.
BOOST_AUTO_TEST_CASE(backfill_whose_down_stopped_half_way_is_finished_by_an_older_build) {
    auto db = temp_database::postgresql();
    auto units = registry_of({create_items(), fill_items()});
    auto older = registry_of({create_items()});
    strata::runner(*units, db.url()).up(1);
    auto sql = open_session(db.url());
    insert_items(*sql);
    strata::runner(*units, db.url()).up();
    *sql << "CREATE FUNCTION keep_15() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN IF NEW.id = 15 AND NEW.status IS "
            "NULL THEN RAISE EXCEPTION ''row 15 kept''; END IF; RETURN NEW; END'";
    *sql << "CREATE TRIGGER keep_15 BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION keep_15()";
    BOOST_CHECK_THROW(strata::runner(*units, db.url()).down(), strata::migration_error);
    BOOST_TEST_REQUIRE(history_state(*sql, 2) == std::optional<std::string>("reverting"));
    BOOST_TEST_REQUIRE(filled(*sql) > 0);
    *sql << "DROP TRIGGER keep_15 ON items";

    const auto status = strata::runner(*older, db.url()).status();
    BOOST_TEST_REQUIRE(status.size() == 2u);
    BOOST_TEST((status[1].state == strata::unit_state::dirty));
    BOOST_TEST(status[1].stored_rollback);
    BOOST_TEST(status[1].reverting);
    auto report = strata::runner(*older, db.url()).down();
    BOOST_TEST_REQUIRE(report.units.size() == 1u);
    BOOST_TEST(report.units[0].from_history);
    BOOST_TEST(report.units[0].down_was_half_done);
    BOOST_TEST(unfilled(*sql) == rows_to_fill);
    BOOST_TEST(history_state(*sql, 2) == std::nullopt);
    BOOST_TEST(kept_rows(*sql) == expected_kept());
}

// A down of an applied backfill stopped half-way (a batch refused) is a half-done revert, not an
// interrupted up: the row says reverting, status says its down was interrupted, and the next
// down finishes reverting it, saying so in its report and audit row; up instead applies it again.
BOOST_AUTO_TEST_CASE(backfill_whose_down_stops_half_way_is_a_half_done_revert) {
    for (const bool finish_with_down : {true, false}) {
        BOOST_TEST_CONTEXT((finish_with_down ? "then down" : "then up")) {
            auto db = temp_database::postgresql();
            auto units = registry_of({create_items(), fill_items()});
            strata::runner(*units, db.url()).up(1);
            auto sql = open_session(db.url());
            insert_items(*sql);
            strata::runner(*units, db.url()).up();
            BOOST_TEST_REQUIRE(filled(*sql) == rows_to_fill);
            *sql << "CREATE FUNCTION keep_15() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN IF NEW.id = 15 AND NEW.status IS "
                    "NULL THEN RAISE EXCEPTION ''row 15 kept''; END IF; RETURN NEW; END'";
            *sql << "CREATE TRIGGER keep_15 BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION keep_15()";
            *sql << "UPDATE strata_schema_history SET execution_ms = 4242 WHERE version = 2";  // the up's time
            try {
                strata::runner(*units, db.url()).down();
                BOOST_ERROR("down() cleared row 15 despite its trigger");
            } catch (const strata::migration_error& e) {
                BOOST_TEST(contains(e.what(), "row 15 kept"), e.what());
                BOOST_TEST(contains(e.what(), "run strata down again to finish reverting it, or strata up to apply it again"), e.what());
            }
            BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("reverting"));
            BOOST_TEST(query_value(*sql, "SELECT CAST(execution_ms AS TEXT) FROM strata_schema_history WHERE version = 2") ==
                       std::optional<std::string>("4242"));  // not a made-up 0
            BOOST_TEST(unfilled(*sql) > 0);
            BOOST_TEST(filled(*sql) > 0);
            {
                auto status = strata::runner(*units, db.url()).status();
                BOOST_TEST_REQUIRE(status.size() == 2u);
                BOOST_TEST((status[1].state == strata::unit_state::pending));
                BOOST_TEST(status[1].interrupted);
                BOOST_TEST(status[1].reverting);
            }
            *sql << "DROP TRIGGER keep_15 ON items";
            if (finish_with_down) {
                auto report = strata::runner(*units, db.url()).down();
                BOOST_TEST_REQUIRE(report.units.size() == 1u);
                BOOST_TEST(report.units[0].half_done);
                BOOST_TEST(report.units[0].down_was_half_done);
                BOOST_TEST(unfilled(*sql) == rows_to_fill);
                BOOST_TEST(history_state(*sql, 2) == std::nullopt);
                BOOST_TEST(query_value(*sql, "SELECT message FROM strata_schema_log WHERE version = 2 AND action = 'down' "
                                             "AND outcome = 'ok'") ==
                           std::optional<std::string>("its down had been interrupted half-way: finished it"));
            } else {
                // The up that resumes it stops half-way too: now it is an up that was interrupted.
                *sql << "CREATE FUNCTION refuse_active() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN IF NEW.status = "
                        "''active'' THEN RAISE EXCEPTION ''refused''; END IF; RETURN NEW; END'";
                *sql << "CREATE TRIGGER refuse_active BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION refuse_active()";
                BOOST_CHECK_THROW(strata::runner(*units, db.url()).up(), strata::migration_error);
                BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("running"));
                BOOST_TEST(!strata::runner(*units, db.url()).status().at(1).reverting);
                *sql << "DROP TRIGGER refuse_active ON items";
                strata::runner(*units, db.url()).up();
                BOOST_TEST(filled(*sql) == rows_to_fill);
                BOOST_TEST(history_state(*sql, 2) == std::optional<std::string>("applied"));
            }
            BOOST_TEST(kept_rows(*sql) == expected_kept());
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
