// The units of strata_bench_10000 (tools/bench row g, issue 13): 10,000 trivial units, unit i
// creating table t_i with the columns row d's unit i has (odd: id; even: id and label). Built
// again with STRATA_BENCH_UNITS=2500 and 5000 (strata_bench_2500, strata_bench_5000) for row g's
// growth: the same units, fewer of them.
//
// One class, registered 10,000 times with its version, rather than 10,000 generated classes: the
// engine sees exactly what 10,000 unit files give it (one registry entry per unit, each rendered,
// hashed and reconciled on its own), and the program builds in seconds instead of minutes on two
// cores. What it does not reproduce is the code size and the 10,000 static initialisers of as many
// classes, which the engine never touches per run.

#include <strata/migration.hpp>
#include <strata/registry.hpp>

#include <memory>
#include <string>

namespace {

using namespace strata::schema;

#ifndef STRATA_BENCH_UNITS
#error "build with -DSTRATA_BENCH_UNITS=N (tools/benchmark/CMakeLists.txt names the program strata_bench_N)"
#endif
constexpr std::int64_t unit_count = STRATA_BENCH_UNITS;

class create_t final : public strata::migration {
public:
    explicit create_t(std::int64_t version) : version_(version) {}
    strata::migration_info info() const override { return {version_, "create_t_" + std::to_string(version_)}; }
    void change(builder& b) const override {
        b.create_table("t_" + std::to_string(version_), [this](table& t) {
            t.column("id", type::bigint()).primary();
            if (version_ % 2 == 0) t.column("label", type::text());
        });
    }

private:
    std::int64_t version_;
};

// registry::add never throws (a unit that fails to register is a problem validate() reports).
[[maybe_unused]] const bool registered = [] {
    for (std::int64_t v = 1; v <= unit_count; ++v)
        strata::registry::global().add(std::make_shared<const create_t>(v), __FILE__);
    return true;
}();

}  // namespace
