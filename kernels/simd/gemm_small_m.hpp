// SGEMM with few rows of C (M <= kSmallMMax: batch-1 inference, tiny batches), as xsimd templates on
// an instruction set `Arch` (instantiated in kernels/isa/gemm_<isa>.cpp only).
//
// With M this small every element of op(B) is used M times only, so the product is bound by reading
// op(B) once, and any copy of it (packing, or the direct path's copy) doubles the traffic. op(B) is
// therefore streamed from where it lies, never copied:
//   tb = T (B is N x K, Linear's forward x W^T):  c(i, n) = dot(a(i, :), B[n, :])  over contiguous rows
//       of B, `rows` rows of B at a time, one vector accumulator per (i, row), reduced at the end;
//   tb = N (B is K x N, Linear's input gradient dY W): c(i, :) += a(i, k) B[k, :] over k, `vecs`
//       vectors of columns at a time held in registers.
// op(A) (M x K) is read in place when ta = N, else copied to a small buffer first.
//
// Every C element sees the same sequence of operations whichever block of columns it falls in, so
// splitting the columns among threads anywhere gives bitwise identical results.
#pragma once




#include "simd/gemm_kernel.hpp"
#include "simd/vector_common.hpp"

namespace nnfs::kernels::simd {

using detail::kSmallMMax;

// The small-M epilogue on c[0:n] of one row holding alpha op(A) op(B) + beta C: c = act(c + bias).
template <class Arch, Activation Act>
void small_m_finish(float* c, const float* bias, int64_t n) {
    using V = xsimd::batch<float, Arch>;
    constexpr int64_t W = V::size;
    int64_t j = 0;
    for (; j + W <= n; j += W) {
        V x = V::load_unaligned(c + j);
        if (bias) x += V::load_unaligned(bias + j);
        activate<Arch, Act>(x).store_unaligned(c + j);
    }
    if (j < n) {
        alignas(64) float buf[W] = {};
        for (int64_t l = 0; l < n - j; ++l) buf[l] = bias ? c[j + l] + bias[j + l] : c[j + l];  // (c + 0 would turn -0 into +0)
        activate<Arch, Act>(V::load_aligned(buf)).store_aligned(buf);
        for (int64_t l = 0; l < n - j; ++l) c[j + l] = buf[l];
    }
}

// tb = T: C[0:M, n0:n1] = alpha op(A) B[n0:n1, :]^T (+ beta C), `Rows` rows of B at a time.
template <class Arch, int M, int Rows>
void small_m_dot(const GemmArgs& g, const float* a, int64_t lda, int64_t n0, int64_t n1) {
    using V = xsimd::batch<float, Arch>;
    constexpr int W = static_cast<int>(V::size);
    const int64_t K = g.K, k_full = K / W * W;
    const int64_t k_tail = K - k_full;
    auto block = [&](auto rows_tag, int64_t n) {
        constexpr int R = decltype(rows_tag)::value;
        V acc[M][R];
#pragma GCC unroll 16
        for (int i = 0; i < M; ++i)
#pragma GCC unroll 16
            for (int r = 0; r < R; ++r) acc[i][r] = V(0.0f);
        const float* b = g.B + n * g.ldb;
        for (int64_t k = 0; k < k_full; k += W) {
            V av[M];
#pragma GCC unroll 16
            for (int i = 0; i < M; ++i) av[i] = V::load_unaligned(a + i * lda + k);
#pragma GCC unroll 16
            for (int r = 0; r < R; ++r) {
                const V bv = V::load_unaligned(b + r * g.ldb + k);
#pragma GCC unroll 16
                for (int i = 0; i < M; ++i) acc[i][r] = xsimd::fma(av[i], bv, acc[i][r]);
            }
        }
        if (k_tail) {  // zeros past K in both operands add exact zeros
            V av[M];
#pragma GCC unroll 16
            for (int i = 0; i < M; ++i) av[i] = load<Arch>(a + i * lda + k_full, Tail{k_tail});
#pragma GCC unroll 16
            for (int r = 0; r < R; ++r) {
                const V bv = load<Arch>(b + r * g.ldb + k_full, Tail{k_tail});
#pragma GCC unroll 16
                for (int i = 0; i < M; ++i) acc[i][r] = xsimd::fma(av[i], bv, acc[i][r]);
            }
        }
#pragma GCC unroll 16
        for (int i = 0; i < M; ++i)
#pragma GCC unroll 16
            for (int r = 0; r < R; ++r) {
                float* c = g.C + i * g.ldc + n + r;
                const float x = g.alpha * xsimd::hadd(acc[i][r]);
                *c = g.beta != 0.0f ? g.beta * *c + x : x;
            }
    };
    int64_t n = n0;
    for (; n + Rows <= n1; n += Rows) block(std::integral_constant<int, Rows>{}, n);
    for (; n < n1; ++n) block(std::integral_constant<int, 1>{}, n);
}

// tb = N: C[0:M, n0:n1] = alpha op(A) B[:, n0:n1] (+ beta C), `Vecs` vectors of columns at a time.
// The last partial vector is computed on the W columns ending at n1 (overlapping columns already
// done) and only its new columns are stored; when n1 - n0 < W its lanes are gathered.
template <class Arch, int M, int Vecs>
void small_m_axpy(const GemmArgs& g, const float* a, int64_t lda, int64_t n0, int64_t n1) {
    using V = xsimd::batch<float, Arch>;
    using I = xsimd::batch<int32_t, Arch>;
    constexpr int W = static_cast<int>(V::size);
    // acc(i, :) over the NV vectors at columns j + v W (or the gathered lanes j + idx), then stored
    // from lane `first` of the first vector on (earlier lanes belong to columns already stored).
    auto block = [&](auto vecs_tag, int64_t j, int first, const I* idx) {
        constexpr int NV = decltype(vecs_tag)::value;
        V acc[M][NV];
#pragma GCC unroll 16
        for (int i = 0; i < M; ++i)
#pragma GCC unroll 16
            for (int v = 0; v < NV; ++v) acc[i][v] = V(0.0f);
        const float* b = g.B + j;
        for (int64_t k = 0; k < g.K; ++k, b += g.ldb) {
            V bv[NV];
#pragma GCC unroll 16
            for (int v = 0; v < NV; ++v) bv[v] = idx ? gather<Arch>(b, *idx) : V::load_unaligned(b + v * W);
#pragma GCC unroll 16
            for (int i = 0; i < M; ++i) {
                const V ai(a[i * lda + k]);
#pragma GCC unroll 16
                for (int v = 0; v < NV; ++v) acc[i][v] = xsimd::fma(ai, bv[v], acc[i][v]);
            }
        }
        const V va(g.alpha), vb(g.beta);
        const int64_t last = idx ? n1 - j : W;  // columns held by the vectors
#pragma GCC unroll 16
        for (int i = 0; i < M; ++i) {
            float* c = g.C + i * g.ldc + j;
#pragma GCC unroll 16
            for (int v = 0; v < NV; ++v) {
                V x = acc[i][v] * va;
                if (first == 0 && last == W) {
                    if (g.beta != 0.0f) x = xsimd::fma(vb, V::load_unaligned(c + v * W), x);
                    x.store_unaligned(c + v * W);
                } else {
                    alignas(64) float buf[W];
                    x.store_aligned(buf);
                    for (int64_t l = first; l < last; ++l)
                        c[l] = g.beta != 0.0f ? g.beta * c[l] + buf[l] : buf[l];
                }
            }
        }
    };
    int64_t j = n0;
    for (; j + Vecs * W <= n1; j += Vecs * W) block(std::integral_constant<int, Vecs>{}, j, 0, nullptr);
    for (; j + W <= n1; j += W) block(std::integral_constant<int, 1>{}, j, 0, nullptr);
    if (j == n1) return;
    if (n1 - n0 >= W) {  // overlap: the vector ending at n1
        block(std::integral_constant<int, 1>{}, n1 - W, static_cast<int>(W - (n1 - j)), nullptr);
    } else {
        alignas(64) int32_t lanes[W];
        for (int l = 0; l < W; ++l) lanes[l] = static_cast<int32_t>(l < n1 - j ? l : n1 - j - 1);
        const I idx = I::load_aligned(lanes);
        block(std::integral_constant<int, 1>{}, j, 0, &idx);
    }
}

// C[0:M, n0:n1] of a problem with M <= kSmallMMax; `Acc` is the number of vector accumulators the
// ISA's registers hold comfortably (16 of 32 on AVX-512, 8 of 16 on AVX2 and SSE2).
template <class Arch, int M, int Acc>
void small_m_rows(const GemmArgs& g, int64_t n0, int64_t n1) {
    const float* a = g.A;
    int64_t lda = g.lda;
    if (g.ta == Trans::Yes) {  // op(A) = A^T: gather its M rows (A[k lda + i]) once
        float* buf = scratch<Arch, 4>(M * g.K);
        for (int64_t k = 0; k < g.K; ++k)
            for (int i = 0; i < M; ++i) buf[i * g.K + k] = g.A[k * g.lda + i];
        a = buf;
        lda = g.K;
    }
    constexpr int Per = Acc / M > 0 ? Acc / M : 1;
    // With one row of A the dot products are bound by streaming B from L2, which runs best with a
    // block spanning 64 floats (4 cache lines) a step: 1x256x784, one thread, AVX-512 4 rows 162 GB/s
    // against 139 with 16; AVX2 8 rows 130-137 against 121-123 with 4. With more rows of A the FMAs
    // bound it, and the most accumulators in flight do best.
    constexpr int W = static_cast<int>(xsimd::batch<float, Arch>::size);
    constexpr int DotRows = M == 1 && 64 / W < Per ? 64 / W : Per;
    if (g.tb == Trans::Yes)
        small_m_dot<Arch, M, DotRows>(g, a, lda, n0, n1);
    else
        small_m_axpy<Arch, M, Per>(g, a, lda, n0, n1);
    for (int i = 0; i < M; ++i) {
        float* c = g.C + i * g.ldc + n0;
        const float* bias = g.ep.bias ? g.ep.bias + n0 : nullptr;
        if (!bias && g.ep.act == Activation::Identity) continue;
        switch (g.ep.act) {
            case Activation::Identity: small_m_finish<Arch, Activation::Identity>(c, bias, n1 - n0); break;
            case Activation::ReLU: small_m_finish<Arch, Activation::ReLU>(c, bias, n1 - n0); break;
            case Activation::Sigmoid: small_m_finish<Arch, Activation::Sigmoid>(c, bias, n1 - n0); break;
            case Activation::Tanh: small_m_finish<Arch, Activation::Tanh>(c, bias, n1 - n0); break;
        }
    }
}

// The small-M path for M in 1..kSmallMMax.
template <class Arch, int Acc>
void gemm_small_m(const GemmArgs& g, int64_t n0, int64_t n1) {
    switch (g.M) {
        case 1: small_m_rows<Arch, 1, Acc>(g, n0, n1); break;
        case 2: small_m_rows<Arch, 2, Acc>(g, n0, n1); break;
        case 3: small_m_rows<Arch, 3, Acc>(g, n0, n1); break;
        default: static_assert(kSmallMMax == 4); small_m_rows<Arch, 4, Acc>(g, n0, n1); break;
    }
}

}  // namespace nnfs::kernels::simd
