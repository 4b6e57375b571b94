#include <strata/database_url.hpp>

#include <strata/error.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

namespace strata {
namespace {

constexpr std::string_view postgres_schemes[] = {"postgresql://", "postgres://"};

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/// `what` names the URL component for the error message (never its value: it may be the password).
std::string percent_decode(std::string_view in, const char* what) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out += in[i];
            continue;
        }
        int hi = i + 2 < in.size() ? hex_value(in[i + 1]) : -1;
        int lo = i + 2 < in.size() ? hex_value(in[i + 2]) : -1;
        if (hi < 0 || lo < 0)
            throw config_error(std::string("invalid database URL: bad percent-encoding in the ") + what +
                               " (a '%' must be followed by two hex digits; write a literal '%' as %25)");
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

/// `keep`: further characters left as they are (':' in an IPv6 host).
std::string percent_encode(std::string_view in, std::string_view keep = {}) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : in) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || keep.find(static_cast<char>(c)) != std::string_view::npos) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += digits[c >> 4];
            out += digits[c & 15];
        }
    }
    return out;
}

/// libpq keyword values: single-quoted, with ' and \ escaped by a backslash.
std::string pq_quote(const std::string& value) {
    std::string out = "'";
    for (char c : value) {
        if (c == '\'' || c == '\\') out += '\\';
        out += c;
    }
    return out + "'";
}

/// Where the user info of `rest` (a URL after "scheme://") ends.
struct userinfo_split {
    std::size_t at = std::string_view::npos;  ///< its '@', or npos
    /// Two readings both parse: an earlier '@' followed by host/path with this '@' in a query
    /// value, or this '@' ending a password that holds '@', '/', '?' and '='.
    bool ambiguous = false;
};

/// An '@' at `at` can end the user info when what follows is `host[:port]/...`: the host and port
/// hold none of '@', '?', '#', '=', '&' and a '/' (the path) comes after them.
bool followed_by_host_and_path(std::string_view rest, std::size_t at) {
    auto slash = rest.find('/', at + 1);
    if (slash == std::string_view::npos) return false;
    return rest.substr(at + 1, slash - at - 1).find_first_of("@?#=&") == std::string_view::npos;
}

/// The old reading, for a URL without a path: the last '@', unless it sits in a query value.
std::size_t userinfo_end_without_path(std::string_view rest) {
    auto at = rest.rfind('@');
    if (auto q = rest.find('?'); at != std::string_view::npos && q < at && rest.substr(q, at - q).find('=') != std::string_view::npos)
        at = rest.substr(0, q).rfind('@');
    return at;
}

/// The user info ends at the LAST '@' followed by `host[:port]/`, since generated passwords often
/// hold an unencoded '/', '?', '=', '#' or '@', and reading those as the path, the query or the
/// host would put part of the password into an error message. An '@' in a query value
/// (application_name=deploy@ci) is not followed by a host and a path, so it is skipped; so is an
/// '@' whose user name (the text before the first ':') would hold a '/' or '?': that text is a
/// host, a path and a query, not a user. When an earlier '@' also reads as the end of the user
/// info and this one then sits in a query value, both readings parse: ambiguous.
userinfo_split userinfo_end(std::string_view rest) {
    std::vector<std::size_t> candidates;  // last first
    for (auto at = rest.rfind('@'); at != std::string_view::npos; at = at == 0 ? std::string_view::npos : rest.rfind('@', at - 1)) {
        if (!followed_by_host_and_path(rest, at)) continue;
        std::string_view user = rest.substr(0, std::min(at, rest.find(':')));
        if (user.find_first_of("/?") != std::string_view::npos) continue;
        candidates.push_back(at);
    }
    if (candidates.empty()) return {userinfo_end_without_path(rest), false};
    userinfo_split split{candidates.front(), false};
    for (std::size_t i = 1; i < candidates.size(); ++i) {
        // Read with the earlier '@': is the chosen one in a query value?
        auto q = rest.find('?', rest.find('/', candidates[i] + 1));
        if (q < split.at && rest.substr(q, split.at - q).find('=') != std::string_view::npos) split.ambiguous = true;
    }
    return split;
}

