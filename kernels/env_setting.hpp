// The library's settings from the environment (NNFS_MAX_ISA, NNFS_FLUSH_DENORMAL, NNFS_DETECT_ANOMALY), read
// once at start by the kernels and by lib/. Values are taken in any case with surrounding blanks ignored; a
// value not recognised is said once on stderr and leaves the default (a CI job that sets NNFS_MAX_ISA=SSE2
// or NNFS_FLUSH_DENORMAL=off must not silently get something else). Baseline x86-64.
#pragma once

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace nnfs::kernels::detail {

// The variable's value, lowercased and trimmed; empty when unset.
inline std::string env_value(const char* name) {
    const char* raw = std::getenv(name);
    std::string v = raw ? raw : "";
    const auto first = v.find_first_not_of(" \t\r\n"), last = v.find_last_not_of(" \t\r\n");
    v = first == std::string::npos ? std::string() : v.substr(first, last - first + 1);
    for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return v;
}

inline void env_unrecognised(const char* name, const std::string& value, const char* expected) {
    std::fprintf(stderr, "libnnfs: %s=\"%s\" is not recognised (expected %s); ignored\n", name, value.c_str(), expected);
}

// An on/off switch: on for 1, true, yes, on; off when unset or empty and for 0, false, no, off.
inline bool env_switch(const char* name) {
    const std::string v = env_value(name);
    if (v == "1" || v == "true" || v == "yes" || v == "on") return true;
    if (!(v.empty() || v == "0" || v == "false" || v == "no" || v == "off"))
        env_unrecognised(name, v, "1, true, yes, on or 0, false, no, off");
    return false;
}

}  // namespace nnfs::kernels::detail
