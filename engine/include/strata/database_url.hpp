#pragma once
/// Database URLs: parsing, redaction and the connection string handed to SOCI.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata {

enum class backend { sqlite, postgresql };

const char* to_string(backend b) noexcept;

/// A parsed database URL. Accepted forms:
///   sqlite:PATH   sqlite:///ABSOLUTE/PATH   sqlite::memory:
///   postgresql://[user[:password]@]host[:port]/dbname[?key=value&...]   (also postgres://)
/// Components are percent-decoded. The user info ends at the last '@' followed by host[:port]/, so
/// an unencoded '@', '/', '?', '#' or '=' in the password is read as part of it; when an '@' could
/// also sit in a query value, the URL is refused as ambiguous. A connect_timeout parameter must be
/// a whole number of seconds, 1 or more (libpq waits forever on 0). A database name holding a
/// query parameter for want of its '?' (`/shop&sslmode=require`, or a secret parameter's `key=`
/// anywhere, `/shop%26sslpassword%3D...`) is refused. parse() throws config_error
/// naming what is wrong (and suggesting percent-encoding when the user info holds such
/// characters); the message never contains the password.
class database_url {
public:
    static database_url parse(std::string_view text);

    backend kind() const noexcept { return kind_; }

    /// SQLite: the file path, or ":memory:".
    const std::string& path() const noexcept { return path_; }

    /// One host of a PostgreSQL URL, as libpq's host and port lists take it.
    struct endpoint {
        std::string host;
        int port = 0;  ///< 0 when the URL gives none (libpq's default applies)
        bool operator==(const endpoint&) const = default;
    };
    /// Every host, in the URL's order (`host1:port1,host2:port2`: libpq tries each in turn, and
    /// with target_session_attrs picks the one that qualifies). One for a single-host URL.
    const std::vector<endpoint>& hosts() const noexcept { return hosts_; }
    /// The first host and its port (0 when none is given).
    const std::string& host() const noexcept { return hosts_.front().host; }
    int port() const noexcept { return hosts_.front().port; }
    const std::string& dbname() const noexcept { return dbname_; }
    const std::string& user() const noexcept { return user_; }
    const std::string& password() const noexcept { return password_; }
    bool has_password() const noexcept { return has_password_; }
    const std::vector<std::pair<std::string, std::string>>& parameters() const noexcept { return parameters_; }

    /// The same server, user and parameters, another database (PostgreSQL).
    database_url with_dbname(std::string dbname) const {
        database_url other = *this;
        other.dbname_ = std::move(dbname);
        return other;
    }
    /// The same database with `schema` alone as its search_path (PostgreSQL), appended to the
    /// URL's `options` parameter: tables are created there, and strata's history lives there.
    database_url with_schema(std::string_view schema) const;
    /// The schema with_schema() made the search_path (empty otherwise): the connection checks
    /// the server took it, since a pooler may drop `options`.
    const std::string& schema() const noexcept { return schema_; }
    /// PostgreSQL: the search_path the URL's `options` set (`-c search_path=app,public`, the last
    /// such setting of the last `options`, as the server takes it), each schema as the server
    /// reads it: a quoted name without its quotes, any other in lower case. Empty when `options`
    /// sets none (the server's default, `"$user", public`, applies) or for SQLite.
    std::vector<std::string> search_path() const;
    /// The one schema the URL confines its connection to, which `diff`, `validate --schema`,
    /// `verify` and `schema dump` then read alone (as a tenant's, with_schema()): schema(), or
    /// the search_path's schema when it names exactly one, other than public and `$user`. Empty
    /// otherwise (several schemas, public alone, none set): they read every schema.
    std::string search_path_schema() const;
    /// The same URL whose connection gives up on a host after `seconds` (PostgreSQL; at least 2,
    /// libpq's floor), whatever connect_timeout the URL names: for a connection that must not
    /// wait long (the audit row of a unit whose connection was lost). libpq tries each host of a
    /// multi-host URL in turn, each with this timeout.
    database_url with_connect_timeout(int seconds) const;
    /// The same URL, options and all, whose connection does not check schema(): to create it.
    database_url without_schema_check() const {
        database_url other = *this;
        other.schema_.clear();
        return other;
    }
    /// The URL with the password and every secret-bearing parameter (a name holding password,
    /// passphrase, secret, token or credential, or ending in _key: sslpassword, oauth_client_secret)
    /// replaced by ***: safe for logs, errors and history. Paths (sslkey, sslcert, passfile) stay.
    std::string redacted() const;

    /// libpq keyword/value form for PostgreSQL (values single-quoted and escaped), `db=...` for
    /// SQLite. SOCI 4.0.3 mangles URI-form strings (see SOCI-NOTES), so it only ever gets the
    /// keyword form; the PostgreSQL connection rewrites it once more for SOCI's own splitting of
    /// the string at blanks (a value with blanks and quotes). Contains the password: never print it.
    /// `connect_timeout_seconds` applies unless the URL sets connect_timeout itself.
    std::string connection_string(int connect_timeout_seconds = 10) const;

private:
    backend kind_ = backend::sqlite;
    std::string path_;
    std::vector<endpoint> hosts_{1};
    std::string dbname_;
    std::string user_;
    std::string password_;
    bool has_password_ = false;
    std::vector<std::pair<std::string, std::string>> parameters_;
    std::string schema_;
};

/// Replaces the password of every `scheme://user:password@` in `text`, the value of every
/// secret-bearing query parameter of such a URL (as redacted()) and every `password=` value
/// (quoted or not, as in keyword strings) by ***, and the literal after SQL's PASSWORD keyword
/// (`CREATE ROLE app PASSWORD '...'`, a user mapping's `password '...'`): for echoing
/// command-line arguments, error texts that may hold a URL and statements.
std::string redact_passwords(std::string text);

/// Replaces every occurrence of `secret` (and its percent-encoded form) in `text` by ***.
std::string scrub(std::string text, const std::string& secret);

}  // namespace strata
