#include <strata/schema/column.hpp>

namespace strata::schema {

column& column::references(std::string ref_table, std::string ref_column) {
    if (!reference) reference.emplace();
    reference->ref_table = std::move(ref_table);
    reference->ref_columns = {std::move(ref_column)};
    reference->columns = {name};
    return *this;
}

column& column::on_update(fk_action action) {
    if (!reference) reference.emplace();
    reference->on_update = action;
    return *this;
}

column& column::on_delete(fk_action action) {
    if (!reference) reference.emplace();
    reference->on_delete = action;
    return *this;
}

column& column::foreign_key_name(std::string constraint_name) {
    if (!reference) reference.emplace();
    reference->name = std::move(constraint_name);
    return *this;
}

std::string describe(const column_type& t) {
    switch (t.kind) {
    case type_kind::uuid: return "uuid";
    case type_kind::varchar: return "varchar(" + std::to_string(t.length) + ")";
    case type_kind::text: return "text";
    case type_kind::integer: return "integer";
    case type_kind::bigint: return "bigint";
    case type_kind::boolean: return "boolean";
    case type_kind::timestamptz: return "timestamptz";
    case type_kind::smallint: return "smallint";
    case type_kind::numeric: return "numeric(" + std::to_string(t.precision) + ", " + std::to_string(t.scale) + ")";
    case type_kind::real: return "real";
    case type_kind::double_precision: return "double_precision";
    case type_kind::date: return "date";
    case type_kind::time: return "time";
    case type_kind::timestamp: return "timestamp";
    case type_kind::json: return "json";
    case type_kind::jsonb: return "jsonb";
    case type_kind::bytea: return "bytea";
    case type_kind::enumeration: {
        std::string values;
        for (const auto& v : t.values) values += (values.empty() ? "'" : ", '") + v + "'";
        return "enumeration(" + values + ")";
    }
    }
    return "?";
}

}  // namespace strata::schema
