// `new`: writes a unit that compiles and that the next build picks up (strata_add_migrator globs
// the directory). Needs no database.

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string_view>

#include <strata/registry.hpp>

#include "command_line.hpp"

namespace fs = std::filesystem;

namespace strata::cli {
namespace {

bool valid_name(std::string_view name) {
    if (name.empty() || name.size() > 100 || name.front() < 'a' || name.front() > 'z') return false;
    return std::all_of(name.begin(), name.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

std::string utc_timestamp() {
    std::time_t now = std::time(nullptr);
    std::tm utc{};
    ::gmtime_r(&now, &utc);
    char text[16];
    std::strftime(text, sizeof text, "%Y%m%d%H%M%S", &utc);
    return text;
}

/// The highest version a unit can have: strata_add_migrator refuses a file name whose version has
/// more than 18 digits, and the registry a unit whose version does.
constexpr std::int64_t highest_version = 999'999'999'999'999'999;

/// `file` is named like a unit but for a version of more than 18 digits (one an older `new` wrote
/// after a unit of 18): the build refuses it, and its version is past every one `new` could write.
bool too_long_version(const std::string& file) {
    const auto underscore = file.find('_');
    if (underscore == std::string::npos || underscore <= 18) return false;
    if (!std::all_of(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(underscore), [](char c) { return c >= '0' && c <= '9'; }))
        return false;
    return parse_unit_file_name("1" + file.substr(underscore)).has_value();
}

/// The build's units directory as a person here would name it: relative to the working directory
/// when it is there or below (`migrations`, from the project's directory, as README's steps and
/// `git status` show paths), else as the build gave it (absolute).
fs::path as_named_here(const fs::path& dir) {
    std::error_code ec;
    const fs::path here = fs::current_path(ec);
    if (ec) return dir;
    auto below_here = [&](const fs::path& p) -> std::optional<fs::path> {
        const fs::path relative = p.lexically_normal().lexically_relative(here);
        if (relative.empty() || *relative.begin() == "..") return std::nullopt;
        return relative;
    };
    if (auto relative = below_here(dir)) return *relative;
    // The working directory is the physical path; the build's may go through a symbolic link.
    const fs::path real = fs::canonical(dir, ec);
    if (!ec)
        if (auto relative = below_here(real)) return *relative;
    return dir;
}

/// The unit's class: its name and `_unit`. The bare name can be a keyword (`delete`), a macro
/// (`linux`, `errno`), a member of the class (`info`, `change`, read as a constructor) or a name
/// the unit's code uses unqualified (`table`): the suffix rules all of them out.
std::string class_name(const std::string& name) { return name + "_unit"; }

std::string cpp_unit(const std::string& version, const std::string& name) {
    const std::string type = class_name(name);
    return "// Unit " + version + ": " + name + ".\n"
           "#include <strata/migration.hpp>\n"
           "\n"
           "namespace {\n"
           "\n"
           "using namespace strata::schema;\n"
           "\n"
           "class " + type + " final : public strata::migration {\n"
           "public:\n"
           "    strata::migration_info info() const override { return {" + version + ", \"" + name + "\"}; }\n"
           "\n"
           "    // The operations of this unit; down is their inverse, in reverse order. For example:\n"
           "    //   b.create_table(\"orders\", [](table& t) {\n"
           "    //       t.column(\"orderId\", type::uuid()).primary().default_random_uuid();\n"
           "    //       t.column(\"accountId\", type::uuid()).not_null();\n"
           "    //       t.timestamps();\n"
           "    //   });\n"
           "    //   b.add_column(\"orders\", column(\"note\", type::text()));\n"
           "    //   b.create_index(\"orders\", {\"accountId\"}).online();\n"
           "    //   b.sql(\"UPDATE ...\", \"UPDATE ...\");  // raw SQL, with the SQL that undoes it\n"
           "    // Override up() and down() instead when the way back is not the mechanical inverse.\n"
           "    void change([[maybe_unused]] builder& b) const override {}\n"
           "};\n"
           "STRATA_MIGRATION(" + type + ");\n"
           "\n"
           "}  // namespace\n";
}

std::string sql_unit(const std::string& version, const std::string& name) {
    return "-- Unit " + version + ": " + name + ".\n"
           "-- Statements end with ';'. Per database: '-- strata:up postgresql' / '-- strata:up sqlite' (and the\n"
           "-- same for down). '-- strata:no-transaction' runs the unit outside a transaction (CREATE INDEX\n"
           "-- CONCURRENTLY). Without a down section the unit cannot be reverted.\n"
           "\n"
           "-- strata:up\n"
           "\n"
           "-- strata:down\n";
}

}  // namespace

std::string write_new_unit(const new_unit_request& request, const program& self) {
    const std::string& name = request.name;
    if (!valid_name(name))
        throw usage_error("new: '" + name + "' is not a unit name: use lower-case letters, digits and '_', starting with a "
                          "letter (e.g. add_orders_index)");

    fs::path dir;
    std::error_code ec;
    if (!request.dir.empty()) {
        dir = request.dir;
        if (!fs::is_directory(dir, ec))
            throw usage_error("new: --dir " + request.dir + " is not a directory; create it first, or leave --dir out");
    } else if (!self.migrations_dir.empty() && fs::is_directory(self.migrations_dir, ec)) {
        dir = as_named_here(self.migrations_dir);
    } else if (fs::is_directory("migrations", ec)) {
        dir = "migrations";
    } else {
        throw usage_error("new: no units directory: " +
                          (self.migrations_dir.empty() ? std::string() : self.migrations_dir + " (where " + self.name +
                                                                             " was built from) is gone and ") +
                          "there is no ./migrations here; give one with --dir DIR");
    }

    // The newest unit version DIR has (the new one comes after it, so none is reused) and the
    // widest, so --sequential keeps the padding in use.
    std::optional<std::int64_t> newest;
    std::string newest_file;
    std::size_t width = 1;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string file = entry.path().filename().string();
        if (file.starts_with(".")) continue;
        if (too_long_version(file))
            throw usage_error("new: " + (dir / file).string() +
                              " has a version of more than 18 digits, which the build refuses, and no version can come "
                              "after it; rename it with a version of at most 18 digits (YYYYMMDDHHMMSS, the UTC time, "
                              "as new writes them), then run new again");
        if (auto unit = parse_unit_file_name(file)) {
            if (!newest || unit->version > *newest) newest = unit->version, newest_file = file;
            width = std::max(width, unit->version_digits);
        }
    }
    if (ec) throw usage_error("new: cannot read " + dir.string() + ": " + ec.message());
    if (newest && *newest >= highest_version)
        throw usage_error("new: " + (dir / newest_file).string() + " has version " + std::to_string(highest_version) +
                          ", the highest a unit can have (18 digits), so no version is left for a new unit after it; "
                          "if that unit is not applied to any database yet, rename it with a lower version "
                          "(YYYYMMDDHHMMSS, the UTC time, as new writes them), then run new again; if it is, name "
                          "the next unit with a lower version by hand (up then needs --allow-out-of-order)");

    std::string version;
    if (request.sequential) {
        const std::int64_t next = newest.value_or(0) + 1;
        version = std::to_string(next);
        if (version.size() < width) version.insert(0, width - version.size(), '0');
    } else {
        // The UTC time, or just after the newest unit when that is not older: two `new` in one
        // second, or a unit from a machine whose clock runs ahead, never share a version.
        version = utc_timestamp();
        if (newest && *newest >= std::stoll(version)) version = std::to_string(*newest + 1);
    }

    const std::string file = version + "_" + name + (request.sql ? ".sql" : ".cpp");
    const fs::path path = dir == "." ? fs::path(file) : dir / file;  // the working directory: `1_x.cpp`, not `./1_x.cpp`
    const std::string text = request.sql ? sql_unit(version, name) : cpp_unit(version, name);
    // "x": never overwrite, even a file that appeared since the directory was read.
    std::FILE* f = std::fopen(path.c_str(), "wx");
    if (!f) throw usage_error("new: cannot create " + path.string() + ": " + std::strerror(errno));
    const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    if (std::fclose(f) != 0 || !written) {
        const int saved = errno;
        fs::remove(path, ec);
        throw usage_error("new: cannot write " + path.string() + ": " + std::strerror(saved));
    }
    return path.string();
}

}  // namespace strata::cli
