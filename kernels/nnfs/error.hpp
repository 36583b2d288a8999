// nnfs::Error: the one exception type of libnnfs. Its message names the operation and the offending
// shapes, values or file positions, e.g. "Linear(784 -> 128): input [64, 785], expected [*, 784]".
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace nnfs {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Builds a message from streamable parts and throws it: fail("Linear(", in, "): ...").
template <class... Parts>
[[noreturn]] void fail(const Parts&... parts) {
    std::ostringstream os;
    (os << ... << parts);
    throw Error(os.str());
}

}  // namespace nnfs
