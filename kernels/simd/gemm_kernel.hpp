// SGEMM the BLIS way, as xsimd templates on an instruction set `Arch` (instantiated only in
// kernels/isa/gemm_<isa>.cpp, each compiled with its own -m flags).
//
//   C (M x N, row-major, row stride ldc) = act(alpha op(A) op(B) + beta C + bias)
//
// Packed path, the five loops around the micro-kernel (BLIS names):
//   jc: NC columns of C / op(B)            B panel  op(B)[pc:pc+kc, jc:jc+nc] packed (in L3)
//    pc: KC of the inner dimension
//     ic: MC rows of C / op(A)             A block  op(A)[ic:ic+mc, pc:pc+kc] packed (in L2)
//      jr: NR columns (macro-kernel)       B micro-panel kc x NR (in L1)
//       ir: MR rows                        A micro-panel MR x kc (streamed from L2)
//        micro-kernel: MR x NR tile of C held in registers over kc, then the epilogue
// With op(B) = B and few rows of C, the whole B micro-panels are read in place instead of packed;
// partial tiles run on smaller register tiles (packed_tile).
// Direct path (small problems, narrow C, small op(B)): no cache blocking, no A packing; op(B) copied
// whole into a row-major buffer, the same micro-kernel reading A in place (row by row, or k-major for
// op(A) = A^T) over tiles of R rows x 1 or 2 vectors.
//
// ODR rule of this file: everything is a template with Arch among its parameters and calls no
// non-inlined std templates, so each ISA's instantiations have their own symbols and code compiled
// with -mavx512f can never be picked by the linker for a caller on another instruction set.
#pragma once

#include <xsimd/xsimd.hpp>

#include <bit>
#include <cstdint>
#include <cstdlib>
#include <type_traits>

#include "scratch_buffer.hpp"
#include "simd/gemm_isa.hpp"
#include "simd/transpose.hpp"
#include "simd/activation.hpp"
#include "simd/vector_common.hpp"

#define NNFS_ALWAYS_INLINE inline __attribute__((always_inline))

namespace nnfs::kernels::simd {

using detail::GemmArgs;
using detail::GemmBlocking;

// ---------------------------------------------------------------------------------------------
// Per-thread packing buffers (scratch_buffer.hpp), one per ISA and use (Id: 0 the packed B panel, 1 the
// packed A block, 2 the direct path's copy of op(B), 3 its copy of a partial A tile, 4 the small-M path's
// copy of op(A) = A^T, 5 the narrow dot kernel's packed op(B), 6 the no-copy path's last columns of B, 7
// its last rows of op(A)).
template <class Arch, int Id>
float* scratch(int64_t n) {
    static thread_local detail::ScratchBuffer s;
    return s.get(n);
}

template <class Arch>
NNFS_ALWAYS_INLINE int64_t min_of(int64_t a, int64_t b) {
    return a < b ? a : b;
}

// ---------------------------------------------------------------------------------------------
// Epilogue of one tile: x = alpha acc (+ beta C when beta != 0) (+ bias[j]), then act(x).
struct TileOut {
    float alpha;
    float beta;
    const float* bias;  // at the tile's first column, or null
};

// ---------------------------------------------------------------------------------------------
// Writes an MR x NV-vector tile of accumulators: C[i ldc + j] = act(alpha c + beta C + bias[j]).
// The beta and bias cases are separate loops (the compiler would test them element by element); alpha
// multiplies unless the caller knows it is 1 (Scale = false; x * 1 == x exactly, so the bits agree).
template <class Arch, int MR, int NV, Activation Act, bool Beta, bool Bias, bool Scale = true>
NNFS_ALWAYS_INLINE void store_loop(xsimd::batch<float, Arch> (&c)[MR][NV], float* C, int64_t ldc, const TileOut& t) {
    using V = xsimd::batch<float, Arch>;
    constexpr int W = static_cast<int>(V::size);
    const V va(t.alpha), vb(t.beta);
    V bias[NV];
    if constexpr (Bias) {
#pragma GCC unroll 8
        for (int v = 0; v < NV; ++v) bias[v] = V::load_unaligned(t.bias + v * W);
    }
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 8
        for (int v = 0; v < NV; ++v) {
            float* p = C + i * ldc + v * W;
            V x = Scale ? c[i][v] * va : c[i][v];
            if constexpr (Beta) x = xsimd::fma(vb, V::load_unaligned(p), x);
            if constexpr (Bias) x += bias[v];
            activate<Arch, Act>(x).store_unaligned(p);
        }
    }
}

template <class Arch, int MR, int NV, Activation Act>
NNFS_ALWAYS_INLINE void store_act(xsimd::batch<float, Arch> (&c)[MR][NV], float* C, int64_t ldc, const TileOut& t) {
    if (t.beta != 0.0f) {
        if (t.bias) store_loop<Arch, MR, NV, Act, true, true>(c, C, ldc, t);
        else store_loop<Arch, MR, NV, Act, true, false>(c, C, ldc, t);
    } else {
        if (t.bias) store_loop<Arch, MR, NV, Act, false, true>(c, C, ldc, t);
        else store_loop<Arch, MR, NV, Act, false, false>(c, C, ldc, t);
    }
}

template <class Arch, int MR, int NV>
NNFS_ALWAYS_INLINE void store_tile(xsimd::batch<float, Arch> (&c)[MR][NV], float* C, int64_t ldc, const TileOut& t,
                                   Activation act) {
    switch (act) {
        case Activation::Identity: store_act<Arch, MR, NV, Activation::Identity>(c, C, ldc, t); break;
        case Activation::ReLU: store_act<Arch, MR, NV, Activation::ReLU>(c, C, ldc, t); break;
        case Activation::Sigmoid: store_act<Arch, MR, NV, Activation::Sigmoid>(c, C, ldc, t); break;
        case Activation::Tanh: store_act<Arch, MR, NV, Activation::Tanh>(c, C, ldc, t); break;
    }
}

