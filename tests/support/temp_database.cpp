#include "support/temp_database.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include <unistd.h>

namespace strata::test {
namespace {

std::atomic<int> counter{0};

std::string unique_suffix() {
    return std::to_string(::getpid()) + "_" + std::to_string(++counter) + "_" + std::to_string(std::rand() % 100000);
}

void admin_exec(const std::string& admin_text, const std::string& sql) {
    auto admin = database_url::parse(admin_text);
    soci::session s(soci::postgresql, admin.connection_string());
    s << sql;
}

}  // namespace

std::string postgresql_admin_url() {
    const char* value = std::getenv("STRATA_TEST_POSTGRESQL_URL");
    if (!value || !*value)
        throw std::runtime_error(
            "STRATA_TEST_POSTGRESQL_URL is not set: the PostgreSQL tests need a server. Run them with tools/test, "
            "which starts a throwaway one (or tools/pg-sandbox run -- ctest ...)");
    return value;
}

temp_database temp_database::sqlite() {
    auto dir = std::filesystem::temp_directory_path() / ("strata_test_" + unique_suffix());
    std::filesystem::create_directories(dir);
    return temp_database("sqlite:" + (dir / "test.db").string(), dir.string(), {}, {});
}

temp_database temp_database::postgresql() {
    std::string admin = postgresql_admin_url();
    std::string name = "strata_test_" + unique_suffix();
    admin_exec(admin, "CREATE DATABASE \"" + name + "\"");
    // Same server and credentials, the new database.
    std::string text = admin.substr(0, admin.find('/', admin.find("://") + 3) + 1) + name;
    if (auto q = admin.find('?'); q != std::string::npos) text += admin.substr(q);
    return temp_database(text, {}, admin, name);
}

temp_database temp_database::create(backend b) { return b == backend::sqlite ? sqlite() : postgresql(); }

temp_database::temp_database(std::string text, std::string directory, std::string admin_text, std::string dbname)
    : text_(std::move(text)),
      url_(database_url::parse(text_)),
      directory_(std::move(directory)),
      admin_text_(std::move(admin_text)),
      dbname_(std::move(dbname)) {}

temp_database::temp_database(temp_database&& other) noexcept
    : text_(std::move(other.text_)),
      url_(std::move(other.url_)),
      directory_(std::move(other.directory_)),
      admin_text_(std::move(other.admin_text_)),
      dbname_(std::move(other.dbname_)) {
    other.owner_ = false;
}

temp_database::~temp_database() {
    if (!owner_) return;
    try {
        if (!directory_.empty()) std::filesystem::remove_all(directory_);
        if (!dbname_.empty()) admin_exec(admin_text_, "DROP DATABASE IF EXISTS \"" + dbname_ + "\" WITH (FORCE)");
    } catch (...) {
        // Cleanup of a throwaway database must not turn a passing test into a crash.
    }
}

}  // namespace strata::test
