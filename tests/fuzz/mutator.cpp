#include "mutator.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>

namespace strata::fuzz {
namespace {

std::uint64_t from_environment(const char* name, std::uint64_t fallback) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') return fallback;
    char* end = nullptr;
    const auto parsed = std::strtoull(value, &end, 10);
    return end != nullptr && *end == '\0' ? parsed : fallback;
}

}  // namespace

std::size_t iterations(std::size_t fallback) {
    return static_cast<std::size_t>(from_environment("STRATA_FUZZ_ITERATIONS", fallback));
}

std::uint64_t seed() { return from_environment("STRATA_FUZZ_SEED", 20261202); }

std::string literal(std::string_view text) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out = "\"";
    bool after_hex = false;
    for (unsigned char c : text) {
        const bool hex_digit = std::isxdigit(c) != 0;
        if (after_hex && hex_digit) out += "\" \"";  // "\x41" "1", not "\x411"
        after_hex = false;
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c >= 0x20 && c < 0x7f) {
                out += static_cast<char>(c);
            } else {
                out += "\\x";
                out += digits[c >> 4];
                out += digits[c & 15];
                after_hex = true;
            }
        }
    }
    return out + "\"";
}

std::string mutator::random_text(std::size_t max_length) {
    std::string out;
    const std::size_t length = below(max_length + 1);
    while (out.size() < length) {
        const auto kind = below(10);
        if (kind < 4)
            out += token();
        else if (kind < 9)
            out += static_cast<char>(0x20 + below(0x5f));  // printable ASCII
        else
            out += static_cast<char>(below(256));
    }
    return out;
}

std::string mutator::mutate(std::string input, std::string_view other) {
    const std::size_t rounds = chance(50) ? 1 : 2 + below(3);  // often one: a valid input's near neighbours
    for (std::size_t r = 0; r < rounds; ++r) {
        const std::size_t pos = below(input.size() + 1);
        switch (below(9)) {
        case 0:  // flip a bit
            if (!input.empty()) input[std::min(pos, input.size() - 1)] ^= static_cast<char>(1u << below(8));
            break;
        case 1:  // replace a byte
            if (!input.empty()) input[std::min(pos, input.size() - 1)] = static_cast<char>(below(256));
            break;
        case 2:  // insert a byte
            input.insert(pos, 1, static_cast<char>(below(256)));
            break;
        case 3:
        case 4:  // insert a token (the most useful mutation: twice as likely)
            input.insert(pos, token());
            break;
        case 5:  // delete a range
            input.erase(pos, 1 + below(8));
            break;
        case 6:  // duplicate a range
            if (pos < input.size()) input.insert(pos, input.substr(pos, 1 + below(16)));
            break;
        case 7:  // truncate
            input.resize(pos);
            break;
        case 8: {  // splice: this input's start, the other's end
            const std::size_t from = below(other.size() + 1);
            input = input.substr(0, pos) + std::string(other.substr(from));
            break;
        }
        }
    }
    if (input.size() > max_size_) input.resize(max_size_);
    return input;
}

}  // namespace strata::fuzz
