#pragma once
// Private: SQL fragments both dialects spell the same way.

#include <strata/dialect.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace strata::detail {

/// Refuses (unsupported_error, `<operation>: <problem>`) what no database should be sent:
/// composite primary keys, empty column lists, foreign keys whose column counts differ, duplicate
/// columns, varchar lengths below 1, identifiers PostgreSQL would truncate, a default_sql() that
/// is not one expression. Both dialects call it first, so SQLite refuses what PostgreSQL would
/// break on. Reads no table of `state` but the one `op` names.
/// Also checks and indexes on expressions without a name, and a check, index expression or
/// where() predicate that is not one expression.
void check_operation(const schema::operation& op, const catalog& state);

/// `<table>_<column>_not_null_check`: the check an online change_column adds while it makes the
/// column NOT NULL (`<table>` without its schema, for a qualified() one). Not PostgreSQL 18's `<table>_<column>_not_null`, the name it gives the NOT NULL
/// constraint itself.
std::string not_null_check_name(const std::string& table, const std::string& column);

/// Whether a default_sql() expression is a literal (a number, a string, NULL, TRUE, FALSE).
bool is_literal(const std::string& expression);

/// "a", "b"
std::string quote_list(const std::vector<std::string>& identifiers);

/// The name of the CHECK holding an enumeration column's values: <table>_<column>_check, from the
/// table's own name (PostgreSQL's name for a column's check).
std::string enumeration_check_name(const std::string& table, const std::string& column);

/// "c" IN ('a', 'b'): the values an enumeration column allows.
std::string one_of_check(const schema::column& c);

/// CASCADE, SET NULL, ...
const char* to_sql(schema::fk_action action);

/// REFERENCES "t" ("c") [ON UPDATE ...] [ON DELETE ...]
std::string references_clause(const schema::foreign_key& key);

/// CONSTRAINT "n" FOREIGN KEY ("a") REFERENCES ...
std::string foreign_key_constraint(const schema::foreign_key& key);

/// CREATE [UNIQUE] INDEX "n" ON "t" ("a")
std::string create_index_statement(const std::string& name, const std::string& table,
                                   const std::vector<std::string>& columns, bool unique);

/// The key list of `index`: its quoted columns, or its expressions each in parentheses.
std::string index_keys(const schema::index_def& index);

/// CREATE [UNIQUE] INDEX "name" ON "table" (keys) [WHERE (predicate)]; the same text as the
/// overload above for an index on columns without a predicate.
std::string create_index_statement(const schema::index_def& index, const std::string& name, const std::string& table);

/// CONSTRAINT "n" CHECK (expression)
std::string check_constraint(const schema::check_def& check);

/// Whether a user's SQL expression (a check, an index expression or predicate) names column
/// `column`: as a quoted identifier spelled exactly so, or as a bare word in any case that is
/// not a function name or a type after `::`. A scan of the text, not a parse: a bare word that
/// is a keyword spelled like the column counts as a use.
bool expression_uses(const std::string& expression, const std::string& column);

/// Whether `a` and `b` are the same ASCII text in any case (as SQLite compares names).
bool same_ignoring_case(std::string_view a, std::string_view b);
/// `s` in lower case (ASCII), as PostgreSQL folds a bare name.
std::string lower_case(std::string s);

/// An identifier in a user's SQL expression, as expression_uses() reads them.
struct identifier_use {
    std::string name;  ///< quotes removed
    bool quoted = false;
    /// Not a function name (before `(`), a type (after `::` or AS), a typed literal's type
    /// (`date '...'`) or, bare, a keyword: a column, if it names one.
    bool plain = false;
    bool qualified = false;  ///< next to a `.`: t.col, "t"."col"
};

/// The identifiers of `expression`, in order.
std::vector<identifier_use> identifiers_in(const std::string& expression);

/// `expression` with each use (as expression_uses() finds them) of column `from` replaced by the
/// quoted name `to`, as both databases rewrite a stored expression when a column is renamed.
std::string expression_renamed(const std::string& expression, const std::string& from, const std::string& to);

/// ALTER TABLE "from" RENAME TO "to", after refusing (error) a `to` the model knows.
std::string rename_table_statement(const schema::rename_table& op, const catalog& state);

/// Every table `op` names, its own and those its foreign keys reference.
std::vector<std::string> tables_named(const schema::operation& op);

/// ALTER TABLE "t" RENAME COLUMN "a" TO "b", after refusing (error), when the model knows the
/// table, an `a` it lacks or a `b` it has.
std::string rename_column_statement(const schema::rename_column& op, const catalog& state);

/// The text of a raw sql operation for `dialect_name`; throws unsupported_error when empty.
const std::string& raw_text(const std::string& text, const char* dialect_name);

/// The statements of `script` for dialect `b`; throws unsupported_error (irreversible_error for a
/// script that takes its unit down) naming the dialect when it has none.
const std::vector<std::string>& script_statements(const schema::sql_script& script, backend b);

}  // namespace strata::detail
