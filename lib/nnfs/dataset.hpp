// Dataset: a classification data set in memory, features (samples, features) and one class index per sample.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "nnfs/tensor.hpp"

namespace nnfs {

struct Dataset {
    Tensor features;                         // (samples, features), row-major
    std::vector<int32_t> labels;             // class index of each sample
    std::vector<std::string> feature_names;  // one per feature column

    int64_t size() const { return static_cast<int64_t>(labels.size()); }
    int64_t num_features() const { return features.dim() == 2 ? features.size(1) : 0; }
    int64_t num_classes() const;  // 1 + the largest label (0 when empty)
    // The samples at `rows`, in that order.
    Dataset subset(std::span<const int64_t> rows) const;
    // nnfs::Error naming `operation` unless features is (size(), *) and every label is >= 0.
    void check(const char* operation) const;
};

// Reads a CSV file: a header row of column names, then one sample per row, all numeric; a field may be
// quoted ("a,b" one field, "" a quote inside; not across lines), names and values are trimmed. The label
// column is `label_column` (by name) or, when empty, the last column; its values must be integer
// class indices >= 0 that fit int32_t. Column names must be unique (columns are found by name). A
// value too small for float32 reads as zero, as a float32 conversion rounds it (1e-50); one too large
// for it, inf and nan are errors. Any problem (missing file, empty file, unknown label column, two
// columns of one name, short or long row, bad number, bad label) is an nnfs::Error naming the file, the
// line and the column.
Dataset read_csv(const std::string& path, const std::string& label_column = {});

// The column names of a CSV file's header row (trimmed), read by the rules of read_csv.
std::vector<std::string> read_csv_header(const std::string& path);

// A CSV file whose every column is a feature (prediction input: no label column): a header row, then
// numeric rows of the header's width, as (rows, columns); the column names into `feature_names` when
// given. Errors as read_csv's.
Tensor read_csv_features(const std::string& path, std::vector<std::string>* feature_names = nullptr);

// Writes `data` as read_csv reads it: a header of its feature names then `label_name`, one row per
// sample, floats with 9 significant digits (read back as exactly the same float32 values). What could
// not be read back as written (an empty column name, one with a line break or blanks around it, a
// non-finite feature) is an nnfs::Error; a name with a comma or a quote is written quoted. Like save,
// an existing file is replaced only by a complete new one.
void write_csv(const std::string& path, const Dataset& data, const std::string& label_name = "label");

// A train/test split: a seeded shuffle, then the first round(test_fraction * n) samples form the test
// part. With `stratify`, each class is shuffled and split separately, its test share
// test_fraction * n_c rounded so that the test part still has round(test_fraction * n) samples: both
// parts keep the class balance to within one sample a class. Stratifying needs at least 2 samples of
// each class and at least as many samples in each part as there are classes (as scikit-learn's).
struct TrainTestSplit {
    Dataset train;
    Dataset test;
};
TrainTestSplit train_test_split(const Dataset& data, double test_fraction, uint64_t seed, bool stratify = true);

}  // namespace nnfs