// Software prefetch distances of the packed path's k loop, in k steps: the B micro-panel (NR floats a
// step) does not stay in L1 with the A micro-panel at KC = 384 (the sweep's; 512 now), and the hardware
// prefetcher lags at the start of each tile. Swept on AVX-512 (8, 16, 24, 32 for each): B 16, A 32
// gained 3-6% at 1024 and 2048, nothing measurable below. B is prefetched once per cache line, and A on
// AVX-512 only: on AVX2 (A's 6-row micro-panel is 9 KiB) dropping A's prefetch and B's second one per
// line gained 5-9% at 512-2048 (NN/NT/TN, interleaved: 105-113 -> 110-122 GFLOP/s; either change alone:
// nothing); SSE2 the same either way.
#ifndef NNFS_GEMM_PREFETCH_B
#define NNFS_GEMM_PREFETCH_B 16
#endif
#ifndef NNFS_GEMM_PREFETCH_A
#define NNFS_GEMM_PREFETCH_A 32
#endif

// Prefetch distances, in k steps, for rows ld floats apart: an operand read in place (op(B) = B on the
// no-copy path and the packed path's in-place B, op(A) = A^T on the no-copy path) or a packed panel,
// whose short stride (at most 64 floats) keeps the panels' distances (checked at compile time below).
// An address's L1 set repeats every 4 KiB (64 sets of 64-byte lines), so rows ld apart fall into
// 4096 / gcd(4 ld, 4096) groups of sets: one group when the stride is a multiple of 4 KiB (N = 1024),
// two at 2 KiB, four at 1 KiB. The panels' distances (B 16, A 32 rows) then put up to 16 or
// 32 prefetched lines into sets of 12 ways, beside the other operand's, and they evict one another
// before use. So: B four rows a group, A two, at most the panels' distances. Measured in one process,
// alternated, one thread, AVX-512, the panels' distances -> these: NN 256x1024x256 175.9 -> 189.5
// GFLOP/s, 512^3 182.2 -> 190.7 (B); TN 256^3 171.0 -> 187.5 (A); over every no-copy shape of a sweep
// with N a multiple of 512, x1.17 on one thread and on two; other strides unchanged
// (bench/results/prefetch-2026-11-26.md).
template <class Arch>
NNFS_ALWAYS_INLINE constexpr int64_t l1_set_groups(int64_t ld) {
    const int tz = std::countr_zero(static_cast<uint64_t>(ld)) + 2;  // gcd(4 ld, 4096) = 2^min(tz, 12)
    return tz >= 12 ? 1 : int64_t{1} << (12 - tz);
}
template <class Arch>
NNFS_ALWAYS_INLINE constexpr int64_t prefetch_rows(int64_t ld, int64_t rows_a_group, int64_t most) {
    const int64_t groups = l1_set_groups<Arch>(ld);
    return groups >= most / rows_a_group ? most : rows_a_group * groups;
}
template <class Arch>
constexpr bool panels_keep_their_distances() {
    for (int64_t ld = 1; ld <= 64; ++ld)
        if (prefetch_rows<Arch>(ld, 4, NNFS_GEMM_PREFETCH_B) != NNFS_GEMM_PREFETCH_B ||
            prefetch_rows<Arch>(ld, 2, NNFS_GEMM_PREFETCH_A) != NNFS_GEMM_PREFETCH_A)
            return false;
    return true;
}

// ---------------------------------------------------------------------------------------------
// The MR x NR micro-kernel, NR = NV vectors. Accumulates over k in registers
//   acc(i, j) = sum_k a(i, k) b(k, j),  a(i, k) = A[k csa + i],  b(k, j) = Bp[k ldb + j]
// (a packed A micro-panel has csa = MR, a packed B micro-panel ldb = NR; op(B) read in place has
// ldb = its row stride), then writes C[i ldc + j] = act(alpha acc + beta C + bias[j]) for the full tile.
// PrefetchC: touch the C tile before the k loop (the packed and no-copy paths, where C is cold), and
// prefetch B (and A, k-major only) ahead in the loop.
// RowA: A is read in place row by row instead, a(i, k) = A[i csa + k] (csa is then the row stride).
template <class Arch, int MR, int NV, bool PrefetchC, bool RowA = false>
struct MicroKernel {
    using V = xsimd::batch<float, Arch>;
    static constexpr int W = static_cast<int>(V::size);
    static constexpr int NR = NV * W;
    static constexpr int kVecsPerLine = W * 4 >= 64 ? 1 : 64 / (W * 4);
    static constexpr bool kPrefetchA = W >= 16;
    // k steps a loop iteration: two on AVX2 and SSE2 (AVX2 6x16, one thread, interleaved: 512-2048 squares
    // 105-112 -> 111-118 GFLOP/s; four: 101-108; SSE2 +1-2%), one on AVX-512 (two: 1024^3 190 -> 160).
    static constexpr int kUnroll = W <= 8 ? 2 : 1;

