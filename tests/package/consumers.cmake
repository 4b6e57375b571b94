# Projects that use the installed strata other than the example (needs the `example` fixture's
# installed prefix): a main() of its own linking strata::cli; a migrator linking the shared
# libraries; and the mistakes a team makes in its units directory, each of which must stop the
# configure or the build with a message naming the file (and, for SQL, the line).
# Arguments: -DPREFIX=<installed strata> -DSOURCE_DIR=tests/package -DWORK_DIR=<scratch>
include("${CMAKE_CURRENT_LIST_DIR}/example_steps.cmake")
file(REMOVE_RECURSE "${WORK_DIR}")

# 1. Its own main(), shared libraries.
strata_step("configuring own_main" ${CMAKE_COMMAND} -S "${SOURCE_DIR}/own_main" -B "${WORK_DIR}/own_main"
            "-DCMAKE_PREFIX_PATH=${PREFIX}")
strata_step("building own_main" ${CMAKE_COMMAND} --build "${WORK_DIR}/own_main" -j2)
strata_step("own-migrate up" "${WORK_DIR}/own_main/own-migrate" --database sqlite::memory: up)
if(NOT STEP_OUT MATCHES "applied  1 create_things")
  message(FATAL_ERROR "package test: own-migrate did not apply its unit:\n${STEP_OUT}")
endif()

# 2. A migrator linking the shared libraries (SELF_CONTAINED OFF), with a .sql unit given through
#    SOURCES next to DIRECTORY; an applied .sql unit edited afterwards is `changed`; and `new` once
#    the directory it was built from is gone.
set(shared "${WORK_DIR}/shared")
file(MAKE_DIRECTORY "${shared}/migrations" "${shared}/extra")
file(WRITE "${shared}/CMakeLists.txt" "cmake_minimum_required(VERSION 3.25)\nproject(shared LANGUAGES CXX)\n"
           "find_package(strata 0.2 REQUIRED)\n"
           "strata_add_migrator(shared-migrate DIRECTORY migrations SOURCES extra/2_from_sources.sql SELF_CONTAINED OFF)\n")
file(WRITE "${shared}/migrations/1_create_t.sql" "-- strata:up\nCREATE TABLE t (id INTEGER)SEMICOLON\n-- strata:down\nDROP TABLE tSEMICOLON\n")
file(WRITE "${shared}/extra/2_from_sources.sql" "-- strata:up\nCREATE TABLE u (id INTEGER)SEMICOLON\n-- strata:down\nDROP TABLE uSEMICOLON\n")
foreach(f IN ITEMS migrations/1_create_t.sql extra/2_from_sources.sql)
  file(READ "${shared}/${f}" text)
  string(REPLACE "SEMICOLON" ";" text "${text}")
  file(WRITE "${shared}/${f}" "${text}")
endforeach()
strata_step("configuring shared" ${CMAKE_COMMAND} -S "${shared}" -B "${shared}/build" "-DCMAKE_PREFIX_PATH=${PREFIX}")
strata_step("building shared" ${CMAKE_COMMAND} --build "${shared}/build" -j2)
set(migrator "${shared}/build/shared-migrate")
strata_step("ldd shared-migrate" ldd "${migrator}")
if(NOT STEP_OUT MATCHES "libsoci_core" OR NOT STEP_OUT MATCHES "libstdc\\+\\+")
  message(FATAL_ERROR "package test: SELF_CONTAINED OFF should link the shared libraries:\n${STEP_OUT}")
endif()
set(db "sqlite:${WORK_DIR}/shared.db")
strata_step("shared-migrate up" "${migrator}" --database "${db}" up)
if(NOT STEP_OUT MATCHES "applied  1 create_t" OR NOT STEP_OUT MATCHES "applied  2 from_sources")
  message(FATAL_ERROR "package test: shared-migrate did not apply both units:\n${STEP_OUT}")
endif()
file(APPEND "${shared}/migrations/1_create_t.sql" "-- an edit after it was applied\n")
strata_step("rebuilding after a comment" ${CMAKE_COMMAND} --build "${shared}/build" -j2)
strata_step("status after a comment" "${migrator}" --database "${db}" status --exit-code)  # comments are not statements
file(READ "${shared}/migrations/1_create_t.sql" text)
string(REPLACE "(id INTEGER)" "(id INTEGER, note TEXT)" text "${text}")
file(WRITE "${shared}/migrations/1_create_t.sql" "${text}")
strata_step("rebuilding after an edit" ${CMAKE_COMMAND} --build "${shared}/build" -j2)
execute_process(COMMAND "${migrator}" --database "${db}" status --exit-code RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 4 OR NOT out MATCHES " create_t +changed ")
  message(FATAL_ERROR "package test: an applied .sql unit edited should be changed (exit 4), got ${rc}:\n${out}")
