#include <strata/inspect.hpp>

namespace strata::inspect {

const char* to_string(difference::change c) noexcept {
    switch (c) {
        case difference::change::missing: return "missing";
        case difference::change::extra: return "extra";
        case difference::change::altered: return "altered";
    }
    return "?";
}

std::vector<difference> compare(const snapshot&, const snapshot&) { return {}; }
std::string describe(const difference&) { return {}; }

}  // namespace strata::inspect
