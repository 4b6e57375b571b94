#include "run/data_loss.hpp"

#include <strata/dialect.hpp>
#include <strata/error.hpp>
#include <strata/runner.hpp>

#include <algorithm>
#include <cctype>
#include <random>
#include <set>
#include <stdexcept>

#include "connection.hpp"
#include "dialect/sqlite/table_rebuild.hpp"
#include "run/execute.hpp"
#include "run/reconcile.hpp"
#include "run/stop.hpp"
#include "transaction.hpp"
#include "sql_unit/statement_splitter.hpp"

namespace strata {
namespace {

/// A word of a statement: a name or keyword (quoted or bare), or one character of punctuation.
struct word {
    std::string text;   ///< as written, quotes included
    std::string value;  ///< quotes removed; upper case when bare (for keywords)
    bool quoted = false;
};

/// A letter, digit, `_`, `$` or a byte of a non-ASCII character: part of a bare word.
bool bare(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || static_cast<unsigned char>(c) >= 0x80; }

/// The words of `sql`, comments and white space left out. String literals are one word each,
/// which names nothing.
std::vector<word> words_of(std::string_view sql) {
    std::vector<word> out;
    std::size_t i = 0;
    while (i < sql.size()) {
        const char c = sql[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            ++i;
        } else if (sql.substr(i, 2) == "--") {
            i = sql.find('\n', i);
            if (i == std::string_view::npos) break;
        } else if (sql.substr(i, 2) == "/*") {
            i = sql.find("*/", i + 2);
            if (i == std::string_view::npos) break;
            i += 2;
        } else if (c == '"' || c == '\'' || c == '`' || c == '[') {
            // A quoted name ("x", SQLite's `x` and [x] too) or a string literal.
            const char close = c == '[' ? ']' : c;
            std::string value;
            std::size_t j = i + 1;
            for (; j < sql.size(); ++j) {
                if (sql[j] != close) {
                    value += sql[j];
                } else if (close != ']' && j + 1 < sql.size() && sql[j + 1] == close) {
                    value += close;
                    ++j;
                } else {
                    break;
                }
            }
            const std::size_t end = std::min(j + 1, sql.size());
            if (c != '\'') out.push_back({std::string(sql.substr(i, end - i)), value, true});
            else out.push_back({"'", "'", false});
            i = end;
        } else if ((c == 'E' || c == 'e') && i + 1 < sql.size() && sql[i + 1] == '\'' && (i == 0 || !bare(sql[i - 1]))) {
            // PostgreSQL's E'...' string, whose backslash escapes a quote (E'it\'s'): one word.
            std::size_t j = i + 2;
            for (; j < sql.size(); ++j) {
                if (sql[j] == '\\') ++j;
                else if (sql[j] == '\'' && j + 1 < sql.size() && sql[j + 1] == '\'') ++j;
                else if (sql[j] == '\'') break;
            }
            out.push_back({"'", "'", false});
            i = std::min(j + 1, sql.size());
        } else if (bare(c)) {
            std::size_t j = i;
            while (j < sql.size() && bare(sql[j])) ++j;
            std::string value(sql.substr(i, j - i));
            std::transform(value.begin(), value.end(), value.begin(), [](unsigned char x) { return std::toupper(x); });
            out.push_back({std::string(sql.substr(i, j - i)), value, false});
            i = j;
        } else {
            out.push_back({std::string(1, c), std::string(1, c), false});
            ++i;
        }
    }
    return out;
}

std::string folded(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char x) { return std::tolower(x); });
    return s;
}

/// Reads the words of one statement, front to back.
class reader {
public:
    /// `fold_quoted`: SQLite, whose names are one whatever their case, quoted or not.
    reader(const std::vector<word>& w, bool fold_quoted, std::size_t at = 0) : words_(w), at_(at), fold_quoted_(fold_quoted) {}

