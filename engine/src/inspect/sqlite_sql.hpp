#pragma once
// Private: what SQLite keeps no catalog of (checks, generated columns' expressions, index
// expressions and predicates) read from the CREATE statements sqlite_master keeps as written.
// The scan skips strings, quoted identifiers and comments, and counts parentheses, so a ')' or a
// keyword inside a literal is not taken for structure.

#include <strata/inspect.hpp>

#include <optional>
#include <string>
#include <vector>

namespace strata::inspect::sqlite_sql {

/// Every CHECK (...) of a CREATE TABLE statement, column and table constraints alike, as
/// `CHECK (...)` (one space after CHECK) with the parenthesised text as written; named when
/// `CONSTRAINT name` precedes it.
std::vector<check> checks(const std::string& create_table);

/// The expression of generated column `column` (`AS (expression)`, without its parentheses) in a
/// CREATE TABLE statement; nullopt when the statement does not show one.
std::optional<std::string> generated_expression(const std::string& create_table, const std::string& column);

/// A CREATE TABLE statement with its list of columns and constraints one item per line, two
/// spaces in, as strata writes a table: `ALTER TABLE ADD COLUMN` appends `, "c" ...` to the
/// text, a table rebuild writes the list anew, and the same definitions must read the same
/// (`schema dump --check` after a `down`). The items themselves stay as written. Returned as it
/// is when it is no plain CREATE TABLE with a list (a virtual table's arguments are its module's)
/// or holds a `--` comment (it would take in the comma after its item).
std::string laid_out_table(const std::string& create_table);

/// A CREATE INDEX statement's key texts as written (`lower("email")`, `"name" DESC`) and its
/// predicate, the text after a top-level WHERE (empty for a full index).
struct index_parts {
    std::vector<std::string> keys;
    std::string where;
};
index_parts parse_index(const std::string& create_index);

}  // namespace strata::inspect::sqlite_sql
