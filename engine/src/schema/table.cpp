#include <strata/schema/table.hpp>

#include <algorithm>

namespace strata::schema {
namespace {

std::string joined(const std::string& table, const std::vector<std::string>& columns, const char* suffix) {
    std::string out = split_qualified(table).table;
    for (const auto& c : columns) out += "_" + c;
    return out + suffix;
}

}  // namespace

std::string qualified(std::string_view schema, std::string_view table) {
    return std::string(schema) + schema_separator + std::string(table);
}

table_name split_qualified(std::string_view name) {
    auto at = name.find(schema_separator);
    if (at == std::string_view::npos) return {{}, std::string(name)};
    return {std::string(name.substr(0, at)), std::string(name.substr(at + 1))};
}

std::string display_name(std::string_view name) {
    std::string out(name);
    std::replace(out.begin(), out.end(), schema_separator, '.');
    return out;
}

std::string default_fk_name(const std::string& table, const std::vector<std::string>& columns) {
    return joined(table, columns, "_fkey");
}
std::string default_unique_name(const std::string& table, const std::vector<std::string>& columns) {
    return joined(table, columns, "_key");
}
std::string default_index_name(const std::string& table, const std::vector<std::string>& columns) {
    return joined(table, columns, "_idx");
}

const column* table_def::find_column(const std::string& column_name) const {
    for (const auto& c : columns)
        if (c.name == column_name) return &c;
    return nullptr;
}

table::table(std::string name) { def_.name = std::move(name); }

column& table::column(std::string name, column_type type) {
    return def_.columns.emplace_back(std::move(name), type);
}

void table::timestamps() {
    column("createdAt", type::timestamptz()).not_null().default_now();
    column("updatedAt", type::timestamptz()).not_null().default_now();
}

void table::foreign_key(schema::foreign_key fk) { def_.foreign_keys.push_back(std::move(fk)); }

void table::primary_key(std::vector<std::string> columns) { def_.primary_key = std::move(columns); }

void table::unique(std::vector<std::string> columns, std::string name) {
    def_.uniques.push_back({std::move(name), std::move(columns)});
}

void table::check(std::string name, std::string expression) {
    def_.checks.push_back({std::move(name), std::move(expression)});
}

table_def table::definition() const {
    table_def def = def_;
    // One column: the key .primary() makes, spelled one way in the model. An unknown column
    // stays in the list for the render check to name.
    if (def.primary_key.size() == 1) {
        const std::string key = def.primary_key.front();
        for (auto& c : def.columns)
            if (c.name == key) {
                c.primary();
                def.primary_key.clear();
            }
    }
    for (auto& c : def.columns) {
        // Both databases make key columns NOT NULL (SQLite only when told: it lets NULL into a
        // key that is not an INTEGER one).
        if (std::find(def.primary_key.begin(), def.primary_key.end(), c.name) != def.primary_key.end()) c.nullable = false;
        if (!c.reference) continue;
        c.reference->columns = {c.name};
        if (c.reference->name.empty()) c.reference->name = default_fk_name(def.name, {c.name});
    }
    for (auto& fk : def.foreign_keys)
        if (fk.name.empty()) fk.name = default_fk_name(def.name, fk.columns);
    for (auto& u : def.uniques)
        if (u.name.empty()) u.name = default_unique_name(def.name, u.columns);
    return def;
}

}  // namespace strata::schema
