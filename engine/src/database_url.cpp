#include <strata/database_url.hpp>

#include <strata/error.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

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

std::string percent_encode(std::string_view in) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : in) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
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

/// Where the user info of `rest` (a URL after "scheme://") ends: its '@', or npos. The LAST '@'
/// counts, since generated passwords often hold an unencoded '/', '?' or '@' and reading those as
/// the path or the host would put part of the password into an error message; unless that '@'
/// sits in a query value (application_name=deploy@ci): text between the first '?' and the '@'
/// holding a '=' is a query, not a password with a '?' in it.
std::size_t userinfo_end(std::string_view rest) {
    auto at = rest.rfind('@');
    if (auto q = rest.find('?'); at != std::string_view::npos && q < at && rest.substr(q, at - q).find('=') != std::string_view::npos)
        at = rest.substr(0, q).rfind('@');
    return at;
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

    auto at = userinfo_end(rest);
    if (at != std::string_view::npos) {
        std::string_view userinfo = rest.substr(0, at);
        rest = rest.substr(at + 1);
        auto colon = userinfo.find(':');
        url.user_ = percent_decode(userinfo.substr(0, colon), "user name");
        if (colon != std::string_view::npos) {
            url.password_ = percent_decode(userinfo.substr(colon + 1), "password");
            url.has_password_ = true;
        }
        if (url.user_.empty()) throw config_error(std::string("invalid database URL: the user name before '@' is empty") + usage_hint);
    }

    std::string_view query;
    if (auto q = rest.find('?'); q != std::string_view::npos) {
        query = rest.substr(q + 1);
        rest = rest.substr(0, q);
    }
    auto slash = rest.find('/');
    if (slash == std::string_view::npos)
        throw config_error(std::string("invalid database URL: no database name (add /dbname after the host)") + usage_hint);
    std::string_view authority = rest.substr(0, slash);
    url.dbname_ = percent_decode(rest.substr(slash + 1), "database name");
    if (url.dbname_.empty())
        throw config_error(std::string("invalid database URL: the database name is empty") + usage_hint);

    std::string_view host = authority;
    std::string_view port;
    bool has_port = false;
    if (starts_with(authority, "[")) {  // [IPv6]:port
        auto close = authority.find(']');
        if (close == std::string_view::npos)
            throw config_error(std::string("invalid database URL: unterminated '[' in the host") + usage_hint);
        host = authority.substr(1, close - 1);
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':') throw config_error(std::string("invalid database URL: unexpected text after ']'") + usage_hint);
            port = after.substr(1);
            has_port = true;
        }
    } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
        has_port = true;
    }
    url.host_ = percent_decode(host, "host");
    if (url.host_.empty()) throw config_error(std::string("invalid database URL: the host is empty") + usage_hint);
    if (has_port) {
        int value = 0;
        auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535)
            // The port's text is not echoed: in a URL missing its host it may be the password.
            throw config_error(std::string("invalid database URL: the port is not a number from 1 to 65535") + usage_hint);
        url.port_ = value;
    }

    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (pair.empty()) continue;
        auto eq = pair.find('=');
        if (eq == std::string_view::npos || eq == 0)
            // Not echoed: with an unencoded '?' in the password, this text is part of it.
            throw config_error("invalid database URL: every query parameter needs the form key=value");
        std::string key = percent_decode(pair.substr(0, eq), "parameter name");
        bool valid_key = std::all_of(key.begin(), key.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
        if (!valid_key) throw config_error("invalid database URL: a query parameter name holds characters other than letters, digits and '_'");
        if (key == "password" || key == "user" || key == "host" || key == "port" || key == "dbname")
            throw config_error("invalid database URL: give the " + key +
                               " in the URL itself, not as the parameter ?" + key + "=");
        url.parameters_.emplace_back(std::move(key), percent_decode(pair.substr(eq + 1), "parameter value"));
    }
    return url;
}

std::string database_url::redacted() const {
    if (kind_ == backend::sqlite) return "sqlite:" + path_;
    std::string out = "postgresql://";
    if (!user_.empty()) {
        out += percent_encode(user_);
        if (has_password_) out += ":***";
        out += '@';
    }
    out += host_.find(':') != std::string::npos ? "[" + host_ + "]" : percent_encode(host_);
    if (port_ != 0) out += ":" + std::to_string(port_);
    out += "/" + percent_encode(dbname_);
    char sep = '?';
    for (const auto& [key, value] : parameters_) {
        // libpq's sslpassword (and any other secret-bearing parameter) stays hidden too.
        out += sep + key + "=" + (key.find("password") != std::string::npos ? "***" : percent_encode(value));
        sep = '&';
    }
    return out;
}

std::string database_url::connection_string(int connect_timeout_seconds) const {
    if (kind_ == backend::sqlite) {
        // SOCI's sqlite3 backend takes double quotes around a value with spaces.
        return "db=\"" + path_ + "\"";
    }
    std::string out = "host=" + pq_quote(host_);
    if (port_ != 0) out += " port=" + std::to_string(port_);
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

std::string redact_passwords(std::string text) {
    for (auto scheme = text.find("://"); scheme != std::string::npos; scheme = text.find("://", scheme + 3)) {
        auto start = scheme + 3;
        auto end = text.find_first_of(" \t\n'\"", start);
        if (end == std::string::npos) end = text.size();
        auto at = userinfo_end(std::string_view(text).substr(start, end - start));
        if (at == std::string::npos) continue;
        auto colon = text.find(':', start);
        if (colon == std::string::npos || colon > start + at) continue;
        // A user name has no '[': this is a syntax pattern ("postgresql://[user[:password]@]..."), not a URL.
        if (text.find('[', start) < colon) continue;
        text.replace(colon + 1, start + at - colon - 1, "***");
    }
    // Secret-bearing parameters (libpq's sslpassword, password=... in keyword strings).
    for (auto key = text.find("password="); key != std::string::npos; key = text.find("password=", key + 1)) {
        auto value = key + 9;
        auto end = text.find_first_of("& \t\n'\"", value);
        if (end == std::string::npos) end = text.size();
        if (text.compare(value, end - value, "***") != 0) text.replace(value, end - value, "***");
    }
    return text;
}

std::string scrub(std::string text, const std::string& secret) {
    if (secret.empty()) return text;
    text = replace_all(std::move(text), secret, false);
    // Percent-encoded, hex digits in either case (%2F, %2f): matched case-insensitively, which may
    // hide a little more than the secret, never less.
    return replace_all(std::move(text), percent_encode(secret), true);
}

}  // namespace strata
