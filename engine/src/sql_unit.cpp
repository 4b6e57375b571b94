#include <strata/sql_unit.hpp>

#include <strata/lint.hpp>

#include "schema/unit_text.hpp"
#include "sql_unit/statement_splitter.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <initializer_list>
#include <map>
#include <memory>
#include <sstream>
#include <utility>

namespace strata {
namespace {

using detail::statements::is_space;
using detail::statements::piece;
using detail::statements::split;
using detail::statements::split_failure;

constexpr const char* no_up_section =
    "no -- strata:up section; put the unit's statements under a \"-- strata:up\" line (or under \"-- strata:up "
    "postgresql\" and \"-- strata:up sqlite\"), and the statements that undo them under \"-- strata:down\"";

constexpr const char* directive_list =
    "-- strata:up, -- strata:down, -- strata:up postgresql, -- strata:up sqlite, -- strata:down postgresql, "
    "-- strata:down sqlite, -- strata:no-transaction, -- strata:allow <lint code> <reason>, "
    "-- strata:allow data-loss <reason>";

/// One directive line.
struct directive {
    enum class kind { section, no_transaction, allow, allow_data_loss };
    kind what = kind::section;
    direction dir = direction::up;
    std::optional<backend> only;       ///< nullopt: the generic section
    schema::lint_allowance allowance;  ///< kind::allow; kind::allow_data_loss: its reason
};

std::string trimmed(std::string_view s) {
    std::size_t b = 0, e = s.size();
    while (b < e && is_space(s[b])) ++b;
    while (e > b && is_space(s[e - 1])) --e;
    return std::string(s.substr(b, e - b));
}

/// What follows `strata:` on a line that is `--`, optional spaces, `strata:`; nullopt for any
/// other line.
std::optional<std::string_view> directive_text(std::string_view line) {
    std::size_t k = 0;
    while (k < line.size() && is_space(line[k])) ++k;
    if (line.substr(k, 2) != "--") return std::nullopt;
    k += 2;
    while (k < line.size() && (line[k] == ' ' || line[k] == '\t')) ++k;
    if (line.substr(k, 7) != "strata:") return std::nullopt;
    return line.substr(k + 7);
}

/// The first three words of `statement` in upper case, comments and blanks skipped, a word being
/// letters, digits, '_' and '.', double quotes dropped ("COMMIT", "ROLLBACK TO X",
/// "PRAGMA MAIN.FOREIGN_KEYS").
std::array<std::string, 3> leading_words(std::string_view statement) {
    std::size_t k = 0;
    auto skip = [&] {
        for (;;) {
            while (k < statement.size() && is_space(statement[k])) ++k;
            if (statement.substr(k, 2) == "--") {
                k = statement.find('\n', k);
                if (k == std::string_view::npos) k = statement.size();
            } else if (statement.substr(k, 2) == "/*") {
                k = statement.find("*/", k + 2);
                k = k == std::string_view::npos ? statement.size() : k + 2;
            } else {
                return;
            }
        }
    };
    auto word = [&] {
        skip();
        std::string w;
        for (; k < statement.size(); ++k) {
            const auto c = static_cast<unsigned char>(statement[k]);
            if (c == '"') continue;
            if (!std::isalnum(c) && c != '_' && c != '.') break;
            w += static_cast<char>(std::toupper(c));
        }
        return w;
    };
    std::string first = word();
    std::string second = word();
    return {first, second, word()};
}

/// Whether `statement` starts or ends a transaction (BEGIN, START TRANSACTION, COMMIT, END,
/// ROLLBACK but not ROLLBACK TO a savepoint, ABORT, PREPARE TRANSACTION). Savepoints are fine.
bool controls_the_transaction(std::string_view statement) {
    const auto [first, second, third] = leading_words(statement);
    if (first == "BEGIN" || first == "COMMIT" || first == "END" || first == "ABORT") return true;
    if (first == "START" || first == "PREPARE") return second == "TRANSACTION";
    // ROLLBACK [TRANSACTION | WORK] TO [SAVEPOINT] name stays in the transaction.
    return first == "ROLLBACK" && second != "TO" && !((second == "TRANSACTION" || second == "WORK") && third == "TO");
}

/// Whether `statement` is psql's rather than the server's: a backslash meta-command (\set, \i,
/// \copy) or a COPY that streams its data through the client (FROM STDIN, TO STDOUT).
bool psql_only(std::string_view statement) {
    std::size_t k = 0;
    while (k < statement.size() && is_space(statement[k])) ++k;
    if (k < statement.size() && statement[k] == '\\') return true;
    if (leading_words(statement)[0] != "COPY") return false;
    std::string upper;
    for (char c : statement) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return upper.find("STDIN") != std::string::npos || upper.find("STDOUT") != std::string::npos;
}

/// Whether `statement` is a PRAGMA foreign_keys (main.foreign_keys, any spelling of its value).
bool sets_foreign_keys(std::string_view statement) {
    const auto words = leading_words(statement);
    return words[0] == "PRAGMA" && (words[1] == "FOREIGN_KEYS" || words[1].ends_with(".FOREIGN_KEYS"));
}

/// Whether `line` is `--`, blanks, then "strata" in any case and a colon after optional blanks:
/// meant as a directive, whether or not directive_text() takes it.
bool meant_as_directive(std::string_view line) {
    std::size_t k = 0;
    while (k < line.size() && is_space(line[k])) ++k;
    if (line.substr(k, 2) != "--") return false;
    k += 2;
    while (k < line.size() && is_space(line[k])) ++k;
    constexpr std::string_view word = "strata";
    for (char c : word) {
        if (k >= line.size() || std::tolower(static_cast<unsigned char>(line[k])) != c) return false;
        ++k;
    }
    while (k < line.size() && is_space(line[k])) ++k;
    if (k >= line.size() || line[k] != ':') return false;
    // ... followed by a directive's word: "-- Strata: a note" stays a comment.
    ++k;
    while (k < line.size() && is_space(line[k])) ++k;
    std::string next;
    for (; k < line.size() && (std::isalpha(static_cast<unsigned char>(line[k])) || line[k] == '-'); ++k)
        next += static_cast<char>(std::tolower(static_cast<unsigned char>(line[k])));
    return next == "up" || next == "down" || next == "no-transaction" || next == "allow";
}

directive parse_directive(std::string_view rest, std::string_view line_text, std::string_view file, std::size_t line) {
    const std::string shown = trimmed(line_text);
    auto fail = [&](const std::string& problem) { throw sql_file_error(std::string(file), line, problem); };
    if (trimmed(rest).empty()) fail("\"" + shown + "\" names no directive; the directives are " + std::string(directive_list));
    if (is_space(rest.front()))
        fail("a space after \"strata:\" in \"" + shown + "\"; write the directive right after it (the directives are " +
             directive_list + ")");
    std::vector<std::string> words;
    std::istringstream in{std::string(rest)};
    for (std::string w; in >> w;) words.push_back(w);
    directive d;
    if (words.size() == 1 && words[0] == "no-transaction") {
        d.what = directive::kind::no_transaction;
        return d;
    }
    if (!words.empty() && words[0] == "allow") {
        // -- strata:allow S010 <reason>: the reason is the rest of the line, as written.
        const bool data_loss = words.size() > 1 && words[1] == "data-loss";
        if (words.size() < 3 && data_loss)
            fail("\"" + shown + "\" needs a reason, which the rollback prints: -- strata:allow data-loss the down copies the "
                 "notes to notes_archive first");
        if (words.size() < 3)
            fail("\"" + shown + "\" needs a lint code and a reason: -- strata:allow S010 the statements were reviewed for locks");
        if (!data_loss && !find_lint_rule(words[1]))
            fail("\"" + words[1] + "\" in \"" + shown + "\" is no lint code (see lint --help) nor data-loss");
        const std::string after_code = std::string(rest.substr(rest.find(words[1]) + words[1].size()));
        d.what = data_loss ? directive::kind::allow_data_loss : directive::kind::allow;
        d.allowance = {words[1], trimmed(after_code)};
        if (const auto problem = schema::allowance_reason_problem(d.allowance.reason); data_loss && !problem.empty())
            fail("the reason in \"" + shown + "\" " + problem + "; every rollback prints and stores it: one line of UTF-8 text");
        return d;
    }
    if (words.empty() || words.size() > 2 || (words[0] != "up" && words[0] != "down"))
        fail("unknown directive \"" + shown + "\"; the directives are " + directive_list);
    d.dir = words[0] == "up" ? direction::up : direction::down;
    if (words.size() == 2) {
        if (words[1] == "postgresql")
            d.only = backend::postgresql;
        else if (words[1] == "sqlite")
            d.only = backend::sqlite;
        else
            fail("unknown dialect \"" + words[1] + "\" in \"" + shown + "\"; the dialects are postgresql and sqlite (the "
                 "directives are " + std::string(directive_list) + ")");
    }
    return d;
}

/// The label of a section in messages: `-- strata:up postgresql`.
std::string label(direction dir, std::optional<backend> only) {
    return std::string("-- strata:") + to_string(dir) + (only ? std::string(" ") + to_string(*only) : std::string());
}

/// A section of the file: the lines after its directive, up to the next section's.
struct section {
    std::size_t directive_line = 0;
    std::size_t first_line = 0;  ///< of `text`
    std::string text;            ///< a no-transaction line inside it left empty, so lines keep their numbers
};

/// `text` split for `dialect`, with the failure turned into the file's error.
std::vector<piece> split_for(std::string_view text, backend dialect, std::string_view file, std::size_t first_line) {
    try {
        return split(text, dialect, first_line);
    } catch (const split_failure& f) {
        throw sql_file_error(std::string(file), f.line, f.problem);
    }
}

/// A generic text split for both databases. A failure under one database's rules only (SQLite's
/// block comments do not nest, PostgreSQL has dollar quotes) says whose.
std::array<std::vector<piece>, 2> split_for_both(std::string_view text, std::string_view file, std::size_t first_line) {
    std::array<std::optional<split_failure>, 2> failures;
    std::array<std::vector<piece>, 2> out;
    constexpr std::array<backend, 2> order{backend::postgresql, backend::sqlite};
    for (std::size_t k = 0; k < 2; ++k) {
        try {
            out[k] = split(text, order[k], first_line);
        } catch (const split_failure& f) {
            failures[k] = f;
        }
    }
    for (std::size_t k = 0; k < 2; ++k) {
        if (!failures[k]) continue;
        const auto& other = failures[1 - k];
        bool both = other && other->line == failures[k]->line && other->problem == failures[k]->problem;
        throw sql_file_error(std::string(file), failures[k]->line,
                             failures[k]->problem + (both ? "" : std::string(" (as ") + to_string(order[k]) + " reads it)"));
    }
    return out;
}

std::vector<std::string> texts(const std::vector<piece>& pieces) {
    std::vector<std::string> out;
    out.reserve(pieces.size());
    for (const auto& p : pieces) out.push_back(p.text);
    return out;
}

}  // namespace

std::vector<std::string> split_sql_statements(std::string_view text, backend dialect, std::string_view file,
                                              std::size_t first_line) {
    return texts(split_for(text, dialect, file, first_line));
}

sql_unit parse_sql_unit(std::string_view text, std::string_view file) {
    const std::string file_name(file);
    // A UTF-8 byte order mark (some Windows editors write one) is not part of the first line.
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    using key = std::pair<direction, std::optional<backend>>;
    std::map<key, section> sections;
    section header{.directive_line = 0, .first_line = 1, .text = {}};
    section* current = &header;
    std::optional<std::size_t> no_transaction_line;
    std::vector<schema::lint_allowance> allowances;
    std::optional<std::string> data_loss_allowed;
    std::size_t data_loss_line = 0;
    std::vector<std::size_t> allow_lines;  // of the -- strata:allow S0xx directives

    std::size_t line = 1;
    for (std::size_t pos = 0; pos <= text.size(); ++line) {
        auto eol = text.find('\n', pos);
        const bool last = eol == std::string_view::npos;
        std::string_view line_text = text.substr(pos, (last ? text.size() : eol) - pos);
        pos = last ? text.size() + 1 : eol + 1;
        // CRLF is read as LF (git's core.autocrlf writes it on Windows checkouts), so the unit's
        // statements and checksum do not depend on the checkout; a string spanning lines too.
        if (line_text.ends_with('\r')) line_text.remove_suffix(1);

        auto rest = directive_text(line_text);
        if (!rest && meant_as_directive(line_text))
            // Read as a comment, the statements after it would stay in the section above: a
            // down's DROP run by up.
            throw sql_file_error(file_name, line,
                                 "\"" + trimmed(line_text) +
                                     "\" is not a directive as written, so it would be a comment and the statements after "
                                     "it would belong to the section above; directives are lower case with no blank before "
                                     "the colon: " + std::string(directive_list));
        if (!rest) {
            current->text.append(line_text);
            if (!last) current->text += '\n';
            continue;
        }
        auto d = parse_directive(*rest, line_text, file, line);
        if (d.what == directive::kind::allow) {
            allowances.push_back(std::move(d.allowance));
            allow_lines.push_back(line);
            current->text += '\n';
            continue;
        }
        if (d.what == directive::kind::allow_data_loss) {
            if (data_loss_allowed)
                throw sql_file_error(file_name, line, "a second -- strata:allow data-loss (the first is on line " +
                                                          std::to_string(data_loss_line) + "); keep one, with both reasons");
            data_loss_allowed = std::move(d.allowance.reason);
            data_loss_line = line;
            current->text += '\n';
            continue;
        }
        if (d.what == directive::kind::no_transaction) {
            if (no_transaction_line)
                throw sql_file_error(file_name, line, "a second -- strata:no-transaction (the first is on line " +
                                                          std::to_string(*no_transaction_line) + "); remove one");
            no_transaction_line = line;
            current->text += '\n';
            continue;
        }
        auto [it, added] = sections.try_emplace(key{d.dir, d.only}, section{.directive_line = line, .first_line = line + 1, .text = {}});
        if (!added)
            throw sql_file_error(file_name, line, "a second \"" + label(d.dir, d.only) + "\" section (the first starts on line " +
                                                      std::to_string(it->second.directive_line) + "); merge them into one");
        current = &it->second;
    }

    // Reported at the top of the file, where the reader looks for its sections.
    if (sections.empty()) throw sql_file_error(file_name, 1, no_up_section);
    for (const auto& pieces : split_for_both(header.text, file, header.first_line))
        if (!pieces.empty())
            throw sql_file_error(file_name, pieces.front().first_line,
                                 "a statement before the first -- strata: directive; only comments may come before it "
                                 "(put statements under \"-- strata:up\" or \"-- strata:down\")");

    // Each section split with the rules of each database it is for.
    std::map<std::pair<key, backend>, std::vector<piece>> split_sections;
    for (const auto& [k, s] : sections) {
        if (k.second) {
            split_sections[{k, *k.second}] = split_for(s.text, *k.second, file, s.first_line);
        } else {
            auto both = split_for_both(s.text, file, s.first_line);
            split_sections[{k, backend::postgresql}] = std::move(both[0]);
            split_sections[{k, backend::sqlite}] = std::move(both[1]);
        }
    }
    // A directive line inside a statement would leave an empty line in its text (changing an
    // applied unit's checksum) or, in a body, split nothing it should.
    std::vector<std::pair<std::size_t, std::string>> loose;
    if (no_transaction_line) loose.emplace_back(*no_transaction_line, "-- strata:no-transaction");
    for (auto at : allow_lines) loose.emplace_back(at, "-- strata:allow");
    if (data_loss_allowed) loose.emplace_back(data_loss_line, "-- strata:allow data-loss");
    for (const auto& [at, what] : loose)
        for (const auto& [k, pieces] : split_sections)
            for (const auto& p : pieces)
                if (p.first_line < at && at < p.last_line)
                    throw sql_file_error(file_name, at,
                                         what + " inside the statement that starts on line " + std::to_string(p.first_line) +
                                             "; put it on a line of its own between statements or at the top of the file");

    // Not SQL, and each fails the build here rather than the deploy or the rollback: psql's
    // \gexec (strata's own statements only), and a down that is not UTF-8 (the history stores
    // the down statements as JSON text).
    for (const auto& [k, pieces] : split_sections)
        for (const auto& p : pieces) {
            if (schema::has_gexec_line(p.text))
                throw sql_file_error(file_name, p.first_line,
                                     "a \\gexec line (psql's meta-command, not SQL): strata does not run what a query "
                                     "returns for a unit; write the statements themselves, or a DO block with EXECUTE "
                                     "(PostgreSQL)");
            if (k.first.first == direction::down && schema::invalid_utf8_at(p.text) != std::string_view::npos)
                throw sql_file_error(file_name, p.first_line,
                                     "the down statement is not UTF-8, and strata stores the down statements with the "
                                     "history row as UTF-8 text: save the file as UTF-8");
        }

    // A statement `offends` refuses on `only` (both databases when none) fails the build with `why`.
    auto refuse = [&](std::optional<backend> only, auto offends, auto why) {
        for (const auto& [k, pieces] : split_sections)
            if (!only || k.second == *only)
                for (const auto& p : pieces)
                    if (offends(p.text)) throw sql_file_error(file_name, p.first_line, why(p.text));
    };

    // strata runs a unit in a transaction with its history row (or, with no-transaction, marks
    // the row before and after): a COMMIT inside would keep what came before it when a later
    // statement fails while the report said "rolled back", a ROLLBACK would undo what the
    // history then records as applied.
    // (A unit outside a transaction may open and end its own: the history row is marked before
    // and after it, and an interruption in between leaves the unit dirty.)
    if (!no_transaction_line)
        refuse(std::nullopt, controls_the_transaction, [](std::string_view statement) {
            return "\"" + leading_words(statement)[0] +
                   "\" ends or starts a transaction, which strata manages: each unit runs in a transaction of its own with "
                   "its history row, so a COMMIT or ROLLBACK inside it would make the history lie; remove it (savepoints "
                   "are fine; a unit that manages its own transactions says -- strata:no-transaction)";
        });
    // psql's own: its meta-commands, and COPY's data lines, which only a client that streams them
    // can send (the build took the data for statements; PostgreSQL then failed with no message).
    refuse(std::nullopt, psql_only, [](std::string_view statement) {
        return std::string(leading_words(statement)[0] == "COPY" ? "COPY ... FROM STDIN or TO STDOUT" : "a psql meta-command") +
               " is psql's, not SQL a migration can run; load data with INSERT ... SELECT / VALUES, or COPY FROM a file "
               "the server can read";
    });
    if (!no_transaction_line) {
        // SQLite ignores PRAGMA foreign_keys inside a transaction: a hand-written table rebuild
        // (sqlite.org's twelve steps) then runs with foreign keys on, and dropping the old
        // table deletes the child rows of every ON DELETE CASCADE key.
        refuse(backend::sqlite, sets_foreign_keys, [](std::string_view) {
            return std::string(
                "PRAGMA foreign_keys does nothing inside the transaction strata runs the unit in, so SQLite keeps enforcing "
                "foreign keys (dropping a table deletes the rows of ON DELETE CASCADE keys to it); for a table rebuild by "
                "hand put -- strata:no-transaction at the top of the file, or let strata rebuild the table (a C++ unit's "
                "change_column, drop_column, ...), which it does with foreign keys off");
        });
        // PostgreSQL keeps a plain SET for the rest of the session: the units after this one in
        // the run, and strata's own statements, would run with it (a search_path that put later
        // tables in another schema, a statement_timeout that killed the next unit). SET LOCAL
        // ends with the unit's transaction. (Outside a transaction, SET LOCAL does nothing:
        // such a unit may SET.)
        const auto session_set = [](std::string_view statement) {
            const auto [first, second, third] = leading_words(statement);
            return first == "SET" && second != "LOCAL" && second != "TRANSACTION" && second != "CONSTRAINTS";
        };
        refuse(backend::postgresql, session_set, [](std::string_view) {
            return std::string("a SET lasts for the rest of the session, so it would apply to the units after this one and to "
                               "strata's own statements; write SET LOCAL, which ends with the unit's transaction (a pg_dump "
                               "header's SETs can go)");
        });
    }

    auto script = [&](direction dir) -> std::optional<schema::sql_script> {
        schema::sql_script out{.postgresql = std::nullopt, .sqlite = std::nullopt, .source = file_name, .role = dir};
        bool any = false;
        for (backend b : {backend::postgresql, backend::sqlite}) {
            auto own = split_sections.find({key{dir, b}, b});
            auto generic = split_sections.find({key{dir, std::nullopt}, b});
            auto found = own != split_sections.end() ? own : generic;
            if (found == split_sections.end()) continue;
            (b == backend::postgresql ? out.postgresql : out.sqlite) = texts(found->second);
            auto& lines = b == backend::postgresql ? out.postgresql_lines : out.sqlite_lines;
            for (const auto& p : found->second) lines.push_back(p.first_line);
            any = true;
        }
        if (!any) return std::nullopt;
        return out;
    };

    sql_unit unit;
    auto up = script(direction::up);
    if (!up) throw sql_file_error(file_name, 1, no_up_section);
    // Nothing to run on any database: a unit not written yet (`new --sql` leaves its sections
    // empty). Applied, it would record a checksum of nothing, and writing it then makes it
    // `changed`. One database's empty section of its own stays a deliberate no-op there.
    if (up->postgresql.value_or(std::vector<std::string>{}).empty() && up->sqlite.value_or(std::vector<std::string>{}).empty()) {
        std::size_t at = 0;
        for (const auto& [k, s] : sections)
            if (k.first == direction::up && (at == 0 || s.directive_line < at)) at = s.directive_line;
        throw sql_file_error(file_name, at,
                             "the up section has no statement; write the unit's SQL under it (a unit that does nothing "
                             "on one database gives that database an empty section of its own)");
    }
    unit.up = std::move(*up);
    unit.down = script(direction::down);
    const auto empty = [](const std::optional<std::vector<std::string>>& s) { return !s || s->empty(); };
    if (data_loss_allowed && (!unit.down || (empty(unit.down->postgresql) && empty(unit.down->sqlite))))
        throw sql_file_error(file_name, data_loss_line,
                             std::string("-- strata:allow data-loss says what the down may drop, and the file has ") +
                                 (unit.down ? "an empty -- strata:down section" : "no -- strata:down section") +
                                 "; write the down, or remove the line");
    unit.no_transaction = no_transaction_line.has_value();
    unit.allowances = std::move(allowances);
    unit.data_loss_allowed = std::move(data_loss_allowed);
    return unit;
}

sql_unit read_sql_unit(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw sql_file_error(path.string(), 0, "cannot open the file");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw sql_file_error(path.string(), 0, "cannot read the file");
    return parse_sql_unit(text.str(), path.string());
}

sql_migration::sql_migration(std::int64_t version, std::string name, std::string_view text, std::string file)
    : version_(version), name_(std::move(name)), file_(std::move(file)), parsed_(parse_sql_unit(text, file_)) {}

migration_info sql_migration::info() const {
    return {.version = version_,
            .name = name_,
            .transaction = parsed_.no_transaction ? transaction_mode::none : transaction_mode::per_unit};
}

void sql_migration::change(schema::builder& b) const {
    b.add(schema::raw_statements{parsed_.up, parsed_.down});
    for (const auto& a : parsed_.allowances) b.allow(a.code, a.reason);
    if (parsed_.data_loss_allowed) b.allow_data_loss(*parsed_.data_loss_allowed);
}

void sql_migration::down(schema::builder& b) const {
    const error_context where{.version = version_, .unit_name = name_, .dir = direction::down, .refused = true};
    if (!parsed_.down) throw irreversible_error(file_ + " has no -- strata:down section; add one to make the unit reversible", where);
    // `new --sql` writes an empty down section: left so, a down would record the unit reverted
    // and leave what its up made. Empty on every database is not written yet; empty on one
    // database of its own is a deliberate no-op there, as for up.
    const auto none = [](const std::optional<std::vector<std::string>>& s) { return !s || s->empty(); };
    if (none(parsed_.down->postgresql) && none(parsed_.down->sqlite))
        throw irreversible_error(file_ + "'s -- strata:down section has no statement; write the statements that undo its up "
                                         "(for a unit with nothing to undo, one that says so, such as SELECT 1)",
                                 where);
    migration::down(b);
}

namespace detail {

sql_registrar::sql_registrar(registry& units, std::int64_t version, const char* name, std::string_view text,
                             const char* file) noexcept {
    try {
        units.add(std::make_shared<const sql_migration>(version, name, text, file), file);
    } catch (const std::exception& e) {
        try {
            units.add_problem(e.what());
        } catch (...) {  // no memory for the message: the registry records that something failed
            units.add(nullptr, file);
        }
    } catch (...) {
        units.add(nullptr, file);
    }
}

}  // namespace detail
}  // namespace strata
