# nnfs_warnings(target): the warning set every first-party target is built with.
function(nnfs_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)
endfunction()