/// libpq parameters whose value is a secret: any name holding password (password, sslpassword),
/// passphrase, secret (oauth_client_secret), token or credential, and key or *_key. libpq's
/// sslkey, sslcert, sslrootcert, sslcrl and passfile name files (sslkey may name an engine's key):
/// paths, shown, so a wrong one can be seen.
bool is_secret_parameter(std::string_view name) {
    std::string lower(name);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (std::string_view word : {"password", "passphrase", "secret", "token", "credential"})
        if (lower.find(word) != std::string::npos) return true;
    return lower == "key" || (lower.size() > 4 && lower.compare(lower.size() - 4, 4, "_key") == 0);
}

/// A query parameter written into the database name for want of its '?' (".../shop&sslpassword=k3y"):
/// a '&' then a key and its '=' in the raw text, or a secret parameter's key (is_secret_parameter)
/// and its '=' anywhere in the decoded name, since such a name would carry the secret into every
/// message showing the URL. The message shows the '&' and the key as written when the key is one of
/// libpq's ("&sslpassword"), no other text of the URL (it may be part of the password). The
/// config_error's message; nullopt when there is none.
std::optional<std::string> parameter_in_database_name(std::string_view raw, std::string_view decoded) {
    static constexpr std::string_view known[] = {
        "password", "sslpassword", "passfile", "sslmode", "sslkey", "sslcert", "sslrootcert", "sslcrl",
        "application_name", "connect_timeout", "options", "service", "target_session_attrs", "client_encoding",
        "require_auth", "gssencmode", "channel_binding", "oauth_client_secret"};
    auto key_before = [](std::string_view text, std::size_t eq) {
        auto begin = eq;
        while (begin > 0 && (std::isalnum(static_cast<unsigned char>(text[begin - 1])) || text[begin - 1] == '_')) --begin;
        return begin;
    };
    auto shown = [&](std::string_view text, std::size_t begin, std::size_t eq) {
        const bool amp = begin > 0 && text[begin - 1] == '&';
        std::string key(text.substr(begin, eq - begin)), lower = key;
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        const bool libpq = std::find(std::begin(known), std::end(known), lower) != std::end(known);
        // No "password=" and no secret-named parameter in the text, which redact_passwords would mask.
        return "invalid database URL: the database name holds " +
               (libpq ? "the parameter '" + std::string(amp ? "&" : "") + key + "' and its value"
                      : std::string(amp ? "a parameter after a '&'" : "a secret parameter") + " and its value") +
               ": query parameters start with '?' (postgresql://host/dbname?name=value&name=value)" +
               (amp && !is_secret_parameter(key) ? "; a database name holding '&' writes it %26" : "");
    };
    for (auto eq = decoded.find('='); eq != std::string_view::npos; eq = decoded.find('=', eq + 1))
        if (auto begin = key_before(decoded, eq); begin != eq && is_secret_parameter(decoded.substr(begin, eq - begin)))
            return shown(decoded, begin, eq);
    for (auto eq = raw.find('='); eq != std::string_view::npos; eq = raw.find('=', eq + 1))
        if (auto begin = key_before(raw, eq); begin != eq && begin > 0 && raw[begin - 1] == '&') return shown(raw, begin, eq);
    return std::nullopt;
}

/// Whether the value at `pos` is already *** (as redacted() writes it), followed by text that is
/// not part of the value (": cannot connect", '&', the end): left as it is, not masked again.
bool already_masked(const std::string& text, std::size_t pos) {
    return text.compare(pos, 3, "***") == 0 &&
           (pos + 3 >= text.size() || std::string_view("&:,;) \t\n'\"").find(text[pos + 3]) != std::string_view::npos);
}

