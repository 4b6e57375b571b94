#include "support/stored_down.hpp"

#include <strata/dialect.hpp>

#include "history.hpp"

namespace strata::test {

std::string stored_down_json(const std::vector<std::string>& statements, bool foreign_keys_off) {
    rendering down;
    down.statements = statements;
    down.foreign_keys_off = foreign_keys_off;
    return strata::stored_down_json(down);
}

}  // namespace strata::test
