#pragma once
// Private: PostgreSQL's SQL.

#include <strata/dialect.hpp>

namespace strata {

class postgresql_dialect final : public dialect {
public:
    backend kind() const noexcept override { return backend::postgresql; }
    capabilities features() const noexcept override { return {true, true, true}; }
    using dialect::render;
    void render(const schema::operation& op, const catalog& state, rendering& out) const override;
    rendering render_rollback(const std::vector<schema::operation>& up, const catalog& state) const override;
    std::string names_taken_query(const std::vector<schema::operation>& up) const override;
    std::vector<half_built_object> half_built(const std::vector<schema::operation>& up) const override;
    std::string table_exists_query(std::string_view table) const override;
    bool names_may_resolve_elsewhere() const noexcept override { return true; }
    std::string schemas_like_query(std::string_view pattern) const override;
    std::string utc_text(std::string_view column) const override;
    std::string now() const override;

    /// "name" TYPE [NOT NULL] [DEFAULT ...] [PRIMARY KEY] [CONSTRAINT ... REFERENCES ...], for a
    /// column of `table` (an enumeration's CHECK is named after both: enumeration_check_name).
    static std::string column_definition(const schema::column& c, const std::string& table);
    static std::string type_name(const schema::column_type& t);
};

}  // namespace strata
