#include <strata/sql_unit.hpp>

#include <algorithm>
#include <array>
#include <fstream>
#include <initializer_list>
#include <map>
#include <memory>
#include <sstream>
#include <utility>

namespace strata {
namespace {

/// A problem found while splitting, before it is given its file.
struct split_failure {
    std::size_t line;
    std::string problem;
};

/// One statement and the lines it starts and ends on.
struct piece {
    std::string text;
    std::size_t first_line;
    std::size_t last_line;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) {
    auto u = static_cast<unsigned char>(c);
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || u >= 0x80;  // non-ASCII: part of a name
}
/// Both databases let names go on with digits and `$`: `$` right after one is part of the name.
bool is_word_char(char c) { return is_letter(c) || is_digit(c) || c == '$'; }

std::string upper(std::string_view word) {
    std::string out(word);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

/// Splits one text into statements for one database. Only `;` outside every quoted or bracketed
/// construct ends a statement; a statement's text runs from its first to its last character that
/// is not whitespace or comment.
class splitter {
public:
    splitter(std::string_view text, backend dialect, std::size_t first_line)
        : text_(text), postgresql_(dialect == backend::postgresql), line_(first_line) {}

    std::vector<piece> run() {
        while (i_ < text_.size()) step();
        finish(true);
        return std::move(pieces_);
    }

private:
    char at(std::size_t k) const { return k < text_.size() ? text_[k] : '\0'; }

    /// Moves past text_[i_, to), counting lines.
    void advance_to(std::size_t to) {
        line_ += static_cast<std::size_t>(std::count(text_.begin() + static_cast<std::ptrdiff_t>(i_),
                                                     text_.begin() + static_cast<std::ptrdiff_t>(to), '\n'));
        i_ = to;
    }

    /// text_[from, i_) is part of the current statement.
    void significant(std::size_t from, std::size_t line) {
        if (!start_) {
            start_ = from;
            start_line_ = line;
        }
        end_ = i_;
        end_line_ = line_;
    }

    /// A token that is not a word: the statement's leading keywords are over.
    void other_token(std::size_t from, std::size_t line) {
        words_closed_ = true;
        significant(from, line);
    }

    void step() {
        const char c = text_[i_];
        const char next = at(i_ + 1);
        const std::size_t from = i_;
        const std::size_t line = line_;
        if (is_space(c)) {
            advance_to(i_ + 1);
        } else if (c == '-' && next == '-') {
            auto eol = text_.find('\n', i_);
            advance_to(eol == std::string_view::npos ? text_.size() : eol);
        } else if (c == '/' && next == '*') {
            block_comment();
        } else if (c == '\'') {
            quoted('\'', false, "string", line);
            other_token(from, line);
        } else if (c == '"') {
            quoted('"', false, "quoted identifier", line);
            other_token(from, line);
        } else if (!postgresql_ && c == '`') {
            quoted('`', false, "quoted identifier", line);
            other_token(from, line);
        } else if (!postgresql_ && c == '[') {
            // SQLite takes [name] as a quoted identifier (for compatibility with SQL Server).
            auto close = text_.find(']', i_ + 1);
            if (close == std::string_view::npos)
                throw split_failure{line, "unterminated [quoted identifier] starting here; close it with ]"};
            advance_to(close + 1);
            other_token(from, line);
        } else if (postgresql_ && c == '$' && !is_digit(next)) {
            dollar(from, line);
        } else if (is_word_char(c)) {  // also $1, a parameter, and SQLite's $name
            word(from, line);
        } else if (c == ';' && depth_ == 0 && parens_ == 0) {
            advance_to(i_ + 1);
            finish(false);
        } else {
            // PostgreSQL runs `;` inside parentheses as part of one statement (CREATE RULE ... DO
            // (a; b)); psql does not split there either.
            if (postgresql_ && c == '(') ++parens_;
            if (postgresql_ && c == ')' && parens_ > 0) --parens_;
            advance_to(i_ + 1);
            other_token(from, line);
        }
    }

    /// PostgreSQL nests block comments, SQLite ends one at the first `*/`.
    void block_comment() {
        const std::size_t line = line_;
        std::size_t k = i_ + 2;
        int nesting = 1;
        while (k < text_.size()) {
            if (text_[k] == '*' && at(k + 1) == '/') {
                k += 2;
                if (--nesting == 0) break;
            } else if (postgresql_ && text_[k] == '/' && at(k + 1) == '*') {
                k += 2;
                ++nesting;
            } else {
                ++k;
            }
        }
        if (nesting != 0)
            throw split_failure{line, std::string("unterminated /* comment starting here; close it with */") +
                                          (postgresql_ ? " (PostgreSQL nests /* */ comments: each /* needs its */)" : "")};
        advance_to(k);
    }

    /// From the opening `quote` at i_ to past its closing one. A doubled quote stands for
    /// itself; `backslashes` (PostgreSQL E'...') also lets a backslash escape the next character.
    void quoted(char quote, bool backslashes, const char* what, std::size_t line) {
        std::size_t k = i_ + 1;
        while (k < text_.size()) {
            if (backslashes && text_[k] == '\\') {
                k += 2;
            } else if (text_[k] == quote) {
                if (at(k + 1) != quote) {
                    advance_to(k + 1);
                    return;
                }
                k += 2;
            } else {
                ++k;
            }
        }
        throw split_failure{line, std::string("unterminated ") + what + " starting here; close it with " + quote};
    }

    /// PostgreSQL: `$tag$ ... $tag$` (a tag starts with a letter or `_`) or a lone `$`.
    void dollar(std::size_t from, std::size_t line) {
        std::size_t k = i_ + 1;
        if (is_letter(at(k)))
            while (is_letter(at(k)) || is_digit(at(k))) ++k;
        if (at(k) != '$') {
            advance_to(i_ + 1);
            other_token(from, line);
            return;
        }
        const std::string_view tag = text_.substr(i_, k + 1 - i_);
        auto close = text_.find(tag, k + 1);
        if (close == std::string_view::npos)
            throw split_failure{line, "unterminated dollar-quoted body starting here; close it with " + std::string(tag)};
        advance_to(close + tag.size());
        other_token(from, line);
    }

    void word(std::size_t from, std::size_t line) {
        std::size_t k = i_;
        while (is_word_char(at(k))) ++k;
        const std::string_view w = text_.substr(i_, k - i_);
        if (postgresql_ && (w == "E" || w == "e") && at(k) == '\'') {
            advance_to(k);
            quoted('\'', true, "string", line);
            other_token(from, line);
            return;
        }
        advance_to(k);
        significant(from, line);
        const std::string keyword = upper(w);
        if (!words_closed_ && words_.size() < 4) words_.push_back(keyword);
        track_body(keyword, line);
    }

    bool starts_with(std::initializer_list<const char*> keywords) const {
        if (words_.size() < keywords.size()) return false;
        return std::equal(keywords.begin(), keywords.end(), words_.begin(),
                          [](const char* a, const std::string& b) { return b == a; });
    }

    /// Whether the statement is one whose body holds `;`: SQLite's CREATE [TEMP] TRIGGER, or
    /// PostgreSQL's CREATE [OR REPLACE] FUNCTION/PROCEDURE (a BEGIN ATOMIC body).
    bool has_body() const {
        if (!postgresql_)
            return starts_with({"CREATE", "TRIGGER"}) || starts_with({"CREATE", "TEMP", "TRIGGER"}) ||
                   starts_with({"CREATE", "TEMPORARY", "TRIGGER"});
        return starts_with({"CREATE", "FUNCTION"}) || starts_with({"CREATE", "PROCEDURE"}) ||
               starts_with({"CREATE", "OR", "REPLACE", "FUNCTION"}) || starts_with({"CREATE", "OR", "REPLACE", "PROCEDURE"});
    }

    /// BEGIN and CASE open what END closes, so that `CASE ... END` inside a body does not end
    /// it. PostgreSQL follows psql: only outside parentheses, and CASE only inside a BEGIN.
    void track_body(const std::string& keyword, std::size_t line) {
        if (!has_body() || (postgresql_ && parens_ > 0)) return;
        const bool opens = keyword == "BEGIN" || (keyword == "CASE" && (!postgresql_ || depth_ > 0));
        if (opens) {
            if (depth_ == 0) {
                body_line_ = line;
                body_keyword_ = keyword;
            }
            ++depth_;
        } else if (keyword == "END" && depth_ > 0) {
            --depth_;
        }
    }

    /// Ends the current statement (at a `;`, or at the end of the text).
    void finish(bool at_end) {
        if (at_end && depth_ > 0)
            throw split_failure{body_line_, std::string(postgresql_ ? "unterminated function body: " : "unterminated trigger body: ") +
                                                "this " + body_keyword_ + " has no matching END"};
        if (start_) pieces_.push_back({std::string(text_.substr(*start_, end_ - *start_)), start_line_, end_line_});
        start_.reset();
        words_.clear();
        words_closed_ = false;
        depth_ = 0;
        parens_ = 0;
    }

    std::string_view text_;
    bool postgresql_;
    std::size_t i_ = 0;
    std::size_t line_;
    std::vector<piece> pieces_;
    // The current statement.
    std::optional<std::size_t> start_;
    std::size_t start_line_ = 0;
    std::size_t end_ = 0;
    std::size_t end_line_ = 0;
    std::vector<std::string> words_;  ///< its first keywords, upper-case
    bool words_closed_ = false;
    int depth_ = 0;
    int parens_ = 0;
    std::size_t body_line_ = 0;
    std::string body_keyword_;
};

std::vector<piece> split(std::string_view text, backend dialect, std::size_t first_line) {
    return splitter(text, dialect, first_line).run();
}

constexpr const char* no_up_section =
    "no -- strata:up section; put the unit's statements under a \"-- strata:up\" line (or under \"-- strata:up "
    "postgresql\" and \"-- strata:up sqlite\"), and the statements that undo them under \"-- strata:down\"";

constexpr const char* directive_list =
    "-- strata:up, -- strata:down, -- strata:up postgresql, -- strata:up sqlite, -- strata:down postgresql, "
    "-- strata:down sqlite, -- strata:no-transaction";

/// One directive line.
struct directive {
    enum class kind { section, no_transaction };
    kind what = kind::section;
    direction dir = direction::up;
    std::optional<backend> only;  ///< nullopt: the generic section
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

    std::size_t line = 1;
    for (std::size_t pos = 0; pos <= text.size(); ++line) {
        auto eol = text.find('\n', pos);
        const bool last = eol == std::string_view::npos;
        const std::string_view line_text = text.substr(pos, (last ? text.size() : eol) - pos);
        pos = last ? text.size() + 1 : eol + 1;

        auto rest = directive_text(line_text);
        if (!rest) {
            current->text.append(line_text);
            if (!last) current->text += '\n';
            continue;
        }
        auto d = parse_directive(*rest, line_text, file, line);
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
    if (no_transaction_line)
        for (const auto& [k, pieces] : split_sections)
            for (const auto& p : pieces)
                if (p.first_line < *no_transaction_line && *no_transaction_line < p.last_line)
                    throw sql_file_error(file_name, *no_transaction_line,
                                         "-- strata:no-transaction inside the statement that starts on line " +
                                             std::to_string(p.first_line) +
                                             "; put it on a line of its own between statements or at the top of the file");

    auto script = [&](direction dir) -> std::optional<schema::sql_script> {
        schema::sql_script out{.postgresql = std::nullopt, .sqlite = std::nullopt, .source = file_name, .role = dir};
        bool any = false;
        for (backend b : {backend::postgresql, backend::sqlite}) {
            auto own = split_sections.find({key{dir, b}, b});
            auto generic = split_sections.find({key{dir, std::nullopt}, b});
            auto found = own != split_sections.end() ? own : generic;
            if (found == split_sections.end()) continue;
            (b == backend::postgresql ? out.postgresql : out.sqlite) = texts(found->second);
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
    unit.no_transaction = no_transaction_line.has_value();
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

void sql_migration::change(schema::builder& b) const { b.add(schema::raw_statements{parsed_.up, parsed_.down}); }

void sql_migration::down(schema::builder& b) const {
    if (!parsed_.down)
        throw irreversible_error(file_ + " has no -- strata:down section; add one to make the unit reversible",
                                 {.version = version_, .unit_name = name_, .dir = direction::down});
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