/// For errors about a URL whose user info holds characters a password should percent-encode.
std::string encoding_hint(std::string_view rest) {
    auto at = rest.rfind('@');
    if (at == std::string_view::npos || rest.substr(0, at).find_first_of("@/?#=&") == std::string_view::npos) return {};
    return " (if the password holds '@', '/', '?', '#', '=' or '&', percent-encode them: %40, %2F, %3F, %23, %3D, %26)";
}

/// Replaces every occurrence of `needle` in `text` by ***.
std::string replace_all(std::string text, const std::string& needle, bool ignore_case) {
    auto lower = [](std::string s) {
        for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return s;
    };
    const std::string pattern = ignore_case ? lower(needle) : needle;
    std::string haystack = ignore_case ? lower(text) : text;
    std::string out;
    std::size_t from = 0;
    for (auto pos = haystack.find(pattern); pos != std::string::npos; pos = haystack.find(pattern, pos + pattern.size())) {
        out.append(text, from, pos - from);
        out += "***";
        from = pos + pattern.size();
    }
    out.append(text, from, std::string::npos);
    return out;
}

/// One `host[:port]` (or `[IPv6]:port`) of a PostgreSQL URL's host list.
database_url::endpoint parse_endpoint(std::string_view authority, const std::string& hint) {
    std::string_view host = authority;
    std::string_view port;
    bool has_port = false;
    if (starts_with(authority, "[")) {  // [IPv6]:port
        auto close = authority.find(']');
        if (close == std::string_view::npos)
            throw config_error(std::string("invalid database URL: unterminated '[' in the host") + hint);
        host = authority.substr(1, close - 1);
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':') throw config_error(std::string("invalid database URL: unexpected text after ']'") + hint);
            port = after.substr(1);
            has_port = true;
        }
    } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
        has_port = true;
    }
    database_url::endpoint out;
    out.host = percent_decode(host, "host");
    if (out.host.empty()) throw config_error(std::string("invalid database URL: the host is empty") + hint);
    if (has_port) {
        int value = 0;
        auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535)
            // The port's text is not echoed: in a URL missing its host it may be the password.
            throw config_error(std::string("invalid database URL: the port is not a number from 1 to 65535") + hint);
        out.port = value;
    }
    return out;
}

const char* usage_hint =
    "; expected sqlite:PATH, sqlite:///ABSOLUTE/PATH, sqlite::memory: or "
    "postgresql://[user[:password]@]host[:port]/dbname[?key=value...]";

}  // namespace

