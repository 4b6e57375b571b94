/* strata_history_floor_{postgresql,sqlite}: the C floor of tools/bench rows a-c and g (issue 13).
 * The least a migration tool can do to tell what is applied: connect, read the history rows once,
 * touch every value, exit. Built twice from this file, each linking one client library only (a
 * program linking libpq loads its TLS, Kerberos and LDAP libraries too, which a SQLite client
 * would not pay):
 *
 *   strata_history_floor_postgresql URL   libpq: PQconnectdb(URL) (the URL strata is given, same
 *                                          password authentication over TCP), one query
 *   strata_history_floor_sqlite FILE      libsqlite3: open FILE read-write, one prepared query
 *
 * The query is strata's own (history::read): every column of strata_schema_history, applied_at
 * as UTC text, ORDER BY version. Prints the number of rows and the bytes read (so the work cannot
 * be optimised away and a run on an empty history shows). Exits 1 on any error, with it. */

#include <stdio.h>
#include <string.h>

#ifdef FLOOR_POSTGRESQL
#include <libpq-fe.h>

static const char *const postgresql_query =
    "SELECT version, name, checksum, "
    "to_char(\"applied_at\" AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
    "execution_ms, applied_by, state, down_statements FROM \"strata_schema_history\" ORDER BY version";

static int read_history(const char *url) {
    PGconn *conn = PQconnectdb(url);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "strata_history_floor: cannot connect: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return 1;
    }
    PGresult *res = PQexec(conn, postgresql_query);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        fprintf(stderr, "strata_history_floor: %s", PQerrorMessage(conn));
        PQclear(res);
        PQfinish(conn);
        return 1;
    }
    const int rows = PQntuples(res), fields = PQnfields(res);
    size_t bytes = 0;
    for (int r = 0; r < rows; ++r)
        for (int f = 0; f < fields; ++f)
            if (!PQgetisnull(res, r, f)) bytes += strlen(PQgetvalue(res, r, f));
    printf("%d rows, %zu bytes\n", rows, bytes);
    PQclear(res);
    PQfinish(conn);
    return 0;
}
#else
#include <sqlite3.h>

static const char *const sqlite_query =
    "SELECT version, name, checksum, \"applied_at\", execution_ms, applied_by, state, down_statements "
    "FROM \"strata_schema_history\" ORDER BY version";

static int read_history(const char *file) {
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_open_v2(file, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, sqlite_query, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "strata_history_floor: %s: %s\n", file, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return 1;
    }
    int rows = 0, rc;
    size_t bytes = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        ++rows;
        for (int f = 0; f < sqlite3_column_count(st); ++f) {
            const unsigned char *value = sqlite3_column_text(st, f);
            if (value) bytes += strlen((const char *)value);
        }
    }
    if (rc != SQLITE_DONE) {
        fprintf(stderr, "strata_history_floor: %s: %s\n", file, sqlite3_errmsg(db));
        sqlite3_finalize(st);
        sqlite3_close(db);
        return 1;
    }
    printf("%d rows, %zu bytes\n", rows, bytes);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return 0;
}
#endif

int main(int argc, char **argv) {
    if (argc == 2) return read_history(argv[1]);
    fprintf(stderr, "usage: %s URL-OR-FILE\n", argv[0]);
    return 2;
}
