#include "atomic_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "nnfs/error.hpp"

namespace nnfs::detail {

namespace {

// The file a write replaces: a symbolic link is followed to its final target, at most 40 links deep, so
// the target is written through the link (as torch.save's open() does) instead of the link being
// replaced by a file and the target left stale. A dangling link names the file to create.
std::string link_target(const std::string& path) {
    namespace fs = std::filesystem;
    fs::path p = path;
    std::error_code ec;
    for (int hops = 0; hops < 40 && fs::is_symlink(fs::symlink_status(p, ec)); ++hops) {
        const fs::path to = fs::read_symlink(p, ec);
        if (ec) break;
        p = to.is_absolute() ? to : p.parent_path() / to;
    }
    return p.string();
}

}  // namespace

void write_file_atomically(const std::string& path, const void* data, size_t size, const char* operation) {
    // Only a regular file (or nothing) is replaced: renaming a new file over a device or a FIFO would
    // destroy it (a save to /dev/full "succeeded" by replacing the device), and a directory cannot be.
    // The replaced file keeps its permission bits.
    const std::string target = link_target(path);
    struct stat old {};
    const bool exists = ::stat(target.c_str(), &old) == 0;
    if (exists && S_ISDIR(old.st_mode)) fail(operation, ": cannot write '", path, "': Is a directory");
    if (exists && !S_ISREG(old.st_mode))
        fail(operation, ": cannot write '", path, "': not a regular file (a device, FIFO or socket is not replaced)");
    // The temporary's name is unique to this call (process and call number: two threads writing one path
    // must not share it) and, like the target's, within the file system's 255-byte name limit (a long
    // target name is shortened in it).
    static std::atomic<uint64_t> writes{0};
    const std::string suffix = ".tmp." + std::to_string(::getpid()) + "." + std::to_string(writes.fetch_add(1));
    const size_t slash = target.find_last_of('/');
    const size_t base = slash == std::string::npos ? 0 : slash + 1;
    const size_t keep = target.size() - base + suffix.size() > 255 ? 255 - suffix.size() : target.size() - base;
    const std::string tmp = target.substr(0, base + keep) + suffix;
    // Each failure names the target and the system's reason (errno, saved before cleanup can change it).
    const auto reason = [](int err) { return std::generic_category().message(err); };
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) fail(operation, ": cannot create '", path, "': ", reason(errno), " (creating its temporary '", tmp, "')");
    int err = 0;
    if (exists && ::fchmod(::fileno(f), old.st_mode & 07777) != 0) err = errno;
    if (err == 0 && (std::fwrite(data, 1, size, f) != size || std::fflush(f) != 0 || ::fsync(::fileno(f)) != 0)) err = errno;
    if (std::fclose(f) != 0 && err == 0) err = errno;
    if (err == 0 && std::rename(tmp.c_str(), target.c_str()) != 0) err = errno;
    if (err != 0) {
        std::remove(tmp.c_str());
        fail(operation, ": cannot write '", path, "': ", reason(err));
    }
}

}  // namespace nnfs::detail
