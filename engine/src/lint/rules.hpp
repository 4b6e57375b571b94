#pragma once
// Private: lint's rules, one table (rules.cpp), and what they read besides the operation: which
// tables and columns the release itself creates.

#include <strata/lint.hpp>
#include <strata/registry.hpp>
#include <strata/schema/operation.hpp>

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace strata::lint_detail {

/// The tables and columns the units of one release create, as they go: everything else is
/// existing (the running application uses it, and it has rows). Nothing else is modelled, so a
/// table made before strata (baseline) or by raw SQL in an earlier release counts as existing too.
class release_objects {
public:
    /// Records what `op` creates, renames or drops.
    void apply(const schema::operation& op);

    bool existing(const std::string& table) const;
    /// The column was there before the release: its table is existing and the release did not add it.
    bool existing(const std::string& table, const std::string& column) const;

private:
    std::set<std::string> tables_;
    std::set<std::pair<std::string, std::string>> columns_;  // added to tables that were existing
};

/// The message of a finding in `op`, or nullopt when the rule does not fire.
using check = std::optional<std::string> (*)(const schema::operation& op, const release_objects& release);

/// A rule about a unit as a whole (`ops` are what its up() records): the index of the operation
/// the finding names, and its message; nullopt when the rule does not fire.
using unit_check = std::optional<std::pair<std::size_t, std::string>> (*)(const registry::entry& unit,
                                                                            const std::vector<schema::operation>& ops,
                                                                            const release_objects& release);

/// One of `fires` (each operation alone) and `fires_on_unit` is set.
struct rule_entry {
    lint_rule rule;
    check fires = nullptr;
    unit_check fires_on_unit = nullptr;
};

/// Every rule with its check, in code order.
const std::vector<rule_entry>& rule_table();

}  // namespace strata::lint_detail
