// SGEMM problems shared by bm_gemm and the peer comparison: shapes, their labels and random operands.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "nnfs/kernels.hpp"

namespace nnfs::bench {

struct GemmShape {
    nnfs::kernels::Trans ta, tb;
    int64_t M, N, K;

    int64_t lda() const { return ta == nnfs::kernels::Trans::No ? K : M; }
    int64_t ldb() const { return tb == nnfs::kernels::Trans::No ? N : K; }
    double flops() const { return 2.0 * static_cast<double>(M * N * K); }
    // "NT/64x128x784"
    std::string label() const {
        using nnfs::kernels::Trans;
        return std::string(ta == Trans::Yes ? "T" : "N") + (tb == Trans::Yes ? "T" : "N") + "/" + std::to_string(M) + "x" +
               std::to_string(N) + "x" + std::to_string(K);
    }
};

// Layer shapes of a 784-256-128-10 MLP (forward x W^T is NT; backward dX = dY W is NN, dW = dY^T X is TN),
// the 10-class head and the Iris layer (batch 32, 4 -> 16).
inline std::vector<GemmShape> layer_shapes() {
    using nnfs::kernels::Trans;
    return {
        {Trans::No, Trans::Yes, 64, 128, 784},  {Trans::No, Trans::Yes, 256, 256, 784},
        {Trans::No, Trans::No, 256, 784, 256},  {Trans::Yes, Trans::No, 256, 784, 256},
        {Trans::Yes, Trans::No, 784, 128, 64},  {Trans::No, Trans::No, 64, 784, 128},
        {Trans::No, Trans::Yes, 256, 10, 128},  {Trans::No, Trans::Yes, 32, 16, 4},
    };
}

// 64-byte aligned storage, as a Tensor's (and what oneDNN and OpenBLAS recommend): every library
// here gets the same operands, with rows of 16-float multiples starting on cache lines.
template <class T>
struct Aligned64 {
    using value_type = T;
    Aligned64() = default;
    template <class U>
    Aligned64(const Aligned64<U>&) {}
    T* allocate(size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{64})); }
    void deallocate(T* p, size_t) { ::operator delete(p, std::align_val_t{64}); }
    bool operator==(const Aligned64&) const { return true; }
};

// A, B uniform in [-1, 1) and C zero, sized for the shape.
struct GemmOperands {
    std::vector<float, Aligned64<float>> A, B, C;
    explicit GemmOperands(const GemmShape& s)
        : A(static_cast<size_t>(s.M * s.K)), B(static_cast<size_t>(s.K * s.N)), C(static_cast<size_t>(s.M * s.N)) {
        std::mt19937 rng(7);
        std::uniform_real_distribution<float> u(-1.0f, 1.0f);
        for (float& x : A) x = u(rng);
        for (float& x : B) x = u(rng);
    }
};

}  // namespace nnfs::bench
