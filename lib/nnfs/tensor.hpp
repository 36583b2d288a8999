// Tensor: float32, row-major, contiguous, 0 to 4 dimensions, owning a buffer aligned to 64 bytes.
//
// Copying: the copy constructor and copy assignment make a deep copy (the constructor allocates; the
// assignment reuses the destination's buffer when the values fit in it); moves transfer the buffer and
// never copy. `resize` keeps the buffer when the new shape fits its capacity, so
// modules reuse their outputs and workspaces without allocating.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "nnfs/error.hpp"
#include "nnfs/shape.hpp"

namespace nnfs {

class Tensor {
public:
    static constexpr size_t kAlignment = 64;

    Tensor();                       // empty: shape [0], numel() == 0 (as torch.tensor([]))
    explicit Tensor(Shape shape);   // zero-filled
    static Tensor zeros(Shape shape);
    static Tensor full(Shape shape, float value);
    // Copies the values; nnfs::Error if their count differs from the shape's.
    static Tensor from(Shape shape, std::span<const float> values);

    Tensor(const Tensor& other);
    Tensor& operator=(const Tensor& other);
    Tensor(Tensor&& other) noexcept;
    Tensor& operator=(Tensor&& other) noexcept;
    ~Tensor() = default;

    int64_t dim() const { return shape_.dim(); }
    int64_t size(int64_t d) const;  // negative d counts from the end, as in PyTorch
    int64_t numel() const { return numel_; }
    const Shape& shape() const { return shape_; }

    float* data() { return data_.get(); }
    const float* data() const { return data_.get(); }
    std::span<float> span() { return {data_.get(), static_cast<size_t>(numel_)}; }
    std::span<const float> span() const { return {data_.get(), static_cast<size_t>(numel_)}; }

    // Element (i, j) of a 2-D tensor; dimensions and bounds are checked in debug builds.
    float& t(int64_t i, int64_t j) { return data_.get()[offset2(i, j)]; }
    float t(int64_t i, int64_t j) const { return data_.get()[offset2(i, j)]; }

    // Changes the shape; keeps the buffer (and its values) when the new size fits its capacity,
    // otherwise allocates a zero-filled one.
    void resize(Shape shape);
    // Same elements, new shape: nnfs::Error unless the element counts match.
    void reshape(Shape shape);
    void fill(float value);
    void zero() { fill(0.0f); }

private:
    struct FreeDeleter {
        void operator()(float* p) const noexcept;
    };
    void allocate(int64_t capacity);
    int64_t offset2(int64_t i, int64_t j) const {
#ifndef NDEBUG
        check_index2(i, j);
#endif
        return i * shape_[1] + j;
    }
    void check_index2(int64_t i, int64_t j) const;

    Shape shape_;
    int64_t numel_ = 0;
    int64_t capacity_ = 0;
    std::unique_ptr<float[], FreeDeleter> data_;
};

}  // namespace nnfs
