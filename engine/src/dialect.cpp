#include <strata/dialect.hpp>

#include <strata/error.hpp>

#include "dialect/postgresql/postgresql_dialect.hpp"
#include "dialect/sqlite/sqlite_dialect.hpp"

namespace strata {

rendering dialect::render(const std::vector<schema::operation>& ops, catalog& state) const {
    rendering out;
    for (const auto& op : ops) {
        render(op, state, out);
        state.apply(op);
    }
    return out;
}

std::vector<half_built_object> dialect::half_built(const std::vector<schema::operation>& up) const {
    (void)up;
    return {};
}

std::string dialect::names_taken_query(const std::vector<schema::operation>& up) const {
    (void)up;
    return {};
}

rendering dialect::render_rollback(const std::vector<schema::operation>& up, const catalog& state) const {
    (void)state;
    throw unsupported_error(std::string(up.empty() ? "a unit without operations" : schema::describe(up.front())) +
                            " has no online form on " + to_string(kind()) + ", so there is nothing half-done to roll back");
}

std::string dialect::quote(std::string_view identifier) {
    std::string out = "\"";
    for (char c : identifier) {
        if (c == schema::schema_separator) {  // a qualified() table name: "schema"."table"
            out += "\".\"";
            continue;
        }
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string dialect::quote_literal(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'') out += '\'';
        out += c;
    }
    return out + "'";
}

namespace {
constexpr std::string_view gexec_line = "\n\\gexec";
}  // namespace

std::string gexec(const std::string& query) { return query + std::string(gexec_line); }

std::optional<std::string_view> gexec_query(std::string_view statement) {
    if (!statement.ends_with(gexec_line)) return std::nullopt;
    return statement.substr(0, statement.size() - gexec_line.size());
}

const dialect& dialect_for(backend b) {
    switch (b) {
    case backend::sqlite: {
#ifdef STRATA_WITH_SQLITE
        static const sqlite_dialect instance;
        return instance;
#else
        break;
#endif
    }
    case backend::postgresql: {
#ifdef STRATA_WITH_POSTGRESQL
        static const postgresql_dialect instance;
        return instance;
#else
        break;
#endif
    }
    }
    throw unsupported_error(std::string("this build of strata has no ") + to_string(b) +
                            " support (configured with STRATA_WITH_" +
                            (b == backend::sqlite ? "SQLITE" : "POSTGRESQL") + "=OFF)");
}

}  // namespace strata
