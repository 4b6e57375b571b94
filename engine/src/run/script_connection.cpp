#include "run/script_connection.hpp"

namespace strata {
namespace {

class script_target final : public connection {
public:
    script_target(connection& live, std::vector<std::string>& script) : connection(live.url()), live_(live), script_(script) {}

    std::int64_t execute(const std::string& sql) override {
        script_.push_back(sql);
        return -1;  // not known: nothing ran
    }
    std::vector<result_row> query(const std::string& sql) override { return live_.query(sql); }

    void begin(bool) override {
        script_.emplace_back("BEGIN");
        in_transaction_ = true;
    }
    void commit() override {
        script_.emplace_back("COMMIT");
        in_transaction_ = false;
    }
    void rollback() noexcept override { in_transaction_ = false; }

    // A dry run takes no lock and waits for none.
    std::unique_ptr<migration_lock> lock(std::chrono::milliseconds, const notice_function&) override {
        return std::make_unique<migration_lock>();
    }
    void set_lock_timeout(std::chrono::milliseconds) override {}
    bool is_lock_timeout(const error&) const override { return false; }
    std::string lock_holders(const std::string&) override { return {}; }

    bool read_only() const noexcept override { return false; }
    std::string applied_by() override { return live_.applied_by(); }
    std::string history_table(std::string_view table) override { return live_.history_table(table); }
    std::string history_guard() override { return live_.history_guard(); }
    std::string leftover_cleanup(const std::string& statement) const override { return live_.leftover_cleanup(statement); }
    name_resolution resolve_further(std::string_view table) override { return live_.resolve_further(table); }
    // As a run does between units, outside a transaction (not between those of up --atomic).
    void reset_session(const std::vector<std::string>& statements) override {
        if (in_transaction_) return;
        auto reset = live_.session_reset(statements);
        if (!reset.empty() && !reset_said_) {
            script_.emplace_back("-- strata resets the session here, as a run does after a unit that may change it: run this "
                                 "script in a fresh session connected as the URL's role (a SET ROLE or SET search_path made "
                                 "before it is undone here)");
            reset_said_ = true;
        }
        for (auto& statement : reset) script_.push_back(std::move(statement));
    }

private:
    connection& live_;
    std::vector<std::string>& script_;
    bool in_transaction_ = false;
    bool reset_said_ = false;  ///< the comment before the first reset is in the script
};

}  // namespace

std::unique_ptr<connection> script_connection(connection& live, std::vector<std::string>& script) {
    return std::make_unique<script_target>(live, script);
}

}  // namespace strata
