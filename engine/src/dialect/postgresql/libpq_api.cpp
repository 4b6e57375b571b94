#include "dialect/postgresql/libpq_api.hpp"

#include <strata/error.hpp>

#include <dlfcn.h>

#include <string>
#include <type_traits>

namespace strata {

libpq_api libpq_api::load() {
    void* lib = ::dlopen("libpq.so.5", RTLD_LAZY | RTLD_NOLOAD);
    if (!lib) lib = ::dlopen("libpq.so.5", RTLD_LAZY);
    // An installation problem, not an unreachable server: config_error, which --wait does
    // not retry.
    if (!lib)
        throw config_error(std::string("cannot load libpq, the PostgreSQL client library (Debian package "
                                       "libpq5): ") + ::dlerror());
    libpq_api a;
    auto bind = [lib](auto& fn, const char* name) {
        fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(::dlsym(lib, name));
        if (!fn) throw config_error(std::string("the libpq.so.5 found has no ") + name + "; install Debian's libpq5");
    };
    bind(a.exec, "PQexec");
    bind(a.clear, "PQclear");
    bind(a.result_status, "PQresultStatus");
    bind(a.result_error_field, "PQresultErrorField");
    bind(a.error_message, "PQerrorMessage");
    bind(a.status, "PQstatus");
    bind(a.transaction_status, "PQtransactionStatus");
    bind(a.set_notice_processor, "PQsetNoticeProcessor");
    bind(a.set_notice_receiver, "PQsetNoticeReceiver");
    bind(a.user, "PQuser");
    bind(a.backend_pid, "PQbackendPID");
    bind(a.parameter_status, "PQparameterStatus");
    bind(a.ntuples, "PQntuples");
    bind(a.nfields, "PQnfields");
    bind(a.getvalue, "PQgetvalue");
    bind(a.getisnull, "PQgetisnull");
    bind(a.getlength, "PQgetlength");
    bind(a.cmd_tuples, "PQcmdTuples");
    bind(a.cmd_status, "PQcmdStatus");
    bind(a.get_cancel, "PQgetCancel");
    bind(a.free_cancel, "PQfreeCancel");
    bind(a.cancel, "PQcancel");
    bind(a.conninfo_parse, "PQconninfoParse");
    bind(a.conninfo_free, "PQconninfoFree");
    bind(a.freemem, "PQfreemem");
    return a;
}

}  // namespace strata
