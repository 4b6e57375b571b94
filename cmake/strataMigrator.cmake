# strata_add_migrator(<target> DIRECTORY <dir> [NAME <program name>] [SOURCES <file>...]
#                     [SELF_CONTAINED ON|OFF])
#
# Builds the executable <target>: strata's whole command line (strata::cli) over the units in
# <dir>, every <version>_<name>.cpp and every <version>_<name>.sql (the version: at most 18 digits,
# and not 0; a SQL unit is embedded into the program at build time by strata-embed-sql, which
# fails the build on a malformed file with its file and line). The directory is globbed with
# CONFIGURE_DEPENDS, so a unit added to it (by `<program> new`) is built by the next `cmake --build`
# without editing any CMake file. A file in <dir> whose name does not match, a subdirectory, or two
# files with one version, is a configure error naming them; files whose names start with '.'
# (editors' and VCS's) are left alone.
#
# The units are compiled into the OBJECT library <target>_units, linked into the executable as
# objects: a static library would let the linker drop them, since nothing refers to their
# registrations. Link <target>_units into a test of your own to get the same units.
#
# NAME is what the program calls itself in --help, --version, errors and hints, and its file name
# (default: <target>). SOURCES adds further unit sources (generated ones, say; a .sql one must be
# named like a unit and is embedded as in DIRECTORY); DIRECTORY may then be left out.
# SELF_CONTAINED (default: STRATA_SELF_CONTAINED_CLI) links libstdc++, SOCI, SQLite,
# Boost.Program_options and libcrypto statically, as strata's own program is.

# migrator_main.cpp and no_units.cpp: next to this file once installed, in tools/strata in strata's tree.
if(EXISTS "${CMAKE_CURRENT_LIST_DIR}/migrator_main.cpp")
  set(_strata_migrator_main_dir "${CMAKE_CURRENT_LIST_DIR}")
else()
  get_filename_component(_strata_migrator_main_dir "${CMAKE_CURRENT_LIST_DIR}/../tools/strata" ABSOLUTE)
endif()

# _strata_unit_source(<where> <unit file> <target> <out var>): the source to compile for a unit
# file, checked against <version>_<name>.cpp|.sql: the file itself for C++, a generated .cpp that
# embeds the file for SQL. Also sets _strata_unit_version (without leading zeros) in the caller.
function(_strata_unit_source where file target out_var)
  get_filename_component(_base "${file}" NAME)
  get_filename_component(_parent "${file}" DIRECTORY)
  if(NOT _base MATCHES "^([0-9]+)_([a-z][a-z0-9_]*)\\.(cpp|sql)$")
    message(FATAL_ERROR "${where}: ${file} is not a unit: unit files are named <version>_<name>.cpp or "
                        "<version>_<name>.sql (version: digits; name: a lower-case letter, then lower-case letters, "
                        "digits and '_'). Rename it, or move it out of ${_parent}.")
  endif()
  set(_name "${CMAKE_MATCH_2}")
  set(_ext "${CMAKE_MATCH_3}")
  string(LENGTH "${CMAKE_MATCH_1}" _digits)
  if(_digits GREATER 18)
    message(FATAL_ERROR "${where}: ${file}: a version has at most 18 digits (a 64-bit integer)")
  endif()
  # Leading zeros off (0100 is 100). Not REGEX REPLACE "^0+...": CMake applies it again to the
  # rest of the string, where ^ matches anew (0100 became 10).
  string(REGEX MATCH "^0*([0-9]+)$" _matched "${CMAKE_MATCH_1}")
  set(_version "${CMAKE_MATCH_1}")
  if(_version STREQUAL "0")
    # The runner refuses it too, but only when the program starts: every command would fail.
    set(_also "")
    if(_ext STREQUAL "cpp")
      set(_also ", and give its info() that version")
    endif()
    message(FATAL_ERROR "${where}: ${file} has version 0, and versions start at 1: rename it with a version no "
                        "other unit has (`new` uses the UTC time, YYYYMMDDHHMMSS_${_name}.${_ext})${_also}")
  endif()
  set(_strata_unit_version "${_version}" PARENT_SCOPE)
  if(_ext STREQUAL "cpp")
    set(${out_var} "${file}" PARENT_SCOPE)
    return()
  endif()
  set(_out "${CMAKE_CURRENT_BINARY_DIR}/${target}_sql_units/${_base}.cpp")
  add_custom_command(
    OUTPUT "${_out}"
    COMMAND strata::embed_sql "${file}" "${_out}" ${_version} ${_name}
    DEPENDS "${file}" strata::embed_sql
    COMMENT "Embedding SQL unit ${_base}"
    VERBATIM)
  set(${out_var} "${_out}" PARENT_SCOPE)
endfunction()

