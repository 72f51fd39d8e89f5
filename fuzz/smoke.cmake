# ctest's fuzz_smoke: builds the libFuzzer targets with clang and runs each briefly on its seeds
# (fuzz/run-smoke.sh; fuzz/README.md). Included from the top-level CMakeLists when tests are on.
add_test(NAME fuzz_smoke COMMAND ${CMAKE_CURRENT_LIST_DIR}/run-smoke.sh ${CMAKE_BINARY_DIR})
# A clang build from scratch with two compile jobs, then 2 x 25 s of fuzzing: it takes both of
# ctest -j2's slots rather than crowding the timing-sensitive suites.
set_tests_properties(fuzz_smoke PROPERTIES TIMEOUT 480 SKIP_RETURN_CODE 77 PROCESSORS 2)
