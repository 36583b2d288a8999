// Writing a file so that an existing one is never destroyed by a failed write (model files,
// checkpoints, CSV files).
#pragma once

#include <cstddef>
#include <string>

namespace nnfs::detail {

// Writes `size` bytes to a temporary file beside `path`, flushes it to disk and renames it over `path`:
// the old file survives any failure, and a reader sees the old file or the new one, whole. nnfs::Error
// naming `operation` and the file if any step fails (the temporary is then removed).
void write_file_atomically(const std::string& path, const void* data, size_t size, const char* operation);

}  // namespace nnfs::detail
