#pragma once
// Private: the checks detail::check_operation() (common.hpp) runs before anything runs, shared by
// the three files that hold them: render_checks.cpp (the entry point, names, SQL fragments),
// definition_checks.cpp (tables, columns, keys, indexes, checks, backfills) and
// change_column_checks.cpp. Each refuses with unsupported_error, `<operation>: <problem>`.

#include <strata/schema/operation.hpp>

#include <string>
#include <vector>

namespace strata {
struct catalog;
}

namespace strata::detail::checks {

// render_checks.cpp
[[noreturn]] void refuse(const schema::operation& op, const std::string& problem);
void check_identifier(const schema::operation& op, const std::string& name, const std::string& what, const std::string& hint);
void check_table_name(const schema::operation& op, const std::string& name);
std::string list_of(const std::vector<std::string>& columns);
std::string sql_fragment_problem(const std::string& text);
void check_expression(const schema::operation& op, const std::string& text, const std::string& role, const std::string& example);

// definition_checks.cpp
void check_backfill(const schema::operation& op, const schema::backfill& b);
void check_column(const schema::operation& op, const schema::column& c);
void check_foreign_key(const schema::operation& op, const std::string& table, const schema::foreign_key& k);
void check_unique(const schema::operation& op, const std::string& table, const schema::unique_key& u);
void check_index(const schema::operation& op, const schema::index_def& i);
void check_check(const schema::operation& op, const schema::check_def& c);
void check_enumeration_name(const schema::operation& op, const std::string& table, const schema::column& c);
void check_table(const schema::operation& op, const schema::table_def& t);
/// Refuses a column `t` (a table being created, or as earlier units left it) does not have, named
/// in `columns` or in an expression: PostgreSQL refuses it, and SQLite would read a quoted name
/// that matches no column as a string ("emial": a unique index on a constant). Also a bare name
/// that matches a column with capitals only ignoring case (PostgreSQL folds it to lower case).
void check_columns_of(const schema::operation& op, const schema::table_def& t, const std::vector<std::string>& columns,
                      const std::string& what);
void check_columns_in(const schema::operation& op, const schema::table_def& t, const std::string& expression,
                      const std::string& role);
void check_index_columns(const schema::operation& op, const schema::table_def& t, const schema::index_def& i);

// change_column_checks.cpp
void check_change_column(const schema::change_column& o, const schema::operation& op, const catalog& state);
/// A drop_table's definition (what its down creates) must be the table as earlier units left it,
/// indexes aside (a definition cannot hold them: the down makes them again, restoring_dropped).
void check_drop_table(const schema::drop_table& o, const schema::operation& op, const catalog& state);

}  // namespace strata::detail::checks
