#pragma once
/// lint: what in a release's units would hurt a running production database or the application
/// using it (a write-blocking index build, a table rewrite, a column the deployed code still
/// reads dropped), each finding with a stable code, a level and the safe alternative. Pure: it
/// reads the units' operations, never a database.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <strata/database_url.hpp>

namespace strata {

class registry;

enum class lint_level {
    notice,   ///< worth a look, not known to be harmful (raw SQL, which lint cannot read)
    warning,  ///< blocks writes, rewrites a table or breaks the deployed application
};

const char* to_string(lint_level l) noexcept;

/// One rule, for documentation and for builder::allow() to check a code against.
struct lint_rule {
    std::string code;              ///< stable: S001, S002, ...
    lint_level level = lint_level::warning;
    std::string what;              ///< what it finds, one line
    std::string safe_alternative;  ///< what to write instead
    std::vector<backend> backends;  ///< where it applies
};

/// Every rule, by code.
const std::vector<lint_rule>& lint_rules();

/// The rule with `code`, or null.
const lint_rule* find_lint_rule(const std::string& code);

/// What one rule found in one operation of one unit.
struct lint_finding {
    std::string code;
    lint_level level = lint_level::warning;
    std::int64_t version = 0;
    std::string unit;       ///< the unit's name
    std::string operation;  ///< schema::describe() of the operation: `create_index orders_customer_idx`
    std::string message;    ///< `create_index on "orders" blocks writes while it builds`
    std::string safe_alternative;
    /// The reason the unit gave with allow(code, reason): the finding is shown, but does not
    /// count against --error-on.
    std::optional<std::string> allowed_because;
};

/// Which units lint reads, and so what counts as an existing table (one the running application
/// already uses, holding rows): a table is existing unless a unit of the same release created it.
struct lint_scope {
    /// The units of this release (the pending ones), by version; the others are read only to
    /// know the schema.
    static lint_scope release(std::set<std::int64_t> versions);
    /// Every unit, each judged as a release of its own: a table is existing when an earlier unit
    /// created it.
    static lint_scope every_unit();

    std::set<std::int64_t> versions;
    bool each_unit_alone = false;
};

/// The findings for `units` (validated) on `b`, in version order, then operation order. Throws
/// what a unit's up() throws (registry_error, unsupported_error), naming the unit.
std::vector<lint_finding> lint(const registry& units, backend b, const lint_scope& scope);

/// `warning S001 unit 4 add_orders_index: <message>; <safe alternative>`, and `(allowed: <reason>)`
/// for an allowed one.
std::string describe(const lint_finding& f);

/// Whether `f` fails a gate at `threshold` (`lint --error-on`): at or above it, and not allowed.
bool fails(const lint_finding& f, lint_level threshold) noexcept;

}  // namespace strata
