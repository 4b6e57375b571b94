#pragma once
// Copies of the reference units in migrations/, for the golden rendering tests: the unit tests
// cannot link strata_migrations. Keep each identical to its original.

#include <strata/dialect.hpp>
#include <strata/migration.hpp>

#include <vector>

namespace strata::test::reference {

using namespace strata::schema;

/// migrations/0001_create_users.cpp
class create_users final : public strata::migration {
public:
    strata::migration_info info() const override { return {1, "create_users"}; }

    void change(builder& b) const override {
        b.create_table("users", [](table& t) {
            t.column("userId", type::uuid()).primary().default_random_uuid();
            t.column("firstName", type::varchar(100)).not_null();
            t.column("lastName", type::varchar(100));
            t.column("email", type::varchar(255)).default_null();
            t.column("userName", type::varchar(255)).default_null();
            t.column("phone", type::varchar(13));
            t.column("photo", type::varchar(1024)).default_null();
            t.timestamps();
        });
    }
};

/// migrations/0002_create_user_profiles.cpp
class create_user_profiles final : public strata::migration {
public:
    strata::migration_info info() const override { return {2, "create_user_profiles"}; }

    void change(builder& b) const override {
        b.create_table("user_profiles", [](table& t) {
            t.column("userProfileId", type::uuid()).primary().default_random_uuid();
            t.column("address", type::varchar(100)).not_null();
            t.timestamps();
        });
    }
};

/// migrations/0003_add_profile_to_users.cpp
class add_profile_to_users final : public strata::migration {
public:
    strata::migration_info info() const override { return {3, "add_profile_to_users"}; }

    void change(builder& b) const override {
        b.add_column("users", column("profile", type::uuid())
                                  .references("user_profiles", "userProfileId")
                                  .on_update(fk_action::cascade)
                                  .on_delete(fk_action::set_null));
        b.add_unique("users", {"profile"});
    }
};

/// One unit rendered both ways, as the runner does it: up against the schema the earlier units
/// leave, down against the schema this unit leaves.
struct rendered_unit {
    rendering up;
    rendering down;
};

/// The three reference units rendered for `b`, in version order.
inline std::vector<rendered_unit> render_reference_units(backend b) {
    const dialect& d = dialect_for(b);
    const create_users unit1;
    const create_user_profiles unit2;
    const add_profile_to_users unit3;
    const strata::migration* units[] = {&unit1, &unit2, &unit3};

    catalog state;
    std::vector<rendered_unit> out;
    for (const auto* unit : units) {
        builder up_ops, down_ops;
        unit->up(up_ops);
        unit->down(down_ops);
        rendered_unit r;
        r.up = d.render(up_ops.operations(), state);
        catalog after = state;
        r.down = d.render(down_ops.operations(), after);
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace strata::test::reference