database_url database_url::parse(std::string_view text) {
    database_url url;
    if (text.empty()) throw config_error(std::string("invalid database URL: it is empty") + usage_hint);

    if (starts_with(text, "sqlite:")) {
        std::string_view rest = text.substr(7);
        url.kind_ = backend::sqlite;
        if (rest == ":memory:") {
            url.path_ = ":memory:";
        } else if (starts_with(rest, "//")) {
            // sqlite:///ABSOLUTE/PATH: an empty authority, then the path. sqlite://host/... is refused.
            if (!starts_with(rest, "///"))
                throw config_error(std::string("invalid database URL: a sqlite URL with // must be sqlite:///ABSOLUTE/PATH") +
                                   usage_hint);
            url.path_ = percent_decode(rest.substr(2), "path");
        } else {
            url.path_ = percent_decode(rest, "path");
        }
        if (url.path_.empty()) throw config_error(std::string("invalid database URL: the sqlite path is empty") + usage_hint);
        return url;
    }

    std::string_view rest;
    for (auto scheme : postgres_schemes)
        if (starts_with(text, scheme)) rest = text.substr(scheme.size());
    if (rest.data() == nullptr) {
        auto colon = text.find(':');
        std::string scheme = colon == std::string_view::npos ? std::string() : std::string(text.substr(0, colon));
        // Never echo the whole text: it may be a URL whose scheme was mistyped, password included.
        throw config_error("invalid database URL: " +
                           (scheme.empty() ? std::string("no scheme") : "unknown scheme '" + scheme + "'") + usage_hint);
    }
    url.kind_ = backend::postgresql;
    // Added to the errors below when the user info holds characters a password should encode.
    const std::string password_hint = encoding_hint(rest);
    const std::string hint = password_hint + usage_hint;

    const auto split = userinfo_end(rest);
    if (split.ambiguous)
        throw config_error(
            "invalid database URL: cannot tell where the user info ends: an '@' may end the password or sit in a "
            "query value; percent-encode '@', '/', '?', '#', '=' and '&' in the password (%40, %2F, %3F, %23, %3D, %26)" +
            std::string(usage_hint));
    const auto at = split.at;
    if (at != std::string_view::npos) {
        std::string_view userinfo = rest.substr(0, at);
        rest = rest.substr(at + 1);
        auto colon = userinfo.find(':');
        url.user_ = percent_decode(userinfo.substr(0, colon), "user name");
        if (colon != std::string_view::npos) {
            url.password_ = percent_decode(userinfo.substr(colon + 1), "password");
            url.has_password_ = true;
        }
        if (url.user_.empty()) throw config_error(std::string("invalid database URL: the user name before '@' is empty") + hint);
    }

    std::string_view query;
    if (auto q = rest.find('?'); q != std::string_view::npos) {
        query = rest.substr(q + 1);
        rest = rest.substr(0, q);
    }
    auto slash = rest.find('/');
    if (slash == std::string_view::npos)
        throw config_error(std::string("invalid database URL: no database name (add /dbname after the host)") + hint);
    std::string_view authority = rest.substr(0, slash);
    url.dbname_ = percent_decode(rest.substr(slash + 1), "database name");
    if (auto misplaced = parameter_in_database_name(rest.substr(slash + 1), url.dbname_)) throw config_error(*misplaced);
    if (url.dbname_.empty())
        throw config_error(std::string("invalid database URL: the database name is empty") + hint);

    // host[:port][,host[:port]...]: libpq's multi-host form, each host tried in turn.
    url.hosts_.clear();
    for (std::string_view list = authority;;) {
        const auto comma = list.find(',');
        url.hosts_.push_back(parse_endpoint(list.substr(0, comma), hint));
        if (comma == std::string_view::npos) break;
        list = list.substr(comma + 1);
    }

    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (pair.empty()) continue;
        auto eq = pair.find('=');
        if (eq == std::string_view::npos || eq == 0)
            // Not echoed: with an unencoded '?' in the password, this text is part of it.
            throw config_error("invalid database URL: every query parameter needs the form key=value" + password_hint);
        std::string key = percent_decode(pair.substr(0, eq), "parameter name");
        bool valid_key = std::all_of(key.begin(), key.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
        if (!valid_key) throw config_error("invalid database URL: a query parameter name holds characters other than letters, digits and '_'" +
                               password_hint);
        if (key == "password" || key == "user" || key == "host" || key == "port" || key == "dbname")
            throw config_error("invalid database URL: give the " + key +
                               " in the URL itself, not as the parameter ?" + key + "=");
        std::string value = percent_decode(pair.substr(eq + 1), "parameter value");
        if (key == "connect_timeout") {
            // libpq waits forever on 0 or a negative value and fails late on text. Not echoed:
            // with an unencoded '?' in the password, this text may be part of it.
            int seconds = 0;
            auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
            if (value.empty() || ec != std::errc() || end != value.data() + value.size() || seconds < 1)
                throw config_error(
                    "invalid database URL: the parameter connect_timeout must be a whole number of seconds, 1 or more "
                    "(libpq would wait forever on 0 or less; it waits at least 2 s); leave it out to use "
                    "--connect-timeout");
        }
        url.parameters_.emplace_back(std::move(key), std::move(value));
    }
    return url;
}

