#pragma once
// Private: PostgreSQL's online operations (add_column, add_foreign_key, add_unique, create_index,
// add_check, change_column and backfill with online()), which run outside a transaction.
// Each statement commits on its own (so no lock is held across steps) and
// first checks what is already there, so a rerun after a crash finishes the job. The checks run
// in DO blocks, sent with PQexec: SOCI would rewrite the `:` inside them.

#include <strata/dialect.hpp>
#include <strata/schema/operation.hpp>

#include <string>
#include <vector>

namespace strata::postgresql_online {

/// ALTER TABLE "table" (and a space): the start of most statements here and in postgresql_dialect.cpp.
std::string alter(const std::string& table);
/// The query whose row is the statement that drops the INVALID index called `name` (as the
/// catalog spells it) that a failed, cancelled or killed build left on the table `table_sql` (a
/// table name as SQL writes it: quoted or not, qualified or not), if there is one: in the
/// table's schema, where the build put it, named as the catalog spells it for this session
/// (regclass: qualified when the search_path would not find it); CONCURRENTLY, so that the
/// application's reads and writes do not queue behind the table's lock.
std::string drop_invalid_index_of(const std::string& table_sql, const std::string& name);

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
/// `only_if_columns` (a rollback): the batches run only when the table has these columns; else
/// the block does nothing. Empty: the block every backfill unit has always had (same text).
std::string backfill_in_batches(const schema::backfill& o, const std::vector<std::string>& only_if_columns = {});
/// A backfill_in_batches() block that also runs `wait` (PL/pgSQL statements) at the end of each
/// full batch, after its COMMIT and its progress notice (a shorter batch was the last); any other
/// statement as it is. Applied when the
/// statement runs (runner_options::max_replica_lag), never when it is rendered: a unit's checksum
/// is computed from backfill_in_batches()'s text.
std::string after_each_batch(const std::string& statement, const std::string& wait);

/// postgresql_dialect::names_taken_query: for each online operation of `up`, a row naming what
/// is there under its name (pg_attribute, pg_constraint and pg_class looked up by oid and name,
/// no lock taken); the index in its table's schema, as the steps look it up.
std::string names_taken_query(const std::vector<schema::operation>& up);

/// postgresql_dialect::half_built: the constraints the online operations of `up` add NOT VALID
/// and have not validated, the indexes they build that are INVALID; looked up by table and name
/// (the index in its table's schema), each of this unit's kind.
std::vector<half_built_object> half_built(const std::vector<schema::operation>& up);

/// That an index `i` (a pg_index row) is not `index`: other key columns (or, on expressions, as
/// many keys), or a predicate where `index` has none or none where it has one.
std::string index_differs(const schema::index_def& index);

// The rollback of online steps (postgresql_dialect::render_rollback): each drops its object only
// if it is there and is this unit's own, what the step's guard would have adopted; anything else
// of that name (which the step refused) is left alone. Looked up like the guards do.
std::string drop_constraint_if_own(const std::string& table, const std::string& name, char contype,
                                   const std::vector<std::string>& columns, const schema::foreign_key* key);
/// The column, if it has the unit's type (with it go the keys and indexes on it).
std::string drop_column_if_own(const std::string& table, const schema::column& c);
/// The index, valid and matching `index` (backing no constraint), or INVALID (a failed or killed
/// build, which the step drops too), dropped CONCURRENTLY: a gexec() statement, to run outside
/// a transaction.
std::string drop_index_if_own(const schema::index_def& index);

}  // namespace strata::postgresql_online
