#pragma once
// A unit whose change() is given as a function, for tests that build registries of their own:
// its down is the inverse of what the function records.

#include <strata/migration.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>

namespace strata::test {

class change_unit final : public strata::migration {
public:
    change_unit(std::int64_t version, std::string name, std::function<void(schema::builder&)> ops,
                strata::transaction_mode transaction = strata::transaction_mode::per_unit)
        : info_{version, std::move(name), transaction}, ops_(std::move(ops)) {}
    strata::migration_info info() const override { return info_; }
    void change(schema::builder& b) const override { ops_(b); }

private:
    strata::migration_info info_;
    std::function<void(schema::builder&)> ops_;
};

}  // namespace strata::test
