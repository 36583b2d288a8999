// A per-thread working buffer of the SGEMM paths: floats, 64-byte aligned, grown when a call needs more
// and reused by every later call, so that steady-state products allocate nothing. Growing frees the old
// buffer first (its contents are not kept); a failed allocation throws std::bad_alloc and leaves the
// buffer empty, so the next call tries again instead of receiving null. Baseline x86-64, no xsimd: used
// by the dispatcher (kernels/gemm.cpp) and the ISA kernels (simd/gemm_kernel.hpp) alike.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <new>

namespace nnfs::kernels::detail {

class ScratchBuffer {
  public:
    ScratchBuffer() = default;
    ScratchBuffer(const ScratchBuffer&) = delete;
    ScratchBuffer& operator=(const ScratchBuffer&) = delete;
    ~ScratchBuffer() { std::free(data_); }

    // At least `floats` floats (rounded up to whole cache lines).
    float* get(int64_t floats) {
        if (floats > capacity_) {
            std::free(data_);
            capacity_ = 0;
            const int64_t grown = (floats + 15) / 16 * 16;
            data_ = static_cast<float*>(std::aligned_alloc(64, static_cast<size_t>(grown) * sizeof(float)));
            if (!data_) throw std::bad_alloc();
            capacity_ = grown;
        }
        return data_;
    }

  private:
    float* data_ = nullptr;
    int64_t capacity_ = 0;  // floats
};

}  // namespace nnfs::kernels::detail
