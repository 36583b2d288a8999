#include "nnfs/shape.hpp"

#include <algorithm>
#include <ostream>

#include "nnfs/error.hpp"

namespace nnfs {

Shape::Shape(std::initializer_list<int64_t> sizes) : Shape(std::span<const int64_t>(sizes.begin(), sizes.size())) {}

Shape::Shape(std::span<const int64_t> sizes) {
    if (sizes.size() > static_cast<size_t>(kMaxDims)) {
        fail("Shape: ", sizes.size(), " dimensions, at most ", kMaxDims, " are supported");
    }
    for (size_t d = 0; d < sizes.size(); ++d) {
        if (sizes[d] < 0) fail("Shape: size ", sizes[d], " of dimension ", d, " is negative");
        sizes_[d] = sizes[d];
    }
    rank_ = static_cast<int64_t>(sizes.size());
    // numel() and every product of some of the sizes (strides, row counts) must fit int64_t: a shape
    // read from a file could otherwise wrap around to a small element count (zero sizes aside).
    int64_t n = 1;
    for (int64_t s : *this) {
        if (s != 0 && __builtin_mul_overflow(n, s, &n)) fail("Shape ", str(), ": too many elements (more than int64_t can count)");
    }
}

int64_t Shape::operator[](int64_t d) const {
    if (d < 0 || d >= rank_) fail("Shape ", str(), ": no dimension ", d);
    return sizes_[static_cast<size_t>(d)];
}

int64_t Shape::numel() const {
    // A zero size first: the product of the others may not fit (the constructor checks it only then).
    if (std::find(begin(), end(), int64_t{0}) != end()) return 0;
    int64_t n = 1;
    for (int64_t s : *this) n *= s;
    return n;
}

bool operator==(const Shape& a, const Shape& b) {
    if (a.rank_ != b.rank_) return false;
    for (int64_t d = 0; d < a.rank_; ++d) {
        if (a.sizes_[static_cast<size_t>(d)] != b.sizes_[static_cast<size_t>(d)]) return false;
    }
    return true;
}

std::string Shape::str() const {
    std::string s = "[";
    for (int64_t d = 0; d < rank_; ++d) {
        if (d) s += ", ";
        s += std::to_string(sizes_[static_cast<size_t>(d)]);
    }
    return s + "]";
}

std::ostream& operator<<(std::ostream& os, const Shape& s) { return os << s.str(); }

}  // namespace nnfs
