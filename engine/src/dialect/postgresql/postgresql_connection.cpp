// Everything that knows libpq or SOCI's postgresql backend.

#include "connection.hpp"

#include <strata/error.hpp>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <libpq-fe.h>

#include <memory>

namespace strata {
namespace {

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

/// libpq's text without SOCI's generic first line, on one line.
std::string libpq_reason(std::string s) {
    const std::string soci_prefix = "Cannot establish connection to the database.";
    if (s.rfind(soci_prefix, 0) == 0) s.erase(0, soci_prefix.size());
    std::string out;
    for (char c : s) {
        if (c == '\n' || c == '\t') c = ' ';
        if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
        out += c;
    }
    return trimmed(out);
}

class postgresql_connection final : public connection {
public:
    explicit postgresql_connection(const database_url& url) : connection(url) {
        try {
            // Keyword form only: SOCI 4.0.3 mangles URI strings and can echo the password.
            session_.open(soci::postgresql, url.connection_string());
        } catch (const soci::soci_error& e) {
            // libpq's text names the cause (refused, timeout, authentication); it never holds
            // the password in the keyword form, but scrub it anyway.
            throw connection_error("cannot connect: " + scrub(libpq_reason(e.get_error_message()), url.password()),
                                   {.database = url.redacted(), .backend = "postgresql"});
        }
        conn_ = static_cast<soci::postgresql_session_backend*>(session_.get_backend())->conn_;
        // libpq prints NOTICEs to stderr by default; strata decides what it prints.
        PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
    }

    // PQexec, not SOCI: SOCI rewrites `:name` to `$n` even when nothing is bound (inside $$
    // bodies and after an apostrophe in a comment), which would change a unit's raw SQL.
    void execute(const std::string& sql) override {
        std::unique_ptr<PGresult, decltype(&PQclear)> res(PQexec(conn_, sql.c_str()), &PQclear);
        auto status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY) return;
        std::string message;
        std::string sqlstate;
        if (res) {
            if (const char* primary = PQresultErrorField(res.get(), PG_DIAG_MESSAGE_PRIMARY)) message = primary;
            if (const char* state = PQresultErrorField(res.get(), PG_DIAG_SQLSTATE)) sqlstate = state;
            if (const char* detail = PQresultErrorField(res.get(), PG_DIAG_MESSAGE_DETAIL)) message += " (" + std::string(detail) + ")";
        }
        if (message.empty()) message = trimmed(PQerrorMessage(conn_));
        error_context where{.database = url().redacted(), .backend = "postgresql", .statement = sql, .sqlstate = sqlstate};
        if (PQstatus(conn_) != CONNECTION_OK)
            throw connection_error("lost the connection: " + scrub(message, url().password()), where);
        throw statement_error(scrub(message, url().password()), where);
    }

    void begin(bool) override { execute("BEGIN"); }
    void commit() override { execute("COMMIT"); }
    void rollback() noexcept override {
        try {
            if (PQtransactionStatus(conn_) != PQTRANS_IDLE) execute("ROLLBACK");
        } catch (...) {
        }
    }

    soci::session& session() noexcept override { return session_; }

    std::string applied_by() override {
        const char* user = PQuser(conn_);
        return user ? user : "";
    }

private:
    soci::session session_;
    PGconn* conn_ = nullptr;
};

}  // namespace

std::unique_ptr<connection> connect_postgresql(const database_url& url) {
    return std::make_unique<postgresql_connection>(url);
}

}  // namespace strata
