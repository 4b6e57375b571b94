#pragma once
/// The builder a unit records its operations into.

#include <functional>
#include <string>
#include <vector>

#include <strata/schema/operation.hpp>

namespace strata::schema {

/// Records operations in order. Nothing touches a database here.
class builder {
public:
    void create_table(std::string name, const std::function<void(table&)>& define);
    /// Irreversible: down cannot recreate a table it knows nothing about.
    void drop_table(std::string name);
    /// Reversible: `define` describes the table being dropped.
    void drop_table(std::string name, const std::function<void(table&)>& define);

    void add_column(std::string table, column col);
    void drop_column(std::string table, std::string name);
    void drop_column(std::string table, column definition);

    void add_foreign_key(std::string table, foreign_key key);
    void drop_foreign_key(std::string table, std::string name);
    /// Reversible: `definition` is the key being dropped.
    void drop_foreign_key(std::string table, foreign_key definition);

    /// A UNIQUE constraint on `columns`.
    void add_unique(std::string table, std::vector<std::string> columns, std::string name = {});
    void drop_unique(std::string table, std::string name);
    /// Reversible: `definition` is the constraint being dropped.
    void drop_unique(std::string table, unique_key definition);

    void create_index(std::string table, std::vector<std::string> columns, std::string name = {});
    void create_unique_index(std::string table, std::vector<std::string> columns, std::string name = {});
    void drop_index(std::string table, std::string name);
    /// Reversible: `definition` is the index being dropped.
    void drop_index(index_def definition);

    /// The same SQL on every dialect.
    void sql(std::string up, std::optional<std::string> down = std::nullopt);
    /// SQL per dialect.
    void sql(sql_text up, std::optional<sql_text> down = std::nullopt);

    void add(operation op);
    const std::vector<operation>& operations() const noexcept { return ops_; }

private:
    std::vector<operation> ops_;
};

}  // namespace strata::schema