std::string database_url::redacted() const {
    // A URL that parses back to the same database: a '%' in the path or an IPv6 zone (fe80::1%eth0)
    // is written %25, and a path starting with // takes the sqlite:/// form (sqlite://x is refused).
    if (kind_ == backend::sqlite) {
        std::string out = starts_with(path_, "//") ? "sqlite://" : "sqlite:";
        for (char c : path_) out += c == '%' ? std::string("%25") : std::string(1, c);
        return out;
    }
    std::string out = "postgresql://";
    if (!user_.empty()) {
        out += percent_encode(user_);
        if (has_password_) out += ":***";
        out += '@';
    }
    for (std::size_t i = 0; i < hosts_.size(); ++i) {
        const auto& [host, port] = hosts_[i];
        if (i > 0) out += ',';
        out += host.find(':') != std::string::npos ? "[" + percent_encode(host, ":") + "]" : percent_encode(host);
        if (port != 0) out += ":" + std::to_string(port);
    }
    out += "/" + percent_encode(dbname_);
    char sep = '?';
    for (const auto& [key, value] : parameters_) {
        // sslpassword and the other secret-bearing parameters stay hidden too (is_secret_parameter).
        out += sep + key + "=" + (is_secret_parameter(key) ? "***" : percent_encode(value));
        sep = '&';
    }
    return out;
}

database_url database_url::with_schema(std::string_view schema) const {
    // An identifier that needs no quotes stays readable in redacted(); any other is quoted.
    const bool plain = !schema.empty() && (std::islower(static_cast<unsigned char>(schema.front())) || schema.front() == '_') &&
                       std::all_of(schema.begin(), schema.end(), [](unsigned char c) {
                           return std::islower(c) || std::isdigit(c) || c == '_' || c == '$';
                       });
    std::string identifier = plain ? std::string(schema) : "\"";
    if (!plain) {
        for (char c : schema) identifier += c == '"' ? std::string("\"\"") : std::string(1, c);
        identifier += '"';
    }
    // libpq splits `options` at whitespace; a backslash keeps the next character in the word.
    std::string option = "-csearch_path=";
    for (char c : identifier) {
        if (c == '\\' || std::isspace(static_cast<unsigned char>(c))) option += '\\';
        option += c;
    }
    database_url other = *this;
    other.schema_ = schema;
    // libpq takes the last of repeated parameters: the search_path goes to that one.
    auto it = std::find_if(other.parameters_.rbegin(), other.parameters_.rend(), [](const auto& p) { return p.first == "options"; });
    if (it == other.parameters_.rend()) other.parameters_.emplace_back("options", option);
    else it->second += " " + option;  // the last -c search_path wins
    return other;
}

namespace {

/// The words of a libpq `options` value as the server splits them (pg_split_opts): at unescaped
/// whitespace, a backslash keeping the next character.
std::vector<std::string> option_words(std::string_view options) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    for (std::size_t i = 0; i < options.size(); ++i) {
        const char c = options[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            if (in_word) words.push_back(std::move(word)), word.clear();
            in_word = false;
            continue;
        }
        in_word = true;
        if (c == '\\' && i + 1 < options.size()) ++i;
        word += options[i];
    }
    if (in_word) words.push_back(std::move(word));
    return words;
}

/// `name=value` of a -c or -- switch: the value when the name is search_path (a GUC's name is
/// case-insensitive, and the server reads '-' in it as '_').
std::optional<std::string> search_path_setting(std::string_view setting) {
    const auto eq = setting.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    std::string name(setting.substr(0, eq));
    for (auto& c : name) c = c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name != "search_path") return std::nullopt;
    return std::string(setting.substr(eq + 1));
}

