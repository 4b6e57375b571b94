// Unit 3: users.profile, the one-to-one link to user_profiles.
#include <strata/migration.hpp>

namespace {

using namespace strata::schema;

class add_profile_to_users final : public strata::migration {
public:
    strata::migration_info info() const override { return {3, "add_profile_to_users"}; }

    void change(builder& b) const override {
        // Sequelize's belongsTo defaults: ON UPDATE CASCADE, ON DELETE SET NULL. Online: on a big
        // users table PostgreSQL adds the key NOT VALID and validates it without blocking writes.
        b.add_column("users", column("profile", type::uuid())
                                  .references("user_profiles", "userProfileId")
                                  .on_update(fk_action::cascade)
                                  .on_delete(fk_action::set_null))
            .online();
        // What makes the relation one-to-one in the database: without it two users could share a
        // profile, which the tutorial's schema allows. Built CONCURRENTLY, then attached.
        b.add_unique("users", {"profile"}).online();
    }
};
STRATA_MIGRATION(add_profile_to_users);

}  // namespace
