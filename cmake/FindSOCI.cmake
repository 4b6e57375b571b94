# FindSOCI
# --------
# Debian 12's libsoci-dev (4.0.3) ships neither a CMake package nor a pkg-config file, so
# find_package(SOCI) needs this module. It defines the imported targets that upstream SOCI >= 4.1
# exports (SOCI::Core, SOCI::SQLite3, SOCI::PostgreSQL), so code using them keeps working on a
# newer SOCI that brings its own package.
#
# Components: SQLite3, PostgreSQL. Result variables: SOCI_FOUND, SOCI_VERSION, SOCI_INCLUDE_DIR.

include(FindPackageHandleStandardArgs)

find_path(SOCI_INCLUDE_DIR NAMES soci/soci.h)
find_library(SOCI_CORE_LIBRARY NAMES soci_core)

if(SOCI_INCLUDE_DIR AND EXISTS "${SOCI_INCLUDE_DIR}/soci/version.h")
  file(STRINGS "${SOCI_INCLUDE_DIR}/soci/version.h" _soci_version_line
       REGEX "^#define[ \t]+SOCI_VERSION[ \t]+[0-9]+")
  string(REGEX REPLACE ".*SOCI_VERSION[ \t]+([0-9]+).*" "\\1" _soci_v "${_soci_version_line}")
  math(EXPR _soci_major "${_soci_v} / 100000")
  math(EXPR _soci_minor "${_soci_v} / 100 % 1000")
  math(EXPR _soci_patch "${_soci_v} % 100")
  set(SOCI_VERSION "${_soci_major}.${_soci_minor}.${_soci_patch}")
endif()

if(SOCI_CORE_LIBRARY AND SOCI_INCLUDE_DIR AND NOT TARGET SOCI::Core)
  add_library(SOCI::Core UNKNOWN IMPORTED)
  set_target_properties(SOCI::Core PROPERTIES
    IMPORTED_LOCATION "${SOCI_CORE_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${SOCI_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${CMAKE_DL_LIBS}")
endif()

# Each backend's headers include its client library's header (<sqlite3.h>, <libpq-fe.h>), which
# libsoci-dev does not pull in: find them here so a missing -dev package fails at configure time.
foreach(_comp IN LISTS SOCI_FIND_COMPONENTS)
  if(_comp STREQUAL "SQLite3")
    find_library(SOCI_SQLite3_LIBRARY NAMES soci_sqlite3)
    find_package(SQLite3 QUIET)
    if(SOCI_SQLite3_LIBRARY AND SQLite3_FOUND AND NOT TARGET SOCI::SQLite3)
      add_library(SOCI::SQLite3 UNKNOWN IMPORTED)
      set_target_properties(SOCI::SQLite3 PROPERTIES
        IMPORTED_LOCATION "${SOCI_SQLite3_LIBRARY}"
        INTERFACE_LINK_LIBRARIES "SOCI::Core;SQLite::SQLite3")
    endif()
    if(TARGET SOCI::SQLite3)
      set(SOCI_SQLite3_FOUND TRUE)
    endif()
  elseif(_comp STREQUAL "PostgreSQL")
    find_library(SOCI_PostgreSQL_LIBRARY NAMES soci_postgresql)
    find_package(PostgreSQL QUIET)
    if(SOCI_PostgreSQL_LIBRARY AND PostgreSQL_FOUND AND NOT TARGET SOCI::PostgreSQL)
      add_library(SOCI::PostgreSQL UNKNOWN IMPORTED)
      set_target_properties(SOCI::PostgreSQL PROPERTIES
        IMPORTED_LOCATION "${SOCI_PostgreSQL_LIBRARY}"
        INTERFACE_LINK_LIBRARIES "SOCI::Core;PostgreSQL::PostgreSQL")
    endif()
    if(TARGET SOCI::PostgreSQL)
      set(SOCI_PostgreSQL_FOUND TRUE)
    endif()
  endif()
endforeach()

find_package_handle_standard_args(SOCI
  REQUIRED_VARS SOCI_CORE_LIBRARY SOCI_INCLUDE_DIR
  VERSION_VAR SOCI_VERSION
  HANDLE_COMPONENTS)
mark_as_advanced(SOCI_INCLUDE_DIR SOCI_CORE_LIBRARY SOCI_SQLite3_LIBRARY SOCI_PostgreSQL_LIBRARY)