    static void run(int64_t K, const float* A, int64_t csa, const float* Bp, int64_t ldb, float* C, int64_t ldc,
                    const TileOut& t, Activation act) {
        V c[MR][NV];
#pragma GCC unroll 32
        for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 8
            for (int v = 0; v < NV; ++v) c[i][v] = V(0.0f);
            if constexpr (PrefetchC) {  // the tile's rows arrive while k runs
                __builtin_prefetch(C + i * ldc, 1, 3);
                __builtin_prefetch(C + i * ldc + NR - 1, 1, 3);
            }
        }
        static_assert(panels_keep_their_distances<Arch>() && NR <= 64 && MR <= 64);
        [[maybe_unused]] const int64_t b_ahead = prefetch_rows<Arch>(ldb, 4, NNFS_GEMM_PREFETCH_B) * ldb;
        [[maybe_unused]] const int64_t a_ahead = prefetch_rows<Arch>(csa, 2, NNFS_GEMM_PREFETCH_A) * csa;
        const auto step = [&] {
            if constexpr (PrefetchC) {  // (past the end of a panel: a harmless hint)
#pragma GCC unroll 8
                for (int v = 0; v < NV; v += kVecsPerLine) __builtin_prefetch(Bp + b_ahead + v * W, 0, 3);
                if constexpr (kPrefetchA && !RowA) __builtin_prefetch(A + a_ahead, 0, 3);
            }
            V b[NV];
#pragma GCC unroll 8
            for (int v = 0; v < NV; ++v) b[v] = V::load_unaligned(Bp + v * W);  // op(B) may be read in place
#pragma GCC unroll 32
            for (int i = 0; i < MR; ++i) {
                const V a(RowA ? A[i * csa] : A[i]);
#pragma GCC unroll 8
                for (int v = 0; v < NV; ++v) c[i][v] = xsimd::fma(a, b[v], c[i][v]);
            }
            A += RowA ? 1 : csa;
            Bp += ldb;
        };
        int64_t k = 0;
        for (; k + kUnroll <= K; k += kUnroll)
#pragma GCC unroll 4
            for (int u = 0; u < kUnroll; ++u) step();
        for (; k < K; ++k) step();
        store_tile<Arch, MR, NV>(c, C, ldc, t, act);
    }

    // An m x n tile of C (m <= MR, n <= NR; A and Bp hold MR rows and NR columns, zero-padded or not).
    // Partial tiles go through an MR x NR buffer, so every element sees exactly the arithmetic of a
    // full tile.
    static void tile(int64_t K, const float* A, int64_t csa, const float* Bp, int64_t ldb, float* C, int64_t ldc,
                     int m, int n, const TileOut& t, Activation act) {
        if (m == MR && n == NR) {
            run(K, A, csa, Bp, ldb, C, ldc, t, act);
            return;
        }
        alignas(64) float buf[MR * NR];
        alignas(64) float bias[NR];
        if (t.beta != 0.0f) {
            for (int i = 0; i < MR; ++i)
                for (int j = 0; j < NR; ++j) buf[i * NR + j] = i < m && j < n ? C[i * ldc + j] : 0.0f;
        }
        TileOut tp = t;
        if (t.bias) {
            for (int j = 0; j < NR; ++j) bias[j] = j < n ? t.bias[j] : 0.0f;
            tp.bias = bias;
        }
        run(K, A, csa, Bp, ldb, buf, NR, tp, act);
        for (int i = 0; i < m; ++i)
            for (int j = 0; j < n; ++j) C[i * ldc + j] = buf[i * NR + j];
    }
};

// ---------------------------------------------------------------------------------------------
// Transposes a block of W x W floats (W = the vector width of Arch): d[c ldd + r] = s[r ld + c] for
// c < W and r < rows (rows <= W; rows past `rows` read as zero). Each d row is stored as one full
// vector, in increasing c: with ldd < W a store spills W - ldd values into the next d row, which the
// caller overwrites afterwards.
template <class Arch>
NNFS_ALWAYS_INLINE void transpose_block(const float* s, int64_t ld, float* d, int64_t ldd, int rows) {
    using V = xsimd::batch<float, Arch>;
    if constexpr (std::is_same_v<Arch, xsimd::sse2>) {
        __m128 r0 = rows > 0 ? _mm_loadu_ps(s) : _mm_setzero_ps();
        __m128 r1 = rows > 1 ? _mm_loadu_ps(s + ld) : _mm_setzero_ps();
        __m128 r2 = rows > 2 ? _mm_loadu_ps(s + 2 * ld) : _mm_setzero_ps();
        __m128 r3 = rows > 3 ? _mm_loadu_ps(s + 3 * ld) : _mm_setzero_ps();
        _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
        _mm_storeu_ps(d, r0);
        _mm_storeu_ps(d + ldd, r1);
        _mm_storeu_ps(d + 2 * ldd, r2);
        _mm_storeu_ps(d + 3 * ldd, r3);
    } else {
        constexpr int W = static_cast<int>(V::size);
        V v[W];
#pragma GCC unroll 16
        for (int i = 0; i < W; ++i) v[i] = i < rows ? V::load_unaligned(s + i * ld) : V(0.0f);
        transpose_tile<Arch>(v);
#pragma GCC unroll 16
        for (int c = 0; c < W; ++c) v[c].store_unaligned(d + c * ldd);
    }
}

// Packs R rows of length kc, k-major: d[k R + r] = s[r ld + k] for r < rows, 0 for rows <= r < R (the
// transposing case of both packings; rows past `rows` are never read). Row groups of W are transposed
// last group first, so the spill of a partial group into the next d row is overwritten by the full
// groups; d needs W floats of slack past R kc.
template <class Arch, int R>
void pack_rows(float* d, const float* s, int64_t ld, int64_t kc, int rows) {
    constexpr int W = static_cast<int>(xsimd::batch<float, Arch>::size);
    constexpr int G = (R + W - 1) / W;
    int64_t k = 0;
    for (; k + W <= kc; k += W)
#pragma GCC unroll 4
        for (int g = G - 1; g >= 0; --g) {
            const int in_group = R - g * W < W ? R - g * W : W;
            const int valid = rows - g * W < 0 ? 0 : (rows - g * W < in_group ? rows - g * W : in_group);
            transpose_block<Arch>(s + g * W * ld + k, ld, d + k * R + g * W, R, valid);
        }
    for (; k < kc; ++k)
        for (int r = 0; r < R; ++r) d[k * R + r] = r < rows ? s[r * ld + k] : 0.0f;
}

