// libpq on demand, for a self-contained migrator that carries SOCI's PostgreSQL backend (part of
// the object library strata::linked_backends, engine/CMakeLists.txt, linked into the executable
// only; its main() registers the linked backend: engine/src/dialect/linked_backends.cpp).
//
// The backend calls libpq, but libpq is not linked: it and the twenty-odd libraries it needs
// (Kerberos, LDAP, GnuTLS) would load on every start, SQLite runs included. Instead each libpq
// function the backend calls is defined here and forwards to libpq's own, which is opened and
// looked up on the first call, that is when the first PostgreSQL connection opens. The
// prototypes are those of <libpq-fe.h>: a definition that does not match fails to compile.
// The engine's own libpq calls go through dlsym already (postgresql_connection.cpp), which
// loads libpq before the first connection and reports a missing one (config_error); the
// errors below are the fallback.

#include <libpq-fe.h>
#include <soci/soci-backend.h>

#include <dlfcn.h>

#include <string>

namespace {

struct library {
    void* handle = nullptr;
    std::string error;
};

const library& libpq() {
    static const library lib = [] {
        library l;
        l.handle = ::dlopen("libpq.so.5", RTLD_LAZY | RTLD_LOCAL);
        if (!l.handle) l.error = ::dlerror();
        return l;
    }();
    return lib;
}

/// libpq's `name`; throws a soci_error (the backend's own kind) when libpq cannot be loaded.
template <class F>
F resolve(const char* name) {
    const library& lib = libpq();
    if (!lib.handle) throw soci::soci_error("cannot load libpq (the PostgreSQL client library): " + lib.error);
    void* symbol = ::dlsym(lib.handle, name);
    if (!symbol) throw soci::soci_error(std::string("libpq.so.5 has no ") + name);
    return reinterpret_cast<F>(symbol);
}

}  // namespace

// Resolved once per function, on its first call (a thread-safe static).
#define STRATA_LIBPQ(name) static const auto real = resolve<decltype(&::name)>(#name)

extern "C" {

PGconn* PQconnectdb(const char* conninfo) {
    STRATA_LIBPQ(PQconnectdb);
    return real(conninfo);
}
void PQfinish(PGconn* conn) {
    STRATA_LIBPQ(PQfinish);
    real(conn);
}
ConnStatusType PQstatus(const PGconn* conn) {
    STRATA_LIBPQ(PQstatus);
    return real(conn);
}
int PQserverVersion(const PGconn* conn) {
    STRATA_LIBPQ(PQserverVersion);
    return real(conn);
}
char* PQerrorMessage(const PGconn* conn) {
    STRATA_LIBPQ(PQerrorMessage);
    return real(conn);
}
PGresult* PQexec(PGconn* conn, const char* query) {
    STRATA_LIBPQ(PQexec);
    return real(conn, query);
}
PGresult* PQexecParams(PGconn* conn, const char* command, int nParams, const Oid* paramTypes, const char* const* paramValues,
                       const int* paramLengths, const int* paramFormats, int resultFormat) {
    STRATA_LIBPQ(PQexecParams);
    return real(conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats, resultFormat);
}
PGresult* PQprepare(PGconn* conn, const char* stmtName, const char* query, int nParams, const Oid* paramTypes) {
    STRATA_LIBPQ(PQprepare);
    return real(conn, stmtName, query, nParams, paramTypes);
}
PGresult* PQexecPrepared(PGconn* conn, const char* stmtName, int nParams, const char* const* paramValues,
                         const int* paramLengths, const int* paramFormats, int resultFormat) {
    STRATA_LIBPQ(PQexecPrepared);
    return real(conn, stmtName, nParams, paramValues, paramLengths, paramFormats, resultFormat);
}
int PQsendQuery(PGconn* conn, const char* query) {
    STRATA_LIBPQ(PQsendQuery);
    return real(conn, query);
}
int PQsendQueryParams(PGconn* conn, const char* command, int nParams, const Oid* paramTypes, const char* const* paramValues,
                      const int* paramLengths, const int* paramFormats, int resultFormat) {
    STRATA_LIBPQ(PQsendQueryParams);
    return real(conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats, resultFormat);
}
int PQsendPrepare(PGconn* conn, const char* stmtName, const char* query, int nParams, const Oid* paramTypes) {
    STRATA_LIBPQ(PQsendPrepare);
    return real(conn, stmtName, query, nParams, paramTypes);
}
int PQsendQueryPrepared(PGconn* conn, const char* stmtName, int nParams, const char* const* paramValues,
                        const int* paramLengths, const int* paramFormats, int resultFormat) {
    STRATA_LIBPQ(PQsendQueryPrepared);
    return real(conn, stmtName, nParams, paramValues, paramLengths, paramFormats, resultFormat);
}
int PQsetSingleRowMode(PGconn* conn) {
    STRATA_LIBPQ(PQsetSingleRowMode);
    return real(conn);
}
PGresult* PQgetResult(PGconn* conn) {
    STRATA_LIBPQ(PQgetResult);
    return real(conn);
}
ExecStatusType PQresultStatus(const PGresult* res) {
    STRATA_LIBPQ(PQresultStatus);
    return real(res);
}
char* PQresultErrorMessage(const PGresult* res) {
    STRATA_LIBPQ(PQresultErrorMessage);
    return real(res);
}
char* PQresultErrorField(const PGresult* res, int fieldcode) {
    STRATA_LIBPQ(PQresultErrorField);
    return real(res, fieldcode);
}
int PQntuples(const PGresult* res) {
    STRATA_LIBPQ(PQntuples);
    return real(res);
}
int PQnfields(const PGresult* res) {
    STRATA_LIBPQ(PQnfields);
    return real(res);
}
char* PQfname(const PGresult* res, int field_num) {
    STRATA_LIBPQ(PQfname);
    return real(res, field_num);
}
int PQfformat(const PGresult* res, int field_num) {
    STRATA_LIBPQ(PQfformat);
    return real(res, field_num);
}
Oid PQftype(const PGresult* res, int field_num) {
    STRATA_LIBPQ(PQftype);
    return real(res, field_num);
}
int PQfsize(const PGresult* res, int field_num) {
    STRATA_LIBPQ(PQfsize);
    return real(res, field_num);
}
char* PQcmdTuples(PGresult* res) {
    STRATA_LIBPQ(PQcmdTuples);
    return real(res);
}
char* PQgetvalue(const PGresult* res, int tup_num, int field_num) {
    STRATA_LIBPQ(PQgetvalue);
    return real(res, tup_num, field_num);
}
int PQgetisnull(const PGresult* res, int tup_num, int field_num) {
    STRATA_LIBPQ(PQgetisnull);
    return real(res, tup_num, field_num);
}
void PQclear(PGresult* res) {
    STRATA_LIBPQ(PQclear);
    real(res);
}
int lo_open(PGconn* conn, Oid lobjId, int mode) {
    STRATA_LIBPQ(lo_open);
    return real(conn, lobjId, mode);
}
int lo_close(PGconn* conn, int fd) {
    STRATA_LIBPQ(lo_close);
    return real(conn, fd);
}
int lo_read(PGconn* conn, int fd, char* buf, size_t len) {
    STRATA_LIBPQ(lo_read);
    return real(conn, fd, buf, len);
}
int lo_write(PGconn* conn, int fd, const char* buf, size_t len) {
    STRATA_LIBPQ(lo_write);
    return real(conn, fd, buf, len);
}
int lo_lseek(PGconn* conn, int fd, int offset, int whence) {
    STRATA_LIBPQ(lo_lseek);
    return real(conn, fd, offset, whence);
}

}  // extern "C"
