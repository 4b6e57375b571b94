// strata's command line behind a main() of the project's own.
#include <strata/cli.hpp>
#include <strata/migration.hpp>

namespace {

class create_things final : public strata::migration {
public:
    strata::migration_info info() const override { return {1, "create_things"}; }
    void change(strata::schema::builder& b) const override {
        b.create_table("things", [](strata::schema::table& t) { t.column("id", strata::schema::type::bigint()).primary(); });
    }
};
STRATA_MIGRATION(create_things);

}  // namespace

int main(int argc, char** argv) {
    return strata::cli::run(argc, argv, strata::registry::global(), {.name = "own-migrate"});
}