// ---------------------------------------------------------------------------------------------
// Packing. op(A)[i0:i0+mc, p0:p0+kc] into micro-panels of MR rows: element (r MR + i, k) at
// dst[r MR kc + k MR + i]; rows past mc are zero. Absorbs ta.
template <class Arch, int MR>
void pack_a(float* dst, const GemmArgs& g, int64_t i0, int64_t mc, int64_t p0, int64_t kc) {
    if (g.ta == Trans::No) {  // a(i, k) = A[i lda + k]: gather MR rows
        for (int64_t r = 0; r < mc; r += MR) {
            const int m = static_cast<int>(min_of<Arch>(MR, mc - r));
            pack_rows<Arch, MR>(dst + r * kc, g.A + (i0 + r) * g.lda + p0, g.lda, kc, m);
        }
        return;
    }
    // a(i, k) = A[k lda + i]: rows of A are already k-major. Row by row, each row's mc floats to all the
    // block's micro-panels: panel by panel would read every row mc / MR times, lda apart (TN 1024x1024x512,
    // Linear's weight gradient at batch 512: rows 4 KB apart, one L1 set, a TLB entry each).
    using V = xsimd::batch<float, Arch>;
    constexpr int W = static_cast<int>(V::size);
    const int64_t full = mc / MR * MR;
    // Whole micro-panels copy ceil(MR / W) vectors: the spill past MR lands in the panel's next k, written
    // after it, and the read past the MR values in A's next row. The block's last k is copied by elements:
    // its spill would reach the next panel's first k, and its row may be A's last.
    for (int64_t k = 0; k < kc; ++k) {
        const float* s = g.A + (p0 + k) * g.lda + i0;
        float* d = dst + k * MR;
        const bool vectors = k + 1 < kc;
        for (int64_t r = 0; r < full; r += MR) {
            if (vectors) {
#pragma GCC unroll 4
                for (int c = 0; c < MR; c += W) V::load_unaligned(s + r + c).store_unaligned(d + r * kc + c);
            } else {
                for (int i = 0; i < MR; ++i) d[r * kc + i] = s[r + i];
            }
        }
        if (full < mc) {  // a partial last micro-panel, zero-padded
            const int m = static_cast<int>(mc - full);
            for (int i = 0; i < MR; ++i) d[full * kc + i] = i < m ? s[full + i] : 0.0f;
        }
    }
}

