// CSV reading: strict, with error positions (file:line, column name).
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <unordered_map>

#include "atomic_file.hpp"
#include "nnfs/dataset.hpp"

namespace nnfs {

namespace {

// The fields of one line, split at commas. A field may be quoted, as R's write.csv and spreadsheets
// write them (RFC 4180): "a,b" is one field, "" inside the quotes one quote; blanks around the quotes
// are dropped. A quoted field cannot hold a line break. nnfs::Error naming path:line for a quote not
// closed on its line or text after a closing quote.
std::vector<std::string> split_fields(const std::string& line, const std::string& path, int64_t line_no) {
    std::vector<std::string> fields;
    const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
    size_t i = 0;  // start of the current field
    while (true) {
        size_t j = i;
        while (j < line.size() && blank(line[j])) ++j;
        if (j < line.size() && line[j] == '"') {
            std::string field;
            for (++j;; ++j) {
                if (j >= line.size()) fail(path, ":", line_no, ": field ", fields.size() + 1, ": a quote not closed on its line");
                if (line[j] == '"') {
                    if (j + 1 < line.size() && line[j + 1] == '"') {
                        field += '"';
                        ++j;
                        continue;
                    }
                    break;
                }
                field += line[j];
            }
            for (++j; j < line.size() && blank(line[j]);) ++j;
            if (j < line.size() && line[j] != ',') fail(path, ":", line_no, ": field ", fields.size() + 1, ": text after its closing quote");
            fields.push_back(std::move(field));
        } else {
            j = std::min(line.find(',', i), line.size());
            fields.push_back(line.substr(i, j - i));
        }
        if (j == line.size()) return fields;
        i = j + 1;  // past the comma
    }
}

std::string trim(std::string s) {
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string::npos) return {};
    const auto last = s.find_last_not_of(" \t\r");
    return s.substr(first, last - first + 1);
}

// Whether a decimal number that from_chars matched (sign, digits, optional point and fraction, optional
// exponent) is below 1 in magnitude: the position of its first nonzero digit plus its exponent. Tells
// an underflow from an overflow when even a double cannot hold the value (1e-400, 1e400).
bool magnitude_below_one(std::string_view number) {
    size_t i = number.empty() || (number[0] != '-' && number[0] != '+') ? 0 : 1;
    bool seen_point = false, seen_digit = false;  // (seen_digit: a nonzero digit)
    int64_t int_digits = 0, frac_zeros = 0;  // digits from the first nonzero one to the point; zeros after it
    for (; i < number.size() && (std::isdigit(static_cast<unsigned char>(number[i])) || number[i] == '.'); ++i) {
        const char c = number[i];
        if (c == '.') {
            seen_point = true;
        } else if (!seen_point) {
            if (seen_digit || c != '0') ++int_digits, seen_digit = true;
        } else if (!seen_digit) {
            if (c == '0') ++frac_zeros;
            else seen_digit = true;
        }
    }
    // decimal exponent of the first nonzero digit, without the written exponent
    const int64_t order = int_digits > 0 ? int_digits - 1 : -(frac_zeros + 1);
    int64_t exponent = 0;
    if (i < number.size() && (number[i] == 'e' || number[i] == 'E')) {
        const bool negative = ++i < number.size() && number[i] == '-';
        if (i < number.size() && (number[i] == '-' || number[i] == '+')) ++i;
        for (; i < number.size() && std::isdigit(static_cast<unsigned char>(number[i])); ++i)
            exponent = std::min<int64_t>(exponent * 10 + (number[i] - '0'), int64_t{1} << 40);
        if (negative) exponent = -exponent;
    }
    return order + exponent < 0;
}

// Parses the whole field as a finite float32. A value too small for float32 rounds to zero of its sign,
// as a float32 conversion does (1e-50 is valid data: NumPy and PyTorch read it as 0); a value too large
// for it, and inf and nan, are errors, whose text says which. Returns "" or that error.
std::string parse_float(const std::string& text, float& value) {
    const char* begin = text.data();
    const char* end = begin + text.size();
    if (begin != end && *begin == '+') {  // from_chars does not take a leading '+'
        ++begin;
        if (begin != end && (*begin == '-' || *begin == '+')) return "is not a finite number";  // "+-1"
    }
    const auto [ptr, ec] = std::from_chars(begin, end, value);
    if (begin != end && ptr == end && ec == std::errc::result_out_of_range) {  // value unchanged: which way?
        if (!magnitude_below_one(std::string_view(begin, static_cast<size_t>(end - begin))))
            return "is out of float32's range (largest magnitude about 3.4e38)";
        value = *begin == '-' ? -0.0f : 0.0f;
        return {};
    }
    if (begin == end || ptr != end || ec != std::errc{} || !std::isfinite(value)) return "is not a finite number";
    return {};
}

// Parses the whole field as a class index: an integer >= 0 that fits int32_t, written as one ("3") or
// as a number of exactly that value ("3.0", "3e0"). Read as a double, which holds every int32_t and
// no fraction a float would round away ("1.00000001" is not 1).
bool parse_label(const std::string& text, int32_t& value) {
    if (text.empty()) return false;
    const char* begin = text.data();
    const char* end = begin + text.size();
    if (*begin == '+' && ++begin != end && (*begin == '-' || *begin == '+')) return false;  // "+-0"
    double v = 0.0;
    const auto [ptr, ec] = std::from_chars(begin, end, v);
    if (ec != std::errc{} || ptr != end || !(v >= 0.0) || v != std::floor(v) || v > 2147483647.0) return false;
    value = static_cast<int32_t>(v);
    return true;
}

// Opens a CSV file for `operation` and reads its header row, the first line that is not blank (a UTF-8
// byte-order mark, as spreadsheet exports write, skipped; names trimmed), whose line number goes to
// header_line; nnfs::Error for a directory, an unreadable or empty file.
std::vector<std::string> open_csv(std::ifstream& in, const std::string& path, const char* operation, int64_t& header_line) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) fail(operation, ": '", path, "' is a directory");
    in.open(path);
    if (!in) fail(operation, ": cannot open '", path, "'");
    std::string line;
    header_line = 0;
    do {
        if (!std::getline(in, line)) {
            if (in.bad()) fail(operation, ": cannot read '", path, "'");
            fail(operation, ": '", path, "' is empty (no header row)");
        }
        if (++header_line == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);
    } while (trim(line).empty());
    // A CR inside the header line: the whole file is one line of classic Mac OS line ends, whose
    // "header" would hold every row (and the label column would seem missing).
    if (const size_t cr = line.find('\r'); cr != std::string::npos && cr + 1 < line.size())
        fail(operation, ": '", path, "' ends its lines with a lone CR (classic Mac OS); save it with LF or CRLF line ends");
    std::vector<std::string> header = split_fields(line, path, header_line);
    for (auto& h : header) h = trim(h);
    // Columns are found by name (the label column, nnfs-predict's features), so a name must say which.
    std::unordered_map<std::string_view, size_t> first;
    for (size_t c = 0; c < header.size(); ++c) {
        const auto [it, added] = first.emplace(header[c], c);
        if (!added) fail(path, ":", header_line, ": columns ", it->second + 1, " and ", c + 1, " are both named '", header[c], "'");
    }
    return header;
}

