// StateDict: named tensors, integers and strings, and the file that holds them.
//
// File format (little-endian), version 1:
//   header   "NNFS" magic, u32 version, u32 byte-order mark 0x01020304, u64 entry count
//   entries  u32 name length, name bytes, u8 kind, then by kind
//              0 tensor:  u32 rank, i64 sizes[rank], f32 values[numel]
//              1 integer: i64 value
//              2 string:  u64 length, bytes
//   trailer  u32 CRC-32 of everything before it
// write_state_file writes a temporary file beside the target, flushes it to disk and renames it over
// the target, so an existing file is never destroyed by a failed write. read_state_file checks the whole
// file (checksum, structure) and throws nnfs::Error naming the file and what is wrong.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "nnfs/tensor.hpp"

namespace nnfs {

struct StateDict {
    std::map<std::string, Tensor> tensors;
    std::map<std::string, int64_t> integers;
    std::map<std::string, std::string> strings;
};

// `operation` names the caller in error messages (save, load_checkpoint, ...).
void write_state_file(const StateDict& state, const std::string& path, const char* operation = "write_state_file");
StateDict read_state_file(const std::string& path, const char* operation = "read_state_file");

// Live references to an object's state (a module's parameters and buffers, an optimizer's moments and
// step), for checked, all-or-nothing loading.
struct StateRefs {
    std::vector<std::pair<std::string, Tensor*>> tensors;
    std::vector<std::pair<std::string, int64_t*>> integers;

    // Copies the referenced values into `out` under `prefix`.
    void store(StateDict& out, const std::string& prefix) const;
    // nnfs::Error unless `in` holds exactly these names under `prefix`, with these shapes; `operation`,
    // `owner` and `path` name the caller, the object and the file in the message.
    void check(const StateDict& in, const std::string& prefix, const std::string& owner, const std::string& path,
               const char* operation = "load") const;
    // Copies from `in` (call check first).
    void assign(const StateDict& in, const std::string& prefix) const;
};

}  // namespace nnfs
