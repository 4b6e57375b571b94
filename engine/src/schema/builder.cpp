#include <strata/schema/builder.hpp>

#include <strata/error.hpp>
#include <strata/lint.hpp>

#include "schema/unit_text.hpp"

namespace strata::schema {
namespace {

table_def define_table(std::string name, const std::function<void(table&)>& define) {
    table t(std::move(name));
    define(t);
    return t.definition();
}

}  // namespace

builder& builder::add(operation op) {
    // psql's \gexec is how strata's own statements say "run what this query returns" (gexec()):
    // in a unit's raw SQL it would run statements nothing reads first (the data-loss guard).
    auto refuse_gexec = [](const std::string& text) {
        if (has_gexec_line(text))
            throw unsupported_error("raw SQL with a \\gexec line (psql's meta-command, not SQL): strata does not run what "
                                    "a query returns for a unit; write the statements themselves, or a DO block with "
                                    "EXECUTE (PostgreSQL): " + text.substr(0, 80));
    };
    if (const auto* r = std::get_if<raw_sql>(&op)) {
        for (const auto* t : {&r->up, r->down ? &*r->down : nullptr})
            if (t) refuse_gexec(t->postgresql), refuse_gexec(t->sqlite);
    } else if (const auto* r = std::get_if<raw_statements>(&op)) {
        for (const auto* script : {&r->up, r->down ? &*r->down : nullptr})
            if (script)
                for (const auto* list : {&script->postgresql, &script->sqlite})
                    if (*list)
                        for (const auto& statement : **list) refuse_gexec(statement);
    }
    ops_.push_back(std::move(op));
    return *this;
}

builder& builder::online() {
    if (ops_.empty()) throw unsupported_error("online() must follow the operation it applies to");
    bool supported = std::visit(
        [](auto& o) {
            if constexpr (requires { o.online; }) {
                o.online = true;
                return true;
            } else {
                return false;
            }
        },
        ops_.back());
    if (!supported)
        throw unsupported_error("'" + describe(ops_.back()) +
                                "' has no online form; online() applies to add_column, add_foreign_key, add_unique, "
                                "create_index, add_check and change_column (making a column NOT NULL)");
    return *this;
}

builder& builder::create_table(std::string name, const std::function<void(table&)>& define) {
    return add(schema::create_table{define_table(std::move(name), define)});
}

builder& builder::drop_table(std::string name) { return add(schema::drop_table{std::move(name), std::nullopt}); }

builder& builder::drop_table(std::string name, const std::function<void(table&)>& define) {
    auto def = define_table(name, define);
    return add(schema::drop_table{std::move(name), std::move(def)});
}

builder& builder::add_column(std::string table, column col) {
    if (col.reference) {
        col.reference->columns = {col.name};
        if (col.reference->name.empty()) col.reference->name = default_fk_name(table, {col.name});
    }
    return add(schema::add_column{std::move(table), std::move(col)});
}

builder& builder::drop_column(std::string table, std::string name) {
    return add(schema::drop_column{std::move(table), std::move(name), std::nullopt});
}

builder& builder::drop_column(std::string table, column definition) {
    if (definition.reference) {
        definition.reference->columns = {definition.name};
        if (definition.reference->name.empty())
            definition.reference->name = default_fk_name(table, {definition.name});
    }
    std::string name = definition.name;
    return add(schema::drop_column{std::move(table), std::move(name), std::move(definition)});
}

builder& builder::add_foreign_key(std::string table, foreign_key key) {
    if (key.name.empty()) key.name = default_fk_name(table, key.columns);
    return add(schema::add_foreign_key{std::move(table), std::move(key)});
}

builder& builder::drop_foreign_key(std::string table, std::string name) {
    return add(schema::drop_foreign_key{std::move(table), std::move(name), std::nullopt});
}

builder& builder::drop_foreign_key(std::string table, foreign_key definition) {
    if (definition.name.empty()) definition.name = default_fk_name(table, definition.columns);
    std::string name = definition.name;
    return add(schema::drop_foreign_key{std::move(table), std::move(name), std::move(definition)});
}

builder& builder::add_unique(std::string table, std::vector<std::string> columns, std::string name) {
    if (name.empty()) name = default_unique_name(table, columns);
    return add(schema::add_unique{std::move(table), unique_key{std::move(name), std::move(columns)}});
}

builder& builder::drop_unique(std::string table, std::string name) {
    return add(schema::drop_unique{std::move(table), std::move(name), std::nullopt});
}

builder& builder::drop_unique(std::string table, unique_key definition) {
    if (definition.name.empty()) definition.name = default_unique_name(table, definition.columns);
    std::string name = definition.name;
    return add(schema::drop_unique{std::move(table), std::move(name), std::move(definition)});
}

builder& builder::create_index(std::string table, std::vector<std::string> columns, std::string name) {
    if (name.empty()) name = default_index_name(table, columns);
    return add(schema::create_index{index_def{std::move(name), std::move(table), std::move(columns), false}});
}

builder& builder::create_unique_index(std::string table, std::vector<std::string> columns, std::string name) {
    if (name.empty()) name = default_index_name(table, columns);
    return add(schema::create_index{index_def{std::move(name), std::move(table), std::move(columns), true}});
}

builder& builder::drop_index(std::string table, std::string name) {
    return add(schema::drop_index{std::move(table), std::move(name), std::nullopt});
}

builder& builder::drop_index(index_def definition) {
    // An index on expressions has no default name: an empty one is refused on render.
    if (definition.name.empty() && definition.expressions.empty())
        definition.name = default_index_name(definition.table, definition.columns);
    std::string table = definition.table, name = definition.name;
    return add(schema::drop_index{std::move(table), std::move(name), std::move(definition)});
}

builder& builder::create_index_on(std::string table, std::vector<std::string> expressions, std::string name) {
    index_def index{std::move(name), std::move(table), {}, false};
    index.expressions = std::move(expressions);
    return add(schema::create_index{std::move(index)});
}

builder& builder::create_unique_index_on(std::string table, std::vector<std::string> expressions, std::string name) {
    index_def index{std::move(name), std::move(table), {}, true};
    index.expressions = std::move(expressions);
    return add(schema::create_index{std::move(index)});
}

builder& builder::where(std::string predicate) {
    if (ops_.empty()) throw unsupported_error("where() must follow the create_index it applies to");
    auto* index = std::get_if<schema::create_index>(&ops_.back());
    if (!index)
        throw unsupported_error("'" + describe(ops_.back()) +
                                "' has no where(); where() makes the index just recorded partial and applies to "
                                "create_index, create_unique_index, create_index_on and create_unique_index_on");
    if (predicate.find_first_not_of(" \t\r\n") == std::string::npos)
        throw unsupported_error("'" + describe(ops_.back()) +
                                "': where() needs a predicate, one SQL expression such as \"deleted_at\" IS NULL");
    index->index.where = std::move(predicate);
    return *this;
}

builder& builder::add_check(std::string table, std::string name, std::string expression) {
    return add(schema::add_check{std::move(table), check_def{std::move(name), std::move(expression)}});
}

builder& builder::drop_check(std::string table, std::string name) {
    return add(schema::drop_check{std::move(table), std::move(name), std::nullopt});
}

builder& builder::drop_check(std::string table, check_def definition) {
    std::string name = definition.name;
    return add(schema::drop_check{std::move(table), std::move(name), std::move(definition)});
}

builder& builder::rename_table(std::string from, std::string to) {
    return add(schema::rename_table{std::move(from), std::move(to)});
}

builder& builder::rename_column(std::string table, std::string from, std::string to) {
    return add(schema::rename_column{std::move(table), std::move(from), std::move(to)});
}

builder& builder::create_schema(std::string name) { return add(schema::create_schema{std::move(name)}); }

builder& builder::drop_schema(std::string name) { return add(schema::drop_schema{std::move(name)}); }

builder& builder::comment_on(std::string table, std::string text) {
    return add(schema::comment_on{std::move(table), {}, std::move(text), {}});
}

builder& builder::comment_on(std::string table, std::string column, std::string text) {
    return add(schema::comment_on{std::move(table), std::move(column), std::move(text), {}});
}

builder& builder::replacing(std::string previous) {
    auto* comment = ops_.empty() ? nullptr : std::get_if<schema::comment_on>(&ops_.back());
    if (!comment)
        throw unsupported_error("replacing() must follow the comment_on whose earlier comment it gives" +
                                (ops_.empty() ? std::string() : ", not '" + describe(ops_.back()) + "'"));
    comment->previous = std::move(previous);
    return *this;
}

builder& builder::change_column(std::string table, column before, column after) {
    // The same default names add_column and create_table give, so that both sides compare with the
    // model (a reference cannot change here, but before and after carry it).
    for (column* c : {&before, &after})
        if (c->reference) {
            c->reference->columns = {c->name};
            if (c->reference->name.empty()) c->reference->name = default_fk_name(table, {c->name});
        }
    return add(schema::change_column{std::move(table), std::move(before), std::move(after)});
}

builder& builder::using_sql(std::string up, std::string down) {
    return using_sql(sql_text{up, up}, sql_text{down, down});
}

builder& builder::using_sql(sql_text up, sql_text down) {
    auto* change = ops_.empty() ? nullptr : std::get_if<schema::change_column>(&ops_.back());
    if (!change)
        throw unsupported_error("using_sql() must follow the change_column it applies to" +
                                (ops_.empty() ? std::string() : ", not '" + describe(ops_.back()) + "'"));
    if (up.postgresql.empty() && up.sqlite.empty())
        throw unsupported_error("using_sql() on '" + describe(ops_.back()) + "' needs an expression");
    change->using_up = std::move(up);
    change->using_down = std::move(down);
    return *this;
}

builder& builder::sql(std::string up, std::optional<std::string> down) {
    std::optional<sql_text> down_text;
    if (down) down_text = sql_text{*down, *down};
    return add(raw_sql{sql_text{up, up}, std::move(down_text)});
}

builder& builder::nothing_to_undo() {
    // No statement on either dialect, in either direction, so it is its own inverse.
    sql_script none{std::vector<std::string>{}, std::vector<std::string>{}, "nothing_to_undo()", direction::up};
    sql_script none_down = none;
    none_down.role = direction::down;
    return add(raw_statements{std::move(none), std::move(none_down)});
}

builder& builder::backfill(std::string table, std::string set_sql, std::string where_sql, int batch_rows) {
    return add(schema::backfill{std::move(table), std::move(set_sql), std::move(where_sql), batch_rows, std::nullopt});
}

builder& builder::down(std::string set_sql, std::string where_sql) {
    auto* last = ops_.empty() ? nullptr : std::get_if<schema::backfill>(&ops_.back());
    if (!last)
        throw unsupported_error(
            (ops_.empty() ? std::string("down(set_sql, where_sql) must follow the backfill it reverses")
                          : "'" + describe(ops_.back()) + "' is not a backfill; down(set_sql, where_sql) applies to "
                                                          "the backfill just recorded (other operations know their "
                                                          "inverse, raw sql takes its down text as an argument)"));
    last->down = backfill_down{std::move(set_sql), std::move(where_sql)};
    return *this;
}

builder& builder::sql(sql_text up, std::optional<sql_text> down) { return add(raw_sql{std::move(up), std::move(down)}); }

builder& builder::allow(std::string code, std::string reason) {
    if (!find_lint_rule(code)) {
        std::string codes;
        for (const auto& r : lint_rules()) codes += (codes.empty() ? "" : ", ") + r.code;
        throw unsupported_error("allow(\"" + code + "\"): no lint rule has that code (" + codes + ")");
    }
    if (reason.find_first_not_of(" \t\r\n") == std::string::npos)
        throw unsupported_error("allow(\"" + code + "\") needs a reason, which lint prints with the finding: "
                                "allow(\"" + code + "\", \"orders is empty in production\")");
    allowances_.push_back({std::move(code), std::move(reason)});
    return *this;
}

builder& builder::allow_data_loss(std::string reason) {
    if (reason.find_first_not_of(" \t\r\n") == std::string::npos)
        throw unsupported_error("allow_data_loss() needs a reason, which the rollback prints: "
                                "allow_data_loss(\"the down copies the notes to notes_archive first\")");
    if (const auto problem = allowance_reason_problem(reason); !problem.empty())
        throw unsupported_error("allow_data_loss(): the reason " + problem +
                                "; give one line of UTF-8 text, which every rollback prints and stores");
    if (data_loss_allowed_)
        throw unsupported_error("allow_data_loss() a second time (the first said \"" + *data_loss_allowed_ +
                                "\"); give one reason, saying all of it");
    data_loss_allowed_ = std::move(reason);
    return *this;
}

}  // namespace strata::schema
