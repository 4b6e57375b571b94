#include "dialect/sqlite/live_rebuild.hpp"

#include "dialect/common.hpp"
#include "dialect/sqlite/table_rebuild.hpp"

#include <strata/dialect.hpp>
#include <strata/error.hpp>

#include <soci/sqlite3/soci-sqlite3.h>

#include <algorithm>
#include <stdexcept>

namespace strata::sqlite_rebuild {

namespace api = ::sqlite_api;

live_rebuild::live_rebuild(api::sqlite3* db, std::string database, execute_function execute, rows_function rows_of)
    : db_(db), database_(std::move(database)), execute_(std::move(execute)), rows_of_(std::move(rows_of)) {}

void live_rebuild::remember_dangling_foreign_keys() {
    if (!dangling_known_) dangling_known_ = dangling_foreign_keys();
}

void live_rebuild::check_foreign_keys() {
    const std::string sql = "PRAGMA foreign_key_check";
    if (auto rows = rows_of_(sql); !rows.empty())
        throw statement_error("the change leaves rows in table \"" + rows.front()[0] +
                                  "\" whose foreign keys point at rows that do not exist",
                              {.database = database_, .backend = "sqlite", .statement = sql});
}

/// A table rebuild (see table_rebuild.hpp), from the table as it is in the database.
void live_rebuild::rebuild(const std::string& directive) {
    auto fail = [&](const std::string& what, const std::string& statement) -> void {
        throw statement_error(what, {.database = database_, .backend = "sqlite", .statement = statement});
    };
    sqlite_rebuild::changes c;
    try {
        c = sqlite_rebuild::parse_directive(directive);
    } catch (const std::invalid_argument& e) {
        fail(std::string("malformed rebuild directive: ") + e.what(), directive);
    }
    const std::string table = dialect::quote(c.table), temp = dialect::quote("strata_new_" + c.table);
    auto definition = rows_of_("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = " + dialect::quote_literal(c.table) + " COLLATE NOCASE");
    if (definition.empty()) fail("cannot rebuild table \"" + c.table + "\": it does not exist", directive);
    std::string create;
    try {
        create = sqlite_rebuild::edit_create_table(definition.front()[0], c, "strata_new_" + c.table);
    } catch (const std::invalid_argument& e) {
        fail(std::string("cannot rebuild table \"") + c.table + "\": " + e.what(), directive);
    }
    // DROP TABLE drops the table's indexes and triggers: their text is kept to create them
    // again. Like PostgreSQL's DROP COLUMN, an index using a dropped column (as a key, in an
    // expression or in its predicate) goes with it.
    std::vector<std::vector<std::string>> keep;
    for (auto& row : rows_of_("SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name COLLATE NOCASE = " +
                              dialect::quote_literal(c.table) + " AND sql IS NOT NULL ORDER BY rowid")) {
        bool on_dropped = false;
        if (row[0] == "index") {
            const auto keys = row[2].find('(');  // what follows ON "table"
            for (const auto& column : c.drop_columns)
                on_dropped = on_dropped ||
                             !rows_of_("SELECT 1 FROM pragma_index_info(" + dialect::quote_literal(row[1]) + ") WHERE name = " +
                                       dialect::quote_literal(column) + " COLLATE NOCASE").empty() ||
                             (keys != std::string::npos && detail::expression_uses(row[2].substr(keys), column));
        }
        if (!on_dropped) keep.push_back(std::move(row));
    }
    execute_(create);
    // Every column the two tables share, in the new table's order; generated ones (hidden) are not stored.
    std::string columns, values;
    for (const auto& row : rows_of_("SELECT n.name FROM pragma_table_xinfo(" + dialect::quote_literal("strata_new_" + c.table) +
                                    ") n JOIN pragma_table_xinfo(" + dialect::quote_literal(c.table) +
                                    ") o ON o.name = n.name COLLATE NOCASE WHERE n.hidden = 0 AND o.hidden = 0 ORDER BY n.cid")) {
        const std::string& column = row[0];
        columns += (columns.empty() ? "" : ", ") + dialect::quote(column);
        std::string value = dialect::quote(column);
        for (const auto& [name, expression] : c.copy_as)
            if (name == column) value = "(" + expression + ")";
        values += (values.empty() ? "" : ", ") + value;
    }
    if (!columns.empty()) {
        const std::string copy = "INSERT INTO " + temp + " (" + columns + ") SELECT " + values + " FROM " + table;
        try {
            execute_(copy);
        } catch (const statement_error& e) {
            // A row the new definition refuses (a constraint, a STRICT type). Anything else (a
            // full disk, an I/O error) is not about the rows: as it is.
            if (e.message().find("constraint failed") == std::string::npos &&
                e.message().find("datatype mismatch") == std::string::npos)
                throw;
            // SQLite names the copy ("NOT NULL constraint failed: strata_new_t.a"), which the
            // user never made: the rows are the table's own.
            std::string why = e.message();
            const std::string scratch = "strata_new_" + c.table;
            for (auto at = why.find(scratch); at != std::string::npos; at = why.find(scratch, at + c.table.size()))
                why.replace(at, scratch.size(), c.table);
            fail("the rows of table \"" + c.table + "\" do not fit its new definition: " + why +
                     " (strata rebuilds the table to change it, copying its rows into " + temp +
                     "); change those rows first: by hand, or in a step of the unit that runs before this one (in its up, or in a down() of its own)",
                 copy);
        }
    }
    execute_("DROP TABLE " + table);
    // Since SQLite 3.26 a RENAME re-checks every view and trigger, and one reading the old
    // table fails while that table is gone. The legacy mode skips the check (nothing refers to
    // the temporary name); views are checked before commit (check_views).
    execute_("PRAGMA legacy_alter_table = ON");
    execute_("ALTER TABLE " + temp + " RENAME TO " + table);
    execute_("PRAGMA legacy_alter_table = OFF");
    // SQLite takes a double-quoted name that matches no column for a string (its "DQS"
    // misfeature): an index on a column the rebuild removed would come back as an index on a
    // constant. Off while the kept texts run, so that is an error instead.
    int dqs = 1;
    api::sqlite3_db_config(db_, SQLITE_DBCONFIG_DQS_DDL, -1, &dqs);
    api::sqlite3_db_config(db_, SQLITE_DBCONFIG_DQS_DDL, 0, nullptr);
    struct restore_dqs {
        api::sqlite3* db;
        int value;
        ~restore_dqs() { api::sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, value, nullptr); }
    } restore{db_, dqs};
    for (const auto& row : keep) {
        try {
            execute_(row[2]);
        } catch (const statement_error& e) {
            fail("the rebuild of table \"" + c.table + "\" cannot keep " + row[0] + " \"" + row[1] + "\": " + e.message() +
                     "; drop it in this unit before the change (and create it again after, if it still applies)",
                 row[2]);
        }
    }
}

