#pragma once
// Private: what a unit's own text may hold. The history stores down statements and the reason a
// unit gives for dropping data on purpose (builder::allow_data_loss, `-- strata:allow data-loss
// <reason>`) as JSON text, which must be UTF-8, and every rollback prints the reason on one line;
// psql's \gexec is strata's own statements' form only (strata::gexec()).

#include <string>
#include <string_view>

namespace strata::schema {

/// The longest reason, in bytes.
inline constexpr std::size_t allowance_reason_limit = 500;

/// Where `text` stops being UTF-8 (the byte's offset), or npos when it is all UTF-8. The history
/// stores down statements and reasons as JSON text, which must be.
std::size_t invalid_utf8_at(std::string_view text);

/// Whether `text` has a line that is psql's `\gexec` (strata::gexec(): strata's own statements
/// only; a unit's raw SQL with one is refused).
bool has_gexec_line(std::string_view text);

/// Why `reason` cannot be one ("is empty", "is not UTF-8 (byte 0xe9 at 6)", "holds a control
/// character (0x0a at 11)", "is longer than 500 bytes"); empty when it can.
std::string allowance_reason_problem(std::string_view reason);

}  // namespace strata::schema
