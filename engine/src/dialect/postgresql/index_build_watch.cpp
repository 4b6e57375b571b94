#include "dialect/postgresql/index_build_watch.hpp"

#include "dialect/postgresql/libpq_api.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <condition_variable>
#include <memory>
#include <string>
#include <mutex>
#include <thread>

namespace strata {
namespace {

/// Polls pg_stat_progress_create_index for one backend from a session of its own, every 250 ms
/// (the first time at once), until destroyed. Progress is a courtesy: any failure (no
/// connection, no permission) ends the polling quietly and the build goes on.
class index_build_watch final : public progress_watch {
public:
    index_build_watch(std::string connection_string, int pid, std::function<void(const index_progress&)> report)
        : thread_([this, cs = std::move(connection_string), pid, report = std::move(report)] { poll(cs, pid, report); }) {}
    ~index_build_watch() override {
        {
            std::lock_guard<std::mutex> hold(mutex_);
            stop_ = true;
        }
        wake_.notify_all();
        thread_.join();
    }

private:
    void poll(const std::string& connection_string, int pid, const std::function<void(const index_progress&)>& report) {
        try {
            soci::session s("postgresql", connection_string);
            auto* conn = static_cast<soci::postgresql_session_backend*>(s.get_backend())->conn_;
            libpq_api::get().set_notice_processor(conn, [](void*, const char*) {}, nullptr);
            std::unique_lock<std::mutex> lock(mutex_);
            while (!stop_) {
                lock.unlock();
                index_progress p;
                long long blocks_done = 0, blocks_total = 0, tuples_done = 0, tuples_total = 0;
                // PQexec with the pid as a literal: no statement of SOCI's (st_N, or a bound one).
                const std::string sql =
                    "SELECT coalesce(i.relname::text, ''), coalesce(t.relname::text, ''), p.phase, p.blocks_done, p.blocks_total, "
                    "p.tuples_done, p.tuples_total FROM pg_stat_progress_create_index p LEFT JOIN pg_class i ON i.oid = p.index_relid "
                    "LEFT JOIN pg_class t ON t.oid = p.relid WHERE p.pid = " +
                    std::to_string(pid);
                const auto& pq = libpq_api::get();
                std::unique_ptr<PGresult, decltype(&::PQclear)> res(pq.exec(conn, sql.c_str()), pq.clear);
                if (!res || pq.result_status(res.get()) != PGRES_TUPLES_OK) return;
                const bool got_data = pq.ntuples(res.get()) > 0;
                if (got_data) {
                    auto text = [&](int f) { return std::string(pq.getvalue(res.get(), 0, f)); };
                    auto number = [&](int f) { return pq.getisnull(res.get(), 0, f) ? 0LL : std::stoll(text(f)); };
                    p.index = text(0);
                    p.table = text(1);
                    p.phase = text(2);
                    blocks_done = number(3);
                    blocks_total = number(4);
                    tuples_done = number(5);
                    tuples_total = number(6);
                }
                if (got_data) {
                    // Blocks while the table is scanned; tuples while they are sorted and loaded.
                    bool blocks = blocks_total > 0 && (tuples_total == 0 || blocks_done < blocks_total);
                    p.done = blocks ? blocks_done : tuples_done;
                    p.total = blocks ? blocks_total : tuples_total;
                    p.unit = blocks ? "blocks" : "tuples";
                    report(p);
                }
                lock.lock();
                wake_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stop_; });
            }
        } catch (...) {
            // The build goes on without a progress line.
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::thread thread_;  // last: it starts when everything above is ready
};

}  // namespace

std::unique_ptr<progress_watch> start_index_build_watch(std::string connection_string, int pid,
                                                        std::function<void(const index_progress&)> report) {
    return std::make_unique<index_build_watch>(std::move(connection_string), pid, std::move(report));
}

}  // namespace strata
