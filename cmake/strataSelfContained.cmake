# The static archives a self-contained migrator links instead of the shared libraries
# (STRATA_SELF_CONTAINED_CLI): libstdc++, SOCI with its backends, SQLite, Boost.Program_options
# and OpenSSL's libcrypto, so a run maps no shared C++ library and the dynamic loader resolves a
# few hundred symbols instead of eight thousand; only libc, libm and libgcc_s stay shared. libpq
# is C and stays a shared library, opened on the first PostgreSQL connection
# (engine/src/dialect/postgresql/libpq_on_demand.cpp, part of strata::linked_backends).
#
# Used by strata's own build and by the installed package alike (so a project's migrator is the
# same single file as strata's). Input: _strata_with_sqlite, _strata_with_postgresql.
# Defines the imported target strata::static_runtime and STRATA_SELF_CONTAINED_POSSIBLE, with
# STRATA_SELF_CONTAINED_MISSING naming what is missing when it is OFF.

set(_strata_archives soci_core boost_program_options crypto)
if(_strata_with_sqlite)
  list(APPEND _strata_archives soci_sqlite3 sqlite3)
endif()
if(_strata_with_postgresql)
  list(APPEND _strata_archives soci_postgresql)
endif()
set(STRATA_SELF_CONTAINED_MISSING)
foreach(_lib IN LISTS _strata_archives)
  find_library(STRATA_${_lib}_ARCHIVE NAMES lib${_lib}.a)
  mark_as_advanced(STRATA_${_lib}_ARCHIVE)
  if(NOT STRATA_${_lib}_ARCHIVE)
    list(APPEND STRATA_SELF_CONTAINED_MISSING lib${_lib}.a)
  endif()
endforeach()
if(STRATA_SELF_CONTAINED_MISSING)
  set(STRATA_SELF_CONTAINED_POSSIBLE OFF)
else()
  set(STRATA_SELF_CONTAINED_POSSIBLE ON)
endif()

if(NOT TARGET strata::static_runtime)
  add_library(strata::static_runtime INTERFACE IMPORTED GLOBAL)
  # In link order: the backends before SOCI's core, SQLite after its backend.
  set(_strata_link)
  foreach(_lib IN ITEMS soci_postgresql soci_sqlite3 soci_core sqlite3 boost_program_options crypto)
    if(_lib IN_LIST _strata_archives AND STRATA_${_lib}_ARCHIVE)
      list(APPEND _strata_link "${STRATA_${_lib}_ARCHIVE}")
    endif()
  endforeach()
  list(APPEND _strata_link m ${CMAKE_DL_LIBS})
  set_target_properties(strata::static_runtime PROPERTIES
    INTERFACE_LINK_LIBRARIES "${_strata_link}"
    # Only what the program uses of the archives stays in it.
    INTERFACE_LINK_OPTIONS "-static-libstdc++;LINKER:--gc-sections")
endif()
