#pragma once
/// Everything a program embedding strata needs.

#include <strata/database_url.hpp>
#include <strata/dialect.hpp>
#include <strata/error.hpp>
#include <strata/lint.hpp>
#include <strata/migration.hpp>
#include <strata/registry.hpp>
#include <strata/runner.hpp>
#include <strata/schema/builder.hpp>
#include <strata/sql_unit.hpp>
#include <strata/version.hpp>
