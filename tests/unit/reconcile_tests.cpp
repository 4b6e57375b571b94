// The reconcile room (engine/src/run/reconcile.hpp) without a database: made-up history rows
// against a plan of four units, for every state, every refusal and the edges of --to, --steps
// and --all.

#include <boost/test/unit_test.hpp>

#include <strata/dialect.hpp>
#include <strata/error.hpp>
#include <strata/registry.hpp>

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "checksum.hpp"
#include "history.hpp"
#include "run/reconcile.hpp"
#include "support/change_unit.hpp"

using namespace strata;
using namespace strata::schema;
using strata::test::change_unit;

namespace {

/// Units 1, 2 (plain tables), 3 (an online index: outside a transaction on PostgreSQL,
/// resumable) and 4 (a column), rendered for PostgreSQL.
struct fixture {
    registry units;
    std::unique_ptr<strata::plan> p;
    runner_options options;
    error_context where{.database = "postgresql://db", .backend = "postgresql"};

    fixture() {
        auto add = [&](std::int64_t v, std::string name, std::function<void(builder&)> ops) {
            units.add(std::make_shared<const change_unit>(v, std::move(name), std::move(ops)), "reconcile_tests.cpp");
        };
        add(1, "create_a", [](builder& b) { b.create_table("a", [](table& t) { t.column("x", type::integer()); }); });
        add(2, "create_b", [](builder& b) { b.create_table("b", [](table& t) { t.column("y", type::integer()); }); });
        add(3, "index_a", [](builder& b) { b.create_index("a", {"x"}).online(); });
        add(4, "add_a_z", [](builder& b) { b.add_column("a", column("z", type::text())); });
        p = std::make_unique<strata::plan>(units, dialect_for(backend::postgresql), false);
    }

