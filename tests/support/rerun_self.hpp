// Runs one test case of the current test executable again in a child process with an environment
// variable set: for settings read once, at start (NNFS_DETECT_ANOMALY, NNFS_FLUSH_DENORMAL).
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>

namespace nnfs::test {

// The child's doctest output followed by "exit <status>". `test_case` is a doctest name filter.
inline std::string rerun_self(const std::string& variable, const std::string& value, const std::string& test_case) {
    const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
    const std::string command =
        variable + "=" + value + " '" + self + "' --test-case='" + test_case + "' --no-version 2>&1";
    std::string out;
    if (FILE* pipe = popen(command.c_str(), "r")) {
        char buffer[512];
        while (fgets(buffer, sizeof buffer, pipe)) out += buffer;
        out += "exit " + std::to_string(pclose(pipe));
    }
    return out;
}

}  // namespace nnfs::test
