// strata::database_url::parse, redacted(), redact_passwords() and scrub() on generated URLs
// (passwords holding @?=#/%:&, IPv6 hosts, query parameters) and on mutations of them.
#include "mutator.hpp"

#include <strata/database_url.hpp>
#include <strata/error.hpp>

#include <boost/test/unit_test.hpp>

#include <exception>
#include <optional>
#include <string>
#include <typeinfo>
#include <vector>

namespace {

using strata::backend;
using strata::database_url;

/// Every generated password holds this, and nothing else generated does: where it shows up in a
/// message or a redacted text, the password leaked (unless the input put it elsewhere too).
const std::string marker = "S3kr1tMark";

const std::vector<std::string> url_tokens{
    "postgresql://", "postgres://", "sqlite:", "sqlite:///", "sqlite::memory:", "://", "@", ":", "/", "?", "#", "=",
    "&", "%", "%40", "%2F", "%3F", "%23", "%3D", "%26", "%25", "%3A", "%5D", "%00", "%zz", "%4", "[", "]", "[::1]",
    "[fe80::1%25eth0]", ":5432", ":0", ":65536", ":-1", ":99999999999", "localhost", "127.0.0.1", "app", "shop",
    "?sslmode=require", "&application_name=deploy@ci", "sslpassword=", "connect_timeout=", "connect_timeout=0",
    "connect_timeout=10", "oauth_client_secret=", "api_key=", "password=", "user=", "'", "\"", " ", "\t", "\n", "***",
    ":***@", marker, "postgresql://[user[:password]@]host", "\xff", std::string(1, '\0')};

/// Characters a password may hold, the awkward ones often.
const std::string password_chars = "abcXYZ019@?=#/%:&!$'\"*+ ,;[]~\\";

class url_generator {
public:
    explicit url_generator(strata::fuzz::mutator& m) : m_(m) {}

    std::string component(const std::string& alphabet, std::size_t max_length) {
        std::string out;
        for (std::size_t n = m_.below(max_length + 1); out.size() < n;) {
            if (m_.chance(15)) {
                static const std::vector<std::string> encoded{"%40", "%2F", "%3F", "%23", "%3D", "%26", "%25", "%3A", "%20"};
                out += m_.pick(encoded);
            } else {
                out += alphabet[m_.below(alphabet.size())];
            }
        }
        return out;
    }

    std::string password() {
        std::string p = component(password_chars, 12);
        p.insert(m_.below(p.size() + 1), marker);
        return p;
    }

    std::string host() {
        static const std::vector<std::string> hosts{"localhost", "127.0.0.1", "db.example.com", "[::1]", "[2001:db8::5]",
                                                    "[fe80::1%25eth0]", "h%2Dx", "[::ffff:10.0.0.1]"};
        return m_.chance(80) ? m_.pick(hosts) : component("abcdef0123456789.-:[]", 10);
    }

