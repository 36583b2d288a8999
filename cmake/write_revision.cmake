# cmake -DSOURCE_DIR=<repository> -DOUTPUT=<header> -P write_revision.cmake
# Writes the revision the benchmarks report (NNFS_GIT_REVISION: the short commit, "-dirty" when the
# worktree has uncommitted changes, "unknown" outside git) at build time, not configure time: a value
# taken at configure time stays the same through later commits and rebuilds. The header is rewritten
# only when the value changes, so an unchanged revision recompiles nothing.
execute_process(COMMAND git describe --always --dirty --abbrev=7
                WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE revision OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE status)
if(NOT status EQUAL 0 OR NOT revision)
  set(revision unknown)
endif()
set(content "#define NNFS_GIT_REVISION \"${revision}\"\n")
set(previous "")
if(EXISTS ${OUTPUT})
  file(READ ${OUTPUT} previous)
endif()
if(NOT previous STREQUAL content)
  file(WRITE ${OUTPUT} "${content}")
endif()
