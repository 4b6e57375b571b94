#pragma once
/// A live database's schema read into one normalized model (the same on both databases), and the
/// differences between two of them in words. `verify` (does each unit's down restore the schema
/// before it?) and `diff` / `validate --schema` (does the database have the schema its applied
/// units make?) compare these snapshots; `schema dump` is its text sibling.
///
/// Values are spelled as each database reports them (PostgreSQL's `character varying(100)`,
/// SQLite's declared `VARCHAR(100)`), so two snapshots compare only when read from the same kind
/// of database. strata's metadata tables are never part of a snapshot.

#include <strata/database_url.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::inspect {

struct column {
    std::string name;
    std::string type;  ///< as the database reports it
    bool nullable = true;
    std::optional<std::string> default_value;  ///< the default expression's text; none without DEFAULT
    /// PostgreSQL: "identity always", "identity by default" or "generated: <expression>"; SQLite:
    /// "generated: <expression>" for a generated column. Empty for a plain column.
    std::string generated;
    /// PostgreSQL: its COMMENT ON COLUMN text; empty without one (an empty comment is none there,
    /// and SQLite keeps no comments).
    std::string comment;

    bool operator==(const column&) const = default;
};

struct foreign_key {
    std::string name;  ///< PostgreSQL's constraint name; empty on SQLite (it keeps none)
    std::vector<std::string> columns;
    std::string ref_table;
    std::vector<std::string> ref_columns;
    std::string on_update;  ///< NO ACTION, RESTRICT, CASCADE, SET NULL or SET DEFAULT
    std::string on_delete;
    bool validated = true;  ///< false: PostgreSQL NOT VALID

    bool operator==(const foreign_key&) const = default;
};

/// A UNIQUE constraint (a unique index that backs no constraint is an `index`).
struct unique_key {
    std::string name;  ///< empty for SQLite's unnamed ones
    std::vector<std::string> columns;

    bool operator==(const unique_key&) const = default;
};

struct check {
    std::string name;  ///< SQLite: empty for an unnamed CHECK
    /// PostgreSQL: pg_get_constraintdef's `CHECK ((price > 0))`; SQLite: the text as written in
    /// the table's SQL, `CHECK ("price" > 0)`.
    std::string definition;
    bool validated = true;  ///< false: PostgreSQL NOT VALID

    bool operator==(const check&) const = default;
};

/// An index that backs no primary key or unique constraint.
struct index {
    std::string name;
    bool unique = false;
    /// One per key: the column's name, or the expression's text as the database reports it.
    std::vector<std::string> keys;
    std::string where;  ///< a partial index's predicate; empty for a full index
    /// PostgreSQL: the access method when not btree (gin, gist, ...), with DESC/opclass details
    /// as pg_get_indexdef shows them after USING. Empty for a plain btree / any SQLite index.
    std::string method;
    bool valid = true;  ///< false: PostgreSQL INVALID (an interrupted CREATE INDEX CONCURRENTLY)

    bool operator==(const index&) const = default;
};

/// A view, a trigger, a function, a sequence: compared by name and definition text.
struct definition {
    std::string name;  ///< triggers: "table.trigger"; functions: "name(argument types)"
    std::string text;  ///< the definition as the database reports it

    bool operator==(const definition&) const = default;
};

struct table {
    /// Unqualified in the connection's current schema (PostgreSQL), else "schema.table".
    std::string name;
    std::vector<column> columns;  ///< in table order
    std::vector<std::string> primary_key;
    std::string primary_key_name;  ///< PostgreSQL's constraint name; empty on SQLite
    std::vector<foreign_key> foreign_keys;  ///< sorted by name, then columns
    std::vector<unique_key> uniques;        ///< sorted by name, then columns
    std::vector<check> checks;              ///< sorted by name, then definition
    std::vector<index> indexes;             ///< sorted by name
    std::vector<definition> triggers;       ///< sorted by name
    std::string comment;  ///< PostgreSQL: its COMMENT ON TABLE text; empty without one (SQLite: always)

    const column* find_column(std::string_view name) const;
    bool operator==(const table&) const = default;
};

/// Everything a database's schema has (PostgreSQL: every schema but the server's own), sorted by
/// name, strata's metadata tables left out.
struct snapshot {
    backend kind = backend::sqlite;
    std::vector<std::string> schemas;  ///< PostgreSQL: schemas besides public and the current one
    std::vector<table> tables;
    std::vector<definition> views;
    std::vector<definition> functions;  ///< PostgreSQL: functions and procedures of user schemas
    std::vector<definition> sequences;  ///< PostgreSQL: sequences no column owns

    const table* find(std::string_view table) const;
    bool operator==(const snapshot&) const = default;
};

/// One way two snapshots differ. `expected` is the reference (the schema before a unit's up, or
/// the one the applied units make), `actual` the one compared with it.
struct difference {
    enum class change {
        missing,  ///< in expected only
        extra,    ///< in actual only
        altered,  ///< in both, `attribute` differs
    };
    change what = change::altered;
    /// "table", "column", "primary key", "foreign key", "unique constraint", "check", "index",
    /// "trigger", "view", "function", "sequence", "schema".
    std::string object_kind;
    /// "orders", "orders.status", "orders.orders_total_positive" (a constraint or trigger),
    /// "orders_account_id_idx" (an index), "orders(customer) -> customers(id)" (an unnamed key).
    std::string object;
    std::string table;      ///< the table the object belongs to; empty for tables, views, functions, ...
    /// altered only: "type", "nullability", "default", "on delete", "definition", "comment" (of a
    /// table or a column), ...
    std::string attribute;
    std::string expected;   ///< altered only: the expected value as text
    std::string actual;     ///< altered only

    bool operator==(const difference&) const = default;
};

const char* to_string(difference::change c) noexcept;

/// Every difference between `expected` and `actual`, tables first, in a stable order. Objects
/// are matched by name; unnamed ones (SQLite's foreign keys, unique keys and checks) by what they
/// are (columns, referenced table, text).
std::vector<difference> compare(const snapshot& expected, const snapshot& actual);

/// Whose words a difference is told in.
enum class wording {
    /// diff: expected = what the applied units make, actual = the database. `missing column
    /// orders.status`, `extra index orders_account_id_idx on orders`, `column orders.total: type is
    /// numeric(12,2), the units make numeric(10,2)`.
    drift,
    /// verify: expected = before the unit's up, actual = after its down. `leaves column
    /// orders.status`, `does not restore index orders_account_id_idx on orders`, `leaves column
    /// orders.total with type numeric(12,2) (was numeric(10,2))`.
    round_trip,
};

/// One difference in words.
std::string describe(const difference& d, wording w = wording::drift);

}  // namespace strata::inspect
