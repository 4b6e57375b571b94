#include "checksum.hpp"

// OpenSSL's SHA-256 itself, through its low-level interface (SHA256_Init/Update/Final), which
// OpenSSL 3 keeps but marks deprecated in favour of EVP. Deliberately: the EVP route costs
// every strata run two thirds of its start-up on SQLite (OPENSSL_init_crypto reads openssl.cnf,
// and the first EVP_sha256 fetch builds the provider name map of every algorithm: 5.3 M of 15.4 M
// instructions, measured with callgrind, issue 4), to hash a few KiB of SQL. The low-level
// functions run the same (assembly) implementation with none of that. A unit's checksum is a
// fingerprint, not a security control, so the provider and FIPS machinery EVP adds buys nothing
// here. Declaring the 1.1.1 API keeps these declarations free of the deprecation attribute.
#define OPENSSL_API_COMPAT 10101
#include <openssl/sha.h>

namespace strata {

std::string checksum(const std::vector<std::string>& statements) { return checksum(statements, {}); }

std::string checksum(const std::vector<std::string>& statements, const std::vector<std::string>& more) {
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    for (const auto* list : {&statements, &more})
        for (const auto& s : *list) {
            SHA256_Update(&ctx, s.data(), s.size());
            SHA256_Update(&ctx, "", 1);
        }
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256_Final(digest, &ctx);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * SHA256_DIGEST_LENGTH);
    for (unsigned char byte : digest) {
        out += hex[byte >> 4];
        out += hex[byte & 15];
    }
    return out;
}

}  // namespace strata
