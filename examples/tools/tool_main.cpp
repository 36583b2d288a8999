#include "tool_main.hpp"

#include <cstdio>
#include <exception>
#include <new>

namespace nnfs_tools {

namespace {
// Messages are printed as one line so scripts can grep them and users see them whole.
std::string one_line(std::string s) {
    for (char& c : s)
        if (c == '\n' || c == '\r') c = ' ';
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
}
}  // namespace

int run_tool(const char* tool, const std::function<int()>& body) {
    try {
        return body();
    } catch (const UsageError& e) {
        std::fprintf(stderr, "%s: error: %s\n", tool, one_line(e.what()).c_str());
        return 2;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "%s: error: out of memory\n", tool);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: error: %s\n", tool, one_line(e.what()).c_str());
    } catch (...) {
        std::fprintf(stderr, "%s: error: unknown exception\n", tool);
    }
    return 1;
}

}  // namespace nnfs_tools
