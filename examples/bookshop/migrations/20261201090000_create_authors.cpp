// The authors a book can be written by.
#include <strata/migration.hpp>

namespace {

using namespace strata::schema;

class create_authors final : public strata::migration {
public:
    strata::migration_info info() const override { return {20261201090000, "create_authors"}; }

    void change(builder& b) const override {
        b.create_table("authors", [](table& t) {
            t.column("authorId", type::uuid()).primary().default_random_uuid();
            t.column("name", type::varchar(200)).not_null();
            t.timestamps();
        });
    }
};
STRATA_MIGRATION(create_authors);

}  // namespace
