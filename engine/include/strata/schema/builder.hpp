#pragma once
/// The builder a unit records its operations into.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <strata/schema/operation.hpp>

namespace strata::schema {

/// A lint finding a unit accepts (builder::allow), and why.
struct lint_allowance {
    std::string code;    ///< a lint rule's code: S001, ...
    std::string reason;  ///< shown with the finding
};

/// Records operations in order. Nothing touches a database here. Each method returns the
/// builder, so `b.add_unique("users", {"profile"}).online();` reads as one step.
class builder {
public:
    builder& create_table(std::string name, const std::function<void(table&)>& define);
    /// Irreversible: down cannot recreate a table it knows nothing about.
    builder& drop_table(std::string name);
    /// Reversible: `define` describes the table being dropped.
    builder& drop_table(std::string name, const std::function<void(table&)>& define);

    builder& add_column(std::string table, column col);
    builder& drop_column(std::string table, std::string name);
    builder& drop_column(std::string table, column definition);

    builder& add_foreign_key(std::string table, foreign_key key);
    builder& drop_foreign_key(std::string table, std::string name);
    /// Reversible: `definition` is the key being dropped.
    builder& drop_foreign_key(std::string table, foreign_key definition);

    /// A UNIQUE constraint on `columns`.
    builder& add_unique(std::string table, std::vector<std::string> columns, std::string name = {});
    builder& drop_unique(std::string table, std::string name);
    /// Reversible: `definition` is the constraint being dropped.
    builder& drop_unique(std::string table, unique_key definition);

    builder& create_index(std::string table, std::vector<std::string> columns, std::string name = {});
    builder& create_unique_index(std::string table, std::vector<std::string> columns, std::string name = {});
    builder& drop_index(std::string table, std::string name);
    /// Reversible: `definition` is the index being dropped.
    builder& drop_index(index_def definition);
    /// An index on SQL expressions, each rendered in parentheses: `create_index_on("users",
    /// {"lower(\"email\")"}, "users_email_lower_idx")`. The name is required.
    builder& create_index_on(std::string table, std::vector<std::string> expressions, std::string name);
    builder& create_unique_index_on(std::string table, std::vector<std::string> expressions, std::string name);
    /// Makes the index just recorded (create_index, create_unique_index, create_index_on,
    /// create_unique_index_on) partial: only rows for which `predicate`, one SQL expression, is
    /// true are indexed, `b.create_unique_index("users", {"email"}).where("\"deleted_at\" IS NULL")`.
    /// Throws unsupported_error after any other operation.
    builder& where(std::string predicate);

    /// A named CHECK constraint on an existing table; the rows already there must satisfy it.
    builder& add_check(std::string table, std::string name, std::string expression);
    /// Irreversible: down cannot recreate a check it knows nothing about.
    builder& drop_check(std::string table, std::string name);
    /// Reversible: `definition` is the check being dropped.
    builder& drop_check(std::string table, check_def definition);

    /// Renames table `from` to `to`. Reversible. Its indexes and constraints keep their names.
    /// Rendering refuses a `to` that an earlier unit created.
    builder& rename_table(std::string from, std::string to);
    /// Renames column `from` of `table` to `to`. Reversible. Rendering refuses it when an
    /// earlier unit created `table` and `from` is not one of its columns or `to` already is.
    builder& rename_column(std::string table, std::string from, std::string to);

    /// PostgreSQL: CREATE SCHEMA, for tables named qualified(schema, table). Reversible (down
    /// drops it, refusing if anything is left in it). SQLite has no schemas and refuses it.
    builder& create_schema(std::string name);
    /// Drops an empty schema (PostgreSQL refuses one that holds anything); down creates it again.
    builder& drop_schema(std::string name);

    /// PostgreSQL: COMMENT ON TABLE `table`; an empty `text` removes the comment. Down removes
    /// it again, or puts back the comment given to replacing(). Nothing happens on SQLite, which
    /// keeps no comments.
    builder& comment_on(std::string table, std::string text);
    /// PostgreSQL: COMMENT ON COLUMN `table`.`column`; otherwise as above.
    builder& comment_on(std::string table, std::string column, std::string text);
    /// For the comment_on just recorded: the comment it replaces, which down puts back.
    builder& replacing(std::string previous);

