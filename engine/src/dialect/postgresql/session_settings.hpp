#pragma once
// Private: which statements of a unit may change the settings of the PostgreSQL session that runs
// them, so that strata resets it before the next unit (connection::reset_session).

#include <string_view>

namespace strata {

/// Whether `statement` may change its session's settings: a SET or RESET where a statement starts
/// (at the beginning, after `;`, inside a DO block after BEGIN, THEN, ELSE or LOOP, or in a quoted
/// EXECUTE), or set_config() anywhere. The SET of other statements (`ALTER COLUMN c SET NOT NULL`,
/// `ON DELETE SET NULL`, `UPDATE t SET`) changes no session: no reset, no RESET in a dry run's
/// script. A function that sets things inside it is not seen.
bool may_change_session(std::string_view statement);

}  // namespace strata
