#pragma once
// A small deterministic fuzzer for Boost.Test suites (g++ has no libFuzzer): a fixed-seed
// std::mt19937_64, a seed corpus, structure-aware generators written by each suite, and the
// classic byte mutations. The same seed gives the same inputs on every machine, so a failure
// reproduces; each failing input is printed as a C++ literal to keep as a regression case.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace strata::fuzz {

/// Iterations per fuzz test: STRATA_FUZZ_ITERATIONS, else `fallback` (100000: the URL tests run
/// that many inputs, the .sql tests a quarter and a half of it). Sized so that the whole suite
/// takes about 35 s of CPU under ASan and UBSan (tools/test --sanitize) and about 3 s otherwise.
std::size_t iterations(std::size_t fallback);

/// STRATA_FUZZ_SEED, else a fixed seed: every run checks the same inputs unless asked otherwise.
std::uint64_t seed();

/// `text` as a C++ string literal (non-printable bytes as \x escapes, split so that a following
/// hex digit is not swallowed), for pasting a failing input into a regression case.
std::string literal(std::string_view text);

class mutator {
public:
    /// `tokens`: fragments the input language gives meaning to, inserted whole.
    mutator(std::uint64_t seed, std::vector<std::string> tokens, std::size_t max_size)
        : rng_(seed), tokens_(std::move(tokens)), max_size_(max_size) {}

    std::size_t below(std::size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
    bool chance(unsigned percent) { return below(100) < percent; }
    const std::string& pick(const std::vector<std::string>& from) { return from[below(from.size())]; }
    const std::string& token() { return pick(tokens_); }

    /// Random bytes, biased towards the tokens and printable ASCII.
    std::string random_text(std::size_t max_length);

    /// 1 (half the time) to 4 mutations of `input`: flipped bits, replaced, inserted or deleted bytes, inserted
    /// tokens, duplicated ranges, truncation, and splicing with `other` (another corpus entry).
    std::string mutate(std::string input, std::string_view other);

private:
    std::mt19937_64 rng_;
    std::vector<std::string> tokens_;
    std::size_t max_size_;
};

/// How long one input took, for "nothing hangs": checked against a bound per input.
class stopwatch {
public:
    double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

private:
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

/// The bound for one input of at most a few kilobytes: generous, for a loaded machine under ASan.
inline constexpr double seconds_per_input = 2.0;

}  // namespace strata::fuzz