    bool done() const { return at_ >= words_.size(); }
    /// Whether the next word is the keyword (or punctuation) `k`; takes it when so.
    bool take(std::string_view k) {
        if (done() || words_[at_].quoted || words_[at_].value != k) return false;
        ++at_;
        return true;
    }
    /// A name, qualified or not (`a`, `"s"."t"`): its text as written, and a key for comparing two
    /// names (a bare name folded to lower case, as PostgreSQL folds it; on SQLite a quoted one
    /// too: `"Invoices"` and `Invoices` are one table there). Empty when the next word is not a
    /// name.
    std::pair<std::string, std::string> name() {
        std::string text, key;
        while (!done() && (words_[at_].quoted || (bare(words_[at_].value[0]) && !std::isdigit(static_cast<unsigned char>(words_[at_].value[0]))))) {
            const auto& w = words_[at_++];
            text += w.text;
            key += w.quoted && !fold_quoted_ ? w.value : folded(w.value);
            if (!take(".")) break;
            text += ".";
            key += ".";
        }
        return {text, key};
    }
    /// Skips to just after the next `,` outside parentheses; false at the end (or at a `;`).
    bool next_item() {
        int depth = 0;
        while (!done()) {
            const auto& w = words_[at_++];
            if (w.quoted) continue;
            if (w.value == "(") ++depth;
            else if (w.value == ")") --depth;
            else if (w.value == ";") return false;
            else if (w.value == "," && depth == 0) return true;
        }
        return false;
    }

private:
    const std::vector<word>& words_;
    std::size_t at_;
    bool fold_quoted_;
};

/// `table` (and `column`) dropped, under the names before the run (`names`). A name a rename
/// of the run moved away from is read as written, as if nothing renamed it: the rename may not
/// happen (IF EXISTS, a DO block's IF), and a count too many is a refusal to look at, one too few
/// a loss.
void add_drop(const names_before_run& names, std::vector<dropped_data>& out, const names_before_run::name& table,
              const names_before_run::name& column = {}, bool truncated = false) {
    dropped_data d{table.first, column.first, truncated};
    const auto table_before = names.table(table);
    if (!table_before) {
        out.push_back(std::move(d));
        return;
    }
    if (table_before->second != table.second && table_before->first != table.first) d.table_before = table_before->first;
    if (!column.first.empty()) {
        const auto column_before = names.column(*table_before, column);
        if (!column_before) {
            out.push_back({table.first, column.first, truncated});
            return;
        }
        if (column_before->second != column.second || !d.table_before.empty()) {
            d.table_before = table_before->first;
            d.column_before = column_before->first;
        }
    }
    out.push_back(std::move(d));
}

/// What the statement read by `r`, from where it stands, drops (see drops_in); `created`: the
/// keys of the tables the step's earlier statements created, and this one's, when it creates one.
/// Its renames go into `names`.
void read_drop(reader& r, std::set<std::string>& created, names_before_run& names, std::vector<dropped_data>& out) {
    if (r.take("CREATE")) {
        while (r.take("TEMP") || r.take("TEMPORARY") || r.take("UNLOGGED") || r.take("GLOBAL") || r.take("LOCAL")) {
        }
        // IF NOT EXISTS may find the table there, with its rows: not one the step made.
        if (!r.take("TABLE") || r.take("IF")) return;
        created.insert(r.name().second);
    } else if (r.take("DROP")) {
        if (r.take("SCHEMA")) {
            if (r.take("IF") && !r.take("EXISTS")) return;
            std::vector<std::string> schemas;
            do schemas.push_back(r.name().second);
            while (r.take(","));
            // Without CASCADE a schema that holds anything is not dropped.
            if (!r.take("CASCADE")) return;
            for (auto& s : schemas)
                if (!s.empty()) out.push_back({.schema = std::move(s)});
            return;
        }
        // DROP TYPE|DOMAIN|EXTENSION ... CASCADE drops the columns of that type (PostgreSQL).
        const char* kind = r.take("TYPE") ? "type" : r.take("DOMAIN") ? "domain" : r.take("EXTENSION") ? "extension" : nullptr;
        if (kind) {
            if (r.take("IF") && !r.take("EXISTS")) return;
            std::vector<names_before_run::name> objects;
            do objects.push_back(r.name());
            while (r.take(","));
            if (!r.take("CASCADE")) return;  // without, an object a column uses is not dropped
            for (auto& o : objects)
                if (!o.first.empty()) out.push_back({.object_kind = kind, .object = kind == std::string_view("extension") ? o.second : o.first});
            return;
        }
        if (!r.take("TABLE")) return;
        if (r.take("IF") && !r.take("EXISTS")) return;
        do {
            const auto table = r.name();
            if (!table.first.empty() && !created.contains(table.second)) add_drop(names, out, table);
        } while (r.take(","));
    } else if (r.take("TRUNCATE")) {
        r.take("TABLE");
        const auto first = out.size();
        do {
            r.take("ONLY");
            const auto table = r.name();
            r.take("*");
            if (!table.first.empty() && !created.contains(table.second)) add_drop(names, out, table, {}, true);
        } while (r.take(","));
        // CASCADE (PostgreSQL) empties every table whose foreign keys reference these too.
        if ((r.take("RESTART") || r.take("CONTINUE")) && !r.take("IDENTITY")) return;
        if (r.take("CASCADE"))
            for (auto i = first; i < out.size(); ++i) out[i].cascade = true;
    } else if (r.take("ALTER")) {
        if (!r.take("TABLE")) return;
        if (r.take("IF") && !r.take("EXISTS")) return;
        r.take("ONLY");
        const auto table = r.name();
        if (table.first.empty() || created.contains(table.second)) return;
        r.take("*");
        if (r.take("RENAME")) {
            // RENAME TO new (the schema stays), RENAME [COLUMN] a TO b; RENAME CONSTRAINT moves no data.
            if (r.take("TO")) {
                if (const auto to = r.name(); !to.first.empty()) names.rename_table(table, to);
                return;
            }
            if (r.take("CONSTRAINT")) return;
            r.take("COLUMN");
            const auto from = r.name();
            if (from.first.empty() || !r.take("TO")) return;
            if (const auto to = r.name(); !to.first.empty()) names.rename_column(table, from, to);
            return;
        }
        do {
            // Each action: DROP [COLUMN] [IF EXISTS] name; DROP CONSTRAINT drops no data.
            if (!r.take("DROP") || r.take("CONSTRAINT")) continue;
            r.take("COLUMN");
            if (r.take("IF") && !r.take("EXISTS")) continue;
            if (const auto column = r.name(); !column.first.empty()) add_drop(names, out, table, column);
        } while (r.next_item());
    }
}

