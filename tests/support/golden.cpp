#include "support/golden.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "nnfs/error.hpp"
#include "support/tolerance.hpp"

namespace nnfs::test {

std::string golden_path(const std::string& file) { return std::string(NNFS_TEST_DATA_DIR) + "/" + file; }

namespace {

bool parse_int(const std::string& s, int64_t& out) {
    const char* end = s.data() + s.size();
    auto [ptr, ec] = std::from_chars(s.data(), end, out);
    return ec == std::errc() && ptr == end;
}

bool parse_float(const std::string& s, float& out) {
    char* end = nullptr;
    out = std::strtof(s.c_str(), &end);  // subnormals set ERANGE but are parsed exactly: errno is ignored
    return !s.empty() && end == s.c_str() + s.size();
}

// A tensor whose header has been read and whose values are being collected.
struct Pending {
    std::string name;
    Shape shape;
    std::vector<float> values;
    int line = 0;
};

}  // namespace

GoldenFile::GoldenFile(const std::string& path) : path_(path) {
    std::ifstream in(path);
    if (!in) fail("golden file ", path, ": cannot open");
    Pending pending;
    bool open = false;  // a header has been read
    auto finish = [&](int line) {
        if (!open) return;
        const auto expected = static_cast<size_t>(pending.shape.numel());
        if (pending.values.size() != expected) {
            fail("golden file ", path_, ": tensor ", pending.name, " (line ", pending.line, ") has ",
                 pending.values.size(), " values, expected ", expected, " for shape ", pending.shape,
                 " (at line ", line, ")");
        }
        tensors_.emplace(pending.name, Tensor::from(pending.shape, pending.values));
        open = false;
    };

    std::string text;
    int line = 0;
    while (std::getline(in, text)) {
        ++line;
        std::istringstream tokens(text);
        std::string token;
        if (!(tokens >> token) || token[0] == '#') continue;
        if (token == "tensor") {
            finish(line);
            std::string name, word;
            int64_t rank = -1;
            if (!(tokens >> name >> word) || !parse_int(word, rank) || rank < 0 || rank > Shape::kMaxDims) {
                fail("golden file ", path_, " line ", line, ": malformed header '", text,
                     "', expected 'tensor <name> <rank 0..4> <sizes...>'");
            }
            std::vector<int64_t> sizes;
            while (tokens >> word) {
                int64_t d = -1;
                if (!parse_int(word, d) || d < 0) fail("golden file ", path_, " line ", line, ": bad size '", word, "'");
                sizes.push_back(d);
            }
            if (static_cast<int64_t>(sizes.size()) != rank) {
                fail("golden file ", path_, " line ", line, ": rank ", rank, " but ", sizes.size(), " sizes");
            }
            if (tensors_.count(name)) fail("golden file ", path_, " line ", line, ": tensor ", name, " repeated");
            pending = Pending{name, Shape(std::span<const int64_t>(sizes)), {}, line};
            open = true;
            continue;
        }
        if (!open) fail("golden file ", path_, " line ", line, ": values before any 'tensor' header");
        do {
            float v = 0;
            if (!parse_float(token, v)) {
                fail("golden file ", path_, " line ", line, ": '", token, "' in tensor ", pending.name,
                     " is not a number");
            }
            pending.values.push_back(v);
        } while (tokens >> token);
    }
    finish(line + 1);
    if (tensors_.empty()) fail("golden file ", path_, ": no tensors");
}

const Tensor& GoldenFile::find(const std::string& name) const {
    const auto it = tensors_.find(name);
    if (it == tensors_.end()) fail("golden file ", path_, ": no tensor named '", name, "'");
    return it->second;
}

Tensor GoldenFile::tensor(const std::string& name) const { return find(name); }

float GoldenFile::scalar(const std::string& name) const {
    const Tensor& t = find(name);
    if (t.dim() != 0) fail("golden file ", path_, ": tensor ", name, " has shape ", t.shape(), ", expected a scalar");
    return t.data()[0];
}

std::vector<int32_t> GoldenFile::indices(const std::string& name) const {
    const Tensor& t = find(name);
    std::vector<int32_t> out;
    for (float v : t.span()) {
        if (v != std::floor(v) || std::abs(v) > 1e9f) fail("golden file ", path_, ": ", name, " holds non-integer ", v);
        out.push_back(static_cast<int32_t>(v));
    }
    return out;
}

void assign(Tensor& dst, const Tensor& src) {
    if (dst.numel() != src.numel()) fail("assign: ", src.shape(), " into ", dst.shape());
    std::copy(src.span().begin(), src.span().end(), dst.span().begin());
}

std::span<const float> row(const Tensor& t, int64_t i) {
    if (t.dim() < 1 || i < 0 || i >= t.size(0)) fail("row ", i, " of ", t.shape());
    const auto n = static_cast<size_t>(t.numel() / t.size(0));
    return t.span().subspan(static_cast<size_t>(i) * n, n);
}

void Deviation::check(std::span<const float> actual, std::span<const float> expected, double rtol, double atol,
                      const std::string& what) {
    const double ratio = check_close(actual, expected, rtol, atol, component_ + " " + what);
    if (actual.size() != expected.size()) return;
    for (size_t i = 0; i < actual.size(); ++i) {
        const double a = actual[i], b = expected[i];
        if (!std::isfinite(a) || !std::isfinite(b)) continue;  // check_close judged these
        const double abs_err = std::abs(a - b);
        if (abs_err > max_abs_) max_abs_ = abs_err, max_abs_what_ = what;
        if (std::abs(b) >= atol / rtol && abs_err / std::abs(b) > max_rel_) {
            max_rel_ = abs_err / std::abs(b), max_rel_what_ = what;
        }
    }
    if (ratio > max_ratio_) max_ratio_ = ratio, max_ratio_what_ = what;
    compared_ += static_cast<int64_t>(actual.size());
}

void Deviation::check(const Tensor& actual, const Tensor& expected, double rtol, double atol, const std::string& what) {
    CHECK_MESSAGE(actual.shape() == expected.shape(),
                  component_ << " " << what << ": shape " << actual.shape() << ", expected " << expected.shape());
    check(actual.span(), expected.span(), rtol, atol, what);
}

void Deviation::check(float actual, float expected, double rtol, double atol, const std::string& what) {
    check(std::span<const float>(&actual, 1), std::span<const float>(&expected, 1), rtol, atol, what);
}

Deviation::~Deviation() {
    MESSAGE(component_ << ": " << compared_ << " values compared with PyTorch; max abs error " << max_abs_ << " ("
                       << max_abs_what_ << "), max rel error " << max_rel_ << " (" << max_rel_what_
                       << "), worst error/tolerance " << max_ratio_ << " (" << max_ratio_what_ << ")");
}

}  // namespace nnfs::test
