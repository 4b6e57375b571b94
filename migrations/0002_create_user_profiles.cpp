// Unit 2: one profile per user; users point at it from unit 3.
#include <strata/migration.hpp>

namespace {

using namespace strata::schema;

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
STRATA_MIGRATION(create_user_profiles);

}  // namespace