/// What one statement drops.
void read_statement(const std::string& statement, backend b, std::set<std::string>& created, names_before_run& names,
                    std::vector<dropped_data>& out) {
    const bool fold_quoted = b == backend::sqlite;
    if (statement.starts_with(sqlite_rebuild::directive_prefix)) {
        try {
            const auto c = sqlite_rebuild::parse_directive(statement);
            for (const auto& column : c.drop_columns)
                add_drop(names, out, {dialect::quote(c.table), fold_quoted ? folded(c.table) : c.table},
                         {dialect::quote(column), fold_quoted ? folded(column) : column});
        } catch (const std::invalid_argument&) {
            // Not one strata wrote: the rebuild itself says what is wrong with it.
        }
        return;
    }
    const auto words = words_of(statement);
    reader first(words, fold_quoted);
    if (!first.take("DO")) {
        read_drop(first, created, names, out);
        return;
    }
    // A DO block: each statement in its body (strata's rollback of an online unit is made of
    // them: IF a column is there THEN ALTER TABLE ... DROP COLUMN ...).
    for (std::size_t i = 1; i < words.size(); ++i) {
        if (words[i].quoted || (words[i].value != "DROP" && words[i].value != "ALTER" && words[i].value != "TRUNCATE" &&
                                words[i].value != "CREATE"))
            continue;
        reader r(words, fold_quoted, i);
        read_drop(r, created, names, out);
    }
}

/// The search_path `statement` sets, as written (`app, public`), when it is `SET [SESSION|LOCAL]
/// search_path {TO|=} ...`; an empty string when it sets it back (DEFAULT, RESET); nullopt for
/// any other statement.
std::optional<std::string> search_path_set(const std::string& statement) {
    const auto words = words_of(statement);
    reader r(words, false);
    if (r.take("RESET")) return r.take("SEARCH_PATH") ? std::optional<std::string>("") : std::nullopt;
    if (!r.take("SET")) return std::nullopt;
    if (!r.take("SESSION")) r.take("LOCAL");
    if (!r.take("SEARCH_PATH")) return std::nullopt;
    // The value as written: after the first TO or = behind the word search_path.
    const std::string lower = folded(statement);
    auto at = lower.find("search_path");
    if (at == std::string::npos) return std::nullopt;
    at += std::string_view("search_path").size();
    while (at < lower.size() && std::isspace(static_cast<unsigned char>(lower[at]))) ++at;
    if (lower.compare(at, 1, "=") == 0) ++at;
    else if (lower.compare(at, 2, "to") == 0) at += 2;
    else return std::nullopt;
    std::string value = statement.substr(at);
    while (!value.empty() && (std::isspace(static_cast<unsigned char>(value.back())) || value.back() == ';')) value.pop_back();
    const auto first = value.find_first_not_of(" \t\r\n");
    value = first == std::string::npos ? std::string() : value.substr(first);
    if (folded(value) == "default") value.clear();
    return value;
}

