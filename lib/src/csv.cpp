// CSV reading: strict, with error positions (file:line, column name).
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "nnfs/dataset.hpp"

namespace nnfs {

namespace {

std::vector<std::string> split_fields(const std::string& line) {
    std::vector<std::string> fields;
    std::string field;
    std::istringstream in(line);
    while (std::getline(in, field, ',')) fields.push_back(field);
    if (!line.empty() && line.back() == ',') fields.emplace_back();  // a trailing empty field
    return fields;
}

std::string trim(std::string s) {
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string::npos) return {};
    const auto last = s.find_last_not_of(" \t\r");
    return s.substr(first, last - first + 1);
}

// Parses the whole field as a finite float; nullopt-like failure through `ok`.
bool parse_float(const std::string& text, float& value) {
    if (text.empty()) return false;
    const char* begin = text.data();
    const char* end = begin + text.size();
    if (*begin == '+') ++begin;  // from_chars does not take a leading '+'
    const auto [ptr, ec] = std::from_chars(begin, end, value);
    return ec == std::errc{} && ptr == end && std::isfinite(value);
}

// Parses the whole field as a class index: an integer >= 0 that fits int32_t, written as one ("3") or
// as a number of exactly that value ("3.0", "3e0"). Read as a double, which holds every int32_t and
// no fraction a float would round away ("1.00000001" is not 1).
bool parse_label(const std::string& text, int32_t& value) {
    if (text.empty()) return false;
    const char* begin = text.data();
    const char* end = begin + text.size();
    if (*begin == '+') ++begin;
    double v = 0.0;
    const auto [ptr, ec] = std::from_chars(begin, end, v);
    if (ec != std::errc{} || ptr != end || !(v >= 0.0) || v != std::floor(v) || v > 2147483647.0) return false;
    value = static_cast<int32_t>(v);
    return true;
}

}  // namespace

Dataset read_csv(const std::string& path, const std::string& label_column) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) fail("read_csv: '", path, "' is a directory");
    std::ifstream in(path);
    if (!in) fail("read_csv: cannot open '", path, "'");
    std::string line;
    if (!std::getline(in, line)) {
        if (in.bad()) fail("read_csv: cannot read '", path, "'");
        fail("read_csv: '", path, "' is empty (no header row)");
    }
    if (line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // a UTF-8 byte-order mark (spreadsheet exports)
    if (trim(line).empty()) fail("read_csv: '", path, "' is empty (no header row)");

    std::vector<std::string> header = split_fields(line);
    for (auto& h : header) h = trim(h);
    if (header.size() < 2) fail(path, ":1: header has ", header.size(), " column(s), need features and a label");
    size_t label = header.size() - 1;
    if (!label_column.empty()) {
        label = header.size();
        for (size_t c = 0; c < header.size(); ++c) {
            if (header[c] != label_column) continue;
            // Two columns of that name: either choice would silently train on the other as a feature.
            if (label != header.size()) fail(path, ":1: columns ", label + 1, " and ", c + 1, " are both named '", label_column, "'");
            label = c;
        }
        if (label == header.size()) fail(path, ":1: no column named '", label_column, "'");
    }

    Dataset data;
    for (size_t c = 0; c < header.size(); ++c) {
        if (c != label) data.feature_names.push_back(header[c]);
    }
    const size_t nf = header.size() - 1;
    std::vector<float> values;
    int64_t line_no = 1;
    while (std::getline(in, line)) {
        ++line_no;
        if (trim(line).empty()) continue;  // blank lines (a final newline) are not samples
        const std::vector<std::string> fields = split_fields(line);
        if (fields.size() != header.size()) {
            fail(path, ":", line_no, ": ", fields.size(), " fields, the header has ", header.size());
        }
        for (size_t c = 0; c < fields.size(); ++c) {
            const std::string text = trim(fields[c]);
            if (c == label) {
                int32_t y = 0;
                if (!parse_label(text, y)) {
                    fail(path, ":", line_no, ": column '", header[c], "': '", text,
                         "' is not a class index (an integer from 0 to 2147483647)");
                }
                data.labels.push_back(y);
                continue;
            }
            float v = 0.0f;
            if (!parse_float(text, v)) fail(path, ":", line_no, ": column '", header[c], "': '", text, "' is not a finite number");
            values.push_back(v);
        }
    }
    if (in.bad()) fail("read_csv: cannot read '", path, "' past line ", line_no);
    if (data.labels.empty()) fail("read_csv: '", path, "' has a header but no samples");
    data.features = Tensor::from({data.size(), static_cast<int64_t>(nf)}, values);
    return data;
}

}  // namespace nnfs
