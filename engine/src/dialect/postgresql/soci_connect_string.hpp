#pragma once
// Private: what SOCI 4.0.3's PostgreSQL backend does to a connection string before libpq reads it.

#include <string>
#include <vector>

namespace strata {

struct libpq_api;

/// The string SOCI 4.0.3 hands PQconnectdb for `conninfo`. Its backend factory looks for a key
/// of its own (singlerows) by re-splitting the string: a key is the non-blank characters up to
/// '=' (blanks skipped, not ending it), a value runs to the next blank, or, when it starts with
/// '"', to the next '"' (both dropped); the pieces are rejoined as key=value with one blank, and
/// singlerow/singlerows left out. (Read from SOCI 4.0.3's backends/postgresql/factory.cpp.)
std::string as_soci_passes_it(const std::string& conninfo);

/// The keywords whose value libpq reads differently in as_soci_passes_it(conninfo) than in
/// `conninfo` ("the connection string" when libpq cannot read it at all); empty when SOCI
/// changes nothing that matters, or when libpq refuses `conninfo` itself (connecting says why).
std::vector<std::string> keywords_soci_changes(const std::string& conninfo, const libpq_api& pq);

}  // namespace strata
