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

}  // namespace strata::schema
