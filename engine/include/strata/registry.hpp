#pragma once
/// The ordered set of units a runner works with, and STRATA_MIGRATION to register one.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <strata/migration_info.hpp>

namespace strata {

class migration;

/// A unit file's name as strata_add_migrator requires it: `<version>_<name>.cpp` or `.sql`, the
/// name `[a-z][a-z0-9_]*` (`0003_add_profile_to_users.cpp`, `20261201093000_add_index.sql`).
struct unit_file_name {
    std::int64_t version = 0;
    std::string name;
    std::size_t version_digits = 0;  ///< as written, leading zeros included
};

/// The version and name in the last component of `path`; nullopt when it is not named like a unit.
std::optional<unit_file_name> parse_unit_file_name(std::string_view path);

/// Units by version. Adding never throws a validation error (registration runs during static
/// initialisation, where an exception is std::terminate): validate() reports problems, and the
/// runner calls it when it is constructed.
class registry {
public:
    struct entry {
        std::shared_ptr<const migration> unit;
        std::int64_t version = 0;
        std::string name;
        transaction_mode transaction = transaction_mode::per_unit;
        std::string source_file;  ///< where the unit was registered, for error messages
    };

    registry();
    ~registry();
    registry(const registry&) = delete;
    registry& operator=(const registry&) = delete;
    registry(registry&&) noexcept;
    registry& operator=(registry&&) noexcept;

    /// The units compiled into this program with STRATA_MIGRATION.
    static registry& global();

    /// Records a unit. Never throws; a problem (info() throwing) is kept for validate().
    void add(std::shared_ptr<const migration> unit, std::string source_file = {}) noexcept;

    /// Records a unit that could not be built (its constructor threw), as the sentence
    /// `problem`, for validate(). Never throws.
    void add_problem(std::string problem) noexcept;

    /// Throws registry_error naming both units for a duplicate version, the unit for a
    /// non-positive version, and any problem met while adding.
    void validate() const;

    /// Ordered by version (ties kept in registration order).
    const std::vector<entry>& entries() const noexcept { return entries_; }
    const entry* find(std::int64_t version) const noexcept;

private:
    std::vector<entry> entries_;
    std::vector<std::string> problems_;
};

namespace detail {
template <class Unit>
struct registrar {
    explicit registrar(const char* file) noexcept {
        try {
            registry::global().add(std::make_shared<const Unit>(), file);
        } catch (...) {
            registry::global().add(nullptr, file);  // recorded as a problem, reported by validate()
        }
    }
};
}  // namespace detail

}  // namespace strata

/// Registers a unit type with the program's global registry (at static initialisation).
#define STRATA_MIGRATION(unit_type) \
    static const ::strata::detail::registrar<unit_type> strata_registrar_##unit_type { __FILE__ }
