#pragma once
/// strata's own version.

namespace strata {
inline constexpr const char* version_string = "0.1.0";
}
