#pragma once
/// Schema operations: plain values a unit records and a dialect renders. Each knows its inverse
/// when it carries enough information (a drop needs the definition of what it drops).

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <strata/error.hpp>
#include <strata/schema/table.hpp>

namespace strata::schema {

struct create_table {
    table_def table;
};
struct drop_table {
    std::string name;
    std::optional<table_def> definition;  ///< needed to reverse
    /// Made by inverse() of a create_table (a change() unit's down): its definition is the table
    /// that unit created, whatever the unit changed after (so it is not checked against the model).
    bool inverse_of_create = false;
};
/// `online` (PostgreSQL): built so that writes to the table are not blocked while it runs, in
/// steps that each commit on their own and that a rerun after a crash picks up where the last
/// one stopped: a foreign key is added NOT VALID and validated separately, a unique constraint
/// or index is built CONCURRENTLY (and attached as the constraint). Other dialects render the
/// plain equivalent.
struct add_column {
    std::string table;
    schema::column column;
    bool online = false;
};
struct drop_column {
    std::string table;
    std::string name;
    std::optional<schema::column> definition;  ///< needed to reverse
};
struct add_foreign_key {
    std::string table;
    foreign_key key;
    bool online = false;
};
struct drop_foreign_key {
    std::string table;
    std::string name;
    std::optional<foreign_key> definition;  ///< needed to reverse
};
struct add_unique {
    std::string table;
    unique_key key;
    bool online = false;
};
struct drop_unique {
    std::string table;
    std::string name;
    std::optional<unique_key> definition;  ///< needed to reverse
};
struct create_index {
    index_def index;
    bool online = false;
};
struct drop_index {
    std::string table;
    std::string name;
    std::optional<index_def> definition;  ///< needed to reverse
};

/// Renames a table. Its indexes and constraints keep their names (neither database renames
/// them); foreign keys elsewhere follow it to its new name.
struct rename_table {
    std::string from;
    std::string to;
};
/// Renames a column of `table`. Its constraints and indexes keep their names and follow it, as
/// do foreign keys elsewhere that reference it.
struct rename_column {
    std::string table;
    std::string from;
    std::string to;
};

/// PostgreSQL: a schema (namespace) for tables named with qualified(). SQLite has no schemas and
/// refuses both. drop_schema drops only an empty schema (no CASCADE), so each is the other's
/// inverse.
struct create_schema {
    std::string name;
};
struct drop_schema {
    std::string name;
};

/// PostgreSQL: the comment on a table (`column` empty) or on one of its columns; an empty `text`
/// removes it. Reversible: down puts back `previous` (none unless given). SQLite keeps no
/// comments: nothing is rendered there.
struct comment_on {
    std::string table;
    std::string column;
    std::string text;
    std::string previous;
};

/// SQL text per dialect. An empty text means "not supported on this dialect" and fails loudly
/// when rendered there. The text may hold several statements.
struct sql_text {
    std::string postgresql;
    std::string sqlite;
};

/// The escape hatch. Reversible only when `down` is given. strata does not model its effect
/// on the schema, so a later SQLite table rebuild cannot see what it changed.
struct raw_sql {
    sql_text up;
    std::optional<sql_text> down;
};

/// Statements per dialect, one entry each, run as they are (a unit written in plain SQL, see
/// <strata/sql_unit.hpp>). A dialect without a list has nothing to run: rendering there fails
/// naming `source`, with unsupported_error for statements that bring a unit up and
/// irreversible_error for those that take it down (`role`, which stays with the statements when
/// inverse() swaps them).
struct sql_script {
    std::optional<std::vector<std::string>> postgresql;
    std::optional<std::vector<std::string>> sqlite;
    std::string source;  ///< where the statements come from (a .sql file), for that error
    direction role = direction::up;
    /// The line of `source` each statement starts on, when known (a .sql unit): a statement
    /// that fails when it runs is named with its FILE:LINE.
    std::vector<std::size_t> postgresql_lines;
    std::vector<std::size_t> sqlite_lines;
};

/// SQL already split into statements. Reversible only when `down` is given. Like raw_sql, strata
/// does not model its effect on the schema.
struct raw_statements {
    sql_script up;
    std::optional<sql_script> down;
};

/// Changes column `before.name` of `table` to `after`: its type, its default, whether it takes
/// NULL; the name, primary key and reference stay (other operations change those). Reversible,
/// since both sides are known. `before` must be the column as earlier units left it: rendering
/// refuses one that differs from what the model knows. PostgreSQL alters the column in place,
/// converting a type with `USING (<using_up.postgresql>)` when given (`using_down` for the way
/// back); SQLite rebuilds the table, copying `(<using_up.sqlite>)` into the column when given, the
/// stored values otherwise. An empty text means none on that dialect. `online` (PostgreSQL, a
/// nullable column made NOT NULL and nothing else): a NOT VALID check validated apart, then SET
/// NOT NULL, which the valid check spares a scan, then the check dropped; each step commits on
/// its own and a rerun after a crash finishes the job.
struct change_column {
    std::string table;
    schema::column before;
    schema::column after;
    sql_text using_up;
    sql_text using_down;
    bool online = false;
};

/// A CHECK constraint on an existing table. Rows already there must satisfy it, or the unit
/// fails. `online` (PostgreSQL): added NOT VALID (a brief lock, no scan) and validated in a
/// second step that scans without blocking writes.
struct add_check {
    std::string table;
    check_def check;
    bool online = false;
};
struct drop_check {
    std::string table;
    std::string name;
    std::optional<check_def> definition;  ///< needed to reverse
};

/// The SET list and condition of a backfill's way back (see backfill::down).
struct backfill_down {
    std::string set_sql;
    std::string where_sql;
};

/// A data change: `UPDATE table SET <set_sql> WHERE <where_sql>`. `set_sql` is a SET list
/// (`"status" = 'active', "score" = 0`), `where_sql` one condition that must become false for
/// the rows the SET updates (`"status" IS NULL`): online, the rows are updated in batches of
/// `batch_rows` until no row matches, each batch its own short transaction holding its row
/// locks only while it runs; a rerun after a crash continues with the rows still matching. A
/// batch whose rows still match afterwards stops the run (it would never end). The rows are
/// counted first, for progress. Not online (or on SQLite, or in up --atomic): one UPDATE in the
/// unit's transaction. Reversible only with `down` (its own SET list and condition).
struct backfill {
    std::string table;
    std::string set_sql;
    std::string where_sql;
    int batch_rows = 10000;
    std::optional<backfill_down> down;
    bool online = true;
};

using operation = std::variant<create_table, drop_table, add_column, drop_column, add_foreign_key,
                               drop_foreign_key, add_unique, drop_unique, create_index, drop_index, rename_table,
                               rename_column, raw_sql, raw_statements, create_schema, drop_schema, comment_on,
                               change_column, add_check, drop_check, backfill>;

/// Whether `op` was asked to run online.
bool is_online(const operation& op);

/// The operation that undoes `op`, or nullopt when `op` lacks what its inverse needs.
std::optional<operation> inverse(const operation& op);

/// A short human description: `create_table users`, `drop_column users.profile`.
std::string describe(const operation& op);

}  // namespace strata::schema
