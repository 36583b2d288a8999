// The error boundary of the nnfs tools: whatever goes wrong ends as one line "<tool>: error: <message>"
// on stderr and a non-zero exit status (2 for command-line mistakes, 1 for everything else), never as
// an uncaught exception or a crash.
#pragma once

#include <functional>
#include <string>

#include <nnfs/error.hpp>

namespace nnfs_tools {

// A mistake on the command line (exit status 2, as argparse and getopt-based tools use).
class UsageError : public nnfs::Error {
public:
    using nnfs::Error::Error;
};

// Runs `body` (which returns the exit status) under the error boundary.
int run_tool(const char* tool, const std::function<int()>& body);

}  // namespace nnfs_tools
