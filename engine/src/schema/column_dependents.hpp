#pragma once
// Private: what dropping a column takes with it. Like PostgreSQL's DROP COLUMN, the model drops
// the keys, indexes and checks using the column (catalog::apply), and a unit's down that adds
// the column back makes them again (plan.cpp, restoring_dropped).

#include <strata/dialect.hpp>
#include <strata/schema/operation.hpp>

#include <string>
#include <vector>

namespace strata::schema {

/// The parts of a table that use one column. The primary key is not among them: it goes with
/// the column, and no operation makes one again.
struct column_dependents {
    std::vector<foreign_key> foreign_keys;  ///< table-level ones; an inline one is the column's
    std::vector<unique_key> uniques;
    std::vector<index_def> indexes;  ///< on the column, or naming it in an expression or where()
    std::vector<check_def> checks;   ///< naming it in their expression (a scan of the text)

    bool empty() const { return foreign_keys.empty() && uniques.empty() && indexes.empty() && checks.empty(); }
};

/// What dropping `column` of `t` drops with it.
column_dependents dependents_of(const table_def& t, const std::string& column);

/// `t` without `column` and what dropping it drops with it (also the primary key it is in).
void drop_column_from(table_def& t, const std::string& column);

/// `down` (the operations of a unit's down) followed by the keys, indexes and checks `up`'s
/// drops took with them (a dropped column's, and a dropped table's indexes, which its definition
/// cannot hold), as the model `state` (before `up`) and `up`'s operations before each drop had
/// them: the way back a reversible drop promises. Each comes after the whole down (so after what
/// it does to the rows), under the names the down's renames give, when the columns it uses are
/// all back; what the down makes itself (by name, or the same thing under another name) is left
/// to it.
std::vector<operation> restoring_dropped(const std::vector<operation>& up, const std::vector<operation>& down, const catalog& state);

}  // namespace strata::schema
