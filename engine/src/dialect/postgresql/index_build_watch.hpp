#pragma once
// Private: the progress of a CREATE INDEX, watched from a second PostgreSQL session.

#include <functional>
#include <memory>
#include <string>

#include "connection.hpp"

namespace strata {

/// Starts polling the index builds of backend `pid` (see index_build_watch.cpp); stops when the
/// watch is destroyed.
std::unique_ptr<progress_watch> start_index_build_watch(std::string connection_string, int pid,
                                                        std::function<void(const index_progress&)> report);

}  // namespace strata