/// A list of identifiers as the server splits search_path (SplitIdentifierString): at commas,
/// blanks around each skipped, "quoted" kept as written ("" is a quote), others in lower case.
/// Empty for a malformed list, which the server refuses anyway.
std::vector<std::string> identifier_list(std::string_view text) {
    std::vector<std::string> out;
    std::size_t i = 0;
    auto skip_blanks = [&] {
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    };
    skip_blanks();
    if (i == text.size()) return out;
    for (;;) {
        std::string name;
        if (i < text.size() && text[i] == '"') {
            for (++i;; ++i) {
                if (i >= text.size()) return {};
                if (text[i] == '"') {
                    if (i + 1 < text.size() && text[i + 1] == '"') ++i;
                    else break;
                }
                name += text[i];
            }
            ++i;
        } else {
            while (i < text.size() && text[i] != ',' && !std::isspace(static_cast<unsigned char>(text[i])))
                name += static_cast<char>(std::tolower(static_cast<unsigned char>(text[i++])));
            if (name.empty()) return {};
        }
        out.push_back(std::move(name));
        skip_blanks();
        if (i == text.size()) return out;
        if (text[i++] != ',') return {};
        skip_blanks();
    }
}

}  // namespace

std::vector<std::string> database_url::search_path() const {
    auto options = std::find_if(parameters_.rbegin(), parameters_.rend(), [](const auto& p) { return p.first == "options"; });
    if (options == parameters_.rend()) return {};
    // The server's command-line switches (process_postgres_switches): -c name=value (or
    // -cname=value) and --name=value set a parameter; these letters take an argument too, which
    // is skipped. The last search_path wins.
    static constexpr std::string_view with_argument = "BCDdfhkNprStvW";
    std::optional<std::string> value;
    const auto words = option_words(options->second);
    for (std::size_t w = 0; w < words.size(); ++w) {
        const std::string& word = words[w];
        if (word.size() < 2 || word[0] != '-') continue;
        if (word[1] == '-') {
            if (auto v = search_path_setting(std::string_view(word).substr(2))) value = v;
            continue;
        }
        for (std::size_t i = 1; i < word.size(); ++i) {
            if (word[i] != 'c' && with_argument.find(word[i]) == std::string_view::npos) continue;  // a flag
            // The argument: the rest of this word, or the next word.
            std::string argument = i + 1 < word.size() ? word.substr(i + 1) : w + 1 < words.size() ? words[++w] : std::string();
            if (word[i] == 'c')
                if (auto v = search_path_setting(argument)) value = v;
            break;
        }
    }
    return value ? identifier_list(*value) : std::vector<std::string>{};
}

std::string database_url::search_path_schema() const {
    if (!schema_.empty()) return schema_;
    const auto path = search_path();
    // public alone is where an application lives that chose no schema, as under the default
    // "$user", public: its units' other schemas are its own, so every schema is read.
    if (path.size() != 1 || path.front() == "public" || path.front() == "$user") return {};
    return path.front();
}

std::string database_url::connection_string(int connect_timeout_seconds) const {
    if (kind_ == backend::sqlite) {
        // SOCI's sqlite3 backend takes double quotes around a value with spaces.
        return "db=\"" + path_ + "\"";
    }
    // libpq's lists: host=h1,h2 and, when any host has a port, port=p1,p2 (an empty item is the
    // default port).
    std::string hosts, ports;
    bool any_port = false;
    for (std::size_t i = 0; i < hosts_.size(); ++i) {
        if (i > 0) hosts += ',', ports += ',';
        hosts += hosts_[i].host;
        if (hosts_[i].port != 0) ports += std::to_string(hosts_[i].port), any_port = true;
    }
    std::string out = "host=" + pq_quote(hosts);
    if (any_port) out += " port=" + ports;  // digits and commas: nothing to quote
    out += " dbname=" + pq_quote(dbname_);
    if (!user_.empty()) out += " user=" + pq_quote(user_);
    if (has_password_) out += " password=" + pq_quote(password_);
    bool has_app_name = false, has_timeout = false;
    for (const auto& [key, value] : parameters_) {
        out += " " + key + "=" + pq_quote(value);
        has_app_name |= key == "application_name";
        has_timeout |= key == "connect_timeout";
    }
    if (!has_app_name) out += " application_name='strata'";
    // A server that accepts TCP but never answers must not hang a deploy forever.
    if (!has_timeout) out += " connect_timeout='" + std::to_string(connect_timeout_seconds) + "'";
    return out;
}