// op(B)[p0:p0+kc, j0:j0+nc] into micro-panels of NR columns: element (k, q NR + j) at
// dst[q NR kc + k NR + j]; columns past nc are zero. Absorbs tb.
template <class Arch, int NR>
void pack_b(float* dst, const GemmArgs& g, int64_t p0, int64_t kc, int64_t j0, int64_t nc) {
    int64_t q0 = 0;
    if (g.tb == Trans::No) {
        // The whole micro-panels, rows of op(B) read in order (one sequential stream per row, which the
        // hardware prefetchers follow; panel by panel would read each row in nc / NR strided passes).
        using V = xsimd::batch<float, Arch>;
        constexpr int W = static_cast<int>(V::size);
        q0 = nc / NR * NR;
        for (int64_t k = 0; k < kc; ++k) {
            const float* s = g.B + (p0 + k) * g.ldb + j0;
            float* d = dst + k * NR;
            for (int64_t q = 0; q < q0; q += NR)
#pragma GCC unroll 8
                for (int j = 0; j < NR; j += W) V::load_unaligned(s + q + j).store_aligned(d + q * kc + j);
        }
    }
    for (int64_t q = q0; q < nc; q += NR) {
        const int n = static_cast<int>(min_of<Arch>(NR, nc - q));
        float* d = dst + q * kc;
        if (g.tb == Trans::No) {  // b(k, j) = B[k ldb + j]: copy rows
            const float* s = g.B + p0 * g.ldb + j0 + q;
            if (n == NR) {
                for (int64_t k = 0; k < kc; ++k)
#pragma GCC unroll 64
                    for (int j = 0; j < NR; ++j) d[k * NR + j] = s[k * g.ldb + j];
            } else {
                for (int64_t k = 0; k < kc; ++k)
                    for (int j = 0; j < NR; ++j) d[k * NR + j] = j < n ? s[k * g.ldb + j] : 0.0f;
            }
        } else {  // b(k, j) = B[j ldb + k]: gather NR rows
            const float* s = g.B + (j0 + q) * g.ldb + p0;
            pack_rows<Arch, NR>(d, s, g.ldb, kc, n);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// One m x n tile of the packed path (A micro-panel k-major at stride MR, B micro-panel at stride NR).
// A partial tile runs on the smallest register tile that covers it: rows rounded up to a multiple of
// the step S, one vector when n fits in one. With M = 256 and MR = 14 the last tile has 4 rows, and a
// full 14-row tile would waste 10/266 of the work (a 64-row problem: 6/70). Each C element still
// sees the same arithmetic (its own accumulator over k in order, then the same epilogue), whatever
// tile computes it.
template <class Arch, int MR, int NV, int MRp = (MR > 16 ? 8 : (MR > 8 ? 4 : 2))>
NNFS_ALWAYS_INLINE void packed_tile(int64_t kc, const float* A, const float* Bp, int64_t ldb, float* C, int64_t ldc,
                                    int m, int n, const TileOut& t, Activation act) {
    using UK = MicroKernel<Arch, MR, NV, true>;
    [[maybe_unused]] constexpr int W = UK::W;  // used when NV > 1
    constexpr int S = MR > 16 ? 8 : (MR > 8 ? 4 : 2);
    if constexpr (MRp < MR) {
        if (m <= MRp) {
            if constexpr (NV > 1) {
                if (n <= W) {
                    MicroKernel<Arch, MRp, 1, true>::tile(kc, A, MR, Bp, ldb, C, ldc, m, n, t, act);
                    return;
                }
            }
            MicroKernel<Arch, MRp, NV, true>::tile(kc, A, MR, Bp, ldb, C, ldc, m, n, t, act);
            return;
        }
        packed_tile<Arch, MR, NV, MRp + S>(kc, A, Bp, ldb, C, ldc, m, n, t, act);
    } else {
        if constexpr (NV > 1) {
            if (n <= W) {
                MicroKernel<Arch, MR, 1, true>::tile(kc, A, MR, Bp, ldb, C, ldc, m, n, t, act);
                return;
            }
        }
        UK::tile(kc, A, MR, Bp, ldb, C, ldc, m, n, t, act);
    }
}

// ---------------------------------------------------------------------------------------------
// Packed path over C[m0:m1, n0:n1] (m0 a multiple of MR, n0 of NR). Over the pc loop, the first KC
// block applies beta, later ones add into C, the last one applies bias and activation.
template <class Arch, int MR, int NV>
void gemm_packed(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1, const GemmBlocking& bl,
                 const detail::GemmTeam* team) {
    using UK = MicroKernel<Arch, MR, NV, true>;
    constexpr int NR = UK::NR;
    // K is cut into equal blocks of at most bl.kc (784 = 3 x 262, not 384 + 384 + 16: a short last block
    // would pay a whole pass over C for a few k). Depends on K only, so threads see the same blocks.
    const int64_t kc_cap = bl.kc > 0 ? bl.kc : 256;
    const int64_t KC = (g.K + (g.K + kc_cap - 1) / kc_cap - 1) / ((g.K + kc_cap - 1) / kc_cap);
    const int64_t MC = bl.mc >= MR ? bl.mc / MR * MR : MR;
    const int64_t NC = bl.nc >= NR ? bl.nc / NR * NR : NR;
    const int64_t kc_max = min_of<Arch>(KC, g.K);
    float* Bp = team ? team->b : scratch<Arch, 0>(kc_max * min_of<Arch>(NC, (n1 - n0 + NR - 1) / NR * NR) + 64);
    float* Ap = scratch<Arch, 1>(kc_max * min_of<Arch>(MC, (m1 - m0 + MR - 1) / MR * MR) + 64);  // + slack

    // op(B) = B (row-major K x N) is read in place when few row tiles share it: packing would cost as
    // much as it saves (NN 64x784x128: a sixth of the time).
    constexpr int64_t kBInPlaceMaxM = 96;
    // (Never in a team: its threads must agree on the barriers.)
    const bool b_in_place = !team && g.tb == Trans::No && m1 - m0 <= kBInPlaceMaxM;
    for (int64_t jc = n0; jc < n1; jc += NC) {
        const int64_t nc = min_of<Arch>(NC, n1 - jc);
        for (int64_t pc = 0; pc < g.K; pc += KC) {
            const int64_t kc = min_of<Arch>(KC, g.K - pc);
            // In place: the whole micro-panels straight from B, only a partial last one packed.
            const int64_t nc_in_place = b_in_place ? nc / NR * NR : 0;
            if (team) {  // this thread's share of the micro-panels, then wait for the others'
                const int64_t panels = (nc + NR - 1) / NR, base = panels / team->nt, extra = panels % team->nt;
                const int64_t q0 = team->t * base + (team->t < extra ? team->t : extra);
                const int64_t q1 = q0 + base + (team->t < extra ? 1 : 0);
                if (q1 > q0) pack_b<Arch, NR>(Bp + q0 * NR * kc, g, pc, kc, jc + q0 * NR, min_of<Arch>(nc, q1 * NR) - q0 * NR);
#pragma omp barrier
            } else {
                pack_b<Arch, NR>(Bp + nc_in_place * kc, g, pc, kc, jc + nc_in_place, nc - nc_in_place);
            }
            const bool last = pc + kc == g.K;
            const TileOut t{g.alpha, pc == 0 ? g.beta : 1.0f, last ? g.ep.bias : nullptr};
            const Activation act = last ? g.ep.act : Activation::Identity;
            for (int64_t ic = m0; ic < m1; ic += MC) {
                const int64_t mc = min_of<Arch>(MC, m1 - ic);
                pack_a<Arch, MR>(Ap, g, ic, mc, pc, kc);
                // macro-kernel: the packed block times the packed panel
                for (int64_t jr = 0; jr < nc; jr += NR) {
                    const int n = static_cast<int>(min_of<Arch>(NR, nc - jr));
                    TileOut tj = t;
                    if (t.bias) tj.bias = t.bias + jc + jr;
                    const bool in_place = jr < nc_in_place;
                    const float* b = in_place ? g.B + pc * g.ldb + jc + jr : Bp + jr * kc;
                    const int64_t ldb = in_place ? g.ldb : NR;
                    for (int64_t ir = 0; ir < mc; ir += MR) {
                        const int m = static_cast<int>(min_of<Arch>(MR, mc - ir));
                        packed_tile<Arch, MR, NV>(kc, Ap + ir * kc, b, ldb, g.C + (ic + ir) * g.ldc + jc + jr, g.ldc, m,
                                                  n, tj, act);
                    }
                }
            }
            if (team) {  // the panel stays until every thread is done with it
#pragma omp barrier
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// v[l] = s[index[l]]: the hardware gather where there is one (xsimd 8.1 emulates it lane by lane).
template <class Arch>
NNFS_ALWAYS_INLINE xsimd::batch<float, Arch> gather(const float* s, xsimd::batch<int32_t, Arch> index) {
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<Arch, xsimd::avx512f>) return _mm512_i32gather_ps(index, s, 4);
#endif
#if defined(__AVX2__)
    if constexpr (std::is_same_v<Arch, xsimd::fma3<xsimd::avx2>>) return _mm256_i32gather_ps(s, index, 4);
#endif
    return xsimd::batch<float, Arch>::gather(s, index);
}

// The direct path's copy of op(B): d[k ld + j] = b(k, j) for j < N, row-major K x ld (ld a multiple
// of W); values past N are unspecified (they only reach discarded columns). Every d row is written
// with vector stores (scalar stores would stall the micro-kernel's vector loads on store forwarding):
// full vectors of contiguous rows are loaded, the rest gathered.
template <class Arch>
void copy_b(float* d, int64_t ld, const GemmArgs& g) {
    using V = xsimd::batch<float, Arch>;
    using I = xsimd::batch<int32_t, Arch>;
    constexpr int W = static_cast<int>(V::size);
    const int64_t stride = g.tb == Trans::No ? 1 : g.ldb;  // between b(k, j) and b(k, j + 1)
    if (stride > (int64_t{1} << 31) / (W + 1)) {             // int32 gather offsets would overflow
        for (int64_t k = 0; k < g.K; ++k)
            for (int64_t j = 0; j < g.N; ++j) d[k * ld + j] = g.B[g.tb == Trans::No ? k * g.ldb + j : j * g.ldb + k];
        return;
    }
    alignas(64) int32_t full[W], tail[W];
    const int64_t n_tail = g.N % W;
    for (int l = 0; l < W; ++l) {
        full[l] = static_cast<int32_t>(l * stride);
        tail[l] = static_cast<int32_t>((l < n_tail ? l : 0) * stride);
    }
    const I full_idx = I::load_aligned(full), tail_idx = I::load_aligned(tail);
    int64_t k0 = 0;
    if (g.tb == Trans::Yes) {  // whole W x W blocks by register transposes, the k tail by gathers
        for (; k0 + W <= g.K; k0 += W)
            for (int64_t j = 0; j < g.N; j += W)
                transpose_block<Arch>(g.B + j * g.ldb + k0, g.ldb, d + k0 * ld + j, ld,
                                      static_cast<int>(min_of<Arch>(W, g.N - j)));
    }
    for (int64_t k = k0; k < g.K; ++k) {
        for (int64_t j = 0; j < g.N; j += W) {
            const float* s = g.tb == Trans::No ? g.B + k * g.ldb + j : g.B + j * g.ldb + k;
            if (stride == 1 && g.N - j >= W)
                V::load_unaligned(s).store_aligned(d + k * ld + j);
            else
                gather<Arch>(s, g.N - j < W ? tail_idx : full_idx).store_aligned(d + k * ld + j);
        }
    }
}

// The last m < R rows of op(A) from row i, k-major and zero-padded to R rows: d[k R + r] = a(i + r, k), as
// a packed A micro-panel (the direct and no-copy paths' partial tile of rows; nothing past row i + m is
// read). d holds K R floats.
template <class Arch, int R>
void copy_last_rows(float* d, const GemmArgs& g, int64_t i, int m) {
    const int64_t rs = g.ta == Trans::No ? g.lda : 1, cs = g.ta == Trans::No ? 1 : g.lda;
    const float* s = g.A + i * rs;
    for (int64_t k = 0; k < g.K; ++k)
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) d[k * R + r] = r < m ? s[r * rs + k * cs] : 0.0f;
}

// Direct path over the whole C, tiles of R x NV vectors: op(B) = B is read in place when its rows are
// whole tiles on cache-line boundaries (N a multiple of the tile width, B and ldb 64-byte aligned: the
// backward products of a Linear), otherwise copied into a K x Np row-major buffer (Np = N rounded up
// to the tile width); either way the same arithmetic. A read in place for full tiles (row by row when
// op(A) = A, a(i, k) = A[i lda + k]; k-major when op(A) = A^T, a(i, k) = A[k lda + i]); the last,
// partial tile's rows are copied k-major, zero-padded, into a small buffer (no reads past the end of A)
// and run on the smallest register tile that covers them (packed_tile).
template <class Arch, int R, int NV>
void gemm_direct_tiles(const GemmArgs& g, int64_t m0, int64_t m1) {
    using UK = MicroKernel<Arch, R, NV, false>;
    constexpr int NR = UK::NR;
    const bool in_place = g.tb == Trans::No && g.N % NR == 0 && reinterpret_cast<uintptr_t>(g.B) % 64 == 0 &&
                          g.ldb % 16 == 0;
    const int64_t Np = in_place ? g.ldb : (g.N + NR - 1) / NR * NR;
    const float* Bd = g.B;
    if (!in_place) {
        float* copy = scratch<Arch, 2>(g.K * Np);
        copy_b<Arch>(copy, Np, g);
        Bd = copy;
    }
    using UKR = MicroKernel<Arch, R, NV, false, true>;
    float* Ad = scratch<Arch, 3>(g.K * R);
    for (int64_t i = m0; i < m1; i += R) {
        const int m = static_cast<int>(min_of<Arch>(R, m1 - i));
        const float* a = g.A + i;  // op(A) = A^T: a(i, k) = A[k lda + i]
        int64_t csa = g.lda;
        if (g.ta == Trans::No && m == R) {  // rows of A in place
            for (int64_t j = 0; j < g.N; j += NR) {
                const int n = static_cast<int>(min_of<Arch>(NR, g.N - j));
                const TileOut t{g.alpha, g.beta, g.ep.bias ? g.ep.bias + j : nullptr};
                UKR::tile(g.K, g.A + i * g.lda, g.lda, Bd + j, Np, g.C + i * g.ldc + j, g.ldc, m, n, t, g.ep.act);
            }
            continue;
        }
        if (m < R) {
            copy_last_rows<Arch, R>(Ad, g, i, m);
            a = Ad;
            csa = R;
        }
        for (int64_t j = 0; j < g.N; j += NR) {
            const int n = static_cast<int>(min_of<Arch>(NR, g.N - j));
            const TileOut t{g.alpha, g.beta, g.ep.bias ? g.ep.bias + j : nullptr};
            if (m < R)  // (a 64-row C on 12-row tiles: 72 rows' work, now 64)
                packed_tile<Arch, R, NV>(g.K, Ad, Bd + j, Np, g.C + i * g.ldc + j, g.ldc, m, n, t, g.ep.act);
            else
                UK::tile(g.K, a, csa, Bd + j, Np, g.C + i * g.ldc + j, g.ldc, m, n, t, g.ep.act);
        }
    }
}

// op(B) of a short-K problem (K <= 8, N <= NV vectors) into registers: b[k][v] lane l = b(k, v W + l),
// lanes past N hold unspecified values (they reach discarded columns only). Whole rows of B are loaded
// (the last partial vector masked); with tb = T, on AVX-512, an N x K block stored contiguously
// (ldb = K, every Linear weight) is loaded as whole vectors and its columns picked out by two-source
// permutes (lane l of b[k] is float l K + k of the block); the rest is gathered. A copy through a
// buffer would stall each vector load on the forwarding of the scalar stores. Not inlined: one copy per
// K and NV serves every epilogue variant (its vectors come back through the stack, whole-vector stores
// and loads that forward; inlined into each variant it cost a fifth of this file's compile time and
// measured no faster).
template <class Arch, int K, int NV>
__attribute__((noinline)) void small_k_b(const GemmArgs& g, xsimd::batch<float, Arch> (&b)[K][NV]) {
    using V = xsimd::batch<float, Arch>;
    using I = xsimd::batch<int32_t, Arch>;
    constexpr int W = static_cast<int>(V::size);
    const int64_t N = g.N;
    if (g.tb == Trans::No) {
#pragma GCC unroll 8
        for (int k = 0; k < K; ++k)
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) {
                const float* s = g.B + k * g.ldb + v * W;
                b[k][v] = N >= (v + 1) * W ? V::load_unaligned(s) : N > v * W ? load<Arch>(s, Tail{N - v * W}) : V(0.0f);
            }
        return;
    }
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<Arch, xsimd::avx512f>) {
        constexpr int S = K * NV;  // vectors of the block, at most: N K <= W K NV floats
        if constexpr (S <= 8) {  // (larger blocks: the gathers below)
            if (g.ldb == K) {
                __m512 s[S + S % 2];
#pragma GCC unroll 16
                for (int q = 0; q < S + S % 2; ++q) {
                    const int64_t left = N * K - q * W;
                    s[q] = left >= W ? _mm512_loadu_ps(g.B + q * W) : left > 0 ? __m512(load<Arch>(g.B + q * W, Tail{left})) : _mm512_setzero_ps();
                }
                const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
#pragma GCC unroll 8
                for (int k = 0; k < K; ++k)
#pragma GCC unroll 4
                    for (int v = 0; v < NV; ++v) {
                        // float f = (v W + l) K + k sits in vector pair f / 32 at index f % 32 (the permute
                        // reads the low five bits of the index)
                        const __m512i f = _mm512_add_epi32(_mm512_mullo_epi32(iota, _mm512_set1_epi32(K)), _mm512_set1_epi32(v * W * K + k));
                        __m512 r = _mm512_setzero_ps();
#pragma GCC unroll 8
                        for (int p = 0; p < (S + 1) / 2; ++p) {
                            __mmask16 lanes = 0;
#pragma GCC unroll 16
                            for (int l = 0; l < W; ++l) lanes = static_cast<__mmask16>(lanes | (((v * W + l) * K + k) / 32 == p ? 1u << l : 0u));
                            if (lanes) r = _mm512_mask_blend_ps(lanes, r, _mm512_permutex2var_ps(s[2 * p], f, s[2 * p + 1]));
                        }
                        b[k][v] = r;
                    }
                return;
            }
        }
    }
#endif
    // Gathers: lane l of vector v reads b(k, v W + l) = B[(v W + l) ldb + k], lanes past N column 0.
    if (g.ldb > (int64_t{1} << 31) / (NV * W + 1)) {  // int32 gather offsets would overflow
#pragma GCC unroll 8
        for (int k = 0; k < K; ++k)
            for (int v = 0; v < NV; ++v) {
                alignas(64) float col[W];
                for (int l = 0; l < W; ++l) col[l] = v * W + l < N ? g.B[(v * W + l) * g.ldb + k] : 0.0f;
                b[k][v] = V::load_aligned(col);
            }
        return;
    }
    const I lane = xsimd::detail::make_sequence_as_batch<I>(), ldb(static_cast<int32_t>(g.ldb));
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
        if (v * W >= N) {
            for (int k = 0; k < K; ++k) b[k][v] = V(0.0f);
            continue;
        }
        const I idx = xsimd::select(lane < I(static_cast<int32_t>(N - v * W)), lane, I(0)) * ldb;
#pragma GCC unroll 8
        for (int k = 0; k < K; ++k) b[k][v] = gather<Arch>(g.B + v * W * g.ldb + k, idx);
    }
}

// Short K (K <= 8) and N within NV vectors: op(B) is held in K x NV registers and C computed one row
// at a time, c(i, :) = act(alpha sum_k a(i, k) b(k, :) + beta c(i, :) + bias), each element with the
// arithmetic of the micro-kernel (fma over k in order from zero, then the same epilogue). The Iris
// layer (32x16x4) is a few hundred cycles: the tiled kernels' row pointers, the copy of op(B) through a
// scratch buffer and the partial-tile buffers cost more than its 128 FMAs.
// Epi: the epilogue of every tile. Generic: store_act's run-time choices (beta, bias) and alpha's
// multiply; Plain / PlainBias: alpha 1, beta 0 (the plain product, Linear's forward), no branch and no
// multiply (x * 1 == x exactly: the same bits). Only these three: every variant is a copy of the loop in
// each of the 64 (K, NV, activation) instantiations, and compile time (sanitizer builds especially)
// grows with them. The plain variants are for Linear's forward, op(A) = A, and know it at compile time:
// a(i, k) then sits at the constant offset k from its row, and the loop keeps its pointers and counter
// in registers (with both strides known at run time only, GCC kept the loop counter on the stack).
// op(A) = A^T takes the generic loop: the same arithmetic.
enum class SmallKEpi { Generic, Plain, PlainBias };
template <class Arch, int K, int NV, Activation Act, SmallKEpi Epi>
NNFS_ALWAYS_INLINE void small_k_loop(const GemmArgs& g, int64_t m0, int64_t m1, const xsimd::batch<float, Arch> (&b)[K][NV],
                  const float* bias) {
    using V = xsimd::batch<float, Arch>;
    constexpr int W = static_cast<int>(V::size), NR = NV * W, R = 4;  // R rows per step
    constexpr bool RowsA = Epi != SmallKEpi::Generic;  // the caller checked op(A) = A
    // locals: the C stores cannot alias them
    const bool rows_a = RowsA || g.ta == Trans::No;  // (a constant in the plain variants)
    const int64_t N = g.N, ldc = g.ldc, rs = rows_a ? g.lda : 1, cs = rows_a ? 1 : g.lda;
    const float* const A = g.A;  // a(i, k) = A[i rs + k cs]
    float* const C = g.C;
    const TileOut t{g.alpha, g.beta, bias};
    const auto rows = [&](auto r_const, int64_t i, float* c_out, int64_t ldo) {
        constexpr int RR = decltype(r_const)::value;
        V c[RR][NV];
#pragma GCC unroll 4
        for (int r = 0; r < RR; ++r) {
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) c[r][v] = V(0.0f);
#pragma GCC unroll 8
            for (int k = 0; k < K; ++k) {
                const V ak(A[(i + r) * rs + k * cs]);
#pragma GCC unroll 4
                for (int v = 0; v < NV; ++v) c[r][v] = xsimd::fma(ak, b[k][v], c[r][v]);
            }
        }
        if constexpr (Epi == SmallKEpi::Generic)
            store_act<Arch, RR, NV, Act>(c, c_out, ldo, t);
        else
            store_loop<Arch, RR, NV, Act, false, Epi == SmallKEpi::PlainBias, false>(c, c_out, ldo, t);
    };
    int64_t i = m0;
    if (N == NR) {
        for (; i + R <= m1; i += R) rows(std::integral_constant<int, R>{}, i, C + i * ldc, ldc);
        for (; i < m1; ++i) rows(std::integral_constant<int, 1>{}, i, C + i * ldc, ldc);
        return;
    }
    for (; i < m1; ++i) {  // through a row buffer: columns past N are neither read nor written
        alignas(64) float buf[NR];
        float* crow = C + i * ldc;
        if (g.beta != 0.0f)
            for (int j = 0; j < NR; ++j) buf[j] = j < N ? crow[j] : 0.0f;
        rows(std::integral_constant<int, 1>{}, i, buf, NR);
        for (int64_t j = 0; j < N; ++j) crow[j] = buf[j];
    }
}

// op(B) into registers and the bias into a zero-padded row, once per call, then loop(b, bias) (null
// bias for none).
template <class Arch, int K, int NV, class Loop>
NNFS_ALWAYS_INLINE void small_k_call(const GemmArgs& g, Loop loop) {
    using V = xsimd::batch<float, Arch>;
    constexpr int NR = NV * static_cast<int>(V::size);
    V b[K][NV];
    small_k_b<Arch, K, NV>(g, b);
    alignas(64) float bias[NR];
    if (g.ep.bias)
        for (int j = 0; j < NR; ++j) bias[j] = j < g.N ? g.ep.bias[j] : 0.0f;
    loop(b, g.ep.bias ? bias : nullptr);
}

// Linear's plain forward (alpha 1, beta 0, op(A) = A, identity or ReLU) runs in a function of its own,
// whose frame and setup hold only what it needs (inlined into the dispatcher below, whose stack frame
// serves every variant, it was slower: with the loop's op(A) layout known at compile time, the kernel
// alone on 32x16x4 went from 34-37 ns to 32).
template <class Arch, int K, int NV, Activation Act, SmallKEpi Epi>
__attribute__((noinline)) void gemm_small_k_plain(const GemmArgs& g, int64_t m0, int64_t m1) {
    small_k_call<Arch, K, NV>(g, [&](const auto& b, const float* bias) { small_k_loop<Arch, K, NV, Act, Epi>(g, m0, m1, b, bias); });
}

// Sigmoid and Tanh take the generic loop only: their inlined math makes every copy costly to compile.
template <class Arch, int K, int NV>
void gemm_small_k_rows(const GemmArgs& g, int64_t m0, int64_t m1) {
    if (g.beta == 0.0f && g.alpha == 1.0f && g.ta == Trans::No) {
        const bool bias = g.ep.bias != nullptr;
        if (g.ep.act == Activation::Identity)
            return bias ? gemm_small_k_plain<Arch, K, NV, Activation::Identity, SmallKEpi::PlainBias>(g, m0, m1)
                        : gemm_small_k_plain<Arch, K, NV, Activation::Identity, SmallKEpi::Plain>(g, m0, m1);
        if (g.ep.act == Activation::ReLU)
            return bias ? gemm_small_k_plain<Arch, K, NV, Activation::ReLU, SmallKEpi::PlainBias>(g, m0, m1)
                        : gemm_small_k_plain<Arch, K, NV, Activation::ReLU, SmallKEpi::Plain>(g, m0, m1);
    }
    small_k_call<Arch, K, NV>(g, [&](const auto& b, const float* bias) {
        constexpr SmallKEpi E = SmallKEpi::Generic;
        switch (g.ep.act) {
            case Activation::Identity: small_k_loop<Arch, K, NV, Activation::Identity, E>(g, m0, m1, b, bias); break;
            case Activation::ReLU: small_k_loop<Arch, K, NV, Activation::ReLU, E>(g, m0, m1, b, bias); break;
            case Activation::Sigmoid: small_k_loop<Arch, K, NV, Activation::Sigmoid, E>(g, m0, m1, b, bias); break;
            case Activation::Tanh: small_k_loop<Arch, K, NV, Activation::Tanh, E>(g, m0, m1, b, bias); break;
        }
    });
}

template <class Arch, int NV>
bool gemm_small_k(const GemmArgs& g, int64_t m0, int64_t m1) {
    switch (g.K) {
        case 1: gemm_small_k_rows<Arch, 1, NV>(g, m0, m1); return true;
        case 2: gemm_small_k_rows<Arch, 2, NV>(g, m0, m1); return true;
        case 3: gemm_small_k_rows<Arch, 3, NV>(g, m0, m1); return true;
        case 4: gemm_small_k_rows<Arch, 4, NV>(g, m0, m1); return true;
        case 5: gemm_small_k_rows<Arch, 5, NV>(g, m0, m1); return true;
        case 6: gemm_small_k_rows<Arch, 6, NV>(g, m0, m1); return true;
        case 7: gemm_small_k_rows<Arch, 7, NV>(g, m0, m1); return true;
        case 8: gemm_small_k_rows<Arch, 8, NV>(g, m0, m1); return true;
        default: return false;
    }
}

// Narrow C (N within one vector) takes R1 x 1-vector tiles, wider C R2 x 2-vector tiles; K <= 8 the
// row-by-row kernel with op(B) in registers.
template <class Arch, int R1, int R2>
void gemm_direct(const GemmArgs& g, int64_t m0, int64_t m1) {
    constexpr int64_t W = static_cast<int64_t>(xsimd::batch<float, Arch>::size);
    if (g.N <= W ? gemm_small_k<Arch, 1>(g, m0, m1) : g.N <= 2 * W && gemm_small_k<Arch, 2>(g, m0, m1)) return;
    if (g.N <= static_cast<int64_t>(xsimd::batch<float, Arch>::size))
        gemm_direct_tiles<Arch, R1, 1>(g, m0, m1);
    else
        gemm_direct_tiles<Arch, R2, 2>(g, m0, m1);
}

}  // namespace nnfs::kernels::simd
