#include "checksum.hpp"

#include <strata/error.hpp>

#include <openssl/evp.h>

#include <memory>

namespace strata {

std::string checksum(const std::vector<std::string>& statements) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) throw error("OpenSSL could not start a SHA-256 digest");
    for (const auto& s : statements) {
        EVP_DigestUpdate(ctx.get(), s.data(), s.size());
        EVP_DigestUpdate(ctx.get(), "", 1);
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1) throw error("OpenSSL could not finish a SHA-256 digest");
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

}  // namespace strata
