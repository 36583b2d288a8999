// Golden values computed by PyTorch (tests/golden/make_golden.py) and the helpers that compare with them.
//
// File format (text): '#' comment lines, then per tensor a header line
//     tensor <name> <rank> <d0> ... <d_{rank-1}>
// followed by its values, whitespace-separated and row-major (%.9g: exact float32 round trip).
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "nnfs/tensor.hpp"

namespace nnfs::test {

// Path of a file in tests/golden/ (NNFS_TEST_DATA_DIR).
std::string golden_path(const std::string& file);

class GoldenFile {
public:
    // Reads and validates the whole file; nnfs::Error naming the file and line if it is missing or
    // malformed (bad header, a value that is not a number, too few or too many values, a repeated name).
    explicit GoldenFile(const std::string& path);

    const std::string& path() const { return path_; }
    bool has(const std::string& name) const { return tensors_.count(name) != 0; }
    // A copy of the named tensor; nnfs::Error naming the file and the tensor if absent.
    Tensor tensor(const std::string& name) const;
    // A rank-0 tensor's value.
    float scalar(const std::string& name) const;
    // Integer data stored as floats (class labels), checked to be exact integers.
    std::vector<int32_t> indices(const std::string& name) const;

private:
    const Tensor& find(const std::string& name) const;
    std::string path_;
    std::map<std::string, Tensor> tensors_;
};

// Copies values into dst (a parameter, a running statistic); nnfs::Error unless the element counts match.
void assign(Tensor& dst, const Tensor& src);

// Row i of a tensor's leading dimension (step i of a stored trajectory), as a flat span.
std::span<const float> row(const Tensor& t, int64_t i);

// Largest deviation from PyTorch over one component's comparisons, printed at the end of its test case
// (the closing report quotes these). Relative error is taken only where |expected| is large enough for
// it to be meaningful (|expected| >= atol / rtol of that comparison).
class Deviation {
public:
    explicit Deviation(std::string component) : component_(std::move(component)) {}
    ~Deviation();  // prints the summary with doctest's MESSAGE
    Deviation(const Deviation&) = delete;
    Deviation& operator=(const Deviation&) = delete;

    // check_close(actual, expected, rtol, atol, what), and records the deviations.
    void check(std::span<const float> actual, std::span<const float> expected, double rtol, double atol,
               const std::string& what);
    void check(const Tensor& actual, const Tensor& expected, double rtol, double atol, const std::string& what);
    void check(float actual, float expected, double rtol, double atol, const std::string& what);

private:
    std::string component_;
    double max_abs_ = 0, max_rel_ = 0, max_ratio_ = 0;
    std::string max_abs_what_, max_rel_what_, max_ratio_what_;
    int64_t compared_ = 0;
};

}  // namespace nnfs::test