database_url database_url::with_connect_timeout(int seconds) const {
    database_url other = *this;
    std::erase_if(other.parameters_, [](const auto& p) { return p.first == "connect_timeout"; });
    // libpq waits at least 2 s a host whatever it is given, and 0 would be no limit at all.
    other.parameters_.emplace_back("connect_timeout", std::to_string(std::max(2, seconds)));
    return other;
}

namespace {

/// SQL's password literals: `PASSWORD 'secret'` (CREATE or ALTER ROLE and USER, also ENCRYPTED),
/// `password 'secret'` in a user mapping's OPTIONS, as E'...' or $tag$...$tag$ too. The quotes
/// stay, the text between them becomes ***. A failing unit's statement is echoed in errors and the
/// audit log (SQL probe L6).
std::string redact_sql_passwords(std::string text) {
    auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    constexpr std::string_view keyword = "password";
    for (std::size_t at = 0; at + keyword.size() < text.size(); ++at) {
        bool match = at == 0 || !is_word(text[at - 1]);
        for (std::size_t i = 0; match && i < keyword.size(); ++i)
            match = std::tolower(static_cast<unsigned char>(text[at + i])) == keyword[i];
        if (!match) continue;
        std::size_t value = at + keyword.size();
        if (value < text.size() && is_word(text[value])) continue;  // passwords, password_hash
        // "password" 'x' (a quoted option name), then blanks and comments before the value.
        const bool quoted = at > 0 && text[at - 1] == '"' && value < text.size() && text[value] == '"';
        if (quoted) ++value;
        // Right after the keyword, a quote is a literal only where the keyword is a word of its
        // own (ROLE app PASSWORD'x'), not the end of a string ('&password' in a message).
        const std::size_t after_keyword = value;
        const bool keyword_alone = quoted || at == 0 || std::isspace(static_cast<unsigned char>(text[at - 1])) ||
                                   text[at - 1] == '(' || text[at - 1] == ',';
        while (value < text.size()) {
            if (std::isspace(static_cast<unsigned char>(text[value]))) {
                ++value;
            } else if (text.compare(value, 2, "/*") == 0) {
                const auto close = text.find("*/", value + 2);
                value = close == std::string::npos ? text.size() : close + 2;
            } else if (text.compare(value, 2, "--") == 0) {
                const auto eol = text.find('\n', value);
                value = eol == std::string::npos ? text.size() : eol + 1;
            } else {
                break;
            }
        }
        if (value >= text.size()) break;
        if (value == after_keyword && !keyword_alone) continue;
        std::size_t begin = 0, end = std::string::npos;
        const bool escaped_string =
            (text[value] == 'E' || text[value] == 'e') && value + 1 < text.size() && text[value + 1] == '\'';
        const bool unicode_string = (text[value] == 'U' || text[value] == 'u') && text.compare(value + 1, 2, "&'") == 0;
        if (text[value] == '\'' || escaped_string || unicode_string) {
            const bool escapes = escaped_string;
            begin = value + (escaped_string ? 2 : unicode_string ? 3 : 1);
            for (std::size_t i = begin; i < text.size(); ++i) {
                if (escapes && text[i] == '\\') {
                    ++i;
                } else if (text[i] == '\'') {
                    if (i + 1 < text.size() && text[i + 1] == '\'') {
                        ++i;  // '' inside
                    } else {
                        end = i;
                        break;
                    }
                }
            }
            if (end == std::string::npos) end = text.size();  // cut off: hide the rest
        } else if (text[value] == '$') {
            const auto tag_end = text.find('$', value + 1);
            if (tag_end == std::string::npos) continue;
            const std::string tag = text.substr(value, tag_end - value + 1);
            begin = tag_end + 1;
            end = std::min(text.find(tag, begin), text.size());
        } else {
            continue;  // PASSWORD NULL, a column named password
        }
        if (text.compare(begin, end - begin, "***") != 0) text.replace(begin, end - begin, "***");
        at = begin + 3;
    }
    return text;
}

}  // namespace

