// The loaders under fuzzing read files by path, so each input is written to one scratch file per
// process (on tmpfs when there is one: no disk traffic at tens of thousands of inputs a second).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
#include <unistd.h>

#include "crc32.hpp"  // lib/src: the library's private checksum

namespace nnfs_fuzz {

class ScratchFile {
public:
    explicit ScratchFile(const std::string& suffix) {
        const char* dir = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : std::getenv("TMPDIR");
        path_ = std::string(dir ? dir : "/tmp") + "/nnfs-fuzz-" + std::to_string(::getpid()) + suffix;
    }
    ~ScratchFile() { std::remove(path_.c_str()); }
    ScratchFile(const ScratchFile&) = delete;
    ScratchFile& operator=(const ScratchFile&) = delete;

    // Replaces the file's content with the input; a write failure is the harness's, so it aborts.
    const std::string& write(const uint8_t* data, size_t size) {
        std::FILE* f = std::fopen(path_.c_str(), "wb");
        if (!f || std::fwrite(data, 1, size, f) != size || std::fclose(f) != 0) {
            std::perror(path_.c_str());
            std::abort();
        }
        return path_;
    }
    // The same with the StateDict trailer (the last 4 bytes) replaced by the CRC-32 of what precedes it.
    // Without this nearly every mutation of a valid file fails the checksum and the parser behind it
    // is never reached; the checksum test itself is trivial and the seeds' own trailers cover it.
    const std::string& write_checksummed(const uint8_t* data, size_t size) {
        if (size < sizeof(uint32_t)) return write(data, size);
        std::vector<uint8_t> bytes(data, data + size);
        const size_t body = size - sizeof(uint32_t);
        const uint32_t crc = nnfs::detail::crc32(bytes.data(), body);
        std::memcpy(bytes.data() + body, &crc, sizeof crc);
        return write(bytes.data(), bytes.size());
    }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// Aborts with a message: the fuzzer reports it as a crash and saves the input.
[[noreturn]] inline void violated(const char* what) {
    std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
    std::abort();
}

}  // namespace nnfs_fuzz
