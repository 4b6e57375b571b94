# strata_add_migrator(<target> DIRECTORY <dir> [NAME <program name>] [SOURCES <file>...]
#                     [SELF_CONTAINED ON|OFF])
#
# Builds the executable <target>: strata's whole command line (strata::cli) over the units in
# <dir>, every <version>_<name>.cpp and every <version>_<name>.sql (a SQL unit, embedded into the
# program at build time by strata-embed-sql, which fails the build on a malformed file with its
# file and line). The directory is globbed with CONFIGURE_DEPENDS, so a unit added to it (by
# `<program> new`) is built by the next `cmake --build` without editing any CMake file. A file in
# <dir> whose name does not match, or two files with one version, is a configure error naming
# them; files whose names start with '.' (editors' and VCS's) are left alone.
#
# The units are compiled into the OBJECT library <target>_units, linked into the executable as
# objects: a static library would let the linker drop them, since nothing refers to their
# registrations. Link <target>_units into a test of your own to get the same units.
#
# NAME is what the program calls itself in --help, --version, errors and hints, and its file name
# (default: <target>). SOURCES adds further unit sources (generated ones, say); DIRECTORY may then
# be left out. SELF_CONTAINED (default: STRATA_SELF_CONTAINED_CLI) links libstdc++, SOCI, SQLite,
# Boost.Program_options and libcrypto statically, as strata's own program is.

# migrator_main.cpp and no_units.cpp: next to this file once installed, in tools/strata in strata's tree.
if(EXISTS "${CMAKE_CURRENT_LIST_DIR}/migrator_main.cpp")
  set(_strata_migrator_main_dir "${CMAKE_CURRENT_LIST_DIR}")
else()
  get_filename_component(_strata_migrator_main_dir "${CMAKE_CURRENT_LIST_DIR}/../tools/strata" ABSOLUTE)
endif()

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

  set(_sources ${arg_SOURCES})
  set(_dir "")
  if(arg_DIRECTORY)
    get_filename_component(_dir "${arg_DIRECTORY}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    if(NOT IS_DIRECTORY "${_dir}")
      message(FATAL_ERROR "${_where}: DIRECTORY ${_dir} does not exist; create it (and a unit in it: "
                          "${arg_NAME} new create_first_table, once built) or name the right one")
    endif()
    file(GLOB _files CONFIGURE_DEPENDS LIST_DIRECTORIES false RELATIVE "${_dir}" "${_dir}/*")
    list(SORT _files)
    set(_seen_versions)
    foreach(_file IN LISTS _files)
      if(_file MATCHES "^\\.")
        continue()
      endif()
      if(NOT _file MATCHES "^([0-9]+)_([a-z][a-z0-9_]*)\\.(cpp|sql)$")
        message(FATAL_ERROR "${_where}: ${_dir}/${_file} is not a unit: unit files are named <version>_<name>.cpp or "
                            "<version>_<name>.sql (version: digits; name: a lower-case letter, then lower-case letters, "
                            "digits and '_'). Rename it, or move it out of ${_dir}.")
      endif()
      string(LENGTH "${CMAKE_MATCH_1}" _digits)
      if(_digits GREATER 18)
        message(FATAL_ERROR "${_where}: ${_dir}/${_file}: a version has at most 18 digits (a 64-bit integer)")
      endif()
      set(_name "${CMAKE_MATCH_2}")
      set(_ext "${CMAKE_MATCH_3}")
      string(REGEX REPLACE "^0+([0-9])" "\\1" _version "${CMAKE_MATCH_1}")
      if(_version IN_LIST _seen_versions)
        message(FATAL_ERROR "${_where}: ${_dir}/${_strata_version_${_version}} and ${_dir}/${_file} both have "
                            "version ${_version}; give one of them a new version")
      endif()
      list(APPEND _seen_versions ${_version})
      set(_strata_version_${_version} "${_file}")
      if(_ext STREQUAL "cpp")
        list(APPEND _sources "${_dir}/${_file}")
      else()
        set(_out "${CMAKE_CURRENT_BINARY_DIR}/${target}_sql_units/${_file}.cpp")
        add_custom_command(
          OUTPUT "${_out}"
          COMMAND strata::embed_sql "${_dir}/${_file}" "${_out}" ${_version} ${_name}
          DEPENDS "${_dir}/${_file}" strata::embed_sql
          COMMENT "Embedding SQL unit ${_file}"
          VERBATIM)
        list(APPEND _sources "${_out}")
      endif()
    endforeach()
  endif()
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
