#include <strata/lint.hpp>

#include <strata/migration.hpp>

#include <algorithm>

#include "lint/rules.hpp"
#include "record_operations.hpp"
#include "run/plan.hpp"

namespace strata {

const char* to_string(lint_level l) noexcept { return l == lint_level::warning ? "warning" : "notice"; }

const std::vector<lint_rule>& lint_rules() {
    static const std::vector<lint_rule> rules = [] {
        std::vector<lint_rule> out;
        for (const auto& entry : lint_detail::rule_table()) out.push_back(entry.rule);
        return out;
    }();
    return rules;
}

const lint_rule* find_lint_rule(const std::string& code) {
    const auto& rules = lint_rules();
    auto it = std::find_if(rules.begin(), rules.end(), [&](const lint_rule& r) { return r.code == code; });
    return it == rules.end() ? nullptr : &*it;
}

lint_scope lint_scope::release(std::set<std::int64_t> versions) { return {std::move(versions), false}; }

lint_scope lint_scope::every_unit() { return {{}, true}; }

std::vector<lint_finding> lint(const registry& units, backend b, const lint_scope& scope) {
    units.validate();
    std::vector<const lint_detail::rule_entry*> rules;
    for (const auto& entry : lint_detail::rule_table())
        if (std::find(entry.rule.backends.begin(), entry.rule.backends.end(), b) != entry.rule.backends.end())
            rules.push_back(&entry);

    std::vector<lint_finding> findings;
    // Units outside the release are not read: what they created is existing either way.
    lint_detail::release_objects release;
    for (const auto& e : units.entries()) {
        if (scope.each_unit_alone) release = {};
        else if (!scope.versions.contains(e.version)) continue;
        schema::builder ops;
        try {
            record_operations(e, direction::up, ops);
        } catch (const error&) {
            rethrow_with(std::current_exception(), {.version = e.version, .unit_name = e.name, .dir = direction::up});
        }
        auto found = [&](const lint_detail::rule_entry& rule, const schema::operation& op, std::string message) {
            lint_finding f{rule.rule.code, rule.rule.level,         e.version, e.name, schema::describe(op),
                           std::move(message), rule.rule.safe_alternative, std::nullopt};
            const auto& allowed = ops.allowances();
            auto a = std::find_if(allowed.begin(), allowed.end(), [&](const schema::lint_allowance& x) { return x.code == f.code; });
            if (a != allowed.end()) f.allowed_because = a->reason;
            findings.push_back(std::move(f));
        };
        for (const auto* rule : rules)
            if (rule->fires_on_unit)
                if (auto hit = rule->fires_on_unit(e, ops.operations(), release))
                    found(*rule, ops.operations()[hit->first], std::move(hit->second));
        for (const auto& op : ops.operations()) {
            for (const auto* rule : rules)
                if (rule->fires)
                    if (auto message = rule->fires(op, release)) found(*rule, op, std::move(*message));
            release.apply(op);
        }
    }
    return findings;
}

std::string describe(const lint_finding& f) {
    return std::string(to_string(f.level)) + " " + f.code + " " + unit_label(f.version, f.unit) + ": " + f.message + "; " +
           f.safe_alternative + (f.allowed_because ? " (allowed: " + *f.allowed_because + ")" : "");
}

bool fails(const lint_finding& f, lint_level threshold) noexcept { return !f.allowed_because && f.level >= threshold; }

}  // namespace strata
