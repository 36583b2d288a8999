// SGEMM problems shared by bm_gemm and the peer comparison: shapes, their labels and random operands.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "nnfs/kernels.hpp"
#include "nnfs/tensor.hpp"

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

// A, B uniform in [-1, 1) and C zero, sized for the shape: Tensors, so 64-byte aligned (as what
// oneDNN and OpenBLAS recommend), the same operands for every library.
struct GemmOperands {
    Tensor A, B, C;
    explicit GemmOperands(const GemmShape& s) : A(Shape{s.M * s.K}), B(Shape{s.K * s.N}), C(Shape{s.M * s.N}) {
        std::mt19937 rng(7);
        std::uniform_real_distribution<float> u(-1.0f, 1.0f);
        for (float& x : A.span()) x = u(rng);
        for (float& x : B.span()) x = u(rng);
    }
};

}  // namespace nnfs::bench
