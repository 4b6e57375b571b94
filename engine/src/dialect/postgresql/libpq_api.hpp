#pragma once
// Private: libpq's functions, looked up in libpq.so.5 when the first PostgreSQL session opens.

#include <libpq-fe.h>  // types and constants only: the functions are resolved at run time

namespace strata {

/// libpq, resolved at run time. SOCI's core loads its PostgreSQL backend (and with it libpq) only
/// when a PostgreSQL session opens, so a SQLite run never loads libpq and the thirty libraries it
/// pulls in (Kerberos, LDAP, GnuTLS: 2 ms and 4 MiB of every start, measured by tools/bench).
struct libpq_api {
    decltype(&::PQexec) exec = nullptr;
    decltype(&::PQclear) clear = nullptr;
    decltype(&::PQresultStatus) result_status = nullptr;
    decltype(&::PQresultErrorField) result_error_field = nullptr;
    decltype(&::PQerrorMessage) error_message = nullptr;
    decltype(&::PQstatus) status = nullptr;
    decltype(&::PQtransactionStatus) transaction_status = nullptr;
    decltype(&::PQsetNoticeProcessor) set_notice_processor = nullptr;
    decltype(&::PQsetNoticeReceiver) set_notice_receiver = nullptr;
    decltype(&::PQuser) user = nullptr;
    decltype(&::PQbackendPID) backend_pid = nullptr;
    decltype(&::PQparameterStatus) parameter_status = nullptr;
    decltype(&::PQntuples) ntuples = nullptr;
    decltype(&::PQnfields) nfields = nullptr;
    decltype(&::PQgetvalue) getvalue = nullptr;
    decltype(&::PQgetisnull) getisnull = nullptr;
    decltype(&::PQgetlength) getlength = nullptr;
    decltype(&::PQcmdTuples) cmd_tuples = nullptr;
    decltype(&::PQcmdStatus) cmd_status = nullptr;
    decltype(&::PQgetCancel) get_cancel = nullptr;
    decltype(&::PQfreeCancel) free_cancel = nullptr;
    decltype(&::PQcancel) cancel = nullptr;
    decltype(&::PQconninfoParse) conninfo_parse = nullptr;
    decltype(&::PQconninfoFree) conninfo_free = nullptr;
    decltype(&::PQfreemem) freemem = nullptr;

    /// Loads libpq on the first call (before the first PostgreSQL session opens). Throws
    /// config_error when it cannot.
    static const libpq_api& get() {
        static const libpq_api api = load();
        return api;
    }

private:
    static libpq_api load();
};

}  // namespace strata
