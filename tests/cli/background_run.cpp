#include "background_run.hpp"

#include "support/schema_session.hpp"

#include <soci/soci.h>

namespace strata::test {

process_invocation strata_invocation(const cli_database_test& t, std::vector<std::string> arguments,
                                     std::chrono::milliseconds timeout) {
    arguments.insert(arguments.begin(), {"--database", t.db.url_text()});
    const std::string directory = t.cli.working_directory().string();
    return {STRATA_CLI_PATH, std::move(arguments), {{"PATH", "/usr/local/bin:/usr/bin:/bin"}, {"HOME", directory}, {"LC_ALL", "C"}},
            directory, timeout};
}

std::string transcript(const spawned_process& p, const process_result& r, const std::string& secret) {
    std::string text = describe(p.invocation(), r) + "\n  ran " + std::to_string(p.elapsed().count()) + " ms";
    if (!secret.empty())
        for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 1)) text.replace(at, secret.size(), "<password>");
    return text;
}

sqlite_file_holder::sqlite_file_holder(const database_url& url, const char* begin) : session_(open_session(url)) {
    *session_ << begin;
    // Something written, so the lock is a writer's whatever the mode.
    *session_ << "CREATE TABLE IF NOT EXISTS busy_holder (x INTEGER)";
}

sqlite_file_holder::~sqlite_file_holder() {
    try {
        release();
    } catch (...) {
    }
}

void sqlite_file_holder::release() {
    if (!open_) return;
    open_ = false;
    *session_ << "ROLLBACK";
}

}  // namespace strata::test
