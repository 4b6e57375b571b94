// Applies a unit of its own through the installed engine; exit 0 when it is recorded as applied.
#include <strata/strata.hpp>

#include <iostream>

namespace {
class create_things final : public strata::migration {
public:
    strata::migration_info info() const override { return {1, "create_things"}; }
    void change(strata::schema::builder& b) const override {
        b.create_table("things", [](strata::schema::table& t) { t.column("id", strata::schema::type::bigint()).primary(); });
    }
};
}
int main() {
    strata::registry r;
    r.add(std::make_shared<const create_things>(), "main.cpp");
    strata::runner run(r, strata::database_url::parse("sqlite::memory:"));
    auto report = run.up();
    auto status = run.status();
    std::cout << report.units.size() << " " << strata::to_string(status.at(0).state) << "\n";
    return report.units.size() == 1 && status.at(0).state == strata::unit_state::applied ? 0 : 1;
}
