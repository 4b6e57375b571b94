# Setup of the package tests (ctest fixture `example`): installs this build of strata into a
# temporary prefix, builds the worked example against it as its own project would, then adds two
# units with the example's own `new` (a SQL one, given a body here, and a C++ skeleton) and builds
# again, with no CMake file touched. package_sqlite / package_postgresql then run the result.
# Arguments: -DBUILD_DIR=<strata's build> -DEXAMPLE_DIR=examples/bookshop -DWORK_DIR=<scratch>
include("${CMAKE_CURRENT_LIST_DIR}/example_steps.cmake")

file(REMOVE_RECURSE "${WORK_DIR}")
strata_step("installing strata" ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${WORK_DIR}/prefix")
strata_build_example("${WORK_DIR}/prefix" "${WORK_DIR}")
set(migrator "${WORK_DIR}/build/bookshop-migrate")

# Self-contained like strata's own program (Debian's static archives are installed with the
# build packages): no shared C++ library, no SOCI, no libcrypto.
strata_step("ldd" ldd "${migrator}")
if(STEP_OUT MATCHES "libstdc\\+\\+|libsoci|libcrypto|libboost")
  message(FATAL_ERROR "package test: bookshop-migrate is not self-contained:\n${STEP_OUT}")
endif()

# `new` writes into the directory the migrator was built from (no --dir) and prints the path: run
# from the project's directory, as README's steps do, relative to it (what the user opens next);
# from elsewhere, absolute.
execute_process(COMMAND "${migrator}" new add_books_isbn --sql WORKING_DIRECTORY "${WORK_DIR}/src"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(STRIP "${out}" printed)
if(NOT rc EQUAL 0 OR NOT printed MATCHES "^migrations/[0-9]+_add_books_isbn\\.sql$" OR NOT EXISTS "${WORK_DIR}/src/${printed}")
  message(FATAL_ERROR "package test: new --sql in the project's directory: exit ${rc}, printed '${out}' ${err}, "
                      "not migrations/<version>_add_books_isbn.sql")
endif()
set(sql_unit "${WORK_DIR}/src/${printed}")
file(WRITE "${sql_unit}" [=[
-- strata:up
ALTER TABLE "books" ADD COLUMN "isbn" VARCHAR(17);
-- strata:down
ALTER TABLE "books" DROP COLUMN "isbn";
]=])
# Two units within one second would share a timestamp version: this one is sequential.
execute_process(COMMAND "${migrator}" new add_books_note --sequential WORKING_DIRECTORY "${WORK_DIR}/build"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(STRIP "${out}" cpp_unit)
if(NOT rc EQUAL 0 OR NOT cpp_unit MATCHES "^${WORK_DIR}/src/migrations/[0-9]+_add_books_note\\.cpp$" OR NOT EXISTS "${cpp_unit}")
  message(FATAL_ERROR "package test: new from the build directory: exit ${rc}, printed '${out}' ${err}, not a new .cpp "
                      "unit by its absolute path")
endif()

# The next build picks both up (CONFIGURE_DEPENDS glob) and compiles the C++ skeleton as written.
strata_step("building the example again" ${CMAKE_COMMAND} --build "${WORK_DIR}/build" -j2)
strata_step("status after new" "${migrator}" --database sqlite::memory: status)
foreach(name IN ITEMS create_authors create_books index_books_by_author reject_blank_titles add_books_isbn add_books_note)
  if(NOT STEP_OUT MATCHES " ${name} +pending")
    message(FATAL_ERROR "package test: status does not list ${name} as pending:\n${STEP_OUT}")
  endif()
endforeach()
message(STATUS "package test: the example was built against an installed strata, and `new` units were picked up")
