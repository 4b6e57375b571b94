// Unit 1: the users of the Sequelize one-to-one tutorial, with the constraints it meant.
#include <strata/migration.hpp>

namespace {

using namespace strata::schema;

class create_users final : public strata::migration {
public:
    strata::migration_info info() const override { return {1, "create_users"}; }

    void change(builder& b) const override {
        b.create_table("users", [](table& t) {
            t.column("userId", type::uuid()).primary().default_random_uuid();
            // The tutorial writes `require: true`, which Sequelize ignores; we enforce what was meant.
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
STRATA_MIGRATION(create_users);

}  // namespace
