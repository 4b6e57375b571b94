#pragma once
/// A migration unit: a versioned, named set of schema operations with a way back.

#include <strata/migration_info.hpp>
#include <strata/registry.hpp>
#include <strata/schema/builder.hpp>

namespace strata {

/// Override change() for a reversible unit (down is its operations inverted, in reverse order),
/// or up() and down() when the way back is not the mechanical inverse.
class migration {
public:
    virtual ~migration() = default;

    virtual migration_info info() const = 0;

    /// Defaults to change(). What change() throws that is not a strata::error (a
    /// std::runtime_error left in a half-written unit) becomes an unsupported_error, "its
    /// change() threw: ..."; the runner refuses the unit with it, naming the unit's file.
    virtual void up(schema::builder& b) const;
    /// Defaults to the inverse of change(). Throws irreversible_error when an operation of
    /// change() cannot be inverted, or when the unit overrides up() but neither down() nor change();
    /// unsupported_error as up() does when change() throws.
    virtual void down(schema::builder& b) const;
    virtual void change(schema::builder& b) const;
};

}  // namespace strata
