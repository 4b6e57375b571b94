# Shared by the package tests' scripts: run a step or fail with its output; build the worked
# example (examples/bookshop) in a copy of its own against an installed strata.

# strata_step(<what> <command>...): runs the command; stops the test with its output on failure.
# The output is left in STEP_OUT.
function(strata_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " shown "${ARGN}")
    message(FATAL_ERROR "package test: ${what} failed (exit ${rc}): ${shown}\n--- stdout\n${out}\n--- stderr\n${err}")
  endif()
  set(STEP_OUT "${out}" PARENT_SCOPE)
endfunction()

# strata_build_example(<prefix> <work dir>): copies the example to <work dir>/src (tests may add
# units there), configures it against the strata installed in <prefix> and builds it.
function(strata_build_example prefix work)
  file(REMOVE_RECURSE "${work}/src" "${work}/build")
  file(COPY "${EXAMPLE_DIR}/" DESTINATION "${work}/src")
  set(launcher)
  find_program(ccache ccache)
  if(ccache)
    set(launcher -DCMAKE_CXX_COMPILER_LAUNCHER=${ccache})
  endif()
  strata_step("configuring the example" ${CMAKE_COMMAND} -S "${work}/src" -B "${work}/build"
              "-DCMAKE_PREFIX_PATH=${prefix}" -DCMAKE_BUILD_TYPE=RelWithDebInfo ${launcher})
  strata_step("building the example" ${CMAKE_COMMAND} --build "${work}/build" -j2)
endfunction()