    /// Changes column `before.name` of `table` from `before` (as earlier units left it) to
    /// `after`: type, default, nullability. Reversible.
    builder& change_column(std::string table, column before, column after);
    /// The USING expression of the change_column just recorded, converting the old values to the
    /// new type (`CAST("age" AS INTEGER)`); `down` converts them back when reverting. The same text
    /// runs on every dialect, so it must mean the same on each. Throws unsupported_error after any
    /// other operation.
    builder& using_sql(std::string up, std::string down = {});
    /// The same, per dialect, where no one expression converts alike on both (text to
    /// timestamptz: PostgreSQL needs a CAST that SQLite, which stores the text, would turn into a
    /// number). An empty text: none on that dialect (SQLite then copies the values as they are).
    builder& using_sql(sql_text up, sql_text down = {});

    /// The same SQL on every dialect.
    builder& sql(std::string up, std::optional<std::string> down = std::nullopt);
    /// SQL per dialect.
    builder& sql(sql_text up, std::optional<sql_text> down = std::nullopt);

    /// A batched data change, `UPDATE table SET <set_sql> WHERE <where_sql>` (see schema::backfill):
    /// `set_sql` a SET list (`"status" = 'active'`), `where_sql` one condition that the SET makes
    /// false (`"status" IS NULL`), or the batches never end. Online on PostgreSQL (each batch of
    /// `batch_rows` rows commits on its own, a rerun continues), one UPDATE on SQLite.
    /// Irreversible unless followed by down().
    builder& backfill(std::string table, std::string set_sql, std::string where_sql, int batch_rows = 10000);
    /// Makes the backfill just recorded reversible: its way back sets `set_sql` on the rows
    /// matching `where_sql` (which, again, the SET must make false). Throws unsupported_error
    /// after any other operation.
    builder& down(std::string set_sql, std::string where_sql);

    builder& add(operation op);

    /// For an overridden down(): says that there is nothing to undo on purpose (up() changed
    /// nothing a down could take back, a backfill say). Records an operation that renders no
    /// statement on any dialect; without it, a down() that records nothing for an up() that
    /// records something is refused (irreversible_error) before anything runs, since reverting
    /// would delete the history row while the schema stays.
    builder& nothing_to_undo();

    /// Marks the operation just recorded to run online (see schema::add_column): add_column
    /// with a reference, add_foreign_key, add_unique, create_index, add_check, change_column making
    /// a nullable column NOT NULL. Throws unsupported_error for any other operation.
    builder& online();
    const std::vector<operation>& operations() const noexcept { return ops_; }

    /// Accepts lint rule `code`'s findings in this unit, for `reason` (required), which lint
    /// prints with them: `b.allow("S001", "orders is empty in production")`. Such findings no
    /// longer fail `lint --error-on` nor show in `up`. Not an operation: the unit's SQL and
    /// checksum stay as they are. Throws unsupported_error for a code no rule has or an empty
    /// reason.
    builder& allow(std::string code, std::string reason);
    const std::vector<lint_allowance>& allowances() const noexcept { return allowances_; }

    /// Says that this unit's down drops data on purpose, for `reason` (required), which the
    /// rollback prints: `b.allow_data_loss("the down copies the notes to notes_archive first")`.
    /// `down` and `redo` then run its down without counting what it drops (they refuse a down
    /// that drops a table or column holding data otherwise; runner_options::allow_data_loss
    /// allows it for a whole run). Call it in down(), or in change(); in up() it says the same.
    /// Stored with the down statements it vouches for, so a build that reverts the unit from
    /// them honours it too. Not an operation: the unit's checksum stays as it is. Throws
    /// unsupported_error for a reason that is empty, not UTF-8, holds a control character or is
    /// longer than 500 bytes, and for a second call.
    builder& allow_data_loss(std::string reason);
    const std::optional<std::string>& data_loss_allowed() const noexcept { return data_loss_allowed_; }

private:
    std::vector<operation> ops_;
    std::vector<lint_allowance> allowances_;
    std::optional<std::string> data_loss_allowed_;
};

}  // namespace strata::schema
