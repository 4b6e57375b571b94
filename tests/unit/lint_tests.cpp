// lint (engine/include/strata/lint.hpp): each rule fires on an operation that would hurt a running
// database or application and stays quiet on its safe form; only on what the release did not
// create itself; allow() marks a finding with its reason without changing the unit's SQL; the
// reference units lint clean.

#include <boost/test/unit_test.hpp>

#include <strata/dialect.hpp>
#include <strata/error.hpp>
#include <strata/lint.hpp>
#include <strata/registry.hpp>
#include <strata/sql_unit.hpp>

#include <algorithm>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/change_unit.hpp"

using namespace strata;
using namespace strata::schema;
using strata::test::change_unit;

namespace {

using ops = std::function<void(builder&)>;

/// Unit 1 creates "customers" and "orders"; unit 2 records `second`.
registry two_units(const ops& second) {
    registry units;
    units.add(std::make_shared<const change_unit>(1, "create_orders", [](builder& b) {
                  b.create_table("customers", [](table& t) { t.column("id", type::bigint()).primary(); });
                  b.create_table("orders", [](table& t) {
                      t.column("id", type::bigint()).primary();
                      t.column("customer_id", type::bigint());
                      t.column("note", type::text());
                      t.column("total", type::integer());
                      t.column("code", type::varchar(10));
                      t.column("amount", type::numeric(10, 2));
                      t.column("status", type::enumeration({"new", "paid"}));
                  });
              }),
              "lint_tests.cpp");
    units.add(std::make_shared<const change_unit>(2, "change_orders", second), "lint_tests.cpp");
    return units;
}

/// The codes lint finds in unit 2, the tables of unit 1 existing (unit 2 alone is the release).
/// Without S012 unless `with_s012`: a drop without the definition of what it drops, or raw SQL
/// without its down text, also has no way back, which S012's own cases test.
std::vector<std::string> codes(const ops& second, backend b = backend::postgresql, bool with_s012 = false) {
    std::vector<std::string> out;
    for (const auto& f : lint(two_units(second), b, lint_scope::release({2})))
        if (with_s012 || f.code != "S012") out.push_back(f.code);
    return out;
}

using codes_list = std::vector<std::string>;

column nullable_note() { return column("note", type::text()); }

struct rule_case {
    const char* what;
    ops bad;
    ops safe;
    const char* code;
};

const std::vector<rule_case>& rule_cases() {
    static const std::vector<rule_case> cases = {
        {"create_index", [](builder& b) { b.create_index("orders", {"customer_id"}); },
         [](builder& b) { b.create_index("orders", {"customer_id"}).online(); }, "S001"},
        {"create_unique_index", [](builder& b) { b.create_unique_index("orders", {"code"}); },
         [](builder& b) { b.create_unique_index("orders", {"code"}).online(); }, "S001"},
        {"add_unique", [](builder& b) { b.add_unique("orders", {"code"}); },
         [](builder& b) { b.add_unique("orders", {"code"}).online(); }, "S001"},
        {"add_foreign_key", [](builder& b) { b.add_foreign_key("orders", {"", {"customer_id"}, "customers", {"id"}}); },
         [](builder& b) { b.add_foreign_key("orders", {"", {"customer_id"}, "customers", {"id"}}).online(); }, "S002"},
        {"add_column with a reference",
         [](builder& b) { b.add_column("orders", column("buyer", type::bigint()).references("customers", "id")); },
         [](builder& b) { b.add_column("orders", column("buyer", type::bigint()).references("customers", "id")).online(); },
         "S002"},
        {"add_check", [](builder& b) { b.add_check("orders", "total_positive", "\"total\" > 0"); },
         [](builder& b) { b.add_check("orders", "total_positive", "\"total\" > 0").online(); }, "S003"},
        {"change_column NOT NULL",
         [](builder& b) { b.change_column("orders", nullable_note(), nullable_note().not_null()); },
         [](builder& b) { b.change_column("orders", nullable_note(), nullable_note().not_null()).online(); }, "S004"},
        {"add_column NOT NULL", [](builder& b) { b.add_column("orders", column("paid", type::boolean()).not_null()); },
         [](builder& b) { b.add_column("orders", column("paid", type::boolean()).not_null().default_sql("FALSE")); }, "S005"},
        {"change_column integer to bigint",
         [](builder& b) { b.change_column("orders", column("total", type::integer()), column("total", type::bigint())); },
         [](builder& b) { b.change_column("orders", column("code", type::varchar(10)), column("code", type::varchar(20))); },
         "S006"},
        {"change_column varchar shorter",
         [](builder& b) { b.change_column("orders", column("code", type::varchar(10)), column("code", type::varchar(5))); },
         [](builder& b) { b.change_column("orders", column("code", type::varchar(10)), column("code", type::text())); },
         "S006"},
        {"change_column numeric scale",
         [](builder& b) {
             b.change_column("orders", column("amount", type::numeric(10, 2)), column("amount", type::numeric(12, 3)));
         },
         [](builder& b) {
             b.change_column("orders", column("amount", type::numeric(10, 2)), column("amount", type::numeric(12, 2)));
         },
         "S006"},
        {"change_column enumeration values",
         [](builder& b) {
             b.change_column("orders", column("status", type::enumeration({"new", "paid"})),
                             column("status", type::enumeration({"new", "paid", "void"})));
         },
         [](builder& b) {
             b.change_column("orders", column("status", type::enumeration({"new", "paid"})), column("status", type::text()));
         },
         "S006"},
        {"change_column with using_sql",
         [](builder& b) {
             b.change_column("orders", column("code", type::varchar(10)), column("code", type::varchar(20)))
                 .using_sql("upper(\"code\")");
         },
         [](builder& b) { b.change_column("orders", column("total", type::integer()), column("total", type::integer()).default_sql("0")); },
         "S006"},
        {"add_column default gen_random_uuid()",
         [](builder& b) { b.add_column("orders", column("token", type::uuid()).default_random_uuid()); },
         [](builder& b) { b.add_column("orders", column("token", type::uuid())); }, "S007"},
        {"add_column default clock_timestamp()",
         [](builder& b) { b.add_column("orders", column("seen", type::timestamptz()).default_sql("clock_timestamp()")); },
         [](builder& b) { b.add_column("orders", column("seen", type::timestamptz()).default_now()); }, "S007"},
        {"add_column default random()",
         [](builder& b) { b.add_column("orders", column("luck", type::double_precision()).default_sql("random() * 10")); },
         [](builder& b) { b.add_column("orders", column("luck", type::double_precision()).default_sql("10")); }, "S007"},
        {"rename_table", [](builder& b) { b.rename_table("orders", "purchases"); },
         [](builder& b) {
             b.create_table("carts", [](table& t) { t.column("id", type::bigint()).primary(); });
             b.rename_table("carts", "baskets");
         },
         "S008"},
        {"rename_column", [](builder& b) { b.rename_column("orders", "note", "comment"); },
         [](builder& b) {
             b.add_column("orders", column("remark", type::text()));
             b.rename_column("orders", "remark", "comment");
         },
         "S008"},
        {"drop_table", [](builder& b) { b.drop_table("orders"); },
         [](builder& b) {
             b.create_table("scratch", [](table& t) { t.column("id", type::bigint()).primary(); });
             b.drop_table("scratch");
         },
         "S009"},
        {"drop_column", [](builder& b) { b.drop_column("orders", "note"); },
         [](builder& b) {
             b.add_column("orders", column("tmp", type::text()));
             b.drop_column("orders", "tmp");
         },
         "S009"},
        {"sql", [](builder& b) { b.sql("UPDATE \"orders\" SET \"total\" = 0"); },
         [](builder& b) { b.backfill("orders", "\"total\" = 0", "\"total\" IS NULL"); }, "S010"},
        {"online and plain operations in one unit",
         [](builder& b) {
             b.add_column("orders", column("reference", type::text()));
             b.create_index("orders", {"customer_id"}).online();
         },
         [](builder& b) { b.create_index("orders", {"customer_id"}).online(); }, "S011"},
        {"an operation change() cannot invert", [](builder& b) { b.drop_index("orders", "orders_code_idx"); },
         [](builder& b) { b.drop_index({.name = "orders_code_idx", .table = "orders", .columns = {"code"}}); }, "S012"},
        {"an allowance to drop data on a down that drops an index",
         [](builder& b) {
             b.create_index("orders", {"customer_id"}).online();
             b.allow_data_loss("copied to the archive first");
         },
         [](builder& b) {
             b.add_column("orders", column("tmp", type::text()));
             b.allow_data_loss("copied to the archive first");
         },
         "S013"},
    };
    return cases;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(lint_checks)

BOOST_AUTO_TEST_CASE(each_rule_fires_on_its_bad_form_and_is_quiet_on_its_safe_form) {
    for (const auto& c : rule_cases()) {
        BOOST_TEST_CONTEXT(c.what) {
            const bool s012 = std::string(c.code) == "S012";
            BOOST_TEST(codes(c.bad, backend::postgresql, s012) == codes_list{c.code}, boost::test_tools::per_element());
            BOOST_TEST(codes(c.safe, backend::postgresql, s012).empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(every_rule_has_a_case_and_a_documented_alternative) {
    for (const auto& r : lint_rules()) {
        BOOST_TEST_CONTEXT(r.code) {
            BOOST_TEST(!r.what.empty());
            BOOST_TEST(!r.safe_alternative.empty());
            BOOST_TEST(std::any_of(rule_cases().begin(), rule_cases().end(),
                                   [&](const rule_case& c) { return r.code == c.code; }));
        }
    }
    BOOST_TEST((find_lint_rule("S010")->level == lint_level::notice));
    BOOST_TEST(find_lint_rule("S999") == nullptr);
}

BOOST_AUTO_TEST_CASE(a_table_the_release_creates_is_not_existing) {
    // Units 1 and 2 in one release: the tables are new, nobody uses them, they have no rows.
    for (const auto& c : rule_cases()) {
        // Raw SQL is unread wherever it goes; a mixed unit is dirty after a failure on any table;
        // a unit without a way back has none whatever its tables.
        // An allowance is the unit's own, whatever its tables.
        if (std::string(c.code) == "S010" || std::string(c.code) == "S011" || std::string(c.code) == "S012" ||
            std::string(c.code) == "S013")
            continue;
        BOOST_TEST_CONTEXT(c.what) {
            auto findings = lint(two_units(c.bad), backend::postgresql, lint_scope::release({1, 2}));
            std::erase_if(findings, [](const lint_finding& f) { return f.code == "S012"; });
            BOOST_TEST(findings.empty(), (findings.empty() ? "" : describe(findings.front())));
        }
    }
}

BOOST_AUTO_TEST_CASE(every_unit_judges_each_unit_as_its_own_release) {
    // --all: unit 2's index is on a table an earlier unit created; the same index in unit 1 is not.
    auto findings = lint(two_units([](builder& b) { b.create_index("orders", {"customer_id"}); }), backend::postgresql,
                         lint_scope::every_unit());
    BOOST_TEST_REQUIRE(findings.size() == 1u);
    BOOST_TEST(findings[0].version == 2);
    registry one;
    one.add(std::make_shared<const change_unit>(1, "create_and_index", [](builder& b) {
                b.create_table("orders", [](table& t) { t.column("id", type::bigint()).primary(); });
                b.create_index("orders", {"id"}, "orders_id_again_idx");
            }),
            "lint_tests.cpp");
    BOOST_TEST(lint(one, backend::postgresql, lint_scope::every_unit()).empty());
}

BOOST_AUTO_TEST_CASE(units_outside_the_release_are_not_read) {
    // Unit 2 drops a table, but it is applied already: only the release's units are linted.
    auto units = two_units([](builder& b) { b.drop_table("orders"); });
    BOOST_TEST(lint(units, backend::postgresql, lint_scope::release({})).empty());
    BOOST_TEST(lint(units, backend::postgresql, lint_scope::release({1})).empty());
}

BOOST_AUTO_TEST_CASE(a_table_lint_never_saw_created_is_existing) {
    // Made before strata (baseline) or by raw SQL: the running application may well use it.
    BOOST_TEST(codes([](builder& b) { b.create_index("legacy_accounts", {"email"}); }) == codes_list{"S001"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(sqlite_keeps_the_rules_about_the_application_and_raw_sql) {
    for (const auto& c : rule_cases()) {
        BOOST_TEST_CONTEXT(c.what) {
            const std::string code = c.code;
            const bool applies = code == "S008" || code == "S009" || code == "S010" || code == "S012" || code == "S013";
            BOOST_TEST(codes(c.bad, backend::sqlite, code == "S012") == (applies ? codes_list{code} : codes_list{}),
                       boost::test_tools::per_element());
        }
    }
}

BOOST_AUTO_TEST_CASE(a_finding_names_its_unit_operation_and_alternative) {
    auto findings = lint(two_units([](builder& b) { b.create_index("orders", {"customer_id"}); }), backend::postgresql,
                         lint_scope::release({2}));
    BOOST_TEST_REQUIRE(findings.size() == 1u);
    const auto& f = findings[0];
    BOOST_TEST(f.unit == "change_orders");
    BOOST_TEST(f.operation == "create_index orders_customer_id_idx");
    BOOST_TEST(describe(f) ==
               "warning S001 unit 2 change_orders: create_index on \"orders\" blocks writes while it builds; use .online(): "
               "the index is built CONCURRENTLY (a unique constraint is then attached to it)");
    BOOST_TEST(fails(f, lint_level::warning));
    BOOST_TEST(fails(f, lint_level::notice));
    auto notice = lint(two_units([](builder& b) { b.sql("SELECT 1", "SELECT 2"); }), backend::postgresql, lint_scope::release({2}));
    BOOST_TEST_REQUIRE(notice.size() == 1u);
    BOOST_TEST(!fails(notice[0], lint_level::warning));
    BOOST_TEST(fails(notice[0], lint_level::notice));
}

BOOST_AUTO_TEST_CASE(an_allowed_finding_keeps_its_reason_and_fails_no_gate) {
    auto findings = lint(two_units([](builder& b) {
                             b.drop_column("orders", column("note", type::text()));
                             b.create_index("orders", {"customer_id"});
                             b.allow("S009", "nothing reads orders.note since 2.3");
                         }),
                         backend::postgresql, lint_scope::release({2}));
    BOOST_TEST_REQUIRE(findings.size() == 2u);
    BOOST_TEST(findings[0].code == "S009");
    BOOST_TEST(findings[0].allowed_because.value_or("") == "nothing reads orders.note since 2.3");
    BOOST_TEST(!fails(findings[0], lint_level::notice));
    BOOST_TEST(describe(findings[0]).ends_with("(allowed: nothing reads orders.note since 2.3)"));
    BOOST_TEST(!findings[1].allowed_because.has_value(), "allow() covers its own code only");
}

BOOST_AUTO_TEST_CASE(allow_needs_a_known_code_and_a_reason) {
    builder b;
    BOOST_CHECK_THROW(b.allow("S999", "because"), unsupported_error);
    BOOST_CHECK_THROW(b.allow("S001", ""), unsupported_error);
    BOOST_CHECK_THROW(b.allow("S001", "  "), unsupported_error);
    try {
        b.allow("S001", "");
    } catch (const unsupported_error& e) {
        BOOST_TEST(std::string(e.what()).find("needs a reason") != std::string::npos, e.what());
    }
    BOOST_TEST(b.allowances().empty());
}

BOOST_AUTO_TEST_CASE(allow_changes_no_statement) {
    // Not an operation: the unit renders (and so checksums) the same with it as without.
    builder plain, allowed;
    plain.create_index("orders", {"customer_id"});
    allowed.create_index("orders", {"customer_id"});
    allowed.allow("S001", "orders is empty in production");
    BOOST_TEST(allowed.operations().size() == plain.operations().size());
    for (auto kind : {backend::sqlite, backend::postgresql}) {
        catalog a, b;
        BOOST_TEST(dialect_for(kind).render(allowed.operations(), a).statements ==
                       dialect_for(kind).render(plain.operations(), b).statements,
                   boost::test_tools::per_element());
    }
}

BOOST_AUTO_TEST_CASE(the_reference_units_lint_clean) {
    // Unit 3 adds its key and unique constraint to users, which unit 1 created, online.
    for (auto kind : {backend::postgresql, backend::sqlite}) {
        BOOST_TEST_CONTEXT(to_string(kind)) {
            BOOST_TEST(lint(registry::global(), kind, lint_scope::every_unit()).empty());
            BOOST_TEST(lint(registry::global(), kind, lint_scope::release({3})).empty());
            BOOST_TEST(lint(registry::global(), kind, lint_scope::release({1, 2, 3})).empty());
        }
    }
}

namespace {

/// A unit with its own up() and down(): `down` null means it overrides up() only.
class up_down_unit final : public strata::migration {
public:
    up_down_unit(std::int64_t version, ops up, ops down) : version_(version), up_(std::move(up)), down_(std::move(down)) {}
    migration_info info() const override { return {version_, "own_up_down"}; }
    void up(builder& b) const override { up_(b); }
    void down(builder& b) const override {
        if (!down_) return migration::down(b);
        down_(b);
    }

private:
    std::int64_t version_;
    ops up_, down_;
};

/// lint --all of one unit.
std::vector<lint_finding> lint_one(std::shared_ptr<const strata::migration> unit) {
    registry units;
    units.add(std::move(unit), "lint_tests.cpp");
    return lint(units, backend::sqlite, lint_scope::every_unit());
}

void add_notes(builder& b) {
    b.create_table("notes", [](table& t) { t.column("id", type::bigint()).primary(); });
}

}  // namespace

// S012: what `down` would refuse at 3 a.m. is found before the unit is applied, with the reason
// `down` gives, on both databases; a unit meant to have no way back says so with allow().
BOOST_AUTO_TEST_CASE(a_unit_without_a_way_back_is_found_before_it_is_applied) {
    auto up_only = lint_one(std::make_shared<const up_down_unit>(1, add_notes, nullptr));
    BOOST_TEST_REQUIRE(up_only.size() == 1u);
    BOOST_TEST(up_only[0].code == "S012");
    BOOST_TEST(up_only[0].operation == "create_table notes");
    BOOST_TEST(describe(up_only[0]).starts_with("warning S012 unit 1 own_up_down: it cannot be reverted: it overrides up() "
                                                "without down(); write down() to make it reversible; give it a way back"),
               describe(up_only[0]));
    BOOST_TEST(fails(up_only[0], lint_level::warning));

    // change(): the operation down() stops at is named, not the first.
    auto stuck = lint_one(std::make_shared<const change_unit>(2, "drop_old_index", [](builder& b) {
        add_notes(b);
        b.drop_index("notes", "notes_old_idx");
        b.create_index("notes", {"id"}, "notes_new_idx");
    }));
    BOOST_TEST_REQUIRE(stuck.size() == 1u);
    BOOST_TEST(stuck[0].operation == "drop_index notes_old_idx");
    BOOST_TEST(stuck[0].message.find("cannot be reversed") != std::string::npos, stuck[0].message);

    // A down() that records nothing would delete the history row and leave the schema.
    auto empty_down = lint_one(std::make_shared<const up_down_unit>(3, add_notes, [](builder&) {}));
    BOOST_TEST_REQUIRE(empty_down.size() == 1u);
    BOOST_TEST(empty_down[0].message.find("records no operation") != std::string::npos, empty_down[0].message);
    BOOST_TEST(lint_one(std::make_shared<const up_down_unit>(3, add_notes, [](builder& b) { b.nothing_to_undo(); })).empty());

    // A down() that throws cannot run either.
    auto throws = lint_one(std::make_shared<const up_down_unit>(4, add_notes, [](builder&) -> void {
        throw std::runtime_error("TODO: write the down");
    }));
    BOOST_TEST_REQUIRE(throws.size() == 1u);
    BOOST_TEST(throws[0].message.find("TODO: write the down") != std::string::npos, throws[0].message);

    // Deliberate: allowed, with its reason, failing no gate.
    auto allowed = lint_one(std::make_shared<const up_down_unit>(5, [](builder& b) {
        add_notes(b);
        b.allow("S012", "a one-way data fix; restore from backup");
    }, nullptr));
    BOOST_TEST_REQUIRE(allowed.size() == 1u);
    BOOST_TEST(allowed[0].allowed_because.value_or("") == "a one-way data fix; restore from backup");
    BOOST_TEST(!fails(allowed[0], lint_level::notice));

    // Nothing to undo, nothing to find; a reversible unit is quiet.
    BOOST_TEST(lint_one(std::make_shared<const up_down_unit>(6, [](builder&) {}, nullptr)).empty());
    BOOST_TEST(lint_one(std::make_shared<const change_unit>(7, "create_notes", add_notes)).empty());
}

BOOST_AUTO_TEST_CASE(a_sql_unit_without_a_down_section_is_found_and_can_be_allowed) {
    auto no_down = lint_one(std::make_shared<const strata::sql_migration>(1, "seed", "-- strata:up\nINSERT INTO t VALUES (1);\n",
                                                                          "migrations/0001_seed.sql"));
    std::erase_if(no_down, [](const lint_finding& f) { return f.code == "S010"; });
    BOOST_TEST_REQUIRE(no_down.size() == 1u);
    BOOST_TEST(no_down[0].code == "S012");
    BOOST_TEST(no_down[0].message.find("migrations/0001_seed.sql has no -- strata:down section") != std::string::npos,
               no_down[0].message);
    auto allowed = lint_one(std::make_shared<const strata::sql_migration>(
        1, "seed", "-- strata:allow S012 seed data, removed by hand if ever\n-- strata:up\nINSERT INTO t VALUES (1);\n",
        "migrations/0001_seed.sql"));
    std::erase_if(allowed, [](const lint_finding& f) { return f.code == "S010"; });
    BOOST_TEST_REQUIRE(allowed.size() == 1u);
    BOOST_TEST(allowed[0].allowed_because.value_or("") == "seed data, removed by hand if ever");
}

// S013: an allowance to drop data on a unit whose down drops nothing covers nothing there (stale,
// or meant for the unit next to it, whose drops `down` then counts and refuses at 3 a.m.).
BOOST_AUTO_TEST_CASE(an_allowance_to_drop_data_whose_down_drops_nothing_is_a_notice) {
    auto s013 = [](std::vector<lint_finding> findings) {
        std::erase_if(findings, [](const lint_finding& f) { return f.code != "S013"; });
        return findings;
    };
    auto index_only = [](builder& b) { b.create_index("notes", {"id"}, "notes_id_idx"); };
    auto drop_index = [](builder& b) { b.drop_index("notes", "notes_id_idx"); };

    // In down(): its down drops an index only.
    auto stale = s013(lint_one(std::make_shared<const up_down_unit>(1, index_only, [&](builder& b) {
        drop_index(b);
        b.allow_data_loss("copied to the archive first");
    })));
    BOOST_TEST_REQUIRE(stale.size() == 1u);
    BOOST_TEST(describe(stale[0]) ==
               "notice S013 unit 1 own_up_down: its down is allowed to drop data (\"copied to the archive first\") but drops "
               "no table or column, so the allowance covers nothing here; remove allow_data_loss() (-- strata:allow "
               "data-loss in a SQL unit), or move it to the unit whose down drops the data");
    BOOST_TEST(!fails(stale[0], lint_level::warning));
    // In up(), it says the same of the down.
    BOOST_TEST(s013(lint_one(std::make_shared<const up_down_unit>(1, [&](builder& b) {
                   index_only(b);
                   b.allow_data_loss("copied");
               }, drop_index))).size() == 1u);
    // In a .sql unit whose down drops an index.
    const std::string sql_unit = "-- strata:up\nCREATE INDEX i ON t (a);\n-- strata:down\n-- strata:allow data-loss copied\n";
    BOOST_TEST(s013(lint_one(std::make_shared<const strata::sql_migration>(1, "index_t", sql_unit + "DROP INDEX i;\n",
                                                                           "migrations/0001_index_t.sql"))).size() == 1u);

    // Quiet where the down drops a table or a column, through the builder or in raw SQL.
    BOOST_TEST(s013(lint_one(std::make_shared<const change_unit>(2, "create_notes", [](builder& b) {
                   add_notes(b);
                   b.allow_data_loss("copied");
               }))).empty());
    BOOST_TEST(s013(lint_one(std::make_shared<const up_down_unit>(3, [](builder& b) {
                   b.add_column("notes", column("body", type::text()));
               }, [](builder& b) {
                   b.drop_column("notes", "body");
                   b.allow_data_loss("copied");
               }))).empty());
    BOOST_TEST(s013(lint_one(std::make_shared<const strata::sql_migration>(
                   1, "table_t", "-- strata:up\nCREATE TABLE t (a int);\n-- strata:down\n-- strata:allow data-loss copied\n"
                                 "DROP TABLE t;\n", "migrations/0001_table_t.sql"))).empty());
    // Without an allowance, nothing; with allow("S013"), marked.
    BOOST_TEST(s013(lint_one(std::make_shared<const up_down_unit>(1, index_only, drop_index))).empty());
    auto allowed = s013(lint_one(std::make_shared<const up_down_unit>(1, [&](builder& b) {
        index_only(b);
        b.allow("S013", "kept for the next unit's split");
    }, [&](builder& b) {
        drop_index(b);
        b.allow_data_loss("copied");
    })));
    BOOST_TEST_REQUIRE(allowed.size() == 1u);
    BOOST_TEST(allowed[0].allowed_because.value_or("") == "kept for the next unit's split");
}

BOOST_AUTO_TEST_CASE(a_unit_that_cannot_be_read_is_named) {
    registry units;
    units.add(std::make_shared<const change_unit>(7, "broken", [](builder& b) { b.online(); }), "lint_tests.cpp");
    try {
        lint(units, backend::postgresql, lint_scope::every_unit());
        BOOST_TEST(false, "no error");
    } catch (const unsupported_error& e) {
        BOOST_TEST(std::string(e.what()).find("unit 7 broken") != std::string::npos, e.what());
    }
}

BOOST_AUTO_TEST_SUITE_END()
