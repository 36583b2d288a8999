// CSV helpers the library's read_csv does not cover: a file's header alone, writing a Dataset back
// out exactly, and reading a file that has no label column (prediction input).
#pragma once

#include <string>
#include <vector>

#include <nnfs/dataset.hpp>
#include <nnfs/tensor.hpp>

namespace nnfs_tools {

// The column names of the header row (trimmed); nnfs::Error if the file cannot be read or is empty.
std::vector<std::string> read_csv_header(const std::string& path);

// Header (feature names, then `label_name`), then one row per sample. Floats are written with 9
// significant digits, which read back as exactly the same float32 values.
void write_csv(const std::string& path, const nnfs::Dataset& data, const std::string& label_name);

// All columns are features: a header row, then numeric rows of the header's width. nnfs::Error naming
// the file, line and column of any problem, as read_csv does.
nnfs::Tensor read_features_csv(const std::string& path);

}  // namespace nnfs_tools
