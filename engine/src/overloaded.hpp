#pragma once
// Private helper: a visitor built from lambdas, for std::visit over schema::operation.

namespace strata::detail {

template <class... Fs>
struct overloaded : Fs... {
    using Fs::operator()...;
};

}  // namespace strata::detail
