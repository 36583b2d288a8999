// W x W transposes in registers (W = the vector width of Arch), shared by SGEMM's transposing packs and
// copies (simd/gemm_kernel.hpp) and the short-row kernels (simd/row_block.hpp). xsimd 8.1's zip_lo/zip_hi
// work within 128-bit lanes, so the shuffles are the ISA's own intrinsics (this header is compiled only
// with the matching -m flags).
#pragma once

#include <xsimd/xsimd.hpp>

#include <type_traits>

namespace nnfs::kernels::simd {

// v[0..W) transposed in place: lane c of v[r] becomes lane r of v[c]. Always inlined: out of line, v would
// live in memory.
template <class Arch>
inline __attribute__((always_inline)) void transpose_tile([[maybe_unused]] xsimd::batch<float, Arch>* v) {  // unused where the ISA has no tiles
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<Arch, xsimd::avx512f>) {
        __m512 t[16], u[16];
#pragma GCC unroll 8
        for (int i = 0; i < 8; ++i) {
            t[2 * i] = _mm512_unpacklo_ps(v[2 * i], v[2 * i + 1]);
            t[2 * i + 1] = _mm512_unpackhi_ps(v[2 * i], v[2 * i + 1]);
        }
        // u[4g + k], 128-bit lane j: column 4j + k of rows 4g .. 4g + 3.
#pragma GCC unroll 4
        for (int g = 0; g < 4; ++g) {
            u[4 * g + 0] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
            u[4 * g + 1] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0xEE);
            u[4 * g + 2] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
            u[4 * g + 3] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xEE);
        }
#pragma GCC unroll 4
        for (int k = 0; k < 4; ++k) {
            const __m512 w0 = _mm512_shuffle_f32x4(u[k], u[4 + k], 0x88), w1 = _mm512_shuffle_f32x4(u[k], u[4 + k], 0xDD);
            const __m512 w2 = _mm512_shuffle_f32x4(u[8 + k], u[12 + k], 0x88),
                         w3 = _mm512_shuffle_f32x4(u[8 + k], u[12 + k], 0xDD);
            v[k] = _mm512_shuffle_f32x4(w0, w2, 0x88);
            v[8 + k] = _mm512_shuffle_f32x4(w0, w2, 0xDD);
            v[4 + k] = _mm512_shuffle_f32x4(w1, w3, 0x88);
            v[12 + k] = _mm512_shuffle_f32x4(w1, w3, 0xDD);
        }
    } else
#endif
#if defined(__AVX2__)
    if constexpr (std::is_same_v<Arch, xsimd::fma3<xsimd::avx2>>) {
        __m256 t[8], u[8];
#pragma GCC unroll 4
        for (int i = 0; i < 4; ++i) {
            t[2 * i] = _mm256_unpacklo_ps(v[2 * i], v[2 * i + 1]);
            t[2 * i + 1] = _mm256_unpackhi_ps(v[2 * i], v[2 * i + 1]);
        }
#pragma GCC unroll 2
        for (int g = 0; g < 2; ++g) {
            u[4 * g + 0] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
            u[4 * g + 1] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0xEE);
            u[4 * g + 2] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
            u[4 * g + 3] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xEE);
        }
#pragma GCC unroll 4
        for (int k = 0; k < 4; ++k) {
            v[k] = _mm256_permute2f128_ps(u[k], u[4 + k], 0x20);
            v[4 + k] = _mm256_permute2f128_ps(u[k], u[4 + k], 0x31);
        }
    } else
#endif
    {
        static_assert(sizeof(Arch) == 0, "transpose_tile: AVX-512 and AVX2 only");
    }
}

}  // namespace nnfs::kernels::simd
