#include "nnfs/tensor.hpp"

#include <new>
#include <cstring>
#include <limits>

#include "nnfs/kernels.hpp"

namespace nnfs {

// Storage comes from the aligned global operator new, so an application (or a test) that replaces
// operator new sees every allocation the library makes.
void Tensor::FreeDeleter::operator()(float* p) const noexcept { ::operator delete(p, std::align_val_t{kAlignment}); }

void Tensor::allocate(int64_t capacity) {
    // Capacity rounded up to whole 64-byte lines, so vector kernels may read the last line whole.
    constexpr int64_t kLine = static_cast<int64_t>(kAlignment / sizeof(float));
    // Checked before rounding, which would overflow for a capacity near INT64_MAX.
    if (capacity > std::numeric_limits<int64_t>::max() / static_cast<int64_t>(sizeof(float)) - kLine) {
        fail("Tensor: ", capacity, " elements do not fit in memory");
    }
    const int64_t rounded = (capacity + kLine - 1) / kLine * kLine;
    data_.reset();
    capacity_ = 0;
    if (rounded == 0) return;
    const size_t bytes = static_cast<size_t>(rounded) * sizeof(float);
    float* p = nullptr;
    try {
        p = static_cast<float*>(::operator new(bytes, std::align_val_t{kAlignment}));
    } catch (const std::bad_alloc&) {
        fail("Tensor: cannot allocate ", bytes, " bytes");
    }
    std::memset(p, 0, bytes);
    data_.reset(p);
    capacity_ = rounded;
}

Tensor::Tensor() : shape_{0} {}

Tensor::Tensor(Shape shape) : shape_(shape), numel_(shape.numel()) { allocate(numel_); }

Tensor Tensor::zeros(Shape shape) { return Tensor(shape); }

Tensor Tensor::full(Shape shape, float value) {
    Tensor t(shape);
    t.fill(value);
    return t;
}

Tensor Tensor::from(Shape shape, std::span<const float> values) {
    if (static_cast<int64_t>(values.size()) != shape.numel()) {
        fail("Tensor::from: ", values.size(), " values for shape ", shape, " (", shape.numel(), " elements)");
    }
    Tensor t(shape);
    if (!values.empty()) std::memcpy(t.data(), values.data(), values.size() * sizeof(float));
    return t;
}

Tensor::Tensor(const Tensor& other) : shape_(other.shape_), numel_(other.numel_) {
    allocate(numel_);
    if (numel_) std::memcpy(data(), other.data(), static_cast<size_t>(numel_) * sizeof(float));
}

Tensor& Tensor::operator=(const Tensor& other) {
    if (this != &other) {
        resize(other.shape_);
        if (numel_) std::memcpy(data(), other.data(), static_cast<size_t>(numel_) * sizeof(float));
    }
    return *this;
}

Tensor::Tensor(Tensor&& other) noexcept
    : shape_(other.shape_), numel_(other.numel_), capacity_(other.capacity_), data_(std::move(other.data_)) {
    other.shape_ = Shape{0};
    other.numel_ = other.capacity_ = 0;
}

Tensor& Tensor::operator=(Tensor&& other) noexcept {
    if (this != &other) {
        shape_ = other.shape_;
        numel_ = other.numel_;
        capacity_ = other.capacity_;
        data_ = std::move(other.data_);
        other.shape_ = Shape{0};
        other.numel_ = other.capacity_ = 0;
    }
    return *this;
}

int64_t Tensor::size(int64_t d) const {
    const int64_t rank = dim();
    if (d < -rank || d >= rank) fail("Tensor::size: dimension ", d, " of a tensor of shape ", shape_);
    return shape_[d < 0 ? d + rank : d];
}

void Tensor::resize(Shape shape) {
    const int64_t n = shape.numel();
    if (n > capacity_) allocate(n);
    shape_ = shape;
    numel_ = n;
}

void Tensor::reshape(Shape shape) {
    if (shape.numel() != numel_) fail("Tensor::reshape: ", shape_, " (", numel_, " elements) to ", shape);
    shape_ = shape;
}

void Tensor::fill(float value) { kernels::fill(data(), value, numel_); }

void Tensor::check_index2(int64_t i, int64_t j) const {
    if (dim() != 2) fail("Tensor::t(", i, ", ", j, "): tensor of shape ", shape_, " is not 2-D");
    if (i < 0 || i >= shape_[0] || j < 0 || j >= shape_[1]) {
        fail("Tensor::t(", i, ", ", j, "): index out of range for shape ", shape_);
    }
}

}  // namespace nnfs
