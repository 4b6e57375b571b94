// strata_measure stall: the longest write stall while a schema change runs (tools/bench rows e and f).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "measure_support.hpp"

namespace strata_bench {

/// `strata_measure stall ...`: measures and writes the row's JSON (see stall.cpp).
int stall_command(const std::vector<std::string>& args);

/// The report's table of stall rows: its columns, and the cells of one row.
std::vector<std::pair<std::string, std::size_t>> stall_columns();
std::vector<std::string> stall_cells(const json& row);

}  // namespace strata_bench
