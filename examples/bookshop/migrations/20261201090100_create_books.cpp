// Books, each by one author; an author with books cannot be deleted.
#include <strata/migration.hpp>

namespace {

using namespace strata::schema;

class create_books final : public strata::migration {
public:
    strata::migration_info info() const override { return {20261201090100, "create_books"}; }

    void change(builder& b) const override {
        b.create_table("books", [](table& t) {
            t.column("bookId", type::uuid()).primary().default_random_uuid();
            t.column("title", type::varchar(300)).not_null();
            t.column("authorId", type::uuid()).not_null().references("authors", "authorId").on_delete(fk_action::restrict);
            t.timestamps();
        });
    }
};
STRATA_MIGRATION(create_books);

}  // namespace
