#pragma once
// Private: what a down destroys. A down that drops a table or a column drops its rows or values,
// and a `redo` of a unit that adds a column leaves the same schema with every value gone (the
// rollback probe: nobody noticed). Before a down or redo runs, the tables and columns its
// statements drop are read, and one that holds data stops the run (data_loss_error) unless
// runner_options::allow_data_loss says to go on; as Atlas's `migrate down` checks, by default,
// that what it drops is empty.

#include <strata/database_url.hpp>
#include <strata/error.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

class connection;
struct runner_options;
struct step;

/// A table, or a column of one, that a statement drops with its rows or values; or a schema
/// dropped with CASCADE, with its tables.
struct dropped_data {
    /// As the statement names them (quoted or not, qualified or not), so that a query can name
    /// them the same way.
    std::string table;
    std::string column;  ///< empty: the whole table (DROP TABLE, TRUNCATE)
    bool truncated = false;  ///< TRUNCATE: the rows go, the table stays
    /// DROP SCHEMA ... CASCADE (PostgreSQL): the schema's name as the catalog spells it (a bare
    /// name folded to lower case); `table` is then empty.
    std::string schema;
    /// The table and the column as the database names them before the run, when an earlier
    /// statement of the run renames them to `table` and `column` (empty: not renamed): what is
    /// counted before anything runs.
    std::string table_before;
    std::string column_before;
    /// PostgreSQL: the search_path an earlier statement of the step set (`SET [LOCAL]
    /// search_path TO ...`: the value as written), under which the count looks for `table`;
    /// empty: the connection's.
    std::string search_path;
    /// What this goes with (PostgreSQL, CASCADE): DROP TYPE|DOMAIN|EXTENSION's "type", "domain" or
    /// "extension" and its name as written (`table` empty until the count finds the columns that
    /// go with it), or "table" and the table whose TRUNCATE ... CASCADE empties this one.
    std::string object_kind;
    std::string object;
    /// TRUNCATE ... CASCADE (PostgreSQL): the tables referencing this one are emptied too.
    bool cascade = false;

    bool operator==(const dropped_data&) const = default;
};

/// The renames of a run's statements so far (ALTER TABLE ... RENAME [COLUMN] ... TO, RENAME TO),
/// read in the order they run: a later statement's drop is counted under the name the table or
/// column has before the run. A name a rename moved away from is read as written (the rename may
/// not happen: a count too many is a refusal a person looks at, one too few a loss).
class names_before_run {
public:
    /// A name: its text as written and its key (a bare name folded to lower case).
    using name = std::pair<std::string, std::string>;
    /// What `table` (text, key) was before the run; nullopt when a rename moved it away.
    std::optional<name> table(const name& now) const;
    /// What column `now` of the table called `table_before` before the run was then.
    std::optional<name> column(const name& table_before, const name& now) const;
    void rename_table(const name& now, const name& to);
    void rename_column(const name& table_now, const name& now, const name& to);

private:
    std::map<std::string, std::optional<name>> tables_;  ///< key now -> before the run
    std::map<std::pair<std::string, std::string>, std::optional<name>> columns_;  ///< (table key before, column key now)
};

/// What `statements` (one step's, in order, each maybe holding several statements of dialect
/// `b`) drop: DROP TABLE, TRUNCATE, ALTER TABLE ... DROP [COLUMN], DROP SCHEMA ... CASCADE,
/// DROP TYPE|DOMAIN|EXTENSION ... CASCADE (the columns of that type go with it), and
/// the columns a SQLite rebuild directive drops; inside a DO block, any of these (how strata's
/// rollback of an online unit drops what its steps added). A table the same statements create
/// first (a guard table, a scratch copy) is left out. A scan of words, not a parse: a function's
/// body, a statement built as a string (EXECUTE), DELETE and UPDATE are not read.
std::vector<dropped_data> drops_in(const std::vector<std::string>& statements, backend b);
/// The same, reading the names through the renames of the run's earlier statements, and adding
/// these statements' renames to them.
std::vector<dropped_data> drops_in(const std::vector<std::string>& statements, backend b, names_before_run& renames);

/// The rows of `table` (all of them, or those with a value in `column`), or the tables of
/// `schema`, counted up to a bound: an SQL query both databases run, under the names before the
/// run. The column is named through the table (an unknown column is an error on SQLite too, not
/// a string).
std::string rows_holding_data_query(const dropped_data& d);
/// The most rows rows_holding_data_query counts; that many means "at least".
inline constexpr int rows_counted_at_most = 1000;

/// Each drop of `steps` that holds data, read on `db` before anything runs (describe() says it:
/// `unit 3 add_phone drops column "accounts"."phone", which holds values in 12 rows`). A table or
/// column the database does not have (yet: an earlier step creates it) holds nothing; a read the
/// database refuses (no privilege) is reported, since data may be there. A stop
/// (options.stop), a lost connection or a table lock not granted within the lock timeout is
/// thrown as such (interrupted_error, connection_error, lock_timeout_error): not a finding.
/// On PostgreSQL each count runs in a transaction of its own (SET LOCAL: nothing stays on a
/// server session a transaction pooler hands on), with row_security off (rows a policy hides
/// fail the read rather than count as none), under the step's own search_path, and with
/// `lock_wait` waiting that long for a table lock (without, under the connection's setting).
std::vector<lost_data> data_at_risk(connection& db, const std::vector<step>& steps, const runner_options& options,
                                    std::optional<std::chrono::milliseconds> lock_wait = std::nullopt);

/// Every drop of each of `steps` (in their order, read through the run's renames), uncounted:
/// for the notices when the loss is allowed.
std::vector<std::vector<lost_data>> drops_of(const std::vector<step>& steps, backend b);

}  // namespace strata