// Calls row(line_no, fields) for every line after the header but blank ones (a final newline), its
// fields trimmed and as many as the header's; returns the number of rows.
template <class Row>
int64_t read_rows(std::ifstream& in, const std::string& path, const std::vector<std::string>& header, int64_t header_line,
                  const char* operation, Row row) {
    std::string line;
    int64_t line_no = header_line, rows = 0;
    while (std::getline(in, line)) {
        ++line_no;
        if (trim(line).empty()) continue;
        std::vector<std::string> fields = split_fields(line, path, line_no);
        if (fields.size() != header.size()) fail(path, ":", line_no, ": ", fields.size(), " fields, the header has ", header.size());
        for (auto& f : fields) f = trim(f);
        row(line_no, fields);
        ++rows;
    }
    if (in.bad()) fail(operation, ": cannot read '", path, "' past line ", line_no);
    return rows;
}

// A field as an error message quotes it: control bytes as \xNN (a NUL would end the message), and past
// 60 bytes cut, with the field's length (a megabyte-long number made a megabyte-long message).
std::string shown(std::string_view text) {
    constexpr size_t kMax = 60;
    std::string out;
    for (size_t i = 0; i < text.size() && i < kMax; ++i) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    if (text.size() > kMax) out += "... (" + std::to_string(text.size()) + " bytes)";
    return out;
}

// A feature field's value; an nnfs::Error naming the file, line and column unless it is a finite float.
float feature_value(const std::string& path, int64_t line_no, const std::string& column, const std::string& text) {
    float v = 0.0f;
    if (const std::string why = parse_float(text, v); !why.empty()) fail(path, ":", line_no, ": column '", column, "': '", shown(text), "' ", why);
    return v;
}

}  // namespace

std::vector<std::string> read_csv_header(const std::string& path) {
    std::ifstream in;
    int64_t header_line = 0;
    return open_csv(in, path, "read_csv_header", header_line);
}

