#pragma once
// Private: PostgreSQL's online operations (add_column, add_foreign_key, add_unique, create_index,
// add_check, change_column and backfill with online()), which run outside a transaction.
// Each statement commits on its own (so no lock is held across steps) and
// first checks what is already there, so a rerun after a crash finishes the job. The checks run
// in DO blocks, sent with PQexec: SOCI would rewrite the `:` inside them.

#include <strata/schema/operation.hpp>

#include <string>
#include <vector>

namespace strata::postgresql_online {

/// ALTER TABLE "table" (and a space): the start of most statements here and in postgresql_dialect.cpp.
std::string alter(const std::string& table);

std::string unless_constraint_exists(const std::string& table, const std::string& name, char contype,
                                     const std::vector<std::string>& columns, const schema::foreign_key* key,
                                     const std::string& body, const std::string& also_differs = {});
std::string refuse_other_column(const std::string& table, const schema::column& c);
void add_foreign_key_online(const std::string& table, const schema::foreign_key& key, std::vector<std::string>& out);
void create_index_online(const std::string& table, const std::string& name, const std::vector<std::string>& columns,
                         bool unique, std::vector<std::string>& out);
void create_index_online(const schema::index_def& index, std::vector<std::string>& out);
void set_not_null_online(const std::string& table, const std::string& column, std::vector<std::string>& out);
void add_check_online(const std::string& table, const schema::check_def& check, std::vector<std::string>& out);
std::string backfill_in_batches(const schema::backfill& o);

}  // namespace strata::postgresql_online
