#pragma once
// Private: keeping PostgreSQL's history where the next run looks for it.
//
// The history is found by its unqualified name: in current_schema(), the first schema of the
// search_path that exists and that the role may use. A unit that creates a schema listed before
// the history's (the app's own schema under search_path=app,public, a schema named like the
// role under "$user", public) moves current_schema() for every later session: the next run would
// find no history there and apply every unit again. So each history change is guarded: it
// happens only while a session starting as this one did would still find this history.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

/// The schema names of a search_path setting ("$user", public), as the server splits them:
/// separated by commas, blanks around them ignored, double-quoted names kept as written ("" for
/// a quote), others lower-cased, each cut to 63 bytes. nullopt when the text is not such a list.
std::optional<std::vector<std::string>> search_path_entries(std::string_view setting);

/// A boolean SQL expression, for the WHERE of a change to the history, that is true while the
/// first schema among `entries` (a search_path's, "$user" standing for `user`) that exists and
/// may be used is `schema`, the history's; otherwise it fails the statement (SQLSTATE 22P02, a
/// message starting "strata: ", which a script run by psql shows too). Evaluated once per
/// statement, whatever the number of rows.
std::string history_home_guard(const std::vector<std::string>& entries, std::string_view user, std::string_view schema);

/// The explanation in a server error raised by history_home_guard(), with what to do; nullopt
/// for any other error.
std::optional<std::string> history_home_refusal(std::string_view sqlstate, std::string_view message);

}  // namespace strata
