#pragma once
// Private: SQLite's SQL, including the table-rebuild recipe for changes it cannot make in place.

#include <strata/dialect.hpp>

namespace strata {

/// A table rebuild keeps the indexes and triggers the units do not define (made by raw sql):
/// before the old table goes, a statement saves their SQL from sqlite_master into this
/// temporary table; after the new table is in place, the statement `recreate_saved_directive`
/// (an SQL comment, so it reads as what it does in a --dry-run) makes the SQLite connection run
/// each saved text again and drop the temporary table. One that no longer applies (an index on
/// a dropped column) fails the unit, naming it, and the unit rolls back.
inline constexpr const char* saved_objects_table = "strata_rebuild_kept";
inline constexpr const char* recreate_saved_directive = "-- strata:recreate-saved";

class sqlite_dialect final : public dialect {
public:
    backend kind() const noexcept override { return backend::sqlite; }
    capabilities features() const noexcept override { return {true, false, false}; }
    using dialect::render;
    void render(const schema::operation& op, const catalog& state, rendering& out) const override;
    std::string table_exists_query(std::string_view table) const override;
    bool names_may_resolve_elsewhere() const noexcept override { return false; }
    std::string utc_text(std::string_view column) const override;
};

}  // namespace strata