std::string redact_passwords(std::string text) {
    for (auto scheme = text.find("://"); scheme != std::string::npos; scheme = text.find("://", scheme + 3)) {
        auto start = scheme + 3;
        // A URL ends at whitespace or at a quote around it ('postgresql://...': timeout).
        auto url_end = [&](std::size_t from) { return std::min(text.find_first_of(" \t\n'\"", from), text.size()); };
        auto end = url_end(start);
        // The syntax pattern of the usage texts, not a URL ("[user" alone may start a user name).
        if (text.compare(start, 36, "[user[:password]@]host[:port]/dbname") == 0) continue;
        // Ambiguous or not, the last reading hides the most.
        auto at = userinfo_end(std::string_view(text).substr(start, end - start)).at;
        // parse() takes a quote in a password (or a host) as it is: when the user info read up to
        // the next whitespace ends later, the quote is part of the URL, which goes on.
        const auto space = std::min(text.find_first_of(" \t\n", start), text.size());
        if (space > end) {
            auto longer = userinfo_end(std::string_view(text).substr(start, space - start)).at;
            if (longer != std::string::npos && (at == std::string::npos || longer > at)) {
                at = longer;
                end = url_end(start + longer);
            }
        }
        auto query_from = start;
        if (at != std::string::npos) {
            query_from = start + at;
            auto colon = text.find(':', start);
            if (colon != std::string::npos && colon < start + at) {
                text.replace(colon + 1, start + at - colon - 1, "***");
                end -= start + at - colon - 1 - 3;
                query_from = colon + 4;
            }
        }
        // Secret-bearing query parameters (sslpassword=..., see is_secret_parameter).
        auto q = text.find('?', query_from);
        for (auto pair = q + 1; q < end && pair < end;) {
            auto amp = std::min(text.find('&', pair), end);
            auto eq = text.find('=', pair);
            if (eq < amp && is_secret_parameter(std::string_view(text).substr(pair, eq - pair)) &&
                !already_masked(text, eq + 1)) {
                text.replace(eq + 1, amp - eq - 1, "***");
                end -= amp - eq - 1 - 3;
                amp = eq + 4;
            }
            pair = amp + 1;
        }
    }
    // password=... (and sslpassword=...) in keyword strings, quoted or not.
    for (auto key = text.find("password="); key != std::string::npos; key = text.find("password=", key + 1)) {
        auto value = key + 9;
        std::size_t end;
        if (value < text.size() && (text[value] == '\'' || text[value] == '"')) {
            const char quote = text[value++];
            end = value;
            while (end < text.size() && text[end] != quote) end += text[end] == '\\' ? 2 : 1;
            end = std::min(end, text.size());
        } else {
            end = text.find_first_of("& \t\n'\"", value);
            if (end == std::string::npos) end = text.size();
        }
        if (!already_masked(text, value)) text.replace(value, end - value, "***");
    }
    return redact_sql_passwords(std::move(text));
}

std::string scrub(std::string text, const std::string& secret) {
    if (secret.empty()) return text;
    text = replace_all(std::move(text), secret, false);
    // Percent-encoded, hex digits in either case (%2F, %2f): matched case-insensitively, which may
    // hide a little more than the secret, never less.
    return replace_all(std::move(text), percent_encode(secret), true);
}

}  // namespace strata