endif()
file(RENAME "${shared}/migrations" "${shared}/moved")
execute_process(COMMAND "${migrator}" new add_x WORKING_DIRECTORY "${WORK_DIR}" RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT err MATCHES "is gone and there is no ./migrations here" OR EXISTS "${WORK_DIR}/migrations")
  message(FATAL_ERROR "package test: new with its directory gone and no ./migrations: exit ${rc}, ${err}")
endif()
file(MAKE_DIRECTORY "${WORK_DIR}/here/migrations")
execute_process(COMMAND "${migrator}" new add_x --sequential WORKING_DIRECTORY "${WORK_DIR}/here" RESULT_VARIABLE rc
                OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT out STREQUAL "migrations/1_add_x.cpp\n")
  message(FATAL_ERROR "package test: new should fall back to ./migrations: exit ${rc}, '${out}'")
endif()

# expect_failure(<what> <step: configure|build> <regex the output must match> <file> <content>...)
# A project whose units directory holds the given files; its configure or build must fail. In
# <content>, SEMICOLON stands for ';' (which would split a CMake list).
function(expect_failure what step pattern)
  set(project "${WORK_DIR}/${what}")
  file(MAKE_DIRECTORY "${project}/migrations")
  file(WRITE "${project}/CMakeLists.txt" "cmake_minimum_required(VERSION 3.25)\nproject(${what} LANGUAGES CXX)\n"
             "find_package(strata 0.2 REQUIRED)\nstrata_add_migrator(${what}-migrate DIRECTORY migrations)\n")
  set(files ${ARGN})
  while(files)
    list(POP_FRONT files name content)
    string(REPLACE "SEMICOLON" ";" content "${content}")
    file(WRITE "${project}/migrations/${name}" "${content}")
  endwhile()
  execute_process(COMMAND ${CMAKE_COMMAND} -S "${project}" -B "${project}/build" "-DCMAKE_PREFIX_PATH=${PREFIX}"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(step STREQUAL "build" AND rc EQUAL 0)
    execute_process(COMMAND ${CMAKE_COMMAND} --build "${project}/build" RESULT_VARIABLE rc OUTPUT_VARIABLE out
                    ERROR_VARIABLE err)
  elseif(step STREQUAL "build")
    message(FATAL_ERROR "package test: ${what}: the configure failed, the build was to fail:\n${out}\n${err}")
  endif()
  if(rc EQUAL 0)
    message(FATAL_ERROR "package test: ${what}: the ${step} succeeded, it should have failed")
  endif()
  string(REGEX REPLACE "[ \n]+" " " flat "${out} ${err}")  # CMake wraps its messages
  if(NOT flat MATCHES "${pattern}")
    message(FATAL_ERROR "package test: ${what}: the ${step} failed without saying '${pattern}':\n${out}\n${err}")
  endif()
endfunction()

set(unit_sql "-- strata:up\nCREATE TABLE t (id INTEGER)SEMICOLON\n-- strata:down\nDROP TABLE tSEMICOLON\n")
expect_failure(stray_file configure "migrations/notes\\.txt is not a unit" notes.txt "todo\n")
expect_failure(subdirectory configure "migrations/2027 is a directory" 2027/20270101000000_later.sql "${unit_sql}")
expect_failure(empty_unit build "5_empty\\.sql:1: error: the up section has no statement" 5_empty.sql "-- strata:up\n-- strata:down\n")
expect_failure(two_versions configure "1_a\\.sql and .*1_b\\.sql both have version 1" 1_a.sql "${unit_sql}" 1_b.sql "${unit_sql}")
# Zero-padded versions read whole: 0100 is 100 (it was read as 10, 0105 as 15), so it clashes with 100.
expect_failure(padded_versions configure "both have version 100[^0-9]" 0100_a.sql "${unit_sql}" 100_b.sql "${unit_sql}")
# Version 0 stopped every command of the built program; it stops the configure, like a bad name.
expect_failure(version_zero configure "migrations/0_zero\\.sql has version 0, and versions start at 1" 0_zero.sql "${unit_sql}")
expect_failure(version_zero_cpp configure "migrations/00_zero\\.cpp has version 0.* give its info\\(\\) that version"
               00_zero.cpp "// a unit\n")
expect_failure(no_up build "2_no_up\\.sql:1: error: .*up" 2_no_up.sql "-- strata:down\nDROP TABLE tSEMICOLON\n")
expect_failure(bad_directive build "3_typo\\.sql:2: error: .*strata:dwon" 3_typo.sql "-- strata:up\n-- strata:dwon\n")
expect_failure(unterminated build "4_quote\\.sql:3: error: .*unterminated" 4_quote.sql
               "-- strata:up\nSELECT 1SEMICOLON\nINSERT INTO t VALUES ('oopsSEMICOLON)\n")
message(STATUS "package test: a main() of its own works, and each mistake stops the configure or build naming its file")
