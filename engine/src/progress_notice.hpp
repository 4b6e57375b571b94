#pragma once
// Private: how a statement reports progress while it runs. A PostgreSQL DO block raises a
// NOTICE whose text starts with the marker; the runner turns such notices into progress events.

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace strata::detail {

/// `strata:progress <done> <total> <unit> <what>`: a NOTICE's message, as RAISE NOTICE
/// 'strata:progress % % rows %', done, total, what writes it (`unit` one word).
inline constexpr std::string_view progress_marker = "strata:progress ";

struct progress_notice {
    std::int64_t done = 0;
    std::int64_t total = 0;
    std::string unit;
    std::string what;
};

/// The progress a server notice reports, or nullopt for any other notice.
inline std::optional<progress_notice> parse_progress_notice(std::string_view message) {
    if (message.substr(0, progress_marker.size()) != progress_marker) return std::nullopt;
    message.remove_prefix(progress_marker.size());
    progress_notice out;
    auto number = [&](std::int64_t& n) {
        auto [end, ec] = std::from_chars(message.data(), message.data() + message.size(), n);
        if (ec != std::errc() || end == message.data() + message.size() || *end != ' ') return false;
        message.remove_prefix(static_cast<std::size_t>(end - message.data()) + 1);
        return true;
    };
    if (!number(out.done) || !number(out.total)) return std::nullopt;
    auto space = message.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    out.unit = std::string(message.substr(0, space));
    out.what = std::string(message.substr(space + 1));
    return out;
}

}  // namespace strata::detail
