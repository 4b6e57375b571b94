#include "support/session_terminator.hpp"

#include "support/schema_session.hpp"

#include <soci/soci.h>

#include <thread>

namespace strata::test {

std::future<int> terminate_when_sleeping(const database_url& url, std::chrono::milliseconds patience) {
    return std::async(std::launch::async, [url, patience] {
        auto sql = open_session(url);
        const auto deadline = std::chrono::steady_clock::now() + patience;
        // PostgreSQL 12+ reports a session inside pg_sleep() as waiting on the event PgSleep.
        const std::string sleeping =
            "SELECT CAST(pid AS TEXT) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND wait_event = 'PgSleep' LIMIT 1";
        while (std::chrono::steady_clock::now() < deadline) {
            const auto rows = query_text(*sql, sleeping);
            if (rows.size() == 1 && rows.rows[0][0]) {
                const int pid = std::stoi(*rows.rows[0][0]);
                int ended = 0;
                *sql << "SELECT CASE WHEN pg_terminate_backend(" + std::to_string(pid) + ") THEN 1 ELSE 0 END",
                    soci::into(ended);
                return ended ? pid : 0;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return 0;
    });
}

std::string sleeping_trigger_function(const std::string& name, int seconds) {
    return "CREATE FUNCTION " + name + "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(" +
           std::to_string(seconds) + "); RETURN NULL; END $$";
}

}  // namespace strata::test
