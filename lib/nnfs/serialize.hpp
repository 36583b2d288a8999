// Saving and loading a module's state: its parameters and buffers (BatchNorm running statistics),
// by name ("0.weight", "2.running_mean" in a Sequential).
//
// File format (little-endian), version 1:
//   header   "NNFS" magic, u32 version, u32 byte-order mark 0x01020304, u64 tensor count
//   tensors  u32 name length, name bytes, u32 rank, i64 sizes[rank], f32 values[numel]
//   trailer  u32 CRC-32 of everything before it
// save() writes a temporary file beside the target and renames it over the target only once it is
// complete, so an existing file is never destroyed by a failed save. load() reads and checks the whole
// file (checksum, names, shapes) before touching the module: a missing, truncated, corrupted or
// mismatched file throws nnfs::Error and leaves the module as it was.
#pragma once

#include <string>

#include "nnfs/module.hpp"

namespace nnfs {

void save(const Module& module, const std::string& path);
void load(Module& module, const std::string& path);

}  // namespace nnfs
