#pragma once
// Private: SQLite's SQL, including the table-rebuild recipe for changes it cannot make in place.

#include <strata/dialect.hpp>

namespace strata {

class sqlite_dialect final : public dialect {
public:
    backend kind() const noexcept override { return backend::sqlite; }
    capabilities features() const noexcept override { return {true, false, false}; }
    using dialect::render;
    void render(const schema::operation& op, const catalog& state, rendering& out) const override;
    std::string table_exists_query(std::string_view table) const override;
    bool names_may_resolve_elsewhere() const noexcept override { return false; }
    std::string utc_text(std::string_view column) const override;
    std::string now() const override;
};

}  // namespace strata