/// `d`, dropped by the unit of `s`, as the error says it.
lost_data lost(const step& s, const dropped_data& d) {
    lost_data l{.version = s.version, .name = s.name, .table = d.table, .column = d.column,
                .schema = d.schema.empty() ? std::string() : dialect::quote(d.schema), .truncated = d.truncated};
    if (!d.table_before.empty()) l.named_now = d.table_before + (d.column_before.empty() ? "" : "." + d.column_before);
    if (!d.object_kind.empty()) l.cascade_of = d.object_kind + " " + d.object;
    return l;
}

}  // namespace

namespace {

/// A table's key without its schema: `public.ledger` and `ledger` are one table to a run's
/// renames (the search_path decides which schema an unqualified name is in; a run that renames
/// in two schemas tables of one name is read as one, and a count that finds nothing under the
/// name before the run is made under the name as written too).
std::string unqualified(const std::string& key) {
    const auto dot = key.rfind('.');
    return dot == std::string::npos ? key : key.substr(dot + 1);
}

}  // namespace

std::optional<names_before_run::name> names_before_run::table(const name& now) const {
    const auto it = tables_.find(unqualified(now.second));
    return it == tables_.end() ? std::optional<name>(now) : it->second;
}

std::optional<names_before_run::name> names_before_run::column(const name& table_before, const name& now) const {
    const auto it = columns_.find({unqualified(table_before.second), now.second});
    return it == columns_.end() ? std::optional<name>(now) : it->second;
}

void names_before_run::rename_table(const name& now, const name& to) {
    const auto before = table(now);
    tables_[unqualified(now.second)] = std::nullopt;  // a table made under the old name later is a new one
    tables_[unqualified(to.second)] = before;
}

void names_before_run::rename_column(const name& table_now, const name& now, const name& to) {
    const auto table_before = table(table_now);
    if (!table_before) return;  // a table the run made: none of it was there before
    const auto before = column(*table_before, now);
    columns_[{unqualified(table_before->second), now.second}] = std::nullopt;
    columns_[{unqualified(table_before->second), to.second}] = before;
}

std::vector<dropped_data> drops_in(const std::vector<std::string>& statements, backend b) {
    names_before_run renames;
    return drops_in(statements, b, renames);
}

std::vector<dropped_data> drops_in(const std::vector<std::string>& statements, backend b, names_before_run& renames) {
    std::set<std::string> created;
    std::vector<dropped_data> out;
    std::string search_path;  // the step's own (PostgreSQL): a unit's setting ends with it
    auto read = [&](const std::string& statement) {
        if (b == backend::postgresql)
            if (auto set = search_path_set(statement)) {
                search_path = std::move(*set);
                return;
            }
        const auto before = out.size();
        read_statement(statement, b, created, renames, out);
        for (auto i = before; i < out.size(); ++i) out[i].search_path = search_path;
    };
    for (const auto& s : statements) {
        // A raw sql() may hold several statements in one text, which the database runs in turn.
        std::vector<detail::statements::piece> pieces;
        try {
            if (!s.starts_with(sqlite_rebuild::directive_prefix)) pieces = detail::statements::split(s, b, 1);
        } catch (const detail::statements::split_failure&) {
            // The database will say what is wrong with it; read it whole.
        }
        if (pieces.size() < 2) {
            read(s);
            continue;
        }
        for (const auto& p : pieces) read(p.text);
    }
    return out;
}

std::string rows_holding_data_query(const dropped_data& d) {
    const std::string bound = " LIMIT " + std::to_string(rows_counted_at_most) + ") AS strata_rows";
    if (!d.schema.empty())
        return "SELECT count(*) FROM (SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = " + dialect::quote_literal(d.schema) +
               bound;
    const auto& table = d.table_before.empty() ? d.table : d.table_before;
    const auto& column = d.column_before.empty() ? d.column : d.column_before;
    if (column.empty()) return "SELECT count(*) FROM (SELECT 1 FROM " + table + bound;
    // NOT (c IS NULL), not c IS NOT NULL: of a composite value, IS NOT NULL is true only when
    // every field is (ROW('Main St', NULL) holds data, and is not IS NOT NULL).
    return "SELECT count(*) FROM (SELECT 1 FROM " + table + " AS strata_t WHERE NOT (strata_t." + column + " IS NULL)" + bound;
}

