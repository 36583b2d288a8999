// Shape: the sizes of a tensor of 0 to 4 dimensions. Built from a braced list: Shape{64, 784}.
// Sizes are >= 0 and their product fits int64_t (nnfs::Error otherwise).
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <span>
#include <string>

namespace nnfs {

class Shape {
public:
    static constexpr int kMaxDims = 4;

    Shape() = default;  // 0 dimensions: a scalar
    Shape(std::initializer_list<int64_t> sizes);
    explicit Shape(std::span<const int64_t> sizes);

    int64_t dim() const { return rank_; }
    int64_t operator[](int64_t d) const;  // checked: nnfs::Error outside [0, dim())
    int64_t numel() const;                // product of the sizes (1 for a scalar)
    const int64_t* begin() const { return sizes_.data(); }
    const int64_t* end() const { return sizes_.data() + rank_; }

    friend bool operator==(const Shape& a, const Shape& b);
    std::string str() const;  // "[64, 784]"

private:
    std::array<int64_t, kMaxDims> sizes_{};
    int64_t rank_ = 0;
};

std::ostream& operator<<(std::ostream& os, const Shape& s);

}  // namespace nnfs