    history_row applied(std::int64_t v, row_state state = row_state::applied) const {
        const auto* u = p->find(v);
        return {.version = v, .name = u->name(), .checksum = u->checksum, .state = state};
    }
    std::vector<unit_status> status(const std::vector<history_row>& rows) const { return status_of(*p, rows); }
};

unit_state state_of(const std::vector<unit_status>& status, std::int64_t version) {
    for (const auto& s : status)
        if (s.version == version) return s.state;
    BOOST_FAIL("no status for version " << version);
    return unit_state::pending;
}

std::vector<std::int64_t> versions_of(const std::vector<history_row>& rows) {
    std::vector<std::int64_t> out;
    for (const auto& r : rows) out.push_back(r.version);
    return out;
}

std::vector<std::int64_t> versions_of(const std::vector<step>& steps) {
    std::vector<std::int64_t> out;
    for (const auto& s : steps) out.push_back(s.version);
    return out;
}

/// The message of the error `f` raises as E, or "" when it raises nothing.
template <class E, class F>
std::string refusal(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    }
    return "";
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// `message` holds `refused`, or is empty when `refused` is.
void expect_refusal(const std::string& message, const char* refused) {
    if (*refused)
        BOOST_TEST(has(message, refused), message);
    else
        BOOST_TEST(message == "");
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(reconcile, fixture)

BOOST_AUTO_TEST_CASE(every_state_from_made_up_history_rows) {
    struct row_case {
        const char* what;
        std::vector<history_row> rows;
        std::int64_t version;
        unit_state expected;
        bool out_of_order = false;
        bool interrupted = false;
    };
    auto other_checksum = applied(2);
    other_checksum.checksum = "edited";
    auto other_name = applied(2);
    other_name.name = "someone_elses";
    auto running_3 = applied(3, row_state::running);
    auto running_3_edited = running_3;
    running_3_edited.checksum = "edited";
    const std::vector<row_case> cases = {
        {"nothing recorded", {}, 1, unit_state::pending},
        {"recorded with this checksum", {applied(1)}, 1, unit_state::applied},
        {"recorded with another checksum", {applied(1), other_checksum}, 2, unit_state::changed},
        {"another unit under this version", {applied(1), other_name}, 2, unit_state::mismatched},
        {"a running plain unit", {applied(1), applied(2, row_state::running)}, 2, unit_state::dirty},
        {"a running online unit, same statements", {applied(1), applied(2), running_3}, 3, unit_state::pending, false, true},
        {"a running online unit, edited since", {applied(1), applied(2), running_3_edited}, 3, unit_state::dirty},
        {"older than the newest applied", {applied(1), applied(3)}, 2, unit_state::pending, true},
        {"newer than the newest applied", {applied(1)}, 4, unit_state::pending},
        {"unknown to this build", {applied(1), {.version = 9, .name = "from_a_newer_build", .checksum = "x"}}, 9, unit_state::unknown},
        {"unknown and running", {{.version = 9, .name = "from_a_newer_build", .state = row_state::running}}, 9, unit_state::dirty},
    };
    for (const auto& c : cases) {
        auto s = status(c.rows);
        BOOST_TEST_CONTEXT(c.what) {
            BOOST_TEST(std::string(to_string(state_of(s, c.version))) == to_string(c.expected));
            for (const auto& u : s)
                if (u.version == c.version) {
                    BOOST_TEST(u.out_of_order == c.out_of_order);
                    BOOST_TEST(u.interrupted == c.interrupted);
                }
            BOOST_TEST(std::is_sorted(s.begin(), s.end(), [](const auto& a, const auto& b) { return a.version < b.version; }));
        }
    }
}

BOOST_AUTO_TEST_CASE(up_refuses_what_the_options_do_not_allow) {
    auto changed = applied(2);
    changed.checksum = "edited";
    const history_row unknown{.version = 9, .name = "from_a_newer_build", .checksum = "x"};
    struct up_case {
        const char* what;
        std::vector<history_row> rows;
        runner_options options;
        std::optional<std::int64_t> to;
        const char* refused;  ///< part of the message; "" when allowed
    };
    runner_options allow_changed, allow_unknown, allow_out_of_order;
    allow_changed.allow_changed = allow_unknown.allow_unknown = allow_out_of_order.allow_out_of_order = true;
    const std::vector<up_case> cases = {
        {"all well", {applied(1)}, {}, {}, ""},
        {"changed", {applied(1), changed}, {}, {}, "unit 2 create_b changed since it was applied"},
        {"changed, allowed", {applied(1), changed}, allow_changed, {}, ""},
        {"unknown", {applied(1), applied(2), applied(3), applied(4), unknown}, {}, {},
         "unit 9 from_a_newer_build is applied but this build does not know it"},
        {"unknown, allowed", {applied(1), applied(2), applied(3), applied(4), unknown}, allow_unknown, {}, ""},
        {"unknown, with this build's units 2 to 4 pending below it", {applied(1), unknown}, allow_unknown, {},
         "disagrees with this build in 3 ways"},
        {"out of order", {applied(1), applied(3)}, {}, {}, "unit 2 create_b is pending but older than the newest applied"},
        {"out of order, allowed", {applied(1), applied(3)}, allow_out_of_order, {}, ""},
        {"out of order above --to", {applied(1), applied(3)}, {}, 1, ""},
        {"dirty, whatever is allowed", {applied(1), applied(2, row_state::running)}, allow_changed, {}, "repair 2"},
        {"two problems at once", {applied(1), changed, applied(3), applied(4), unknown}, {}, {},
         "disagrees with this build in 2 ways"},
    };
    for (const auto& c : cases)
        BOOST_TEST_CONTEXT(c.what) {
            expect_refusal(refusal<validation_error>([&] { check_up(status(c.rows), c.to, c.options, where); }), c.refused);
        }
}

BOOST_AUTO_TEST_CASE(a_mismatched_unit_is_refused_whatever_is_allowed_naming_both) {
    auto other = applied(2);
    other.name = "someone_elses";
    runner_options everything;
    everything.allow_changed = everything.allow_unknown = everything.allow_out_of_order = true;
    auto message = refusal<validation_error>([&] { refuse_mismatched(status({applied(1), other}), everything, where); });
    BOOST_TEST(has(message, "version 2 in the database is someone_elses, this build's unit 2 is create_b"), message);
    BOOST_TEST(has(message, "nothing was run"), message);
    BOOST_TEST(refusal<validation_error>([&] { refuse_mismatched(status({applied(1)}), everything, where); }) == "");
}

BOOST_AUTO_TEST_CASE(up_steps_are_the_pending_units_up_to_to) {
    auto s = status({applied(1), applied(2), applied(3, row_state::running)});
    auto steps = up_steps(*p, s, {}, false, where);
    BOOST_TEST(versions_of(steps) == (std::vector<std::int64_t>{3, 4}), boost::test_tools::per_element());
    BOOST_TEST(steps.front().resumes, "an interrupted online unit resumes");
    BOOST_TEST(!steps.front().transactional, "an online unit runs outside a transaction on PostgreSQL");
    BOOST_TEST(steps.back().transactional);
    BOOST_TEST(versions_of(up_steps(*p, s, 3, false, where)) == (std::vector<std::int64_t>{3}), boost::test_tools::per_element());
    BOOST_TEST(up_steps(*p, status({applied(1), applied(2), applied(3), applied(4)}), {}, false, where).empty());
    // --atomic: the online unit in its plain form, inside the release's transaction.
    strata::plan atomic(units, dialect_for(backend::postgresql), true);
    auto plain = up_steps(atomic, status_of(atomic, {applied(1), applied(2)}), {}, true, where);
    BOOST_TEST(plain.front().transactional);
}

BOOST_AUTO_TEST_CASE(down_rows_for_every_request_and_its_edges) {
    const std::vector<history_row> rows = {applied(1), applied(2), applied(3)};
    struct down_case {
        const char* what;
        down_request request;
        std::vector<std::int64_t> expected;  ///< newest first
        const char* refused;
    };
    const std::vector<down_case> cases = {
        {"default: one step", {}, {3}, ""},
        {"--steps 2", {.steps = 2}, {3, 2}, ""},
        {"--steps as many as applied", {.steps = 3}, {3, 2, 1}, ""},
        {"--steps more than applied", {.steps = 4}, {}, "asked to revert 4 units but only 3 are applied; use --all"},
        {"--steps 0", {.steps = 0}, {}, "--steps must be at least 1"},
        {"--to keeps that version", {.to = 1}, {3, 2}, ""},
        {"--to the newest: nothing", {.to = 3}, {}, ""},
        {"--to a pending unit of this build: nothing newer applied", {.to = 4}, {}, ""},
        {"--to a version neither applied nor known", {.to = 5}, {}, "cannot revert to version 5: it is not applied and no unit of this build has it"},
        {"--all", {.all = true}, {3, 2, 1}, ""},
        {"two ways at once", {.steps = 1, .all = true}, {}, "a down request takes at most one of steps, to, all and only"},
    };
    for (const auto& c : cases)
        BOOST_TEST_CONTEXT(c.what) {
            std::vector<history_row> got;
            expect_refusal(refusal<config_error>([&] { got = down_rows(*p, rows, c.request, options, where); }), c.refused);
            if (!*c.refused) BOOST_TEST(versions_of(got) == c.expected, boost::test_tools::per_element());
        }
    // With nothing applied: --all and --to a known version are done already; one step is refused.
    BOOST_TEST(has(refusal<config_error>([&] { down_rows(*p, {}, {}, options, where); }), "nothing to revert: no unit is applied"));
    BOOST_TEST(has(refusal<config_error>([&] { down_rows(*p, {}, {.steps = 1}, options, where); }), "nothing to revert"));
    BOOST_TEST(down_rows(*p, {}, {.all = true}, options, where).empty());
    BOOST_TEST(down_rows(*p, {}, {.to = 2}, options, where).empty());
    // Out of order: 1 and 3 applied, --to 2 (pending) reverts 3.
    BOOST_TEST(versions_of(down_rows(*p, {applied(1), applied(3)}, {.to = 2}, options, where)) == (std::vector<std::int64_t>{3}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(down_refuses_dirty_and_changed_targets_not_interrupted_ones) {
    auto changed = applied(2);
    changed.checksum = "edited";
    runner_options allow_changed;
    allow_changed.allow_changed = true;
    const auto dirty = applied(2, row_state::running);
    const auto interrupted = applied(3, row_state::running);
    struct check_case {
        const char* what;
        std::vector<history_row> rows;
        std::vector<history_row> targets;
        runner_options options;
        const char* refused;
    };
    const std::vector<check_case> cases = {
        {"a plain revert", {applied(1), applied(2)}, {applied(2)}, {}, ""},
        {"a changed target", {applied(1), changed}, {changed}, {}, "unit 2 create_b changed since it was applied"},
        {"a changed target, allowed", {applied(1), changed}, {changed}, allow_changed, ""},
        {"a changed unit not reverted", {changed, applied(3)}, {applied(3)}, {}, ""},
        {"a dirty unit anywhere", {applied(1), dirty, applied(4)}, {applied(4)}, {}, "unit 2 create_b is dirty"},
        // Reverted with its rollback (down_steps_roll_back_an_interrupted_online_unit).
        {"an interrupted target", {applied(1), applied(2), interrupted}, {interrupted}, {}, ""},
    };
    for (const auto& c : cases)
        BOOST_TEST_CONTEXT(c.what) {
            expect_refusal(refusal<validation_error>([&] { check_down(status(c.rows), c.targets, c.options, where); }),
                           c.refused);
        }
}

// An online unit interrupted half-way is reverted with each step's guarded inverse, not with its
// down (which would drop what was never made); an applied one with its down; a dirty (edited) one
// is no rollback either. An index is dropped CONCURRENTLY (psql's \gexec of a catalog query),
// so outside a transaction.
BOOST_AUTO_TEST_CASE(down_steps_roll_back_an_interrupted_online_unit) {
    const stored_down none;
    const auto* u = p->find(3);
    BOOST_TEST_REQUIRE(u->rollback.has_value());
    BOOST_TEST(u->rollback->statements.size() == 1u);
    BOOST_TEST(has(u->rollback->statements.at(0), "SELECT 'DROP INDEX CONCURRENTLY IF EXISTS ' || i.indexrelid::regclass::text"),
               u->rollback->statements.at(0));
    BOOST_TEST(strata::gexec_query(u->rollback->statements.at(0)).has_value(), u->rollback->statements.at(0));
    BOOST_TEST(u->rollback->statements.at(0) != u->down.statements.at(0));

    auto running = applied(3, row_state::running);
    auto back = down_step(*p, running, none, where);
    BOOST_TEST(back.rolls_back);
    BOOST_TEST(!back.transactional);
    BOOST_TEST(back.statements->statements == u->rollback->statements, boost::test_tools::per_element());

    auto done = down_step(*p, applied(3), none, where);
    BOOST_TEST(!done.rolls_back);
    BOOST_TEST(done.statements->statements == u->down.statements, boost::test_tools::per_element());

    BOOST_TEST(!p->find(1)->rollback.has_value(), "a plain unit has no rollback");
}

// A row left running by an online unit of another build (rollback probe H2): the inverses it
// stores (with their own checksum) make it undoable by down here, not by up; without them, or
// with them damaged, it stays plain dirty.
BOOST_AUTO_TEST_CASE(a_unit_this_build_cannot_resume_is_undone_with_the_inverses_its_row_stores) {
    const auto* u = p->find(3);
    const std::string with_rollback = stored_down_json(u->down, &*u->rollback);
    // An older build: it lacks unit 3, the newer build's online index, whose row says running.
    registry older_units;
    older_units.add(std::make_shared<const change_unit>(1, "create_a", [](builder& b) {
        b.create_table("a", [](table& t) { t.column("x", type::integer()); });
    }), "reconcile_tests.cpp");
    const strata::plan older(older_units, dialect_for(backend::postgresql), false);
    auto running = applied(3, row_state::running);
    running.down_json = with_rollback;
    const auto rows = std::vector<history_row>{applied(1), running};

    auto s = status_of(older, rows);
    BOOST_TEST_REQUIRE(s.size() == 2u);
    BOOST_TEST(to_string(s[1].state) == std::string("dirty"));
    BOOST_TEST(s[1].stored_rollback);
    auto problems = problems_of(s, "strata");
    BOOST_TEST_REQUIRE(problems.size() == 1u);
    BOOST_TEST(has(problems[0], "unit 3 index_a was interrupted half-way (its up) by a build that has it and this one does "
                                "not: strata down undoes what its finished steps did"),
               problems[0]);
    expect_refusal(refusal<validation_error>([&] { check_up(s, std::nullopt, options, where); }), "was interrupted half-way");
    expect_refusal(refusal<validation_error>([&] { check_down(s, {running}, options, where); }), "");
    // Not among what a down reverts (down --to 3 would keep it): it still stops the down.
    expect_refusal(refusal<validation_error>([&] { check_down(s, {applied(1)}, options, where); }), "was interrupted half-way");

    const auto stored = recorded_down(running);
    BOOST_TEST(stored.damage == "");
    BOOST_TEST_REQUIRE(stored.rollback.has_value());
    BOOST_TEST(stored.rollback->resumable);
    auto back = down_step(older, running, stored, where);
    BOOST_TEST(back.rolls_back);
    BOOST_TEST(back.from_history);
    BOOST_TEST(back.statements->statements == u->rollback->statements, boost::test_tools::per_element());

    // This build, which has the unit unchanged, resumes it with its own statements.
    BOOST_TEST(status(rows)[2].interrupted);
    BOOST_TEST(!status(rows)[2].stored_rollback);
    // Inverses whose checksum does not match: damaged, never run.
    auto tampered = running;
    auto j = nlohmann::json::parse(with_rollback);
    j["rollback"]["statements"] = std::vector<std::string>{"DROP TABLE a"};
    tampered.down_json = j.dump();
    BOOST_TEST(damage_of(tampered) == "its stored down statements are not the ones strata stored (their checksum does not match)");
    BOOST_TEST(!status_of(older, {applied(1), tampered})[1].stored_rollback);
    // A row of a build before this change stores none: plain dirty.
    running.down_json = stored_down_json(u->down);
    BOOST_TEST(!status_of(older, {applied(1), running})[1].stored_rollback);
}

BOOST_AUTO_TEST_CASE(down_steps_use_this_build_or_the_stored_statements) {
    const stored_down stored{.statements = rendering{.statements = {R"(DROP TABLE "newer")"}}}, none;
    auto known = down_step(*p, applied(2), none, where);
    BOOST_TEST(!known.from_history);
    BOOST_TEST(known.statements->statements == p->find(2)->down.statements, boost::test_tools::per_element());

    auto changed = applied(2);
    changed.checksum = "edited";
    auto from_history = down_step(*p, changed, stored, where);
    BOOST_TEST(from_history.from_history);
    BOOST_TEST(from_history.statements->statements == stored.statements->statements, boost::test_tools::per_element());

    const history_row unknown{.version = 9, .name = "from_a_newer_build", .checksum = "x"};
    BOOST_TEST(down_step(*p, unknown, stored, where).unit == nullptr);
    auto message = refusal<irreversible_error>([&] { down_step(*p, unknown, none, where); });
    BOOST_TEST(has(message, "this build does not know it, and the history stores no down statements"), message);
    message = refusal<irreversible_error>([&] { down_step(*p, changed, none, where); });
    BOOST_TEST(has(message, "it changed since it was applied, and the history stores no down statements"), message);

    // Damaged stored statements are never run, nor taken for "irreversible".
    const stored_down damaged{.damage = "its stored down statements are not the JSON strata stores (unreadable, or a part missing)"};
    message = refusal<validation_error>([&] { down_step(*p, unknown, damaged, where); });
    BOOST_TEST(has(message, "unit 9 from_a_newer_build (down) cannot run on postgresql://db: its history row is damaged: "
                            "its stored down statements are not the JSON"),
               message);
    BOOST_TEST(has(message, "nothing was run"), message);
}

BOOST_AUTO_TEST_CASE(rows_strata_never_writes_are_damaged) {
    history_row garbage = applied(2);
    garbage.state = row_state::damaged;
    garbage.state_text = "garbage";
    auto s = status({applied(1), garbage});
    BOOST_TEST(to_string(s[1].state) == std::string("damaged"));
    BOOST_TEST(s[1].damage == "its state is 'garbage' (strata writes applied, running or reverting)");
    auto problems = problems_of(s, "strata");
    BOOST_TEST_REQUIRE(problems.size() == 1u);
    BOOST_TEST(has(problems[0], "unit 2 create_b: its history row is damaged: its state is 'garbage'"), problems[0]);
    BOOST_TEST(has(problems[0], "strata repair 2 --applied"), problems[0]);
    // Nothing runs over it, whatever is allowed.
    runner_options all_allowed;
    all_allowed.allow_changed = all_allowed.allow_unknown = all_allowed.allow_out_of_order = true;
    expect_refusal(refusal<validation_error>([&] { check_up(s, std::nullopt, all_allowed, where); }), "its history row is damaged");
    expect_refusal(refusal<validation_error>([&] { check_down(s, {applied(1)}, all_allowed, where); }), "its history row is damaged");

    // Stored down statements that are not what strata stored: found by find_damage (status, validate).
    history_row edited = applied(2);
    edited.down_json = R"({"statements":[],"foreign_keys_off":false,"transactional":true,"checksum":"0000"})";
    auto rows = std::vector<history_row>{applied(1), edited};
    s = status(rows);
    BOOST_TEST(to_string(s[1].state) == std::string("applied"));  // up reads the state only
    find_damage(s, rows);
    BOOST_TEST(to_string(s[1].state) == std::string("damaged"));
    BOOST_TEST(s[1].damage == "its stored down statements are not the ones strata stored (their checksum does not match)");
    edited.down_json = "{not json";
    BOOST_TEST(damage_of(edited) == "its stored down statements are not the JSON strata stores (unreadable, or a part missing)");
}

BOOST_FIXTURE_TEST_CASE(find_damage_with_the_plan_parses_every_down_this_build_did_not_store, fixture) {
    // Unit 2's row holds exactly what this build stores for it: intact, parsed or not.
    history_row same = applied(2);
    same.down_json = p->find(2)->stored_down_json();
    BOOST_TEST(damage_of(same) == "");
    // Another build's down for unit 1, with its own valid checksum: not this build's text, so it
    // is parsed, and intact.
    rendering other_build;
    other_build.statements = {"DROP TABLE \"a\" CASCADE"};
    history_row older = applied(1);
    older.down_json = stored_down_json(other_build);
    // Unit 4's row: this build's text with one byte of its stored checksum changed.
    history_row edited = applied(4);
    edited.down_json = p->find(4)->stored_down_json();
    const auto at = edited.down_json->find("\"checksum\":\"") + 12;
    (*edited.down_json)[at] = (*edited.down_json)[at] == '0' ? '1' : '0';

    const auto rows = std::vector<history_row>{older, same, applied(3), edited};
    for (const plan* with : {static_cast<const plan*>(nullptr), static_cast<const plan*>(p.get())}) {
        auto s = status(rows);
        find_damage(s, rows, with);
        BOOST_TEST(to_string(s[0].state) == std::string("applied"));
        BOOST_TEST(to_string(s[1].state) == std::string("applied"));
        BOOST_TEST(to_string(s[2].state) == std::string("applied"));  // no down stored
        BOOST_TEST(to_string(s[3].state) == std::string("damaged"));
        BOOST_TEST(s[3].damage == "its stored down statements are not the ones strata stored (their checksum does not match)");
    }
}

BOOST_AUTO_TEST_CASE(a_stored_down_is_the_json_older_builds_wrote_byte_for_byte) {
    // Rows written by builds that used nlohmann's dump() must still match this build's text
    // (status skips parsing those), and read back to the same statements.
    const std::vector<std::vector<std::string>> cases = {
        {},
        {""},
        {"DROP TABLE \"users\"", "DELETE FROM \"t\" WHERE a = 'x\\y'"},
        {std::string("tab\there, newline\nand cr\r, \b \f, nul") + '\0' + "\x01\x1f\x7f end"},
        {"COMMENT ON TABLE \"t\" IS 'Größe — ✓'", "plain"},
        {"DO $strata$ BEGIN NULL; END $strata$", gexec("SELECT 'DROP INDEX CONCURRENTLY IF EXISTS i'")},  // requires
    };
    // A unit's allowance to drop data goes with them (allow_data_loss), when there is one.
    const std::vector<std::optional<std::string>> allowances = {std::nullopt, "copied to \"archive\" first", "Größe"};
    for (bool keys_off : {false, true})
        for (bool transactional : {false, true})
            for (const auto& allowed : allowances)
                for (const auto& statements : cases) {
                    rendering down;
                    down.statements = statements;
                    down.foreign_keys_off = keys_off;
                    down.transactional = transactional;
                    down.data_loss_allowed = allowed;
                    const std::string ours = stored_down_json(down);
                    auto theirs = nlohmann::json::parse(ours);
                    theirs["statements"] = statements;  // nlohmann's own text for the same object
                    BOOST_TEST(ours == theirs.dump());
                    BOOST_TEST(theirs["foreign_keys_off"].get<bool>() == keys_off);
                    BOOST_TEST(theirs["transactional"].get<bool>() == transactional);
                    BOOST_TEST(theirs.contains("data_loss_allowed") == allowed.has_value());
                    history_row row;
                    row.down_json = ours;
                    auto back = recorded_down(row);
                    BOOST_TEST(back.damage == "");
                    BOOST_TEST_REQUIRE(back.statements.has_value());
                    BOOST_TEST(back.statements->statements == statements);
                    BOOST_TEST((back.statements->data_loss_allowed == allowed));
                }
}

BOOST_AUTO_TEST_CASE(a_stored_down_names_the_forms_it_needs_and_a_newer_builds_form_is_refused) {
    // A gexec statement (psql's \gexec) is a form, not SQL: the stored down says it requires it,
    // and its checksum covers that, so a build from before the form finds the row damaged
    // (review 27 M2) instead of failing half-way on "\gexec".
    rendering rollback;
    rollback.statements = {"DO $strata$ BEGIN NULL; END $strata$", gexec("SELECT 'DROP INDEX CONCURRENTLY IF EXISTS i'")};
    rollback.transactional = false;
    const auto stored = nlohmann::json::parse(stored_down_json(rollback));
    BOOST_TEST(stored["requires"] == nlohmann::json::array({"gexec"}));
    const std::string older = strata::checksum(rollback.statements, {"foreign_keys_off=0", "transactional=0"});
    BOOST_TEST(stored["checksum"].get<std::string>() != older);
    history_row row;
    row.down_json = stored.dump();
    const auto back = recorded_down(row);
    BOOST_TEST(back.damage == "");
    BOOST_TEST_REQUIRE(back.statements.has_value());
    BOOST_TEST(back.statements->statements == rollback.statements, boost::test_tools::per_element());
    // Without one, no `requires`, and the checksum is the one every row stored so far holds.
    rendering plain;
    plain.statements = {"DROP TABLE \"t_1\""};
    const auto plain_stored = nlohmann::json::parse(stored_down_json(plain));
    BOOST_TEST(!plain_stored.contains("requires"));
    BOOST_TEST(plain_stored["checksum"].get<std::string>() ==
               strata::checksum(plain.statements, {"foreign_keys_off=0", "transactional=1"}));

    // `requires` taken away, or added, by hand: the row is not what strata stored.
    for (auto edited : {stored, plain_stored}) {
        if (edited.contains("requires"))
            edited.erase("requires");
        else
            edited["requires"] = {"gexec"};
        row.down_json = edited.dump();
        BOOST_TEST(recorded_down(row).damage == "its stored down statements are not the ones strata stored (the forms "
                                                "their \"requires\" names are not the ones they hold)");
    }
    // A form of a newer build, in the down or in the rollback stored with it: refused before
    // anything is parsed further (the statements are not this build's to run), naming it.
    auto newer = plain_stored;
    newer["requires"] = {"gexec", "batches"};
    row.down_json = newer.dump();
    const std::string needs_newer = "its stored down statements need a newer strata build: they hold batches, which this "
                                    "build cannot run (revert the unit with the build that applied it, or a newer one)";
    BOOST_TEST(recorded_down(row).damage == needs_newer);
    auto with_rollback = plain_stored;
    with_rollback["rollback"] = plain_stored;
    with_rollback["rollback"]["requires"] = {"batches"};
    row.down_json = with_rollback.dump();
    BOOST_TEST(recorded_down(row).damage == needs_newer);
    row.state = row_state::running;
    BOOST_TEST(damage_of(row) == needs_newer);
}

BOOST_AUTO_TEST_CASE(an_irreversible_units_running_row_stores_its_rollback_alone) {
    rendering rollback;
    rollback.statements = {"DO $strata$ BEGIN NULL; END $strata$"};
    rollback.transactional = false;
    const std::string stored = stored_running_json(std::nullopt, rollback);
    BOOST_TEST(!nlohmann::json::parse(stored).contains("statements"), stored);
    history_row row;
    row.state = row_state::running;
    row.down_json = stored;
    const auto back = recorded_down(row);
    BOOST_TEST(back.damage == "");
    BOOST_TEST(!back.statements.has_value());
    BOOST_TEST_REQUIRE(back.rollback.has_value());
    BOOST_TEST(back.rollback->statements == rollback.statements, boost::test_tools::per_element());
    BOOST_TEST(back.rollback->resumable);
    // Edited, it is damage, as a down's would be; with a down it is the down's JSON with it.
    auto edited = nlohmann::json::parse(stored);
    edited["rollback"]["statements"][0] = "DROP TABLE users";
    row.down_json = edited.dump();
    BOOST_TEST(recorded_down(row).damage == "its stored down statements are not the ones strata stored (their checksum does not match)");
    rendering down;
    down.statements = {"DROP INDEX i"};
    BOOST_TEST(stored_running_json(down, rollback) == stored_down_json(down, &rollback));
}

BOOST_AUTO_TEST_CASE(a_stored_allowance_to_drop_data_is_checked_with_the_statements) {
    rendering down;
    down.statements = {"DROP TABLE \"notes\""};
    const auto plain = nlohmann::json::parse(stored_down_json(down));
    down.data_loss_allowed = "copied to notes_archive first";
    const auto allowed = nlohmann::json::parse(stored_down_json(down));
    // The down's own checksum is as without it (a build that does not know the key finds the
    // row intact, and counts the drops); the allowance has one of its own, bound to the down's.
    BOOST_TEST(allowed["checksum"] == plain["checksum"]);
    BOOST_TEST(allowed["data_loss_allowed"]["reason"] == "copied to notes_archive first");
    // Written into a row by hand, edited there, or moved to another row, it is damage: it would
    // let a rollback drop data uncounted.
    auto added = plain;
    added["data_loss_allowed"] = allowed["data_loss_allowed"];
    added["statements"] = {"DROP TABLE \"other\""};
    added["checksum"] = nlohmann::json::parse(stored_down_json(rendering{.statements = {"DROP TABLE \"other\""}}))["checksum"];
    auto edited = allowed;
    edited["data_loss_allowed"]["reason"] = "nobody reads notes";
    auto unsummed = allowed;
    unsummed["data_loss_allowed"].erase("checksum");
    for (const auto& j : {added, edited, unsummed}) {
        history_row row;
        row.down_json = j.dump();
        BOOST_TEST(!recorded_down(row).damage.empty(), j.dump());
    }
    // Taken away by hand, the row is intact and the drops are counted again.
    auto removed = allowed;
    removed.erase("data_loss_allowed");
    history_row row;
    row.down_json = removed.dump();
    const auto back = recorded_down(row);
    BOOST_TEST(back.damage == "");
    BOOST_TEST_REQUIRE(back.statements.has_value());
    BOOST_TEST(!back.statements->data_loss_allowed.has_value());
}

BOOST_AUTO_TEST_CASE(a_stored_down_is_pinned_to_the_text_and_checksum_history_rows_hold) {
    // The exact text a history row holds for `DROP TABLE "t_1"` (its checksum: SHA-256 of each
    // statement and the two flags, each followed by a NUL): a change here would report every
    // row written before it as damaged.
    rendering down;
    down.statements = {"DROP TABLE \"t_1\""};
    BOOST_TEST(stored_down_json(down) ==
               "{\"checksum\":\"ceb507816405909c100530e6afe38eea832ffafaf13562382ee4e801f74c9959\",\"foreign_keys_off\":false,"
               "\"statements\":[\"DROP TABLE \\\"t_1\\\"\"],\"transactional\":true}");
    // Text that is not UTF-8 is refused as before (nlohmann's strict handling), not stored.
    down.statements = {"COMMENT ON TABLE t IS '\xff'"};
    BOOST_CHECK_THROW(stored_down_json(down), nlohmann::json::type_error);
}

BOOST_AUTO_TEST_SUITE_END()
