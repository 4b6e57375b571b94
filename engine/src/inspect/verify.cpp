#include "inspect/verify.hpp"

namespace strata {

const char* to_string(unit_verification::outcome o) noexcept {
    switch (o) {
        case unit_verification::outcome::round_trips: return "ok";
        case unit_verification::outcome::differs: return "differs";
        case unit_verification::outcome::irreversible: return "irreversible";
        case unit_verification::outcome::failed: return "failed";
    }
    return "?";
}

std::vector<unit_verification> verify_units(const registry&, const database_url&, const runner_options&,
                                            const std::optional<database_url>&,
                                            const std::function<void(const unit_verification&)>&) {
    throw error("verify: not built yet");
}

drift_report schema_drift(const registry&, const database_url&, const runner_options&, const std::optional<database_url>&,
                          const std::vector<unit_status>&, const inspect::snapshot&) {
    throw error("diff: not built yet");
}

}  // namespace strata
