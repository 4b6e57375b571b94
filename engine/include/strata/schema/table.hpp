#pragma once
/// Table definitions and the `table` builder used inside create_table().

#include <string>
#include <string_view>
#include <vector>

#include <strata/schema/column.hpp>

namespace strata::schema {

/// A UNIQUE constraint. An empty name gets `<table>_<columns>_key`.
struct unique_key {
    std::string name;
    std::vector<std::string> columns;

    bool operator==(const unique_key&) const = default;
};

/// A plain or unique index. An empty name gets `<table>_<columns>_idx`.
struct index_def {
    std::string name;
    std::string table;
    std::vector<std::string> columns;
    bool unique = false;
    /// A partial index: only rows for which this SQL expression is true are indexed (rendered
    /// `WHERE (predicate)`). Empty: every row.
    std::string where;
    /// An index on expressions: each an SQL expression, rendered in parentheses, in place of
    /// `columns` (which is then empty). Such an index has no default name.
    std::vector<std::string> expressions;

    bool operator==(const index_def&) const = default;
};

/// A CHECK constraint: rows for which `expression` (one SQL expression, the same text on every
/// dialect) is false are refused. The name is required: drop_check finds it by name, and the
/// names the databases would derive differ.
struct check_def {
    std::string name;
    std::string expression;

    bool operator==(const check_def&) const = default;
};

/// Everything strata knows about a table: enough to create it again.
struct table_def {
    std::string name;
    std::vector<column> columns;
    /// A primary key over several columns (table::primary_key); a one-column key is the
    /// column's own primary flag instead.
    std::vector<std::string> primary_key;
    std::vector<foreign_key> foreign_keys;  ///< table-level ones; inline ones stay on their column
    std::vector<unique_key> uniques;
    std::vector<index_def> indexes;
    std::vector<check_def> checks;

    const column* find_column(const std::string& column_name) const;
    bool operator==(const table_def&) const = default;
};

/// Collects a table's definition inside `builder::create_table`.
/// The reference column() returns is valid until the next call to column().
class table {
public:
    explicit table(std::string name);

    schema::column& column(std::string name, column_type type);
    /// "createdAt" and "updatedAt", timestamptz NOT NULL DEFAULT now() (Sequelize's names).
    void timestamps();
    void foreign_key(schema::foreign_key fk);
    /// A primary key over `columns`, in that order (PRIMARY KEY ("a", "b")); its columns become
    /// NOT NULL. For one column, column(...).primary() says the same.
    void primary_key(std::vector<std::string> columns);
    void unique(std::vector<std::string> columns, std::string name = {});
    /// A named CHECK constraint: `t.check("price_positive", "\"price\" > 0")`.
    void check(std::string name, std::string expression);

    /// The definition with every default name filled in.
    table_def definition() const;

private:
    table_def def_;
};

/// A table in a PostgreSQL schema, for wherever a table name goes: `qualified("billing",
/// "invoices")` renders as "billing"."invoices". A plain name containing a dot is refused on
/// render (it would be one identifier with a dot in it, not a table in a schema); SQLite has no
/// schemas and refuses qualified names.
std::string qualified(std::string_view schema, std::string_view table);

/// A table name taken apart: `schema` is empty when the name is not qualified().
struct table_name {
    std::string schema;
    std::string table;
};
table_name split_qualified(std::string_view name);

/// A table name as people write it: `billing.invoices` for a qualified() one.
std::string display_name(std::string_view name);

/// What qualified() puts between the schema and the table: a character no identifier a person
/// writes contains, so a qualified name cannot be confused with a name containing a dot.
inline constexpr char schema_separator = '\x1f';

/// The default constraint and index names, PostgreSQL's conventions (from the table's own name,
/// without its schema: PostgreSQL puts them in the table's schema).
std::string default_fk_name(const std::string& table, const std::vector<std::string>& columns);
std::string default_unique_name(const std::string& table, const std::vector<std::string>& columns);
std::string default_index_name(const std::string& table, const std::vector<std::string>& columns);

}  // namespace strata::schema
