#include "sql_unit/statement_splitter.hpp"

#include <algorithm>
#include <optional>
#include <utility>

namespace strata::detail::statements {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

namespace {

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
        after_semicolon_ = end_after_semicolon_ = false;
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
        } else if (c == ';' && !postgresql_) {
            // SQLite ends a statement, or one of a trigger body's, at every `;`: a `(` still open
            // there is one its author forgot to close.
            if (!open_parens_.empty()) throw unclosed_parenthesis(open_parens_.back(), line);
            advance_to(i_ + 1);
            if (has_body() && !end_after_semicolon_) {  // inside a SQLite trigger: a `;` of its body
                significant(from, line);
                after_semicolon_ = true;
            } else {
                finish(false);
            }
        } else if (c == ';' && depth_ == 0 && open_parens_.empty()) {
            advance_to(i_ + 1);
            finish(false);
        } else {
            // PostgreSQL runs `;` inside parentheses as part of one statement (CREATE RULE ... DO
            // (a; b)); psql does not split there either. So a `(` never closed takes every
            // statement after it into its own: remember the first `;` inside, to name it.
            if (c == '(') {
                open_parens_.push_back(line);
            } else if (c == ')' && !open_parens_.empty()) {
                open_parens_.pop_back();
                if (swallowed_ && open_parens_.size() < swallowed_->depth) {
                    if (open_parens_.empty())
                        swallowed_.reset();
                    else  // the `;` is inside the outer ( too
                        swallowed_ = semicolon_inside{open_parens_.back(), swallowed_->semicolon_line, open_parens_.size()};
                }
            } else if (c == ';' && !open_parens_.empty() && !swallowed_) {
                swallowed_ = semicolon_inside{open_parens_.back(), line, open_parens_.size()};
            }
            advance_to(i_ + 1);
            other_token(from, line);
        }
    }

    /// A `(` opened on `paren_line` and not closed before the `;` on `semicolon_line` (0: before
    /// the end of the text). Valid SQL has none on either database: parentheses in strings,
    /// quoted names, comments and dollar-quoted bodies are skipped before they are counted.
    static split_failure unclosed_parenthesis(std::size_t paren_line, std::size_t semicolon_line) {
        return {paren_line, "unclosed parenthesis starting here: there is no ) before " +
                                (semicolon_line ? "the ; on line " + std::to_string(semicolon_line) : std::string("the end of the section")) +
                                "; close it with )"};
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

    /// PostgreSQL: BEGIN and CASE open what END closes, so that `CASE ... END` inside a body
    /// does not end it; like psql, only outside parentheses, and CASE only inside a BEGIN.
    /// SQLite: a trigger ends at `END;` right after a `;` of its body (sqlite3_complete()'s rule:
    /// no statement of a body starts with END), so columns named `end` or `begin` do not count.
    void track_body(const std::string& keyword, std::size_t line) {
        if (!has_body()) return;
        if (!postgresql_) {
            if (keyword == "BEGIN" && body_line_ == 0) {
                body_line_ = line;
                body_keyword_ = keyword;
            }
            end_after_semicolon_ = keyword == "END" && after_semicolon_;
            after_semicolon_ = false;
            return;
        }
        if (!open_parens_.empty()) return;
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
        if (at_end && !postgresql_ && has_body() && !end_after_semicolon_ && start_) {
            if (body_line_ == 0) body_line_ = start_line_, body_keyword_ = "CREATE TRIGGER";
            depth_ = 1;
        }
        // Before an unterminated body: an END inside an unclosed ( does not count.
        if (!open_parens_.empty())
            throw swallowed_ ? unclosed_parenthesis(swallowed_->paren_line, swallowed_->semicolon_line)
                             : unclosed_parenthesis(open_parens_.back(), 0);
        if (at_end && depth_ > 0)
            throw split_failure{body_line_, std::string(postgresql_ ? "unterminated function body: " : "unterminated trigger body: ") +
                                                "this " + body_keyword_ + " has no matching END" +
                                                (postgresql_ ? "" : " (the END closing a trigger is followed by ;)")};
        if (start_) pieces_.push_back({std::string(text_.substr(*start_, end_ - *start_)), start_line_, end_line_});
        start_.reset();
        swallowed_.reset();
        words_.clear();
        words_closed_ = false;
        depth_ = 0;
        after_semicolon_ = end_after_semicolon_ = false;
        body_line_ = 0;
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
    /// The `;` first met inside a still open `(` (PostgreSQL): the ( innermost then, and how many were open.
    struct semicolon_inside {
        std::size_t paren_line;
        std::size_t semicolon_line;
        std::size_t depth;
    };
    std::vector<std::size_t> open_parens_;  ///< the line of each `(` not closed yet
    std::optional<semicolon_inside> swallowed_;
    bool after_semicolon_ = false;      ///< SQLite trigger: the last token was a `;` of its body
    bool end_after_semicolon_ = false;  ///< SQLite trigger: the last token was END after such a `;`
    std::size_t body_line_ = 0;
    std::string body_keyword_;
};

}  // namespace

std::vector<piece> split(std::string_view text, backend dialect, std::size_t first_line) {
    return splitter(text, dialect, first_line).run();
}

}  // namespace strata::detail::statements
