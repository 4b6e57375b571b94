#include <strata/schema/table.hpp>

namespace strata::schema {
namespace {

std::string joined(const std::string& table, const std::vector<std::string>& columns, const char* suffix) {
    std::string out = table;
    for (const auto& c : columns) out += "_" + c;
    return out + suffix;
}

}  // namespace

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

void table::unique(std::vector<std::string> columns, std::string name) {
    def_.uniques.push_back({std::move(name), std::move(columns)});
}

void table::check(std::string name, std::string expression) {
    def_.checks.push_back({std::move(name), std::move(expression)});
}

table_def table::definition() const {
    table_def def = def_;
    for (auto& c : def.columns) {
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
