// The .sql unit reader on generated SQL (dollar quotes, nested comments, E'' strings, semicolons
// in strings and identifiers, BEGIN ... END bodies, the -- strata: directives) and on mutations
// of it: split_sql_statements for each database and parse_sql_unit.
#include "mutator.hpp"

#include <strata/database_url.hpp>
#include <strata/error.hpp>
#include <strata/sql_unit.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

namespace {

using strata::backend;

const std::vector<std::string> sql_tokens{
    ";", "'", "''", "\"", "\"\"", "`", "[", "]", "(", ")", "$", "$$", "$body$", "$a$", "$1", "E'", "e'\\'", "\\", "--",
    "/*", "*/", "/* /* */ */", "\n", "\r\n", " ", "\t", "BEGIN", "BEGIN ATOMIC", "END", "CASE", "END;", "CREATE",
    "TRIGGER", "TEMP", "FUNCTION", "PROCEDURE", "OR REPLACE", "SELECT 1", "-- strata:up\n", "-- strata:down\n",
    "\n-- strata:up\n", "\n-- strata:down\n", "\n-- strata:up postgresql\n", "\n-- strata:up sqlite\n",
    "\n-- strata:down postgresql\n", "\n-- strata:down sqlite\n", "\n-- strata:no-transaction\n", "\n-- strata: up\n",
    "\n-- strata:\n", "\n--strata:up mysql\n", "\n\t--  strata:up\n", "\xEF\xBB\xBF", "\xff", std::string(1, '\0')};

/// Statements, each valid on at least one database, and each with something a naive splitter
/// gets wrong.
const std::vector<std::string> statements{
    "SELECT 1",
    "INSERT INTO t VALUES ('a;b')",
    "SELECT 'it''s; here'",
    "SELECT E'it\\'s; here'",
    "SELECT e'a\\\\'",
    "SELECT \"a;\"\"b\" FROM t",
    "SELECT [a;b] FROM t",
    "SELECT `a;b` FROM t",
    "SELECT 1 -- it's; not the end\n, 2",
    "SELECT /* don't; stop */ 1",
    "SELECT /* outer /* inner; */ still; */ 1",
    "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql",
    "CREATE OR REPLACE FUNCTION g() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql",
    "CREATE FUNCTION h() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END",
    "CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); END",
    "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET a = CASE WHEN 1 THEN 2 END; DELETE FROM u; END",
    "CREATE TEMP TRIGGER tt BEFORE DELETE ON t BEGIN SELECT 1; END",
    "CREATE RULE r AS ON INSERT TO t DO (INSERT INTO u VALUES (1); INSERT INTO v VALUES (2))",
    "SELECT $1, $a, a$b FROM t",
    "SELECT $tag$ ; $notag$ ; $tag$",
    "BEGIN",
    "END",
    "CREATE INDEX \"orders_account_idx\" ON \"orders\" (\"accountId\")",
    "UPDATE t SET note = 'line one\nline two; three'",
};

const std::vector<std::string> directives{
    "-- strata:up", "-- strata:down", "-- strata:up postgresql", "-- strata:up sqlite", "-- strata:down postgresql",
    "-- strata:down sqlite", "-- strata:no-transaction", "--strata:up", "  --\tstrata:down"};

const std::vector<std::string> comments{"-- a comment; with 'quote\n", "/* block; */", "/* a /* nested */ one */", "\n",
                                        "  ", "-- strata: is not a directive here\n"};

class sql_generator {
public:
    explicit sql_generator(strata::fuzz::mutator& m) : m_(m) {
        // SQLite reads E'it\'s' as an unterminated string, and a rule's (a; b) as an unclosed
        // parenthesis: not for a section both databases read.
        for (const auto& s : statements)
            if (s.find("E'it") == std::string::npos && !s.starts_with("CREATE RULE")) both_.push_back(s);
    }

    /// Statements with comments between them; `both`: only those both databases can split.
    std::string section(bool both = false) {
        std::string out;
        for (std::size_t n = m_.below(5), k = 0; k < n; ++k) {
            if (m_.chance(30)) out += m_.pick(comments);
            out += m_.pick(both ? both_ : statements);
            out += m_.chance(85) ? ";" : " ";
            out += m_.chance(50) ? "\n" : " ";
        }
        return out;
    }

