// What validate, verify and diff print: the history's problems and the schema's differences.

#include <nlohmann/json.hpp>

#include <iostream>
#include <map>

#include "command_line.hpp"

namespace strata::cli {
namespace {

using nlohmann::json;

json to_json(const inspect::difference& d, inspect::wording w) {
    json j{{"change", to_string(d.what)}, {"object_kind", d.object_kind}, {"object", d.object},
           {"table", d.table.empty() ? json(nullptr) : json(d.table)}, {"description", describe(d, w)}};
    if (d.what == inspect::difference::change::altered) {
        j["attribute"] = d.attribute;
        j["expected"] = d.expected;
        j["actual"] = d.actual;
    }
    return j;
}

json to_json(const drift_report& r) {
    json differences = json::array();
    for (const auto& d : r.differences) differences.push_back(to_json(d, inspect::wording::drift));
    return {{"equal", r.differences.empty()}, {"applied", r.applied}, {"differences", differences}, {"notes", r.notes}};
}

/// The differences and notes of a drift report, indented under a heading.
void print_drift(std::ostream& out, const drift_report& r) {
    for (const auto& d : r.differences) out << "  - " << describe(d, inspect::wording::drift) << "\n";
    for (const auto& n : r.notes) out << "  note: " << n << "\n";
}

std::string drift_heading(const std::string& database, const drift_report& r) {
    const std::string units = "the schema its " + plural(r.applied.size(), "applied unit") + (r.applied.size() == 1 ? " makes" : " make");
    if (r.differences.empty()) return "ok: " + database + " has " + units;
    return plural(r.differences.size(), "difference") + " between " + database + " and " + units +
           " (missing: the units make it, the database lacks it; extra: the other way round):";
}

}  // namespace

void printer::validation(const std::string& database, const std::vector<std::string>& problems, const drift_report* drift) const {
    if (json_) {
        json doc{{"database", database}, {"ok", problems.empty() && (!drift || drift->differences.empty())}, {"problems", problems}};
        if (drift) doc["schema"] = to_json(*drift);
        out_ << doc.dump(2) << std::endl;
        return;
    }
    if (problems.empty()) {
        out_ << "ok: the history of " << database << " agrees with this build\n";
    } else {
        out_ << plural(problems.size(), "problem") << " in the history of " << database << ":\n";
        for (const auto& p : problems) out_ << "  - " << p << "\n";
    }
    if (drift) {
        out_ << drift_heading(database, *drift) << "\n";
        print_drift(out_, *drift);
    }
    out_ << std::flush;
}

void printer::drift(const std::string& database, const drift_report& r) const {
    if (json_) {
        json doc = to_json(r);
        doc["command"] = "diff";
        doc["database"] = database;
        out_ << doc.dump(2) << std::endl;
        return;
    }
    out_ << drift_heading(database, r) << "\n";
    print_drift(out_, r);
    out_ << std::flush;
    if (!r.differences.empty())
        err_ << paint(name_ + ":", "31") << " the schema of " << database
                  << " has drifted from its units: change it back, or write a unit that makes the change" << std::endl;
}

void printer::verifying(const std::string& database, const std::string& scratch) const {
    if (!json_) out_ << "verifying the units of " << database << "'s build on " << scratch << std::endl;
}

void printer::verified(const unit_verification& v) const {
    if (json_) return;
    using outcome = unit_verification::outcome;
    const char* colour = v.result == outcome::round_trips ? "32" : v.result == outcome::irreversible ? "33" : "31";
    std::string word = to_string(v.result);
    word.resize(13, ' ');
    out_ << paint(word, colour) << v.version << " " << v.name;
    if (v.result == outcome::irreversible) out_ << ": no down (" << v.error << "); applied, not reverted";
    out_ << "\n";
    for (const auto& d : v.differences) out_ << "             down " << describe(d, inspect::wording::round_trip) << "\n";
    for (const auto& n : v.notes) out_ << "             note: down " << n << "\n";
    if (!v.error.empty() && v.result != outcome::irreversible) out_ << "             " << v.error << "\n";
    out_ << std::flush;
}

void printer::verification(const std::string& database, const std::vector<unit_verification>& verdicts, std::size_t total) const {
    std::map<unit_verification::outcome, std::size_t> counts;
    for (const auto& v : verdicts) ++counts[v.result];
    using outcome = unit_verification::outcome;
    const bool ok = counts[outcome::differs] == 0 && counts[outcome::failed] == 0;
    if (json_) {
        json units = json::array();
        for (const auto& v : verdicts) {
            json differences = json::array();
            for (const auto& d : v.differences) differences.push_back(to_json(d, inspect::wording::round_trip));
            units.push_back({{"version", v.version}, {"name", v.name}, {"result", to_string(v.result)},
                             {"differences", differences}, {"notes", v.notes},
                             {"error", v.error.empty() ? json(nullptr) : json(v.error)}});
        }
        out_ << json{{"command", "verify"}, {"database", database}, {"ok", ok}, {"units", units},
                          {"not_verified", total - verdicts.size()}}
                         .dump(2)
                  << std::endl;
        return;
    }
    out_ << (ok ? "ok: " : "") << plural(counts[outcome::round_trips], "unit") << " round-trip";
    if (counts[outcome::differs]) out_ << ", " << counts[outcome::differs] << " differ";
    if (counts[outcome::irreversible]) out_ << ", " << counts[outcome::irreversible] << " irreversible (not reverted)";
    if (counts[outcome::failed]) out_ << ", " << counts[outcome::failed] << " failed";
    if (verdicts.size() < total)
        out_ << "; " << plural(total - verdicts.size(), "later unit") << " not verified (verify stopped after unit "
                  << verdicts.back().version << ")";
    out_ << std::endl;
}

}  // namespace strata::cli
