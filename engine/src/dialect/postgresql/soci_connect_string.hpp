#pragma once
// Private: what SOCI 4.0.3's PostgreSQL backend does to a connection string before libpq reads it,
// and the string to give it so that libpq reads what strata meant.

#include <string>
#include <vector>

namespace strata {

struct libpq_api;

/// The string SOCI 4.0.3 hands PQconnectdb for `text`. Its backend factory looks for a key of its
/// own (singlerows) by re-splitting the string: a key is the non-blank characters up to '='
/// (blanks skipped, not ending it), a value runs to the next blank, or, when it starts with '"',
/// to the next '"' (both dropped); the pieces are rejoined as key=value with one blank, and
/// singlerow/singlerows left out. (Read from SOCI 4.0.3's backends/postgresql/factory.cpp.)
std::string as_soci_passes_it(const std::string& text);

struct soci_connect_string {
    /// What to give SOCI.
    std::string text;
    /// The keywords whose value libpq would still read otherwise than in the conninfo (a value
    /// with blanks and a double quote whose pieces SOCI glues together): refuse to connect.
    std::vector<std::string> changed;
};

/// `conninfo` (libpq's keyword form, database_url::connection_string()) written for SOCI 4.0.3:
/// a value without blanks as libpq quotes it, one with blanks in SOCI's double quotes (which it
/// drops), unless it holds a double quote itself; `options` with one blank between words and
/// `-c` joined to its setting (the same to the server). Checked by reading what SOCI would pass
/// on with libpq's PQconninfoParse. A conninfo libpq cannot read is given as it is (connecting
/// says why).
soci_connect_string for_soci(const std::string& conninfo, const libpq_api& pq);

}  // namespace strata