    std::string url() {
        if (m_.chance(10)) {
            static const std::vector<std::string> sqlite{"sqlite:strata.db", "sqlite:///tmp/a b.db", "sqlite::memory:",
                                                         "sqlite:rel/dir/x.db", "sqlite:%2Ftmp%2Fx", "sqlite:a%25b"};
            return m_.pick(sqlite);
        }
        std::string out = m_.chance(50) ? "postgresql://" : "postgres://";
        if (m_.chance(85)) {
            out += component("abcdefgh_-.0123", 8);
            if (m_.chance(85)) out += ":" + password();
            out += "@";
        }
        out += host();
        if (m_.chance(50)) {
            static const std::vector<std::string> ports{":5432", ":1", ":65535", ":0", ":65536", ":", ":54x"};
            out += m_.pick(ports);
        }
        out += "/" + component("abcdef_0123-", 8);
        static const std::vector<std::string> keys{"sslmode", "application_name", "connect_timeout", "sslpassword",
                                                   "oauth_client_secret", "api_key", "sslkey", "options", "target_session_attrs"};
        for (std::size_t n = m_.chance(60) ? 1 + m_.below(3) : 0, k = 0; k < n; ++k) {
            out += k == 0 ? "?" : "&";
            const std::string& key = m_.pick(keys);
            out += key + "=";
            out += key == "connect_timeout" ? (m_.chance(80) ? "7" : "0") : component("abcz09@:/-_.", 10);
        }
        return out;
    }

private:
    strata::fuzz::mutator& m_;
};

/// The text before the first ':': the one part of the input an error quotes (an unknown scheme).
std::string scheme_part(const std::string& text) { return text.substr(0, text.find(':')); }

/// Whether the marker may legitimately show in the redacted URL: the input put it in a part
/// that is shown (the user, host, database, a parameter that is not secret).
bool marker_in_shown_parts(const database_url& url) {
    auto has = [](const std::string& s) { return s.find(marker) != std::string::npos; };
    if (has(url.user()) || has(url.host()) || has(url.dbname()) || has(url.path())) return true;
    for (const auto& [key, value] : url.parameters())
        if (has(key) || has(value)) return true;
    return false;
}

/// Checks every property for one input; returns what is wrong, or nothing.
/// How many inputs parsed: shown with --log_level=message.
std::size_t parsed_ok = 0;

std::optional<std::string> check_url(const std::string& text) {
    std::optional<database_url> parsed;
    try {
        parsed = database_url::parse(text);
        ++parsed_ok;
    } catch (const strata::config_error& e) {
        const std::string message = e.what();
        if (message.find(marker) != std::string::npos && scheme_part(text).find(marker) == std::string::npos)
            return "the error message holds the password: " + message;
        if (message.rfind("invalid database URL: ", 0) != 0) return "an error message not about the URL: " + message;
    } catch (const std::exception& e) {
        return std::string("parse threw ") + typeid(e).name() + ", not strata::config_error: " + e.what();
    } catch (...) {
        return "parse threw something that is not a std::exception";
    }

    // redact_passwords on any text: never throws. On a PostgreSQL URL parse() takes: idempotent
    // (on other text, a SQLite path too, a second pass may read a user info the first did not
    // once *** replaced what was around it, which is no leak of a URL; so may a "password=" in
    // the URL, which the rule for keyword strings masks up to the next '&' or space, or a second
    // "://" in it, read as a URL of its own).
    // In free text a URL ends at whitespace, so a URL holding an unencoded space (which parse()
    // takes) is beyond redact_passwords: such inputs are held to no property of it.
    const bool spaced = text.find_first_of(" \t\n") != std::string::npos;
    std::string once;
    try {
        once = strata::redact_passwords(text);
        if (parsed && parsed->kind() == backend::postgresql && !spaced && text.find("password=") == std::string::npos &&
            text.find("://") == text.rfind("://") &&
            strata::redact_passwords(once) != once)
            return "redact_passwords is not idempotent: " + strata::fuzz::literal(once);
    } catch (const std::exception& e) {
        return std::string("redact_passwords threw: ") + e.what();
    }
    if (!parsed) return std::nullopt;

    const database_url& url = *parsed;
    if ((url.kind() == backend::sqlite) != (text.rfind("sqlite:", 0) == 0)) return "the backend does not follow the scheme";
    if (url.kind() == backend::postgresql && (url.host().empty() || url.dbname().empty()))
        return "a PostgreSQL URL parsed without a host or a database name";

    const std::string redacted = url.redacted();
    const bool shown = marker_in_shown_parts(url);
    if (!shown && redacted.find(marker) != std::string::npos) return "redacted() holds the password: " + redacted;
    if (!shown && !spaced && url.password().find(marker) != std::string::npos && once.find(marker) != std::string::npos)
        return "redact_passwords leaves the password in: " + once;
    // Not for SQLite: a path holding "password=" or "://u:p@" is masked as such, more, never less.
    if (url.kind() == backend::postgresql && strata::redact_passwords(redacted) != redacted) return "redact_passwords changes a redacted URL: " + redacted;
    if (url.has_password() && !url.password().empty() && url.password().find('*') == std::string::npos) {
        const std::string scrubbed = strata::scrub("connect " + text + " failed", url.password());
        if (scrubbed.find(url.password()) != std::string::npos) return "scrub leaves the password in: " + scrubbed;
    }

    // The redacted URL is a URL: it parses to the same thing, password and secrets aside.
    std::optional<database_url> again;
    try {
        again = database_url::parse(redacted);
    } catch (const strata::error& e) {
        return "redacted() does not parse back: " + redacted + ": " + e.what();
    }
    if (again->redacted() != redacted) return "redacted() is not stable: " + redacted + " then " + again->redacted();
    if (again->kind() != url.kind() || again->path() != url.path() || again->host() != url.host() ||
        again->port() != url.port() || again->dbname() != url.dbname() || again->user() != url.user() ||
        again->has_password() != url.has_password() || again->parameters().size() != url.parameters().size())
        return "redacted() parses back to another URL: " + redacted;
    return std::nullopt;
}

/// Runs every check on `text` within `bound` seconds; fails the test case naming the input.
bool passes(const std::string& text, std::size_t iteration, double bound = strata::fuzz::seconds_per_input) {
    strata::fuzz::stopwatch clock;
    auto problem = check_url(text);
    if (!problem && clock.seconds() > bound)
        problem = "took " + std::to_string(clock.seconds()) + " s";
    if (!problem) return true;
    BOOST_ERROR("iteration " << iteration << " (seed " << strata::fuzz::seed() << "), input " << strata::fuzz::literal(text)
                              << ": " << *problem);
    return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(database_url_fuzz)

/// Inputs that once broke a property, kept as they were found.
BOOST_AUTO_TEST_CASE(regressions) {
    const std::vector<std::string> found{
        // redact_passwords ended the URL at the quote in the password.
        "postgresql://ca:a~*0'99S3kr1tMark@db.example.com/a12",
        "postgres://.1:@&S3kr1tMarkZa'!1c:1@locsslpassword=alhost/%40?target_sessionEattrs=%3Da:b:&connect_timeout=7",
        "postgresql://df(ga30:@%3Da$%20S3kr1tMark*1%25@rk\xd0*1%25@127.0.0.1:1/-_k@c80].S3kr1tMark@c80\"./q",
        // redacted() wrote the zone of an IPv6 host with a bare '%': it did not parse back.
        "postgresql://0b%26%25:S3kr1tMark@[fe80:[fe80::1%25eth0]/f3?options=&target_session_attrs=z%2F",
        // redact_passwords took every URL whose user name starts with "[user" for the syntax pattern.
        "postgresql://[user[:password]@]hostpo%20_:S3kr1tMark;%3D@db.example.com/d0?application_name=@:c&api_key=.c_c%23/"
        "&target_session_attrs=9--:%40@0",
        // redacted() wrote a '%' of a SQLite path bare, and a path starting with // as sqlite://.
        "sqlite:a%25b", "sqlite:%2F%2Fserver%2Fshare.db"};
    for (std::size_t k = 0; k < found.size(); ++k) passes(found[k], k);
}

BOOST_AUTO_TEST_CASE(generated_urls_keep_their_properties) {
    strata::fuzz::mutator m(strata::fuzz::seed(), url_tokens, 512);
    url_generator gen(m);
    const auto n = strata::fuzz::iterations(100000);
    for (std::size_t k = 0; k < n; ++k)
        if (!passes(gen.url(), k)) return;
    BOOST_TEST_MESSAGE(n << " inputs: " << parsed_ok << " parsed");
    parsed_ok = 0;
}

BOOST_AUTO_TEST_CASE(mutated_urls_keep_their_properties) {
    strata::fuzz::mutator m(strata::fuzz::seed() + 1, url_tokens, 1024);
    url_generator gen(m);
    std::vector<std::string> corpus;
    for (int k = 0; k < 64; ++k) corpus.push_back(gen.url());
    const auto n = strata::fuzz::iterations(100000);
    for (std::size_t k = 0; k < n; ++k) {
        std::string input = m.chance(5) ? m.random_text(64) : m.mutate(m.pick(corpus), m.pick(corpus));
        const auto parsed_before = parsed_ok;
        if (!passes(input, k)) return;
        // Now and then a mutant that parses joins the corpus, so later mutations go deeper.
        if (parsed_ok > parsed_before && corpus.size() < 4096 && m.chance(25)) corpus.push_back(std::move(input));
    }
    BOOST_TEST_MESSAGE(n << " inputs: " << parsed_ok << " parsed");
    parsed_ok = 0;
}

BOOST_AUTO_TEST_CASE(long_urls_do_not_hang) {
    for (const std::string& unit : {std::string("@"), std::string("@/"), std::string("://a:b@"), std::string("?a=@&"),
                                    std::string("password='"), std::string("%4")}) {
        std::string text = "postgresql://u:p";
        while (text.size() < 64 * 1024) text += unit;
        text += "@h/d";
        BOOST_TEST_CONTEXT("64 KiB of " << strata::fuzz::literal(unit)) passes(text, 0, 10.0);
    }
}

BOOST_AUTO_TEST_SUITE_END()