/// The foreign keys whose table or column does not exist: table, column, referenced table,
/// referenced column, "1" when the table is missing.
std::vector<std::vector<std::string>> live_rebuild::dangling_foreign_keys() {
    // Only tables whose definition says REFERENCES can have a foreign key (SQLite keeps the text
    // of CREATE TABLE, and a key is declared no other way), so only they are asked. Asking
    // pragma_foreign_key_list about every table at every commit took half of the 11 minutes
    // 10,000 units took to apply from empty (issue 13); the scan of sqlite_master is cheap.
    static const std::string sql =
        "SELECT m.name, f.\"from\", f.\"table\", coalesce(f.\"to\", ''), "
        "NOT EXISTS (SELECT 1 FROM sqlite_master p WHERE p.type = 'table' AND p.name = f.\"table\" COLLATE NOCASE) "
        "FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f "
        "WHERE m.type = 'table' AND instr(upper(m.sql), 'REFERENCES') > 0 AND ("
        "NOT EXISTS (SELECT 1 FROM sqlite_master p WHERE p.type = 'table' AND p.name = f.\"table\" COLLATE NOCASE) OR "
        "(f.\"to\" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pragma_table_info(f.\"table\") c WHERE c.name = f.\"to\" "
        "COLLATE NOCASE)))";
    return rows_of_(sql);
}