function(strata_add_migrator target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "DIRECTORY;NAME;SELF_CONTAINED" "SOURCES")
  set(_where "strata_add_migrator(${target})")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "${_where}: unexpected arguments ${arg_UNPARSED_ARGUMENTS}; it takes DIRECTORY <dir>, "
                        "NAME <program name>, SOURCES <files>, SELF_CONTAINED ON|OFF")
  endif()
  if(NOT arg_DIRECTORY AND NOT arg_SOURCES)
    message(FATAL_ERROR "${_where}: give the units' directory: DIRECTORY migrations")
  endif()
  if(NOT arg_NAME)
    set(arg_NAME "${target}")
  endif()
  if(NOT arg_NAME MATCHES "^[A-Za-z0-9][A-Za-z0-9._+-]*$")
    message(FATAL_ERROR "${_where}: NAME '${arg_NAME}' is not a program name (letters, digits, '.', '_', '+', '-')")
  endif()

  set(_sources)
  set(_dir "")
  if(arg_DIRECTORY)
    get_filename_component(_dir "${arg_DIRECTORY}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    if(NOT IS_DIRECTORY "${_dir}")
      message(FATAL_ERROR "${_where}: DIRECTORY ${_dir} does not exist; create it (and a unit in it: "
                          "${arg_NAME} new create_first_table, once built) or name the right one")
    endif()
    file(GLOB _files CONFIGURE_DEPENDS LIST_DIRECTORIES true RELATIVE "${_dir}" "${_dir}/*")
    list(SORT _files)
    set(_seen_versions)
    foreach(_file IN LISTS _files)
      if(_file MATCHES "^\\.")
        continue()  # editors' and VCS's files
      endif()
      if(IS_DIRECTORY "${_dir}/${_file}")
        message(FATAL_ERROR "${_where}: ${_dir}/${_file} is a directory; units live directly in ${_dir} "
                            "(subdirectories are not searched). Move its units up, or the directory out.")
      endif()
      _strata_unit_source("${_where}" "${_dir}/${_file}" "${target}" _source)
      # Versions compare as numbers: 0007 and 7 are one version.
      if(_strata_unit_version IN_LIST _seen_versions)
        message(FATAL_ERROR "${_where}: ${_dir}/${_strata_version_${_strata_unit_version}} and ${_dir}/${_file} both "
                            "have version ${_strata_unit_version}; give one of them a new version")
      endif()
      list(APPEND _seen_versions ${_strata_unit_version})
      set(_strata_version_${_strata_unit_version} "${_file}")
      list(APPEND _sources "${_source}")
    endforeach()
  endif()
  foreach(_file IN LISTS arg_SOURCES)
    # A .sql unit among SOURCES is embedded like one in DIRECTORY; other sources go in as they are.
    if(_file MATCHES "\\.sql$")
      get_filename_component(_file "${_file}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
      _strata_unit_source("${_where}" "${_file}" "${target}" _source)
      list(APPEND _sources "${_source}")
    else()
      list(APPEND _sources "${_file}")
    endif()
  endforeach()
  if(NOT _sources)
    # An empty directory is a fresh project: the program is still useful (`new` writes the first unit).
    set(_sources "${_strata_migrator_main_dir}/no_units.cpp")
  endif()

  add_library(${target}_units OBJECT ${_sources})
  target_link_libraries(${target}_units PUBLIC strata::engine)

  add_executable(${target} "${_strata_migrator_main_dir}/migrator_main.cpp")
  set_target_properties(${target} PROPERTIES OUTPUT_NAME "${arg_NAME}")
  string(REPLACE "\\" "\\\\" _dir_literal "${_dir}")
  string(REPLACE "\"" "\\\"" _dir_literal "${_dir_literal}")
  target_compile_definitions(${target} PRIVATE "STRATA_PROGRAM_NAME=\"${arg_NAME}\""
                                               "STRATA_MIGRATIONS_DIR=\"${_dir_literal}\"")
  target_link_libraries(${target} PRIVATE ${target}_units strata::cli)

  if(NOT DEFINED arg_SELF_CONTAINED)
    set(arg_SELF_CONTAINED ${STRATA_SELF_CONTAINED_CLI})
  endif()
  if(arg_SELF_CONTAINED)
    if(NOT STRATA_SELF_CONTAINED_POSSIBLE)
      message(FATAL_ERROR "${_where}: a self-contained program needs ${STRATA_SELF_CONTAINED_MISSING} "
                          "(Debian: libsoci-dev, libsqlite3-dev, libboost-program-options-dev, libssl-dev); "
                          "or set STRATA_SELF_CONTAINED_CLI=OFF")
    endif()
    # strata::engine and strata::cli read this property to link the static archives
    # (strata::static_runtime) instead of the shared libraries.
    set_target_properties(${target} PROPERTIES STRATA_SELF_CONTAINED ON)
    target_link_libraries(${target} PRIVATE strata::linked_backends)
    target_compile_definitions(${target} PRIVATE STRATA_LINKED_BACKENDS=1)
  endif()
endfunction()
