// libFuzzer target: the CSV readers on arbitrary bytes — nnfs::read_csv with the default label (the
// last column) and with the label named by a header field, and read_csv_header and
// read_csv_features (nnfs-predict's input). Only nnfs::Error may come out; what they return must be
// consistent (shapes, finite features, labels >= 0).
#include <cmath>
#include <string>

#include <nnfs/nnfs.hpp>

#include "fuzz_file.hpp"

namespace {

using nnfs_fuzz::violated;

void check_finite(const nnfs::Tensor& t) {
    for (int64_t i = 0; i < t.numel(); ++i) {
        if (!std::isfinite(t.data()[i])) violated("a CSV reader returned a non-finite value");
    }
}

void check(const nnfs::Dataset& d) {
    if (d.size() == 0) violated("read_csv returned no samples");
    if (d.features.dim() != 2 || d.features.size(0) != d.size()) violated("read_csv: features and labels disagree");
    if (static_cast<size_t>(d.num_features()) != d.feature_names.size()) violated("read_csv: feature names and columns disagree");
    for (int32_t label : d.labels) {
        if (label < 0) violated("read_csv returned a negative label");
    }
    check_finite(d.features);
}

// The `k`-th comma-separated field of the first line, trimmed as the reader trims header names.
std::string header_field(const std::string& text, size_t k) {
    const std::string line = text.substr(0, text.find('\n'));
    size_t start = 0;
    for (size_t i = 0; i < k; ++i) {
        const size_t comma = line.find(',', start);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    std::string field = line.substr(start, line.find(',', start) - start);
    const size_t first = field.find_first_not_of(" \t\r");
    if (first == std::string::npos) return {};
    return field.substr(first, field.find_last_not_of(" \t\r") - first + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static nnfs_fuzz::ScratchFile file(".csv");
    const std::string& path = file.write(data, size);
    const std::string text(reinterpret_cast<const char*>(data), size);

    try {
        check(nnfs::read_csv(path));
    } catch (const nnfs::Error&) {
    }
    // A label column by name: the size picks which header field, so every column gets its turn.
    if (const std::string name = header_field(text, size % 5); !name.empty()) {
        try {
            const nnfs::Dataset d = nnfs::read_csv(path, name);
            check(d);
            for (const std::string& f : d.feature_names) {
                if (f == name) violated("read_csv kept the label column among the features");
            }
        } catch (const nnfs::Error&) {
        }
    }
    try {
        if (nnfs::read_csv_header(path).empty()) violated("read_csv_header returned no columns");
    } catch (const nnfs::Error&) {
    }
    try {
        const nnfs::Tensor features = nnfs::read_csv_features(path);
        if (features.dim() != 2) violated("read_csv_features returned a tensor that is not 2-D");
        check_finite(features);
    } catch (const nnfs::Error&) {
    }
    return 0;
}
