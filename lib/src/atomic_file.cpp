#include "atomic_file.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <system_error>

#include "nnfs/error.hpp"

namespace nnfs::detail {

void write_file_atomically(const std::string& path, const void* data, size_t size, const char* operation) {
    // The temporary's name is unique to this call (process and call number: two threads writing one path
    // must not share it) and, like the target's, within the file system's 255-byte name limit (a long
    // target name is shortened in it).
    static std::atomic<uint64_t> writes{0};
    const std::string suffix = ".tmp." + std::to_string(::getpid()) + "." + std::to_string(writes.fetch_add(1));
    const size_t slash = path.find_last_of('/');
    const size_t base = slash == std::string::npos ? 0 : slash + 1;
    const size_t keep = path.size() - base + suffix.size() > 255 ? 255 - suffix.size() : path.size() - base;
    const std::string tmp = path.substr(0, base + keep) + suffix;
    // Each failure names the target and the system's reason (errno, saved before cleanup can change it).
    const auto reason = [](int err) { return std::generic_category().message(err); };
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) fail(operation, ": cannot create '", path, "': ", reason(errno), " (creating its temporary '", tmp, "')");
    int err = 0;
    if (std::fwrite(data, 1, size, f) != size || std::fflush(f) != 0 || ::fsync(::fileno(f)) != 0) err = errno;
    if (std::fclose(f) != 0 && err == 0) err = errno;
    if (err == 0 && std::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
    if (err != 0) {
        std::remove(tmp.c_str());
        fail(operation, ": cannot write '", path, "': ", reason(err));
    }
}

}  // namespace nnfs::detail
