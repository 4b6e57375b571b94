#pragma once
// Private: which statements of a unit may change the settings of the PostgreSQL session that runs
// them, so that strata resets it before the next unit (connection::reset_session).

#include <string_view>

namespace strata {

/// Whether `statement` may change its session's settings: any SET or RESET, set_config() and
/// pg_settings, wherever they are (also after a comment, inside a DO block or a quoted EXECUTE),
/// except the SET of clauses that change no session: `ALTER [COLUMN] c SET ...`, `ON DELETE SET
/// NULL`, `UPDATE [ONLY] t SET`, an upsert's `DO UPDATE SET`. When unsure: true (a reset too many
/// costs a round trip; one too few leaves the next unit in another unit's session). A function
/// that sets things inside it is not seen.
bool may_change_session(std::string_view statement);

}  // namespace strata