/// PostgreSQL refuses a foreign key to a table or column that does not exist; SQLite takes it
/// and fails later, on the first write to either table. Checked before every commit, so a
/// unit that leaves such a key (raw sql, a table dropped or renamed under it) rolls back.
/// Only keys the transaction broke count: one broken before it is not this unit's doing. The
/// set to compare with is read at the connection's first transaction and kept from commit to
/// commit (one query per unit, not two): strata holds the migration lock meanwhile.
void live_rebuild::check_foreign_key_targets() {
    // Nothing since the last check could have changed a key: the set read then still holds.
    if (!keys_may_have_changed_ && dangling_known_) return;
    auto now = dangling_foreign_keys();
    for (const auto& r : now) {
        if (dangling_known_ && std::find(dangling_known_->begin(), dangling_known_->end(), r) != dangling_known_->end())
            continue;
        const std::string key = "the foreign key of table \"" + r[0] + "\" on column \"" + r[1] + "\"";
        throw statement_error((r[4] == "1" ? key + " references table \"" + r[2] + "\", which does not exist"
                                           : key + " references column \"" + r[2] + "\".\"" + r[3] + "\", which does not exist") +
                                  " (PostgreSQL would refuse it); create what it references first, or change the key",
                              {.database = database_, .backend = "sqlite"});
    }
    dangling_known_ = std::move(now);
    keys_may_have_changed_ = false;
}

void live_rebuild::statement_ran(std::string_view sql) {
    if (!keys_may_have_changed_ && !leaves_keys_alone(sql)) keys_may_have_changed_ = true;
}

/// Whether `sql` can neither declare a foreign key nor drop or rename what one references: rows
/// (INSERT, UPDATE, DELETE, SELECT), an index, transaction control, or a table declaring no key
/// while no key is known to dangle (a new table could be what one referenced, which the set
/// would then miss). Read by its first words; anything else, a comment first included, and
/// anything naming the schema table counts as a change. The scan of
/// every table at every commit grew with the schema: with 10,000 tables it was most of the time
/// a unit took to apply (issue 13).
bool live_rebuild::leaves_keys_alone(std::string_view sql) const {
    auto upper = [](char ch) { return ch >= 'a' && ch <= 'z' ? static_cast<char>(ch - 'a' + 'A') : ch; };
    auto mentions = [&](std::string_view word) {  // ASCII, case-insensitive
        return std::search(sql.begin(), sql.end(), word.begin(), word.end(),
                           [&](char a, char b) { return upper(a) == b; }) != sql.end();
    };
    const auto first = sql.find_first_not_of(" \t\r\n");
    const std::string_view rest = first == std::string_view::npos ? std::string_view() : sql.substr(first);
    auto starts = [&](std::string_view words) {
        return rest.size() >= words.size() &&
               std::equal(words.begin(), words.end(), rest.begin(), [&](char w, char c) { return upper(c) == w; });
    };
    if (mentions("SQLITE_MASTER") || mentions("SQLITE_SCHEMA")) return false;  // the schema's text itself
    for (std::string_view harmless : {"INSERT ", "UPDATE ", "DELETE ", "SELECT ", "CREATE INDEX ", "CREATE UNIQUE INDEX ", "BEGIN",
                                      "COMMIT", "ROLLBACK", "SAVEPOINT ", "RELEASE "})
        if (starts(harmless)) return true;
    return starts("CREATE TABLE ") && !mentions("REFERENCES") && dangling_known_ && dangling_known_->empty();
}

/// A view reading a column the rebuild dropped would now fail when used. PostgreSQL refuses
/// such a drop; so does strata, before commit.
void live_rebuild::check_views() {
    for (const auto& view : rows_of_("SELECT name FROM sqlite_master WHERE type = 'view'")) {
        const std::string probe = "SELECT * FROM " + dialect::quote(view[0]) + " LIMIT 0";
        try {
            rows_of_(probe);
        } catch (const statement_error& e) {
            throw statement_error("the view \"" + view[0] + "\" no longer works after the table rebuild (" + e.message() +
                                      "); drop or change the view in this unit first",
                                  {.database = database_, .backend = "sqlite", .statement = probe});
        }
    }
}

}  // namespace strata::sqlite_rebuild
