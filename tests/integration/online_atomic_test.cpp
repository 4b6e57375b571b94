// up --atomic with online operations: the whole release is one transaction, so online steps run
// in their plain form inside it, and the unit keeps the checksum of its normal rendering (a later
// plain `status` must not see it as changed).

#include <strata/migration.hpp>
#include <strata/registry.hpp>
#include <strata/runner.hpp>

#include <soci/soci.h>

#include <algorithm>
#include <memory>
#include <string>

#include "backend_test.hpp"
#include "support/schema_history.hpp"
#include "support/schema_session.hpp"
#include "support/temp_database.hpp"

using namespace strata::test;
using namespace strata::schema;

namespace {

/// parents(id), children(id), then children.parent_ref (online FK) made unique online.
class release final : public strata::migration {
public:
    explicit release(std::int64_t version) : version_(version) {}
    strata::migration_info info() const override {
        return {.version = version_, .name = version_ == 1 ? "create_tables" : "link_children_online"};
    }
    void change(builder& b) const override {
        if (version_ == 1) {
            b.create_table("parents", [](table& t) { t.column("id", type::bigint()).primary(); });
            b.create_table("children", [](table& t) { t.column("id", type::bigint()).primary(); });
            return;
        }
        b.add_column("children", column("parent_ref", type::bigint()).references("parents", "id").on_delete(fk_action::set_null))
            .online();
        b.add_unique("children", {"parent_ref"}).online();
    }

private:
    std::int64_t version_;
};

std::unique_ptr<strata::registry> release_registry() {
    auto r = std::make_unique<strata::registry>();
    r->add(std::make_shared<const release>(1), "online_atomic_test.cpp");
    r->add(std::make_shared<const release>(2), "online_atomic_test.cpp");
    return r;
}

std::string single(soci::session& sql, const std::string& query) {
    auto rows = query_text(sql, query);
    BOOST_TEST_REQUIRE(rows.size() == 1u, query);
    return rows.rows.front().front().value_or("NULL");
}

}  // namespace

STRATA_BACKEND_TEST(atomic_up_runs_online_units_in_their_plain_form_in_one_transaction) {
    auto db = temp_database::create(backend);
    auto reg = release_registry();

    strata::runner_options atomic;
    atomic.atomic = true;
    atomic.dry_run = true;
    auto preview = strata::runner(*reg, db.url(), atomic).up();
    std::string script;
    for (const auto& line : preview.script) script += line + "\n";
    BOOST_TEST(script.find("CONCURRENTLY") == std::string::npos, script);
    BOOST_TEST(script.find("NOT VALID") == std::string::npos, script);
    // One transaction creates the metadata tables, one holds the whole release.
    BOOST_TEST(std::count(preview.script.begin(), preview.script.end(), "COMMIT") == 2, script);

    atomic.dry_run = false;
    auto report = strata::runner(*reg, db.url(), atomic).up();
    BOOST_TEST(report.units.size() == 2u);

    auto sql = open_session(db.url());
    BOOST_TEST(single(*sql, std::string("SELECT state FROM ") + history_table + " WHERE version = 2") == "applied");
    // The recorded checksum is the unit's normal one: a plain runner sees nothing changed.
    strata::runner plain(*reg, db.url());
    auto status = plain.status();
    BOOST_TEST_REQUIRE(status.size() == 2u);
    BOOST_TEST(strata::to_string(status[1].state) == std::string("applied"));
    BOOST_TEST(status[1].applied_checksum == status[1].checksum);
    BOOST_TEST(plain.validate().empty());

    // What it built works: a second child of the same parent is refused.
    *sql << "INSERT INTO parents (id) VALUES (1)";
    *sql << "INSERT INTO children (id, parent_ref) VALUES (1, 1)";
    BOOST_CHECK_THROW((*sql << "INSERT INTO children (id, parent_ref) VALUES (2, 1)"), soci::soci_error);
    if (backend == strata::backend::postgresql)
        BOOST_TEST(single(*sql, "SELECT convalidated::text FROM pg_constraint WHERE conname = 'children_parent_ref_fkey'") == "true");
}
