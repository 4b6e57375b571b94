#pragma once
// Private: a dry run's target where the database cannot rehearse a run on a copy of its schema
// (PostgreSQL). Every change is written to the script instead of running; reads go to the
// database, so the history the script writes is the one the run would write.

#include <memory>
#include <string>
#include <vector>

#include "connection.hpp"

namespace strata {

/// `live` and `script` must outlive it.
std::unique_ptr<connection> script_connection(connection& live, std::vector<std::string>& script);

}  // namespace strata
