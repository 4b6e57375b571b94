#pragma once
/// Dialects render schema operations to SQL for one database. Pure: no connection involved.

#include <map>
#include <set>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <strata/database_url.hpp>
#include <strata/schema/operation.hpp>

namespace strata {

/// The schema as the units before this point left it, as far as strata's operations describe
/// it (raw sql is not modelled). Dialects read it to render changes they cannot do in place.
struct catalog {
    std::map<std::string, schema::table_def> tables;
    /// Tables of `tables` that raw SQL named since the model made them: they may have columns
    /// (added by that SQL) the model lacks, so a column the model does not know is not refused.
    std::set<std::string> raw_touched;

    /// Applies `op` to the model. Tables the model does not know are left alone.
    void apply(const schema::operation& op);

    /// The part of the model `ops` can read or change: the tables they name, and for a rename
    /// the tables whose foreign keys reference the renamed table. Applying or rendering an
    /// operation looks at those tables and no other (dialect::render keeps to that), so `ops`
    /// render the same against this copy as against the whole model, which would cost a copy of
    /// every table per unit.
    catalog tables_for(const std::vector<schema::operation>& ops) const;
};

/// What a dialect can do natively.
struct capabilities {
    bool transactional_ddl = false;
    bool drop_column_with_constraints = false;
    bool concurrent_index = false;
};

/// The statements of one unit in one direction, for one database.
struct rendering {
    std::vector<std::string> statements;
    /// SQLite only: the unit rebuilds a table, so foreign key enforcement must be switched off
    /// before its transaction begins and the keys checked before it commits.
    bool foreign_keys_off = false;
    /// False when a statement cannot run inside a transaction (CREATE INDEX CONCURRENTLY): the
    /// runner then commits statement by statement and marks the unit `running` meanwhile.
    bool transactional = true;
    /// Every statement checks what is already done, so a run interrupted half-way is finished
    /// by running the unit again (online operations); otherwise an interrupted
    /// non-transactional unit is dirty and needs a person.
    bool resumable = true;
    /// Set by the runner, not the dialect: the reason the unit gave for dropping data on purpose
    /// (schema::builder::allow_data_loss), for its down. Stored with the down statements.
    std::optional<std::string> data_loss_allowed;
};

/// An object a step of an online unit may leave half-built when it fails on the data (see
/// dialect::half_built()): enforcing a rule the rows break.
struct half_built_object {
    std::string what;   ///< "check amount_positive on orders, added NOT VALID"
    std::string found;  ///< a query returning a row while it is there, half-built
    /// Drops it (run only after `found` returned a row, outside a transaction). Empty: the first
    /// value of `found`'s row is the statement that drops it (a name only the catalog can spell
    /// exactly, for a statement that cannot run in a DO block: DROP INDEX CONCURRENTLY).
    std::string drop;
};

class dialect {
public:
    virtual ~dialect() = default;

    virtual backend kind() const noexcept = 0;
    virtual capabilities features() const noexcept = 0;

    /// Renders `ops` in order against `state`, updating `state` as it goes. Throws
    /// unsupported_error naming the dialect for an operation it cannot do.
    rendering render(const std::vector<schema::operation>& ops, catalog& state) const;

    /// Renders one operation (appending to `out`) without touching `state`, reading no table of
    /// `state` but the ones the operation names (see catalog::tables_for). Throws error for a
    /// rename the model shows cannot work (a name taken, a column that is not there).
    virtual void render(const schema::operation& op, const catalog& state, rendering& out) const = 0;

    /// Undoes as much of the online unit `up` (its operations) as exists: the rollback of a unit
    /// whose steps were interrupted half-way, so that `down` can revert whatever subset of them
    /// finished. Each operation's inverse, newest first, each guarded: a column, a constraint, an
    /// index, an INVALID index left by a killed build, each dropped only if it is there and is
    /// the unit's own; a backfill's way back only once the columns the unit added before it are
    /// there. Every statement can run again, so the rendering is resumable. `state`: the schema
    /// after the unit. Throws unsupported_error for an operation that is not online (such a unit
    /// is never interrupted, only dirty) and irreversible_error for one whose way back the unit
    /// does not give (a backfill without down). The default: no online operations here.
    virtual rendering render_rollback(const std::vector<schema::operation>& up, const catalog& state) const;

    /// A query naming, one row of text each ("column fav_order of accounts"), what the database
    /// already has under a name one of `up`'s online operations creates (a column, a constraint,
    /// an index). An online step takes over what it finds of its own shape, so that an interrupted
    /// unit resumes: before a unit's first run, anything found is somebody else's. Reads the
    /// catalog only, waiting for no table's lock. Empty when there is nothing to look for (no
    /// online operations here, the default).
    virtual std::string names_taken_query(const std::vector<schema::operation>& up) const;
    /// What the online unit `up` may leave half-built when a step fails on the data (a row that
    /// breaks the rule, SQLSTATE class 23): a constraint added NOT VALID that its validation
    /// found broken (it still checks every new row), an index its build left INVALID (one that
    /// got as far as its validation is kept up to date by every write, a unique one refusing
    /// duplicates). Such an object would refuse the application's writes while the unit is not
    /// applied; the runner drops it and the unit resumes from there. Each entry
    /// is of this unit's name and kind only. Empty by default (no online operations here).
    virtual std::vector<half_built_object> half_built(const std::vector<schema::operation>& up) const;

    /// A query returning one row, one integer: 1 when `table` exists where this connection
    /// creates tables, else 0.
    virtual std::string table_exists_query(std::string_view table) const = 0;
    /// Whether an unqualified name can find a table outside the schema this connection creates
    /// tables in (PostgreSQL's search_path can reach another application's `public`). Then the
    /// history's existence is checked with table_exists_query() before it is read; otherwise the
    /// read goes first and the catalog is asked only when it fails.
    virtual bool names_may_resolve_elsewhere() const noexcept = 0;
    /// A query returning one row per schema of the database whose name is LIKE `pattern`,
    /// the schema's name alone, system schemas left out, in byte order (the same on every
    /// machine, so processes that split the list agree); empty when the database has no schemas
    /// (SQLite).
    virtual std::string schemas_like_query(std::string_view pattern) const {
        (void)pattern;
        return {};
    }
    /// An expression rendering the timestamp column `column` as ISO 8601 UTC text.
    virtual std::string utc_text(std::string_view column) const = 0;
    /// An expression for the time now, as a timestamp column's default_now() stores it.
    virtual std::string now() const = 0;

    /// "identifier" with embedded quotes doubled.
    static std::string quote(std::string_view identifier);
    /// 'literal' with embedded quotes doubled.
    static std::string quote_literal(std::string_view text);
};

/// The dialect for a backend.
const dialect& dialect_for(backend b);

/// A statement the runner runs as psql's `\gexec` does: `query` first, then each value of its
/// rows as a statement of its own, in order (none when it returns no row). For a statement
/// PostgreSQL refuses inside a DO block or a transaction (DROP INDEX CONCURRENTLY) on an object
/// only the catalog can name. Written `<query>\n\gexec`, so a dry run's script runs in psql as
/// it is.
std::string gexec(const std::string& query);
/// The query of a gexec() statement; nullopt for any other statement.
std::optional<std::string_view> gexec_query(std::string_view statement);

}  // namespace strata
