#pragma once
// The normalized schema model (<strata/inspect.hpp>) printed for Boost.Test, which finds these
// operators by ADL: one line per column, key, index, ..., so a failed comparison of two tables or
// snapshots shows both whole.

#include <strata/inspect.hpp>

#include <iosfwd>

namespace strata::inspect {

std::ostream& operator<<(std::ostream& out, const column& c);
std::ostream& operator<<(std::ostream& out, const foreign_key& k);
std::ostream& operator<<(std::ostream& out, const unique_key& u);
std::ostream& operator<<(std::ostream& out, const check& c);
std::ostream& operator<<(std::ostream& out, const index& i);
std::ostream& operator<<(std::ostream& out, const definition& d);
std::ostream& operator<<(std::ostream& out, const table& t);
std::ostream& operator<<(std::ostream& out, const snapshot& s);

}  // namespace strata::inspect
