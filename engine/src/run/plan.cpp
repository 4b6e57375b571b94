#include "run/plan.hpp"

#include <strata/migration.hpp>

#include <algorithm>
#include <cstdio>
#include <exception>

#include "checksum.hpp"
#include "history.hpp"
#include "record_operations.hpp"
#include "schema/column_dependents.hpp"
#include "schema/unit_text.hpp"

namespace strata {
namespace {

/// Renders `ops` op by op against `state`; the state moves on even when rendering fails, so
/// later units still see the schema this unit declares.
rendering render_tracking(const dialect& d, const std::vector<schema::operation>& ops, catalog& state,
                          std::exception_ptr& problem) {
    rendering out;
    for (const auto& op : ops) {
        if (!problem) {
            try {
                d.render(op, state, out);
            } catch (const error&) {
                problem = std::current_exception();
            }
        }
        state.apply(op);
    }
    return out;
}

/// `ops` with every online flag cleared.
std::vector<schema::operation> without_online(std::vector<schema::operation> ops) {
    for (auto& op : ops)
        std::visit(
            [](auto& o) {
                if constexpr (requires { o.online; }) o.online = false;
            },
            op);
    return ops;
}

/// An unsupported_error naming the first statement of `r` that is not UTF-8; null when all are.
std::exception_ptr not_utf8(const rendering& r, const char* what) {
    for (std::size_t i = 0; i < r.statements.size(); ++i) {
        const auto at = schema::invalid_utf8_at(r.statements[i]);
        if (at == std::string_view::npos) continue;
        char byte[8];
        std::snprintf(byte, sizeof byte, "0x%02x", static_cast<unsigned>(static_cast<unsigned char>(r.statements[i][at])));
        return std::make_exception_ptr(unsupported_error(
            std::string("its ") + what + " statement " + std::to_string(i + 1) + " is not UTF-8 (byte " + byte + " at " +
            std::to_string(at + 1) + "), and strata stores the statements that revert a unit with its history row as "
            "UTF-8 text: save the unit's file as UTF-8"));
    }
    return nullptr;
}

}  // namespace

std::string unit_label(std::int64_t version, const std::string& name) { return "unit " + std::to_string(version) + " " + name; }

std::optional<rendering> planned_unit::stored_down() const {
    if (down_problem) return std::nullopt;
    return down;
}

std::string planned_unit::stored_down_json() const { return strata::stored_down_json(down); }

plan::plan(const registry& r, const dialect& d, bool atomic) {
    r.validate();
    catalog state;
    for (const auto& e : r.entries()) {
        planned_unit p;
        p.entry = &e;
        std::size_t up_operations = 0;
        // When up drops a column or a table: its operations and the model before them (restoring_dropped).
        std::vector<schema::operation> up_dropping_columns;
        catalog before_up;
        std::optional<std::string> data_loss_allowed;  // allow_data_loss() in up() says it of the down too
        try {
            schema::builder b;
            record_operations(e, direction::up, b);
            up_operations = b.operations().size();
            data_loss_allowed = b.data_loss_allowed();
            if (std::any_of(b.operations().begin(), b.operations().end(),
                            [](const schema::operation& op) {
                                return std::holds_alternative<schema::drop_column>(op) || std::holds_alternative<schema::drop_table>(op);
                            })) {
                up_dropping_columns = b.operations();
                before_up = state.tables_for(up_dropping_columns);
            }
            if (atomic && std::any_of(b.operations().begin(), b.operations().end(), schema::is_online)) {
                catalog scratch = state;
                std::exception_ptr ignored;  // the same operations: a problem shows in `up` too
                p.up_atomic = render_tracking(d, without_online(b.operations()), scratch, ignored);
            }
            p.up = render_tracking(d, b.operations(), state, p.up_problem);
            p.names_taken_query = d.names_taken_query(b.operations());
            p.half_built = d.half_built(b.operations());
            if (!p.up_problem && !p.up.transactional && p.up.resumable) {
                try {
                    p.rollback = d.render_rollback(b.operations(), state);
                } catch (const error&) {
                    p.rollback_problem = std::current_exception();
                }
            }
        } catch (const error&) {
            p.up_problem = std::current_exception();
        }
        if (!p.up_problem) p.checksum = checksum(p.up.statements);
        try {
            schema::builder b;
            record_down(e, up_operations, b);
            // A column the down adds back gets the keys, indexes and checks dropping it took.
            std::vector<schema::operation> restored;
            if (!up_dropping_columns.empty()) restored = schema::restoring_dropped(up_dropping_columns, b.operations(), before_up);
            const auto& down_operations = up_dropping_columns.empty() ? b.operations() : restored;
            // Down runs against the schema this unit leaves: the tables it touches of it.
            catalog after = state.tables_for(down_operations);
            p.down = render_tracking(d, down_operations, after, p.down_problem);
            // A unit that runs outside a transaction (transaction_mode::none) reverts outside one
            // too, and the down stored with its row says so: a build that does not know the unit
            // has nothing else to go by (DROP INDEX CONCURRENTLY is refused inside a transaction).
            if (e.transaction != transaction_mode::per_unit) p.down.transactional = false;
            if (b.data_loss_allowed()) data_loss_allowed = b.data_loss_allowed();
            p.down.data_loss_allowed = data_loss_allowed;
        } catch (const error&) {
            p.down_problem = std::current_exception();
        }
        // What the down may drop, its rollback (a part of it) may too.
        if (p.rollback) p.rollback->data_loss_allowed = data_loss_allowed;
        // Both are stored with the history row as JSON text, which must be UTF-8 (a Latin-1 file).
        if (!p.down_problem) p.down_problem = not_utf8(p.down, "down");
        if (p.rollback && !p.rollback_problem) p.rollback_problem = not_utf8(*p.rollback, "rollback");
        units_.push_back(std::move(p));
    }
}

const planned_unit* plan::find(std::int64_t version) const {
    auto it = std::lower_bound(units_.begin(), units_.end(), version,
                               [](const planned_unit& p, std::int64_t v) { return p.version() < v; });
    return it != units_.end() && it->version() == version ? &*it : nullptr;
}

void rethrow_with(const std::exception_ptr& problem, const error_context& where) {
    auto merged = [&](const error& e) {
        error_context c = where;
        if (!e.context().statement.empty()) c.statement = e.context().statement;
        return c;
    };
    try {
        std::rethrow_exception(problem);
    } catch (const irreversible_error& e) {
        throw irreversible_error(e.message(), merged(e));
    } catch (const unsupported_error& e) {
        throw unsupported_error(e.message(), merged(e));
    } catch (const registry_error& e) {
        throw registry_error(e.message(), merged(e));
    } catch (const error& e) {
        throw error(e.message(), merged(e));
    }
}

const rendering& statements_of(const planned_unit& p, direction dir, error_context where) {
    const auto& problem = dir == direction::up ? p.up_problem : p.down_problem;
    where.version = p.version();
    where.unit_name = p.name();
    where.dir = dir;
    where.refused = true;  // the steps are made before anything runs
    if (problem) rethrow_with(problem, where);
    return dir == direction::up ? p.up : p.down;
}

}  // namespace strata
