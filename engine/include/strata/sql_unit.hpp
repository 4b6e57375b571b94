#pragma once
/// Units written in plain SQL. The build embeds a `.sql` file's text into the program and
/// registers it with STRATA_SQL_MIGRATION; the file reads
///
///     -- any header comment
///     -- strata:up
///     CREATE INDEX "orders_account_idx" ON "orders" ("accountId");
///     -- strata:down
///     DROP INDEX "orders_account_idx";
///
/// Directives, each a line of its own: `-- strata:up` and `-- strata:down` (both databases),
/// `-- strata:up postgresql`, `-- strata:up sqlite`, `-- strata:down postgresql`,
/// `-- strata:down sqlite` (one database, in place of the generic section there), and
/// `-- strata:no-transaction` (the unit runs outside a transaction, statement by statement). A
/// directive line is recognised by its text alone, wherever it is: a section ends there even
/// inside a string or a function body (which then is reported unterminated). Only comments may
/// precede the first directive. Without a down section the unit is irreversible; without an up
/// section for a database it cannot run there.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <strata/database_url.hpp>
#include <strata/error.hpp>
#include <strata/migration.hpp>
#include <strata/schema/builder.hpp>
#include <strata/schema/operation.hpp>

namespace strata {

/// A `.sql` unit, parsed and split into statements for each database.
struct sql_unit {
    /// A database's own `-- strata:up <db>` section, else the generic `-- strata:up`; no list
    /// for a database that has neither. `source` is the file name, `role` up.
    schema::sql_script up;
    /// The same for down; nullopt when the file has no down section at all (irreversible).
    std::optional<schema::sql_script> down;
    bool no_transaction = false;  ///< `-- strata:no-transaction`
    /// `-- strata:allow S010 <reason>` lines: lint findings the unit accepts, and why (as a C++
    /// unit's b.allow(code, reason)).
    std::vector<schema::lint_allowance> allowances;
    /// `-- strata:allow data-loss <reason>`: its down drops data on purpose (as a C++ unit's
    /// b.allow_data_loss(reason)); only in a file with a down section.
    std::optional<std::string> data_loss_allowed;
};

/// Parses the text of a `.sql` unit. `file` names it in errors. Throws sql_file_error
/// (`FILE:LINE: ...`) for an unknown directive, a section given twice, a statement before the
/// first directive, no up section, an unterminated string, identifier, comment or body, an
/// unclosed parenthesis.
sql_unit parse_sql_unit(std::string_view text, std::string_view file);

/// Reads the file at `path` and parses it (for a build step that checks units before embedding
/// them). Throws sql_file_error, also when the file cannot be read.
sql_unit read_sql_unit(const std::filesystem::path& path);

/// Splits SQL into statements the way `dialect` reads it: at each `;` outside strings, quoted
/// identifiers, comments, PostgreSQL dollar-quoted bodies, parentheses and `BEGIN ... END`
/// function bodies, and SQLite `CREATE TRIGGER ... BEGIN ... END` bodies. Each statement comes
/// without its `;` and without the whitespace and comments around it; pieces holding only
/// comments are dropped. `file` and `first_line` (the line of the whole file `text` starts on)
/// place the sql_file_error thrown for an unterminated string, identifier, comment or body, and
/// for a `(` not closed by the end of the text (PostgreSQL) or before a `;` (SQLite, where every
/// `;` ends a statement).
std::vector<std::string> split_sql_statements(std::string_view text, backend dialect, std::string_view file = "<sql>",
                                              std::size_t first_line = 1);

/// A unit made from the text of a `.sql` file: its change() is one raw_statements operation.
class sql_migration final : public migration {
public:
    /// Parses `text` (throws sql_file_error naming `file`).
    sql_migration(std::int64_t version, std::string name, std::string_view text, std::string file);

    migration_info info() const override;
    void change(schema::builder& b) const override;
    /// Throws irreversible_error naming the file when it has no down section.
    void down(schema::builder& b) const override;

    const sql_unit& parsed() const noexcept { return parsed_; }
    const std::string& file() const noexcept { return file_; }

private:
    std::int64_t version_;
    std::string name_;
    std::string file_;
    sql_unit parsed_;
};

namespace detail {
/// What STRATA_SQL_MIGRATION expands to (with registry::global()). Never throws: a malformed
/// file is recorded in `into` as a problem (its `FILE:LINE: ...` message), which validate()
/// reports when a runner is constructed.
struct sql_registrar {
    sql_registrar(registry& into, std::int64_t version, const char* name, std::string_view text, const char* file) noexcept;
};
}  // namespace detail

}  // namespace strata

/// Registers a unit written in plain SQL with the program's global registry (at static
/// initialisation), for code the build generates from a `.sql` file: `identifier` is unique in
/// the translation unit, `text` the file's text (anything a std::string_view is made from),
/// `file` its path as errors should name it.
#define STRATA_SQL_MIGRATION(identifier, version, name, text, file) \
    static const ::strata::detail::sql_registrar strata_sql_registrar_##identifier { \
        ::strata::registry::global(), (version), (name), (text), (file)                 \
    }
