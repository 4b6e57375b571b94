// A dry run's script is what the run executes (issue 10, point 2): the database's own client
// (psql -v ON_ERROR_STOP=1, sqlite3 -bail) runs it as-is and leaves the same schema, rows and
// history as the real run, for up and for down --all. The units cover each way a unit runs:
// plain DDL, online operations outside a transaction (PostgreSQL), a batched backfill (a DO
// block on PostgreSQL), a change SQLite makes by rebuilding the table, and raw SQL.

#include <strata/dialect.hpp>
#include <strata/registry.hpp>
#include <strata/runner.hpp>

#include <soci/soci.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include "backend_test.hpp"
#include "support/change_unit.hpp"
#include "support/schema_reader.hpp"
#include "support/schema_session.hpp"
#include "support/temp_database.hpp"

using namespace strata::test;
using namespace strata::schema;

namespace {

std::unique_ptr<strata::registry> release() {
    auto r = std::make_unique<strata::registry>();
    auto add = [&](std::int64_t version, std::string name, std::function<void(builder&)> ops) {
        r->add(std::make_shared<const change_unit>(version, std::move(name), std::move(ops)), "dry_run_script_test.cpp");
    };
    add(1, "create_parents_and_children", [](builder& b) {
        b.create_table("parents", [](table& t) {
            t.column("id", type::bigint()).primary();
            t.column("name", type::text()).not_null();
        });
        b.create_table("children", [](table& t) {
            t.column("id", type::bigint()).primary();
            t.column("parent", type::bigint());
            t.column("note", type::text());
        });
    });
    add(2, "link_children_online", [](builder& b) {
        b.add_foreign_key("children", foreign_key{"children_parent_fkey", {"parent"}, "parents", {"id"}}).online();
        b.create_index("children", {"note"}).online();
    });
    add(3, "fill_notes", [](builder& b) {
        b.backfill("children", R"("note" = 'child of ' || "parent")", R"("note" IS NULL)", 2).down(R"("note" = NULL)", R"("note" LIKE 'child of %')");
    });
    add(4, "limit_notes", [](builder& b) {
        b.change_column("children", column("note", type::text()), column("note", type::varchar(40)).not_null());
    });
    add(5, "raw_view", [](builder& b) {
        b.sql(R"(CREATE VIEW "named_children" AS SELECT c."id", p."name" FROM "children" c JOIN "parents" p ON p."id" = c."parent")",
              R"(DROP VIEW "named_children")");
    });
    return r;
}

/// The script as the command line prints it, run by the database's own client.
void run_with_client(const temp_database& db, const std::vector<std::string>& script) {
    std::string text = db.kind() == strata::backend::sqlite ? ".bail on\n" : "";
    // As the command line ends them: a comment, or a query with psql's \gexec, has no semicolon.
    for (const auto& line : script) text += line + (line.rfind("--", 0) == 0 || strata::gexec_query(line) ? "\n" : ";\n");
    const std::string path = std::filesystem::temp_directory_path() / ("strata_script_" + std::to_string(::getpid()) + ".sql");
    std::ofstream(path) << text;
    const std::string command = db.kind() == strata::backend::sqlite
                                    ? "sqlite3 '" + db.url().path() + "' < '" + path + "'"
                                    : "psql -X -q -v ON_ERROR_STOP=1 -f '" + path + "' '" + db.url_text() + "' > /dev/null";
    const int status = std::system(command.c_str());
    std::filesystem::remove(path);
    BOOST_TEST_REQUIRE(status == 0, command << " failed on the script:\n" << text);
}

/// Everything a run leaves that a person would compare: the schema, the rows, the history (who,
/// what, which down statements) and the audit log's actions.
struct outcome {
    database_schema schema;
    text_rows rows, history, log;
    bool operator==(const outcome&) const = default;
};

outcome outcome_of(const temp_database& db) {
    auto sql = open_session(db.url());
    const auto tables = read_table_names(*sql);
    const bool children = std::find(tables.begin(), tables.end(), "children") != tables.end();
    return {read_schema(*sql),
            children ? query_text(*sql, "SELECT CAST(id AS TEXT), CAST(parent AS TEXT), note FROM children ORDER BY id") : text_rows{},
            query_text(*sql, "SELECT CAST(version AS TEXT), name, checksum, state, applied_by, down_statements "
                             "FROM strata_schema_history ORDER BY version"),
            query_text(*sql, "SELECT CAST(version AS TEXT), action, outcome FROM strata_schema_log ORDER BY version, action")};
}

void check_same(const outcome& by_script, const outcome& by_run) {
    BOOST_TEST(by_script.schema == by_run.schema, schema_diff(by_run.schema, by_script.schema));
    BOOST_TEST(by_script.rows == by_run.rows);
    BOOST_TEST(by_script.history == by_run.history);
    BOOST_TEST(by_script.log == by_run.log);
}

}  // namespace

STRATA_BACKEND_TEST(a_dry_run_script_run_by_the_database_client_leaves_what_the_run_leaves) {
    auto scripted = temp_database::create(backend);
    auto real = temp_database::create(backend);
    auto units = release();
    for (const auto* db : {&scripted, &real}) {
        strata::runner(*units, db->url()).up(1);
        auto sql = open_session(db->url());
        *sql << "INSERT INTO parents (id, name) VALUES (1, 'ada'), (2, 'alan')";
        *sql << "INSERT INTO children (id, parent) VALUES (10, 1), (11, 1), (12, 2)";
    }

    auto up = strata::runner(*units, scripted.url(), {.dry_run = true}).up().script;
    BOOST_TEST_REQUIRE(up.size() > 10u);
    run_with_client(scripted, up);
    strata::runner(*units, real.url()).up();
    check_same(outcome_of(scripted), outcome_of(real));

    auto down = strata::runner(*units, scripted.url(), {.allow_data_loss = true, .dry_run = true}).down({.all = true}).script;
    run_with_client(scripted, down);
    strata::runner(*units, real.url(), {.allow_data_loss = true}).down({.all = true});
    check_same(outcome_of(scripted), outcome_of(real));
}
