#pragma once
// Private: from (plan, history rows, request) to states, problems and the steps to run. Pure
// functions, no connection: tests/unit/reconcile_tests.cpp drives them with made-up histories.

#include <strata/runner.hpp>

#include <optional>
#include <string>
#include <vector>

#include "history.hpp"
#include "run/plan.hpp"

namespace strata {

/// What one step of a run executes: this build's unit, or a unit known only from the history.
struct step {
    std::int64_t version = 0;
    std::string name;
    const planned_unit* unit = nullptr;  ///< null for a unit this build does not know
    direction dir = direction::up;
    const rendering* statements = nullptr;
    bool from_history = false;
    bool transactional = true;
    bool resumes = false;  ///< an interrupted online unit: its history row already says running
    /// resumes or rolls_back: it was the unit's down that stopped half-way (the row says reverting)
    bool reverting = false;
    /// down of an interrupted online unit: `statements` is its rollback (planned_unit::rollback)
    bool rolls_back = false;
    /// down with this build's statements, which differ from those stored when the unit was
    /// applied (its down was edited since: an older build would run the stored ones)
    bool down_edited = false;
    /// down with this build's allowance to drop data (allow_data_loss), which differs from the
    /// one stored when the unit was applied (added, removed or reworded since)
    bool allowance_edited = false;
    /// down whose drops were not counted because the run allows them all (--allow-data-loss):
    /// its audit row says so
    bool drops_uncounted = false;
};

/// Whether `row` says that `p`'s up stopped half-way (running) and the next up finishes it: an
/// online unit, with the very statements it started with. Otherwise a running row is dirty.
bool interrupted(const planned_unit& p, const history_row& row);

/// Each unit of the plan and each row of the history, compared, by version.
std::vector<unit_status> status_of(const plan& p, const std::vector<history_row>& rows);

/// Marks the units whose history row cannot be trusted (damage_of: parses the stored downs) as
/// damaged. For status and validate; up's own read checks the state column only. With `p`, a
/// row storing exactly the down this build stores for its unit (planned_unit::stored_down_json)
/// is known intact without being parsed; every other row is parsed and checked.
void find_damage(std::vector<unit_status>& status, const std::vector<history_row>& rows, const plan* p = nullptr);

/// Every disagreement in `status`, one sentence each (`program`: the command named in hints).
std::vector<std::string> problems_of(const std::vector<unit_status>& status, const std::string& program);

/// Refuses (validation_error) a history that records another unit under one of this build's
/// versions: the runner points at another application's database, whose history is not this
/// build's to change. No option allows it.
void refuse_mismatched(const std::vector<unit_status>& status, const runner_options& options, const error_context& where,
                       const std::string& outcome = "nothing was run");

/// Refuses (validation_error) an up when the history disagrees in a way the options do not allow;
/// units above `up_to` may be pending out of order.
void check_up(const std::vector<unit_status>& status, std::optional<std::int64_t> up_to, const runner_options& options,
              const error_context& where);

/// The pending units up applies (up to `to`), as steps; refuses an unrenderable one.
std::vector<step> up_steps(const plan& p, const std::vector<unit_status>& status, std::optional<std::int64_t> to,
                           bool atomic, const error_context& where);

/// The up step of one unit (atomic: its plain form, when it has online operations).
step up_step(const planned_unit& p, bool atomic, const error_context& where);

/// A notice about units a down leaves applied although they were applied after what it reverts
/// (merged late, applied out of order): for `down --to V`, units with lower versions applied
/// after unit V; for a relative down or redo that went on with --allow-out-of-order, the unit
/// applied last. Empty otherwise (--all, --only, nothing such).
std::string left_applied_notice(const std::vector<history_row>& rows, const std::vector<history_row>& targets,
                                const down_request& request, const std::string& program, const char* command);

/// The rows `down` reverts, chosen by version (the highest, --steps N highest, those above --to V,
/// --all, --only V), in the reverse of the order they were applied (applied_at; after a late merge
/// not the version order), config_error for a request that cannot be met. `--to V`, `--all` and
/// `--only V` are states to reach, so reaching one already is no error (nothing to revert); V
/// must then be applied or one of the units of `p`. Refused, unless options.allow_out_of_order,
/// when a unit it leaves applied was applied after one it reverts (it may build on it).
std::vector<history_row> down_rows(const plan& p, const std::vector<history_row>& rows, const down_request& request,
                                   const runner_options& options, const error_context& where);

/// Refuses a down touching a unit that changed, is dirty or was interrupted, unless allowed.
void check_down(const std::vector<unit_status>& status, const std::vector<history_row>& targets,
                const runner_options& options, const error_context& where);

/// The down step for an applied unit: this build's down, or the one stored with its row (`stored`)
/// when this build does not know the unit or it changed; refuses when neither exists.
step down_step(const plan& p, const history_row& row, const stored_down& stored, const error_context& where);
/// The step points into `stored`: a temporary would leave it dangling.
step down_step(const plan& p, const history_row& row, stored_down&& stored, const error_context& where) = delete;

}  // namespace strata
