// lint's rules: what each finds, on which database, and what to write instead. The codes are
// stable: units name them in allow(), pipelines in their logs. A new rule takes the next code;
// a retired one keeps its number unused.

#include "lint/rules.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "overloaded.hpp"
#include "record_operations.hpp"
#include "run/data_loss.hpp"

namespace strata::lint_detail {
namespace {

using namespace schema;

constexpr std::initializer_list<backend> postgresql_only = {backend::postgresql};
constexpr std::initializer_list<backend> every_backend = {backend::postgresql, backend::sqlite};

std::string quoted(const std::string& table) { return "\"" + display_name(table) + "\""; }

std::string quoted(const std::string& table, const std::string& column) {
    return quoted(table) + ".\"" + column + "\"";
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return out;
}

/// The volatile function `expression` calls, if it calls one PostgreSQL marks volatile (pg_proc's
/// provolatile = 'v') that a default plausibly uses: a default calling one is evaluated for every
/// existing row, so ADD COLUMN rewrites the table (PostgreSQL 11's fast default covers
/// non-volatile ones only). now(), current_timestamp and statement_timestamp() are STABLE: one
/// value for the statement, stored once, no rewrite. A user's function is not known: not flagged.
std::optional<std::string> volatile_call(const std::string& expression) {
    static constexpr std::array<std::string_view, 12> functions = {
        "random",           "random_normal",    "clock_timestamp",    "timeofday",        "gen_random_uuid", "gen_random_bytes",
        "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4", "uuidv4",           "uuidv7",          "nextval"};
    const std::string text = lower(expression);
    auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    for (std::string_view f : functions)
        for (auto at = text.find(f); at != std::string::npos; at = text.find(f, at + 1)) {
            auto after = text.find_first_not_of(" \t\r\n", at + f.size());
            if ((at == 0 || !is_word(text[at - 1])) && after != std::string::npos && text[after] == '(')
                return std::string(f) + "()";
        }
    return std::nullopt;
}

/// The default that would make ADD COLUMN rewrite the table, described; nullopt for none.
std::optional<std::string> rewriting_default(const column& c) {
    if (c.is_identity) return "an identity column";
    switch (c.default_value.kind) {
    case default_kind::random_uuid: return "the volatile default gen_random_uuid()";
    case default_kind::expression:
        if (auto f = volatile_call(c.default_value.expression)) return "the volatile default " + *f;
        return std::nullopt;
    default: return std::nullopt;  // none, NULL, now() (STABLE)
    }
}

/// How PostgreSQL's ALTER COLUMN ... TYPE treats existing rows.
enum class type_change { none, scan, rewrite };

/// PostgreSQL rewrites the table unless the old type is binary coercible to the new one and no
/// USING changes the values (ALTER TABLE, "Notes"); among strata's types that is varchar(n) to
/// varchar(m >= n) or to text, and numeric(p, s) to numeric(q >= p, s) (a larger precision, the
/// same scale). text to varchar(n) is checked row by row, a rewrite as far as locks go. An
/// enumeration is text with a CHECK: a new list of values (or text becoming one) replaces the
/// CHECK, which scans every row under the ALTER's ACCESS EXCLUSIVE lock.
type_change type_change_of(const change_column& o) {
    const column_type& b = o.before.type;
    const column_type& a = o.after.type;
    if (!o.using_up.postgresql.empty()) return type_change::rewrite;
    if (b == a) return type_change::none;
    auto text_like = [](const column_type& t) { return t.kind == type_kind::text || t.kind == type_kind::enumeration; };
    if (a.kind == type_kind::enumeration) {
        if (text_like(b) || b.kind == type_kind::varchar) return type_change::scan;
        return type_change::rewrite;
    }
    if (b.kind == type_kind::enumeration) return text_like(a) ? type_change::none : type_change::rewrite;
    if (b.kind == type_kind::varchar && a.kind == type_kind::varchar) return a.length >= b.length ? type_change::none : type_change::rewrite;
    if (b.kind == type_kind::varchar && a.kind == type_kind::text) return type_change::none;
    if (b.kind == type_kind::numeric && a.kind == type_kind::numeric)
        return a.scale == b.scale && a.precision >= b.precision ? type_change::none : type_change::rewrite;
    return type_change::rewrite;
}

// The checks, one per rule. Each fires only on what the running application already has.

std::optional<std::string> index_blocks_writes(const operation& op, const release_objects& release) {
    if (const auto* o = std::get_if<create_index>(&op); o && !o->online && release.existing(o->index.table))
        return std::string(o->index.unique ? "create_unique_index" : "create_index") + " on " + quoted(o->index.table) +
               " blocks writes while it builds";
    if (const auto* o = std::get_if<add_unique>(&op); o && !o->online && release.existing(o->table))
        return "add_unique on " + quoted(o->table) + " blocks writes while it builds its index";
    return std::nullopt;
}

std::optional<std::string> foreign_key_blocks_writes(const operation& op, const release_objects& release) {
    auto message = [](const std::string& what, const std::string& table, const foreign_key& key) {
        return what + " on " + quoted(table) + " checks every row while it blocks writes to " + quoted(table) + " and " +
               quoted(key.ref_table);
    };
    if (const auto* o = std::get_if<add_foreign_key>(&op); o && !o->online && release.existing(o->table))
        return message("add_foreign_key", o->table, o->key);
    if (const auto* o = std::get_if<add_column>(&op); o && !o->online && o->column.reference && release.existing(o->table))
        return message("add_column " + quoted(o->table, o->column.name) + " with a reference", o->table, *o->column.reference);
    return std::nullopt;
}

std::optional<std::string> check_blocks_writes(const operation& op, const release_objects& release) {
    if (const auto* o = std::get_if<add_check>(&op); o && !o->online && release.existing(o->table))
        return "add_check " + o->check.name + " on " + quoted(o->table) + " scans every row while it blocks writes";
    return std::nullopt;
}

std::optional<std::string> not_null_scans(const operation& op, const release_objects& release) {
    const auto* o = std::get_if<change_column>(&op);
    if (!o || o->online || !o->before.nullable || o->after.nullable || !release.existing(o->table)) return std::nullopt;
    return "change_column sets " + quoted(o->table, o->before.name) +
           " NOT NULL, which scans every row while it blocks reads and writes";
}

std::optional<std::string> not_null_without_default(const operation& op, const release_objects& release) {
    const auto* o = std::get_if<add_column>(&op);
    if (!o || o->column.nullable || o->column.is_identity || !release.existing(o->table)) return std::nullopt;
    const auto kind = o->column.default_value.kind;
    if (kind != default_kind::none && kind != default_kind::null) return std::nullopt;
    return "add_column " + quoted(o->table, o->column.name) +
           " NOT NULL without a default fails on a table that has rows (the deployed application's inserts, "
           "which leave it out, would fail too)";
}

std::optional<std::string> type_change_rewrites(const operation& op, const release_objects& release) {
    const auto* o = std::get_if<change_column>(&op);
    if (!o || !release.existing(o->table)) return std::nullopt;
    const std::string column = quoted(o->table, o->before.name);
    switch (type_change_of(*o)) {
    case type_change::none: return std::nullopt;
    case type_change::scan:
        return "change_column " + column + " replaces the CHECK of its enumeration values, which checks every row "
               "while it blocks reads and writes";
    case type_change::rewrite:
        return "change_column " + column + " from " + describe(o->before.type) + " to " + describe(o->after.type) +
               (o->using_up.postgresql.empty() ? "" : " with using_sql") +
               " rewrites the table and its indexes while it blocks reads and writes";
    }
    return std::nullopt;
}

std::optional<std::string> volatile_default_rewrites(const operation& op, const release_objects& release) {
    const auto* o = std::get_if<add_column>(&op);
    if (!o || !release.existing(o->table)) return std::nullopt;
    auto what = rewriting_default(o->column);
    if (!what) return std::nullopt;
    return "add_column " + quoted(o->table, o->column.name) + " with " + *what +
           " rewrites the table while it blocks reads and writes";
}

std::optional<std::string> rename_breaks_application(const operation& op, const release_objects& release) {
    if (const auto* o = std::get_if<rename_table>(&op); o && release.existing(o->from))
        return "rename_table " + quoted(o->from) + " to " + quoted(o->to) +
               " breaks the deployed application, which still uses " + quoted(o->from);
    if (const auto* o = std::get_if<rename_column>(&op); o && release.existing(o->table, o->from))
        return "rename_column " + quoted(o->table, o->from) + " to \"" + o->to +
               "\" breaks the deployed application, which still uses \"" + o->from + "\"";
    return std::nullopt;
}

std::optional<std::string> drop_breaks_application(const operation& op, const release_objects& release) {
    if (const auto* o = std::get_if<drop_table>(&op); o && release.existing(o->name))
        return "drop_table " + quoted(o->name) + " breaks the deployed application if it still uses it";
    if (const auto* o = std::get_if<drop_column>(&op); o && release.existing(o->table, o->name))
        return "drop_column " + quoted(o->table, o->name) + " breaks the deployed application if it still uses it";
    return std::nullopt;
}

std::optional<std::string> raw_sql_unread(const operation& op, const release_objects&) {
    if (std::holds_alternative<raw_sql>(op) || std::holds_alternative<raw_statements>(op))
        return std::string("sql cannot be analysed: lint does not know what it locks, rewrites or removes");
    return std::nullopt;
}

}  // namespace

void release_objects::apply(const operation& op) {
    std::visit(detail::overloaded{
                   [&](const create_table& o) { tables_.insert(o.table.name); },
                   [&](const drop_table& o) { tables_.erase(o.name); },
                   [&](const add_column& o) {
                       if (existing(o.table)) columns_.insert({o.table, o.column.name});
                   },
                   [&](const rename_table& o) {
                       const bool created = tables_.erase(o.from) > 0;
                       tables_.erase(o.to);
                       if (created) tables_.insert(o.to);
                       std::set<std::pair<std::string, std::string>> moved;
                       for (const auto& [table, column] : columns_) moved.insert({table == o.from ? o.to : table, column});
                       columns_ = std::move(moved);
                   },
                   [&](const rename_column& o) {
                       if (columns_.erase({o.table, o.from}) > 0) columns_.insert({o.table, o.to});
                   },
                   [](const auto&) {},
               },
               op);
}

bool release_objects::existing(const std::string& table) const { return !tables_.contains(table); }

bool release_objects::existing(const std::string& table, const std::string& column) const {
    return existing(table) && !columns_.contains({table, column});
}

/// S011: online operations next to plain ones. Such a unit runs outside a transaction (the
/// online steps must), and its plain steps cannot tell what is done already: when a step fails,
/// what ran before it stays and the unit is dirty, for a person to clean up by hand.
std::optional<std::pair<std::size_t, std::string>> online_mixed_with_plain(const registry::entry&,
                                                                           const std::vector<operation>& ops,
                                                                           const release_objects&) {
    const auto online = std::find_if(ops.begin(), ops.end(), is_online);
    if (online == ops.end()) return std::nullopt;
    const auto plain = std::find_if(ops.begin(), ops.end(), [](const operation& op) { return !is_online(op); });
    if (plain == ops.end()) return std::nullopt;
    return std::pair{static_cast<std::size_t>(plain - ops.begin()),
                     describe(*plain) + " runs in the same unit as the online " + describe(*online) +
                         ", outside a transaction: if a step fails, the steps before it stay done and the unit is dirty "
                         "until a person undoes them by hand"};
}

/// S012: a unit without a way back (an up() without down(), an operation change() cannot invert,
/// a SQL unit without a down section, a down() that records nothing or throws). Found here, it
/// is a decision to make or a down to write; found by `down`, it is a rollback that cannot run.
/// The finding names the last operation change() cannot invert (the one down() stops at), else
/// the unit's first.
std::optional<std::pair<std::size_t, std::string>> no_way_back(const registry::entry& unit, const std::vector<operation>& ops,
                                                               const release_objects&) {
    if (ops.empty()) return std::nullopt;  // nothing to undo
    try {
        schema::builder down;
        record_down(unit, ops.size(), down);
        return std::nullopt;
    } catch (const error& e) {
        const auto stuck = std::find_if(ops.rbegin(), ops.rend(), [](const operation& op) { return !inverse(op); });
        const std::size_t at = stuck == ops.rend() ? 0 : static_cast<std::size_t>(ops.rend() - stuck) - 1;
        return std::pair{at, "it cannot be reverted: " + e.message()};
    }
}

/// Whether `op`, recorded by a down, may drop data: a table or a column dropped, or raw SQL in
/// which the data-loss guard finds a drop (drops_in()) on either database.
bool may_drop_data(const operation& op) {
    auto drops = [](const std::vector<std::string>& statements, backend b) { return !drops_in(statements, b).empty(); };
    return std::visit(detail::overloaded{
                          [](const drop_table&) { return true; },
                          [](const drop_column&) { return true; },
                          [&](const raw_sql& o) {
                              return drops({o.up.postgresql}, backend::postgresql) || drops({o.up.sqlite}, backend::sqlite);
                          },
                          [&](const raw_statements& o) {
                              return (o.up.postgresql && drops(*o.up.postgresql, backend::postgresql)) ||
                                     (o.up.sqlite && drops(*o.up.sqlite, backend::sqlite));
                          },
                          [](const auto&) { return false; },
                      },
                      op);
}

/// S013: an allowance to drop data (allow_data_loss) on a unit whose down drops no table or
/// column. It changes nothing where it is: stale (the drop moved to another unit), or written in
/// the wrong unit, whose neighbour's down is then counted and refused at the rollback.
std::optional<std::pair<std::size_t, std::string>> allowance_without_drop(const registry::entry& unit,
                                                                          const std::vector<operation>& ops,
                                                                          const release_objects&) {
    if (ops.empty()) return std::nullopt;
    try {
        schema::builder up, down;
        record_operations(unit, direction::up, up);  // allow_data_loss() in up() says it of the down
        record_down(unit, ops.size(), down);
        const auto& reason = down.data_loss_allowed() ? down.data_loss_allowed() : up.data_loss_allowed();
        if (!reason || std::any_of(down.operations().begin(), down.operations().end(), may_drop_data)) return std::nullopt;
        return std::pair{std::size_t{0}, "its down is allowed to drop data (\"" + *reason +
                                             "\") but drops no table or column, so the allowance covers nothing here"};
    } catch (const error&) {
        return std::nullopt;  // no way back: S012's finding
    }
}

const std::vector<rule_entry>& rule_table() {
    using enum lint_level;
    // SQLite gets the rules about the running application and raw SQL only: it has no online
    // forms (an ALTER it cannot do in place rebuilds the table, and any write locks the whole
    // database), so the lock rules would name no alternative there.
    static const std::vector<rule_entry> rules = {
        {{"S001", warning, "an index or unique constraint added to an existing table without .online()",
          "use .online(): the index is built CONCURRENTLY (a unique constraint is then attached to it)", postgresql_only},
         index_blocks_writes},
        {{"S002", warning, "a foreign key added to an existing table (add_foreign_key, add_column with a reference) without .online()",
          "use .online(): the key is added NOT VALID, then validated without blocking writes", postgresql_only},
         foreign_key_blocks_writes},
        {{"S003", warning, "a check added to an existing table without .online()",
          "use .online(): the check is added NOT VALID, then validated without blocking writes", postgresql_only},
         check_blocks_writes},
        {{"S004", warning, "a column of an existing table made NOT NULL without .online()",
          "make it a change_column of its own that only sets NOT NULL, with .online() (a CHECK validated first spares "
          "SET NOT NULL its scan)",
          postgresql_only},
         not_null_scans},
        {{"S005", warning, "a NOT NULL column without a default added to an existing table",
          "add it nullable (or with a constant default), backfill it, then make it NOT NULL with change_column(...).online()",
          postgresql_only},
         not_null_without_default},
        {{"S006", warning, "a column type change that rewrites or scans an existing table",
          "expand and contract: add a column of the new type, backfill it, move the application to it, drop the old one "
          "later (varchar(n) to a longer varchar or text, and numeric to a larger precision with the same scale, are safe)",
          postgresql_only},
         type_change_rewrites},
        {{"S007", warning, "a column with a volatile default (or an identity) added to an existing table",
          "add it without a default (a constant or now() is fine), backfill it, then set the default with change_column",
          postgresql_only},
         volatile_default_rewrites},
        {{"S008", warning, "a table or column the deployed application uses renamed",
          "expand and contract: add the new name, write to both, move the application, drop the old name in a later "
          "release",
          every_backend},
         rename_breaks_application},
        {{"S009", warning, "a table or column the deployed application may use dropped",
          "drop it in a release after the one that stopped using it, and say so with .allow(\"S009\", reason)",
          every_backend},
         drop_breaks_application},
        {{"S010", notice, "raw SQL (sql(), a .sql unit), which lint cannot analyse",
          "use a schema operation where one exists; otherwise check what the SQL locks, then .allow(\"S010\", reason) "
          "(-- strata:allow S010 in a SQL unit)",
          every_backend},
         raw_sql_unread},
        {{"S011", warning, "online operations in a unit with plain ones",
          "put the online operations in units of their own: an online unit that fails resumes or is undone by strata, "
          "a mixed one needs a person",
          postgresql_only},
         nullptr,
         online_mixed_with_plain},
        {{"S012", warning, "a unit that cannot be reverted",
          "give it a way back (down(), the definition of what a drop drops, the down text of raw SQL, a -- strata:down "
          "section); for a unit meant to have none, say so with .allow(\"S012\", reason) (-- strata:allow S012 in a "
          "SQL unit)",
          every_backend},
         nullptr,
         no_way_back},
        {{"S013", notice, "an allowance to drop data on a unit whose down drops no table or column",
          "remove allow_data_loss() (-- strata:allow data-loss in a SQL unit), or move it to the unit whose down drops "
          "the data",
          every_backend},
         nullptr,
         allowance_without_drop},
    };
    return rules;
}

}  // namespace strata::lint_detail