/// The tables TRUNCATE ... CASCADE of `d.table` empties besides it: those whose foreign keys
/// reference it, and theirs in turn.
std::string referencing_tables_query(const dropped_data& d) {
    const auto& table = d.table_before.empty() ? d.table : d.table_before;
    const std::string truncated = "to_regclass(" + dialect::quote_literal(table) + ")";
    return "WITH RECURSIVE refs(oid) AS (SELECT " + truncated + " UNION SELECT k.conrelid FROM pg_catalog.pg_constraint k "
           "JOIN refs ON k.confrelid = refs.oid WHERE k.contype = 'f') SELECT quote_ident(n.nspname) || '.' || "
           "quote_ident(c.relname) FROM refs JOIN pg_catalog.pg_class c ON c.oid = refs.oid JOIN pg_catalog.pg_namespace n ON "
           "n.oid = c.relnamespace WHERE refs.oid <> " + truncated + " ORDER BY 1";
}

std::string columns_of_type_query(const dropped_data& d) {
    // The type itself, a domain over it, an array of it: the user tables' columns of those.
    const std::string types =
        d.object_kind == "extension"
            ? "(SELECT dep.objid FROM pg_catalog.pg_depend dep JOIN pg_catalog.pg_extension x ON x.oid = dep.refobjid "
              "WHERE dep.classid = 'pg_catalog.pg_type'::regclass AND dep.refclassid = 'pg_catalog.pg_extension'::regclass "
              "AND dep.deptype = 'e' AND x.extname = " + dialect::quote_literal(d.object) + ")"
            : "(SELECT to_regtype(" + dialect::quote_literal(d.object) + "))";
    return "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), quote_ident(a.attname) FROM pg_catalog.pg_attribute a "
           "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
           "JOIN pg_catalog.pg_type t ON t.oid = a.atttypid WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped "
           "AND (t.oid IN " + types + " OR t.typbasetype IN " + types + " OR t.typelem IN " + types + ") "
           "ORDER BY 1, a.attnum";
}

