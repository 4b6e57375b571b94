#pragma once
// Private: SQLite table rebuilds from the live table (issue 9, point 10).
//
// SQLite cannot add or drop a constraint or change a column in place. The dialect renders such a
// change as a rebuild directive: one statement, an SQL comment that says what changes
//
//   -- strata:rebuild "people" from its definition in sqlite_master
//   --   add: CONSTRAINT "people_team_fkey" FOREIGN KEY ("team") REFERENCES "teams" ("id")
//
// and the SQLite connection carries it out against the table as it is in the database, not as
// the units describe it (raw sql may have renamed a column or added an index or a trigger): it
// reads the table's CREATE TABLE text from sqlite_master, edits it (edit_create_table), creates
// the new table, copies every column the two share, drops the old one, renames the new one, and
// creates its indexes and triggers again from their saved text. The directive is the same
// whatever the database holds, so a unit's checksum does not depend on it.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::sqlite_rebuild {

/// What a rebuild changes in a table. Definitions and constraints are SQL as the dialect renders
/// them; names are plain (unquoted).
struct changes {
    std::string table;
    std::vector<std::string> add;  ///< column definitions and table constraints, appended
    std::vector<std::string> drop_columns;
    std::vector<std::string> drop_constraints;
    std::vector<std::pair<std::string, std::string>> replace_columns;  ///< column, new definition
    std::vector<std::pair<std::string, std::string>> copy_as;          ///< column, expression giving its new value

    bool operator==(const changes&) const = default;
};

/// The directive's first words; a statement starting with them is a rebuild.
inline constexpr std::string_view directive_prefix = "-- strata:rebuild ";

/// The directive statement for `c`.
std::string directive(const changes& c);
/// The changes a directive statement describes; throws std::invalid_argument for a malformed one.
changes parse_directive(std::string_view statement);

/// `create_table_sql` (a CREATE TABLE statement as sqlite_master keeps it) with `c` applied, as
/// a CREATE TABLE of `new_name`. Throws std::invalid_argument naming what it cannot find (a
/// column or constraint to drop or replace) or cannot read.
/// A replaced column keeps every clause of its live definition that its new one does not set
/// (the type, NOT NULL, DEFAULT), except the CHECK strata renders for its type.
std::string edit_create_table(std::string_view create_table_sql, const changes& c, std::string_view new_name);

/// Whether `expression` is the CHECK strata renders for column `column` of some type (a
/// varchar's length, an enumeration's values, a date's form), as the SQLite dialect writes it:
/// a change_column replaces it with the new type's. Defined with the rendering, in
/// sqlite_dialect.cpp.
bool is_type_check(std::string_view expression, const std::string& column);

}  // namespace strata::sqlite_rebuild
