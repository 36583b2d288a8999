#include "csv_io.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>

#include <nnfs/error.hpp>

namespace nnfs_tools {

using nnfs::fail;

namespace {
std::string trim(const std::string& s) {
    const size_t b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

std::vector<std::string> split_fields(const std::string& line) {
    std::vector<std::string> fields;
    size_t start = 0;
    for (size_t comma; (comma = line.find(',', start)) != std::string::npos; start = comma + 1)
        fields.push_back(trim(line.substr(start, comma - start)));
    fields.push_back(trim(line.substr(start)));
    return fields;
}

bool parse_float(const std::string& text, float& value) {
    const char* begin = text.data();
    const char* end = begin + text.size();
    if (begin != end && *begin == '+') ++begin;
    const auto [ptr, ec] = std::from_chars(begin, end, value);
    return !text.empty() && ec == std::errc{} && ptr == end && std::isfinite(value);
}
}  // namespace

std::vector<std::string> read_csv_header(const std::string& path) {
    std::ifstream in(path);
    if (!in) fail("cannot open '", path, "'");
    std::string line;
    if (!std::getline(in, line) || trim(line).empty()) fail("'", path, "' is empty (no header row)");
    return split_fields(line);
}

void write_csv(const std::string& path, const nnfs::Dataset& data, const std::string& label_name) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) fail("cannot create '", path, "'");
    for (const std::string& name : data.feature_names) out << name << ',';
    out << label_name << '\n';
    char buf[32];
    for (int64_t i = 0; i < data.size(); ++i) {
        for (int64_t j = 0; j < data.num_features(); ++j) {
            std::snprintf(buf, sizeof buf, "%.9g,", double{data.features.t(i, j)});
            out << buf;
        }
        out << data.labels[static_cast<size_t>(i)] << '\n';
    }
    out.flush();
    if (!out) fail("cannot write '", path, "'");
}

nnfs::Tensor read_features_csv(const std::string& path) {
    std::ifstream in(path);
    if (!in) fail("cannot open '", path, "'");
    std::string line;
    if (!std::getline(in, line) || trim(line).empty()) fail("'", path, "' is empty (no header row)");
    const std::vector<std::string> header = split_fields(line);
    std::vector<float> values;
    int64_t rows = 0, line_no = 1;
    while (std::getline(in, line)) {
        ++line_no;
        if (trim(line).empty()) continue;
        const std::vector<std::string> fields = split_fields(line);
        if (fields.size() != header.size()) fail(path, ":", line_no, ": ", fields.size(), " fields, the header has ", header.size());
        for (size_t c = 0; c < fields.size(); ++c) {
            float v = 0;
            if (!parse_float(fields[c], v)) fail(path, ":", line_no, ": column '", header[c], "': '", fields[c], "' is not a finite number");
            values.push_back(v);
        }
        ++rows;
    }
    if (rows == 0) fail("'", path, "' has a header but no rows");
    return nnfs::Tensor::from({rows, static_cast<int64_t>(header.size())}, values);
}

}  // namespace nnfs_tools
