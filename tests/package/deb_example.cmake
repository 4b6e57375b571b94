# The Debian package: `cpack -G DEB` makes strata_<version>_amd64.deb from this build; it is
# unpacked into a scratch root (dpkg -x, as root would install it, minus the root) and the worked
# example is built against it and run: what a team gets from `apt install ./strata_*.deb`.
# Arguments: -DBUILD_DIR=<strata's build> -DEXAMPLE_DIR=examples/bookshop -DWORK_DIR=<scratch>
#            -DVERSION=<strata's version>
include("${CMAKE_CURRENT_LIST_DIR}/example_steps.cmake")

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}/packages")
strata_step("cpack" cpack -G DEB --config "${BUILD_DIR}/CPackConfig.cmake" -B "${WORK_DIR}/packages")
set(deb "${WORK_DIR}/packages/strata_${VERSION}_amd64.deb")
if(NOT EXISTS "${deb}")
  file(GLOB made "${WORK_DIR}/packages/*.deb")
  message(FATAL_ERROR "package test: cpack made ${made}, not ${deb}")
endif()

strata_step("reading the package's control fields" dpkg-deb --field "${deb}" Package Version Architecture Depends)
foreach(expected IN ITEMS "Package: strata" "Version: ${VERSION}" "Architecture: amd64" "libsoci-dev" "libpq5")
  string(FIND "${STEP_OUT}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "package test: the package's control fields lack '${expected}':\n${STEP_OUT}")
  endif()
endforeach()
strata_step("listing the package" dpkg-deb --contents "${deb}")
foreach(expected IN ITEMS "./usr/bin/strata" "./usr/include/strata/cli.hpp" "./usr/include/strata/version.hpp"
                          "/cmake/strata/strataConfig.cmake" "/cmake/strata/strataMigrator.cmake"
                          "./usr/libexec/strata/strata-embed-sql")
  string(FIND "${STEP_OUT}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "package test: the package has no ${expected}:\n${STEP_OUT}")
  endif()
endforeach()

strata_step("unpacking the package" dpkg -x "${deb}" "${WORK_DIR}/root")
strata_step("the packaged strata" "${WORK_DIR}/root/usr/bin/strata" --version)
if(NOT STEP_OUT STREQUAL "strata ${VERSION}\n")
  message(FATAL_ERROR "package test: the packaged strata says '${STEP_OUT}'")
endif()

strata_build_example("${WORK_DIR}/root/usr" "${WORK_DIR}")
set(migrator "${WORK_DIR}/build/bookshop-migrate")
set(db "sqlite:${WORK_DIR}/bookshop.db")
strata_step("up" "${migrator}" --database "${db}" up)
if(NOT STEP_OUT MATCHES "4 units applied to ")
  message(FATAL_ERROR "package test: up did not apply the example's 4 units:\n${STEP_OUT}")
endif()
strata_step("status" "${migrator}" --database "${db}" status --exit-code)
strata_step("down --all" "${migrator}" --database "${db}" down --all)
if(NOT STEP_OUT MATCHES "4 units reverted on ")
  message(FATAL_ERROR "package test: down --all did not revert the 4 units:\n${STEP_OUT}")
endif()
message(STATUS "package test: ${deb} unpacked, the example built against it and run")
