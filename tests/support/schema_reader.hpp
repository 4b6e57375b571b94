#pragma once
// Reads a database's schema back from its own catalog (information_schema and pg_indexes on
// PostgreSQL, the pragma functions and sqlite_master on SQLite) into plain values that compare
// with == and print readably, so a test states the schema it expects and BOOST_TEST shows the
// difference line by line.
//
// Values are spelled as each database reports them (PostgreSQL `character varying(100)`,
// `NULL::character varying`; SQLite the declared `VARCHAR(100)`, `NULL`), not as strata wrote
// them: the point is to see what the database made of the engine's SQL.

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace soci {
class session;
}

namespace strata::test {

struct column_info {
    std::string name;
    std::string type;                          ///< as the database reports it
    bool nullable = true;
    std::optional<std::string> default_value;  ///< the default expression's text; none without DEFAULT

    bool operator==(const column_info&) const = default;
};

struct foreign_key_info {
    std::string name;  ///< PostgreSQL's constraint name; SQLite does not report one (empty)
    std::vector<std::string> columns;
    std::string ref_table;
    std::vector<std::string> ref_columns;
    std::string on_update;  ///< NO ACTION, RESTRICT, CASCADE, SET NULL or SET DEFAULT
    std::string on_delete;

    bool operator==(const foreign_key_info&) const = default;
};

/// A UNIQUE constraint, or a unique index that backs no constraint.
struct unique_info {
    enum class kind { constraint, index };

    std::string name;
    std::vector<std::string> columns;  ///< "<expression>" for a key that is an expression
    kind made_by = kind::constraint;
    std::vector<std::string> expressions;  ///< the text of each expression key, as the database reports it
    std::string where;                     ///< a partial index's predicate, as the database reports it

    bool operator==(const unique_info&) const = default;
};

/// A plain (non-unique) index that backs no constraint.
struct index_info {
    std::string name;
    std::vector<std::string> columns;      ///< "<expression>" for a key that is an expression
    std::vector<std::string> expressions;  ///< the text of each expression key, as the database reports it
    std::string where;                     ///< a partial index's predicate, as the database reports it

    bool operator==(const index_info&) const = default;
};

/// A named CHECK constraint (SQLite: one written `CONSTRAINT "n" CHECK (...)`; strata's own
/// unnamed type checks are not reported).
struct check_info {
    std::string name;
    /// PostgreSQL: pg_get_constraintdef, `CHECK ((price > 0))`, with ` NOT VALID` while not
    /// validated; SQLite: the text as written in the table's SQL, `CHECK ("price" > 0)`.
    std::string definition;

    bool operator==(const check_info&) const = default;
};

struct table_schema {
    std::string name;
    std::vector<column_info> columns;  ///< in table order
    std::vector<std::string> primary_key;
    std::vector<foreign_key_info> foreign_keys;  ///< sorted
    std::vector<unique_info> uniques;            ///< sorted by name
    std::vector<index_info> indexes;             ///< sorted by name
    std::vector<check_info> checks;              ///< sorted by name

    const column_info* find_column(std::string_view column) const;
    bool operator==(const table_schema&) const = default;
};

/// Every table of the database (PostgreSQL: of the current schema), sorted by name.
struct database_schema {
    std::vector<table_schema> tables;

    std::vector<std::string> table_names() const;
    const table_schema* find(std::string_view table) const;
    /// This snapshot without `table` (for comparisons that leave strata's history table aside).
    database_schema without(std::string_view table) const;
    bool operator==(const database_schema&) const = default;
};

/// The whole schema, read from the database `session` is connected to.
database_schema read_schema(soci::session& session);
/// One table; std::runtime_error when it does not exist.
table_schema read_table(soci::session& session, const std::string& table);
/// The table names, sorted.
std::vector<std::string> read_table_names(soci::session& session);

std::ostream& operator<<(std::ostream& out, const column_info& c);
std::ostream& operator<<(std::ostream& out, const foreign_key_info& k);
std::ostream& operator<<(std::ostream& out, const unique_info& u);
std::ostream& operator<<(std::ostream& out, const index_info& i);
std::ostream& operator<<(std::ostream& out, const check_info& c);
std::ostream& operator<<(std::ostream& out, const table_schema& t);
std::ostream& operator<<(std::ostream& out, const database_schema& d);

/// The printed forms of `expected` and `actual` compared line by line: lines only expected
/// start with "- ", lines only present start with "+ ". For BOOST_TEST's message.
std::string line_diff(const std::string& expected, const std::string& actual);

template <class T>
std::string schema_diff(const T& expected, const T& actual);

}  // namespace strata::test

#include <sstream>

template <class T>
std::string strata::test::schema_diff(const T& expected, const T& actual) {
    std::ostringstream e, a;
    e << expected;
    a << actual;
    return "schema differs from the expected one (- expected, + actual):\n" + line_diff(e.str(), a.str());
}