Dataset read_csv(const std::string& path, const std::string& label_column) {
    std::ifstream in;
    int64_t header_line = 0;
    const std::vector<std::string> header = open_csv(in, path, "read_csv", header_line);
    if (header.size() < 2) fail(path, ":", header_line, ": header has ", header.size(), " column(s), need features and a label");
    size_t label = header.size() - 1;
    if (!label_column.empty()) {
        label = static_cast<size_t>(std::find(header.begin(), header.end(), label_column) - header.begin());  // (names are unique)
        if (label == header.size()) fail(path, ":", header_line, ": no column named '", label_column, "'");
    }

    Dataset data;
    for (size_t c = 0; c < header.size(); ++c) {
        if (c != label) data.feature_names.push_back(header[c]);
    }
    const size_t nf = header.size() - 1;
    std::vector<float> values;
    read_rows(in, path, header, header_line, "read_csv", [&](int64_t line_no, const std::vector<std::string>& fields) {
        for (size_t c = 0; c < fields.size(); ++c) {
            if (c != label) {
                values.push_back(feature_value(path, line_no, header[c], fields[c]));
                continue;
            }
            int32_t y = 0;
            if (!parse_label(fields[c], y)) {
                fail(path, ":", line_no, ": column '", header[c], "': '", shown(fields[c]),
                     "' is not a class index (an integer from 0 to 2147483647)");
            }
            data.labels.push_back(y);
        }
    });
    if (data.labels.empty()) fail("read_csv: '", path, "' has a header but no samples");
    data.features = Tensor::from({data.size(), static_cast<int64_t>(nf)}, values);
    return data;
}

Tensor read_csv_features(const std::string& path, std::vector<std::string>* feature_names) {
    std::ifstream in;
    int64_t header_line = 0;
    const std::vector<std::string> header = open_csv(in, path, "read_csv_features", header_line);
    std::vector<float> values;
    const int64_t rows = read_rows(in, path, header, header_line, "read_csv_features", [&](int64_t line_no, const std::vector<std::string>& fields) {
        for (size_t c = 0; c < fields.size(); ++c) values.push_back(feature_value(path, line_no, header[c], fields[c]));
    });
    if (rows == 0) fail("read_csv_features: '", path, "' has a header but no rows");
    if (feature_names) *feature_names = header;
    return Tensor::from({rows, static_cast<int64_t>(header.size())}, values);
}

void write_csv(const std::string& path, const Dataset& data, const std::string& label_name) {
    data.check("write_csv");
    if (static_cast<int64_t>(data.feature_names.size()) != data.num_features())
        fail("write_csv: ", data.feature_names.size(), " feature names for ", data.num_features(), " features");
    // What read_csv could not read back as written is refused, not written.
    const auto check_name = [](const std::string& name) {
        if (name.find_first_of("\n\r") != std::string::npos || trim(name) != name || name.empty())
            fail("write_csv: column name '", name, "' is empty, holds a line break, or has blanks around it");
    };
    for (const std::string& name : data.feature_names) check_name(name);
    check_name(label_name);
    // read_csv finds columns by name, so two equal names would not read back (a feature named as the label).
    std::vector<std::string> names = data.feature_names;
    names.push_back(label_name);
    std::sort(names.begin(), names.end());
    if (const auto dup = std::adjacent_find(names.begin(), names.end()); dup != names.end())
        fail("write_csv: two columns are named '", *dup, "' (read_csv finds columns by name)");
    // A name with a comma or a quote is written quoted, its quotes doubled.
    const auto field = [](const std::string& name) {
        if (name.find_first_of(",\"") == std::string::npos) return name;
        std::string q = "\"";
        for (char c : name) q += c == '"' ? std::string("\"\"") : std::string(1, c);
        return q + '"';
    };
    for (int64_t i = 0; i < data.features.numel(); ++i) {
        if (!std::isfinite(data.features.data()[i]))
            fail("write_csv: feature ", i % data.num_features(), " of sample ", i / data.num_features(), " is ", data.features.data()[i]);
    }
    std::string out;
    for (const std::string& name : data.feature_names) out += field(name) + ',';
    out += field(label_name) + '\n';
    char buf[32];
    for (int64_t i = 0; i < data.size(); ++i) {
        for (int64_t j = 0; j < data.num_features(); ++j) {
            std::snprintf(buf, sizeof buf, "%.9g,", double{data.features.t(i, j)});  // 9 digits: the same float back
            out += buf;
        }
        out += std::to_string(data.labels[static_cast<size_t>(i)]) + '\n';
    }
    detail::write_file_atomically(path, out.data(), out.size(), "write_csv");
}

}  // namespace nnfs