    /// A whole .sql unit: a header comment, an up section (generic or one per database), mostly
    /// a down section, now and then -- strata:no-transaction or a directive anywhere.
    std::string unit() {
        std::string out = m_.chance(70) ? "-- header comment\n" : "";
        if (m_.chance(15)) out += "-- strata:no-transaction\n";
        for (const char* dir : {"up", "down"}) {
            if (std::string(dir) == "down" && m_.chance(30)) break;
            const std::string directive = std::string("-- strata:") + dir;
            if (m_.chance(70)) {
                out += directive + "\n" + section(true) + "\n";
            } else {
                out += directive + " postgresql\n" + section() + "\n";
                out += directive + " sqlite\n" + section() + "\n";
            }
        }
        if (m_.chance(15)) out.insert(m_.below(out.size() + 1), "\n" + m_.pick(directives) + "\n");
        return out;
    }

private:
    strata::fuzz::mutator& m_;
    std::vector<std::string> both_;
};

/// The characters both databases skip between statements.
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

/// Past whitespace, comments and `;` from `pos` (a model of what lies between statements,
/// written apart from the splitter). Sets `semicolons` to how many `;` it passed.
std::size_t skip_between(std::string_view text, std::size_t pos, backend dialect, std::size_t& semicolons) {
    semicolons = 0;
    while (pos < text.size()) {
        if (is_space(text[pos])) {
            ++pos;
        } else if (text[pos] == ';') {
            ++semicolons;
            ++pos;
        } else if (text.substr(pos, 2) == "--") {
            pos = std::min(text.find('\n', pos), text.size());
        } else if (text.substr(pos, 2) == "/*") {
            int depth = 0;
            do {
                if (text.substr(pos, 2) == "/*" && (depth == 0 || dialect == backend::postgresql)) {
                    ++depth;
                    pos += 2;
                } else if (text.substr(pos, 2) == "*/") {
                    --depth;
                    pos += 2;
                } else {
                    ++pos;
                }
            } while (depth > 0 && pos < text.size());
        } else {
            break;
        }
    }
    return pos;
}

/// How many inputs split without an error, and how many parsed as a unit: shown with
/// --log_level=message, to see that the generators reach past the first error.
std::size_t split_ok = 0, units_ok = 0;

std::optional<std::string> check_split(const std::string& text, backend dialect) {
    std::vector<std::string> pieces;
    try {
        pieces = strata::split_sql_statements(text, dialect, "fuzz.sql");
        ++split_ok;
    } catch (const strata::sql_file_error& e) {
        if (e.file() != "fuzz.sql" || e.line() < 1 || e.line() > 1 + static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')))
            return std::string("an error naming another file or line: ") + e.what();
        return std::nullopt;
    } catch (const std::exception& e) {
        return std::string("split threw ") + typeid(e).name() + ", not strata::sql_file_error: " + e.what();
    } catch (...) {
        return "split threw something that is not a std::exception";
    }

    // The statements, in order, with only whitespace, comments and `;` around them: nothing of
    // the input is lost, and two statements have a `;` between them.
    std::size_t pos = 0, semicolons = 0;
    for (std::size_t k = 0; k < pieces.size(); ++k) {
        const std::string& piece = pieces[k];
        pos = skip_between(text, pos, dialect, semicolons);
        if (piece.empty() || is_space(piece.front()) || is_space(piece.back()))
            return "a statement that is empty or not trimmed: " + strata::fuzz::literal(piece);
        if (text.compare(pos, piece.size(), piece) != 0)
            return "statement " + std::to_string(k + 1) + " " + strata::fuzz::literal(piece) + " is not the input's next text, at offset " +
                   std::to_string(pos);
        if (k > 0 && semicolons == 0) return "statements " + std::to_string(k) + " and " + std::to_string(k + 1) + " have no ; between them";
        pos += piece.size();
        // Split again alone, a statement is itself.
        std::vector<std::string> alone;
        try {
            alone = strata::split_sql_statements(piece, dialect, "fuzz.sql");
        } catch (const strata::error& e) {
            return "statement " + strata::fuzz::literal(piece) + " does not split alone: " + e.what();
        }
        if (alone != std::vector<std::string>{piece}) return "statement " + strata::fuzz::literal(piece) + " splits alone into " + std::to_string(alone.size());
    }
    if (skip_between(text, pos, dialect, semicolons) != text.size())
        return "text after the last statement is lost, from offset " + std::to_string(pos);
    return std::nullopt;
}

/// Whether a line of a statement (after its first) is a directive, which must end a section.
bool holds_directive_line(const std::string& statement) {
    for (auto nl = statement.find('\n'); nl != std::string::npos; nl = statement.find('\n', nl + 1)) {
        std::size_t k = nl + 1;
        while (k < statement.size() && is_space(statement[k]) && statement[k] != '\n') ++k;
        if (statement.compare(k, 2, "--") != 0) continue;
        k += 2;
        while (k < statement.size() && (statement[k] == ' ' || statement[k] == '\t')) ++k;
        if (statement.compare(k, 7, "strata:") == 0) return true;
    }
    return false;
}

/// `text` as a unit reads it: a `\r` ending a line (CRLF) left out.
std::string lines_without_cr(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i)
        if (!(text[i] == '\r' && (i + 1 == text.size() || text[i + 1] == '\n'))) out += text[i];
    return out;
}

std::optional<std::string> check_unit(const std::string& text) {
    std::optional<strata::sql_unit> unit;
    try {
        unit = strata::parse_sql_unit(text, "fuzz.sql");
        ++units_ok;
    } catch (const strata::sql_file_error& e) {
        if (e.file() != "fuzz.sql" || e.line() < 1 || e.line() > 1 + static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')))
            return std::string("an error naming another file or line: ") + e.what();
        return std::nullopt;
    } catch (const std::exception& e) {
        return std::string("parse_sql_unit threw ") + typeid(e).name() + ", not strata::sql_file_error: " + e.what();
    } catch (...) {
        return "parse_sql_unit threw something that is not a std::exception";
    }
    std::vector<const std::vector<std::string>*> lists;
    for (const auto* script : {&unit->up, unit->down ? &*unit->down : nullptr}) {
        if (script == nullptr) continue;
        if (script->postgresql) lists.push_back(&*script->postgresql);
        if (script->sqlite) lists.push_back(&*script->sqlite);
    }
    if (!unit->up.postgresql && !unit->up.sqlite) return "a unit parsed without an up section";
    if (unit->up.postgresql.value_or(std::vector<std::string>{}).empty() && unit->up.sqlite.value_or(std::vector<std::string>{}).empty())
        return "a unit parsed with nothing to run";
    const std::string read_as = lines_without_cr(text);
    for (const auto* list : lists)
        for (const auto& statement : *list) {
            if (read_as.find(statement) == std::string::npos)
                return "a statement not in the input: " + strata::fuzz::literal(statement);
            if (holds_directive_line(statement)) return "a statement spans a directive: " + strata::fuzz::literal(statement);
        }
    return std::nullopt;
}

/// Runs every check on `text` within `bound` seconds; fails the test case naming the input.
bool passes(const std::string& text, std::size_t iteration, double bound = strata::fuzz::seconds_per_input) {
    strata::fuzz::stopwatch clock;
    auto problem = check_split(text, backend::postgresql);
    if (!problem) problem = check_split(text, backend::sqlite);
    if (!problem) problem = check_unit(text);
    if (!problem && clock.seconds() > bound) problem = "took " + std::to_string(clock.seconds()) + " s";
    if (!problem) return true;
    BOOST_ERROR("iteration " << iteration << " (seed " << strata::fuzz::seed() << "), input " << strata::fuzz::literal(text)
                              << ": " << *problem);
    return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sql_unit_fuzz)

/// Inputs that once broke a property, kept as they were found.
BOOST_AUTO_TEST_CASE(regressions) {
    const std::vector<std::string> found{};
    for (std::size_t k = 0; k < found.size(); ++k) passes(found[k], k);
}

BOOST_AUTO_TEST_CASE(generated_units_keep_their_properties) {
    strata::fuzz::mutator m(strata::fuzz::seed() + 2, sql_tokens, 4096);
    sql_generator gen(m);
    const auto n = strata::fuzz::iterations(100000) / 4;
    for (std::size_t k = 0; k < n; ++k)
        if (!passes(m.chance(50) ? gen.unit() : gen.section(), k)) return;
    BOOST_TEST_MESSAGE(n << " inputs: " << split_ok << " splits and " << units_ok << " units without an error");
    split_ok = units_ok = 0;
}

BOOST_AUTO_TEST_CASE(mutated_units_keep_their_properties) {
    strata::fuzz::mutator m(strata::fuzz::seed() + 3, sql_tokens, 4096);
    sql_generator gen(m);
    std::vector<std::string> corpus;
    for (int k = 0; k < 64; ++k) corpus.push_back(m.chance(80) ? gen.unit() : gen.section());
    const auto n = strata::fuzz::iterations(100000) / 2;
    for (std::size_t k = 0; k < n; ++k) {
        std::string input = m.chance(5) ? m.random_text(256) : m.mutate(m.pick(corpus), m.pick(corpus));
        const auto units_before = units_ok;
        if (!passes(input, k)) return;
        // Now and then a mutant that parses as a unit joins the corpus, so later mutations go deeper.
        if (units_ok > units_before && corpus.size() < 4096 && m.chance(25)) corpus.push_back(std::move(input));
    }
    BOOST_TEST_MESSAGE(n << " inputs: " << split_ok << " splits and " << units_ok << " units without an error");
    split_ok = units_ok = 0;
}

BOOST_AUTO_TEST_CASE(long_inputs_do_not_hang) {
    for (const std::string& unit : {std::string("/*"), std::string("$a$"), std::string("("), std::string("BEGIN "),
                                    std::string("'"), std::string("\n-- strata:up\n"), std::string("CREATE TRIGGER x BEGIN ")}) {
        std::string text = "-- strata:up\n";
        while (text.size() < 256 * 1024) text += unit;
        BOOST_TEST_CONTEXT("256 KiB of " << strata::fuzz::literal(unit)) passes(text, 0, 10.0);
    }
}

BOOST_AUTO_TEST_SUITE_END()