std::vector<lost_data> data_at_risk(connection& db, const std::vector<step>& steps, const runner_options& options,
                                    std::optional<std::chrono::milliseconds> lock_wait) {
    // On PostgreSQL each count is a transaction of its own: its settings end with it, and a count
    // that fails (a table not there yet) spoils no other. A type dropped with CASCADE (no table
    // yet) lists the columns of that type; a table truncated with CASCADE, those referencing it.
    auto count = [&](const dropped_data& d) {
        // (A schema's drop has no table either: its query counts the schema's tables.)
        const auto query = d.table.empty() && !d.object_kind.empty() ? columns_of_type_query(d)
                           : d.cascade                               ? referencing_tables_query(d)
                                                                     : rows_holding_data_query(d);
        // SQLite: its transaction would take the write lock (BEGIN IMMEDIATE), and its busy
        // timeout bounds the wait as it is.
        if (db.url().kind() != backend::postgresql) return db.query(query);
        transaction t(db, false);
        if (lock_wait) db.set_transaction_lock_timeout(*lock_wait);
        // Rows a row-level security policy hides from this role would count as none, and be
        // dropped: with row_security off, such a read fails instead (42501), and is named unread.
        // A unit that sets its own search_path drops its unqualified tables there: counted there.
        db.execute("SET LOCAL row_security = off");
        if (!d.search_path.empty()) db.execute("SET LOCAL search_path TO " + d.search_path);
        auto rows = db.query(query);
        t.commit();
        return rows;
    };
    // The rows `d` holds (0 when the read was refused: `l.unread` says why); nullopt when it is
    // not there (yet: an earlier step creates it).
    auto rows_of = [&](const dropped_data& d, lost_data& l) -> std::optional<std::int64_t> {
        // A table lock not granted is tried again as the down's own statements are (review 31
        // M2: one try made a rollback strata would have finished exit 5); the count holds no lock
        // between tries.
        lock_retry retry(options, std::chrono::steady_clock::now(), std::random_device{}());
        for (;;) {
            try {
                const auto found = count(d);
                return found.empty() || !found[0][0] ? 0 : std::stoll(*found[0][0]);
            } catch (const error& e) {
                if (db.is_undefined_object(e)) return std::nullopt;
                if (e.kind() == error_kind::interrupted)
                    throw interrupted_error(stop_reason(options) + " while counting what the rollback drops (" +
                                                describe(l, false) + "); nothing was run",
                                            e.context());
                if (db.is_lock_timeout(e)) {
                    const auto now = std::chrono::steady_clock::now();
                    if (const auto pause = retry.next(now)) {
                        if (retry.time_to_say(now) && options.on_notice)
                            options.on_notice(describe(l, false) + ": counting the data it would destroy waited longer than " +
                                              duration_text(options.ddl_lock_timeout) + " for a table lock, retrying in " +
                                              duration_text(*pause) + " (" + retry.attempt() + ")");
                        strata::pause(options.stop, *pause);
                        if (options.stop.stop_requested())
                            throw interrupted_error(stop_reason(options) + " while counting what the rollback drops (" +
                                                    describe(l, false) + "); nothing was run");
                        continue;
                    }
                    throw lock_timeout_error(describe(l, false) + ": could not count the data it would destroy, the read "
                                             "waited for a table lock longer than --ddl-lock-timeout, each try (" +
                                             e.message() + "); nothing was run: run again when the table is free",
                                             e.context());
                }
                if (e.kind() != error_kind::statement) throw;  // a lost connection: not a finding
                l.unread = e.message();
                l.unread_sqlstate = e.context().sqlstate;
                return 0;
            }
        }
    };
    std::vector<lost_data> out;
    names_before_run renames;  // the run's, in the order its steps run, allowed ones' too
    for (const auto& s : steps) {
        const auto found = drops_in(s.statements->statements, db.url().kind(), renames);
        if (s.statements->data_loss_allowed) continue;  // named, not read (its renames count)
        // A type dropped with CASCADE: each column of it, counted as a column drop. A table
        // truncated with CASCADE: itself, and each table referencing it, counted as truncated.
        std::vector<dropped_data> drops;
        for (const auto& d : found) {
            if (!d.cascade && d.object_kind.empty()) {
                drops.push_back(d);
                continue;
            }
            if (d.cascade) {
                dropped_data itself = d;
                itself.cascade = false;
                drops.push_back(itself);
            }
            auto l = lost(s, d);
            std::vector<result_row> columns;
            try {
                columns = count(d);
            } catch (const error& e) {
                if (e.kind() != error_kind::statement) throw;
                l.unread = e.message();
                l.unread_sqlstate = e.context().sqlstate;
                out.push_back(std::move(l));
                continue;
            }
            for (const auto& c : columns)
                if (d.cascade && c.size() == 1 && c[0]) {
                    dropped_data referencing{.table = *c[0], .truncated = true, .search_path = d.search_path,
                                             .object_kind = "table", .object = d.table_before.empty() ? d.table : d.table_before};
                    drops.push_back(std::move(referencing));
                } else if (!d.cascade && c.size() == 2 && c[0] && c[1]) {
                    dropped_data column = d;
                    column.table = *c[0];
                    column.column = *c[1];
                    drops.push_back(std::move(column));
                }
        }
        for (const auto& d : drops) {
            if (options.stop.stop_requested()) throw interrupted_error(stop_reason(options) + " while counting what the rollback drops; nothing was run");
            auto l = lost(s, d);
            auto rows = rows_of(d, l);
            // A rename that may not happen (ALTER TABLE IF EXISTS, a DO block's IF): the name as
            // written is read too when the name before the run holds nothing.
            if (!d.table_before.empty() && l.unread.empty() && rows.value_or(0) == 0) {
                dropped_data as_written = d;
                as_written.table_before.clear();
                as_written.column_before.clear();
                auto w = lost(s, as_written);
                if (auto again = rows_of(as_written, w); again.value_or(0) > 0 || !w.unread.empty()) {
                    l = std::move(w);
                    rows = again;
                }
            }
            if (!l.unread.empty()) {
                out.push_back(std::move(l));
                continue;
            }
            l.rows = rows.value_or(0);
            if (l.rows == 0) continue;
            l.at_least = l.rows >= rows_counted_at_most;
            out.push_back(std::move(l));
        }
    }
    return out;
}

std::vector<std::vector<lost_data>> drops_of(const std::vector<step>& steps, backend b) {
    std::vector<std::vector<lost_data>> out;
    names_before_run renames;
    for (const auto& s : steps) {
        auto& of_step = out.emplace_back();
        for (const auto& d : drops_in(s.statements->statements, b, renames)) of_step.push_back(lost(s, d));
    }
    return out;
}

}  // namespace strata
