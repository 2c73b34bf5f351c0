# troupe_add_test(NAME name SOURCES a_test.cpp ... LIBS lib ...)
#
# One GoogleTest executable per concern (linking is the slow part of a build on two cores, so
# tests are grouped rather than one binary per file); every TEST() becomes its own ctest entry.
function(troupe_add_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gmock GTest::gtest_main
                                          troupe_warnings troupe_includes)
  set_target_properties(${T_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  # A test that could not run (GTEST_SKIP: a reference it could not fetch, a model it could not
  # find) is reported by ctest as skipped, never as passed.
  set(props TIMEOUT ${T_TIMEOUT} SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
  if(T_LABELS)
    list(APPEND props LABELS "${T_LABELS}")
  endif()
  gtest_discover_tests(${T_NAME} DISCOVERY_MODE PRE_TEST PROPERTIES ${props})
endfunction()
