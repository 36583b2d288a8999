// Runs one test case of the current test executable again in a child process with an environment
// variable set: for settings read once, at start (NNFS_DETECT_ANOMALY, NNFS_FLUSH_DENORMAL).
#pragma once

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace nnfs::test {

// The child's doctest output (and stderr) followed by "exit <status>". `test_case` is a doctest name
// filter; `value` is passed as it is (blanks included; no single quotes).
inline std::string rerun_self(const std::string& variable, const std::string& value, const std::string& test_case) {
    const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
    const std::string command =
        variable + "='" + value + "' '" + self + "' --test-case='" + test_case + "' --no-version 2>&1";
    std::string out;
    if (FILE* pipe = popen(command.c_str(), "r")) {
        char buffer[512];
        while (fgets(buffer, sizeof buffer, pipe)) out += buffer;
        out += "exit " + std::to_string(pclose(pipe));
    }
    return out;
}

// A setting read at start: `test_case` run in a child with `variable` set to each of `values` must pass,
// and the library must say on stderr that the value was not recognised exactly for `unrecognised`.
inline void check_in_children(const std::string& variable, const std::vector<std::string>& values,
                              const std::string& test_case, const std::string& unrecognised) {
    for (const std::string& value : values) {
        CAPTURE(value);
        const std::string out = rerun_self(variable, value, test_case);
        INFO(out);
        CHECK(out.find("test cases: 1 | 1 passed | 0 failed") != std::string::npos);
        CHECK(out.find("exit 0") != std::string::npos);
        const std::string said = "libnnfs: " + variable + "=\"" + unrecognised + "\" is not recognised";
        CHECK((out.find(said) != std::string::npos) == (value == unrecognised));
    }
}

}  // namespace nnfs::test
