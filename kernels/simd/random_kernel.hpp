// Philox4x32-10 (kernels/ref/philox.hpp) on W blocks at once, and the random kernels on top of it.
// Element i of a stream is word i % 4 of block offset + i / 4, a pure function of (seed, offset, i):
// a group of 4 W elements is W consecutive blocks, one per lane; the four output words are then
// interleaved into element order. uniform_fill and dropout use the reference's float expressions and
// normal_fill its double Box-Muller (std::log, std::cos, std::sin), so all three are bitwise the
// reference's on every ISA.
#pragma once

#include <cmath>
#include <numbers>

#include "simd/vector_common.hpp"

namespace nnfs::kernels::simd {

template <class Arch>
using vu32 = xsimd::batch<uint32_t, Arch>;
template <class Arch>
using vu64 = xsimd::batch<uint64_t, Arch>;

// The 64-bit products of the low 32 bits of each 64-bit lane of a with m.
template <class Arch>
inline vu64<Arch> mul_even(vu32<Arch> a, uint32_t m) {
    const vu32<Arch> vm(m);
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<Arch, xsimd::avx512f>) {
        return vu64<Arch>(_mm512_mul_epu32(static_cast<__m512i>(a), static_cast<__m512i>(vm)));
    } else
#endif
#if defined(__AVX2__)
    if constexpr (std::is_same_v<Arch, xsimd::fma3<xsimd::avx2>>) {
        return vu64<Arch>(_mm256_mul_epu32(static_cast<__m256i>(a), static_cast<__m256i>(vm)));
    } else
#endif
    if constexpr (std::is_same_v<Arch, xsimd::sse2>) {
        return vu64<Arch>(_mm_mul_epu32(static_cast<__m128i>(a), static_cast<__m128i>(vm)));
    } else {
        static_assert(sizeof(Arch) == 0, "mul_even: add this Arch");
    }
}

// hi and lo 32 bits of a * m in every lane.
template <class Arch>
inline void mulhilo(vu32<Arch> a, uint32_t m, vu32<Arch>& hi, vu32<Arch>& lo) {
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<Arch, xsimd::avx512f>) {
        // The two products' words merged by masked word swaps (one operation each for hi and lo,
        // against three of shifts, masks and ors): the swap of each pair of words brings the even
        // product's high word down into the even lane of hi, and the odd product's low word up into
        // the odd lane of lo.
        const __m512i vm = _mm512_set1_epi32(static_cast<int>(m));
        const __m512i even = _mm512_mul_epu32(a, vm), odd = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), vm);
        hi = _mm512_mask_shuffle_epi32(odd, 0x5555, even, _MM_PERM_CDAB);
        lo = _mm512_mask_shuffle_epi32(even, 0xAAAA, odd, _MM_PERM_CDAB);
        return;
    }
#endif
#if defined(__AVX2__)
    if constexpr (std::is_same_v<Arch, xsimd::fma3<xsimd::avx2>>) {  // the same with a swap, then a blend
        const __m256i vm = _mm256_set1_epi32(static_cast<int>(m));
        const __m256i even = _mm256_mul_epu32(a, vm), odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), vm);
        hi = _mm256_blend_epi32(odd, _mm256_shuffle_epi32(even, 0xB1), 0x55);
        lo = _mm256_blend_epi32(even, _mm256_shuffle_epi32(odd, 0xB1), 0xAA);
        return;
    }
#endif
    using U64 = vu64<Arch>;
    const U64 even = mul_even<Arch>(a, m);                                           // lanes 0, 2, ...
    const U64 odd = mul_even<Arch>(xsimd::bitwise_cast<vu32<Arch>>(xsimd::bitwise_cast<U64>(a) >> 32), m);  // 1, 3, ...
    hi = xsimd::bitwise_cast<vu32<Arch>>((even >> 32) | (odd & U64(0xFFFFFFFF00000000ull)));
    lo = xsimd::bitwise_cast<vu32<Arch>>((even & U64(0xFFFFFFFFull)) | (odd << 32));
}

// a ^ b ^ c: one ternary-logic operation on AVX-512.
template <class Arch>
inline vu32<Arch> xor3(vu32<Arch> a, vu32<Arch> b, vu32<Arch> c) {
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<Arch, xsimd::avx512f>) return _mm512_ternarylogic_epi32(a, b, c, 0x96);
#endif
    return a ^ b ^ c;
}

// The 4 x W words c_q[j] (word q of block j) in element order: out[0] holds elements 0..W-1 of the
// group (words 0-3 of blocks 0, 1, ...), out[1] the next W, ...: a 4 x 4 transpose inside each
// 128-bit lane (unpack), then the 128-bit lanes put in block order.
template <class Arch>
inline void interleave4(const vu32<Arch> (&c)[4], vu32<Arch> (&out)[4]) {
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<Arch, xsimd::avx512f>) {
        const __m512i t0 = _mm512_unpacklo_epi32(c[0], c[1]), t1 = _mm512_unpackhi_epi32(c[0], c[1]);
        const __m512i t2 = _mm512_unpacklo_epi32(c[2], c[3]), t3 = _mm512_unpackhi_epi32(c[2], c[3]);
        // u_k holds blocks k, k + 4, k + 8, k + 12 in its four 128-bit lanes.
        const __m512i u0 = _mm512_unpacklo_epi64(t0, t2), u1 = _mm512_unpackhi_epi64(t0, t2);
        const __m512i u2 = _mm512_unpacklo_epi64(t1, t3), u3 = _mm512_unpackhi_epi64(t1, t3);
        const __m512i a = _mm512_shuffle_i32x4(u0, u1, 0x88), b = _mm512_shuffle_i32x4(u2, u3, 0x88);  // b0 b8 b1 b9 | b2 b10 b3 b11
        const __m512i e = _mm512_shuffle_i32x4(u0, u1, 0xDD), f = _mm512_shuffle_i32x4(u2, u3, 0xDD);  // b4 b12 b5 b13 | b6 b14 b7 b15
        out[0] = _mm512_shuffle_i32x4(a, b, 0x88);
        out[1] = _mm512_shuffle_i32x4(e, f, 0x88);
        out[2] = _mm512_shuffle_i32x4(a, b, 0xDD);
        out[3] = _mm512_shuffle_i32x4(e, f, 0xDD);
    } else
#endif
#if defined(__AVX2__)
    if constexpr (std::is_same_v<Arch, xsimd::fma3<xsimd::avx2>>) {
        const __m256i t0 = _mm256_unpacklo_epi32(c[0], c[1]), t1 = _mm256_unpackhi_epi32(c[0], c[1]);
        const __m256i t2 = _mm256_unpacklo_epi32(c[2], c[3]), t3 = _mm256_unpackhi_epi32(c[2], c[3]);
        const __m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);  // b0 | b4, b1 | b5
        const __m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);  // b2 | b6, b3 | b7
        out[0] = _mm256_permute2x128_si256(u0, u1, 0x20);
        out[1] = _mm256_permute2x128_si256(u2, u3, 0x20);
        out[2] = _mm256_permute2x128_si256(u0, u1, 0x31);
        out[3] = _mm256_permute2x128_si256(u2, u3, 0x31);
    } else
#endif
    if constexpr (std::is_same_v<Arch, xsimd::sse2>) {
        const __m128i t0 = _mm_unpacklo_epi32(c[0], c[1]), t1 = _mm_unpackhi_epi32(c[0], c[1]);
        const __m128i t2 = _mm_unpacklo_epi32(c[2], c[3]), t3 = _mm_unpackhi_epi32(c[2], c[3]);
        out[0] = _mm_unpacklo_epi64(t0, t2);
        out[1] = _mm_unpackhi_epi64(t0, t2);
        out[2] = _mm_unpacklo_epi64(t1, t3);
        out[3] = _mm_unpackhi_epi64(t1, t3);
    } else {
        static_assert(sizeof(Arch) == 0, "interleave4: add this Arch");
    }
}

// The 4 W words of elements [4 W g, 4 W (g + 1)) for G consecutive groups g (blocks block0 ..
// block0 + G W - 1), each in element order: out[g]. Two groups' rounds side by side give the core two
// independent chains of multiplies (one group's 10 rounds are a single dependency chain).
template <class Arch, int G>
inline void philox_groups(vu32<Arch> (&out)[G][4], uint64_t seed, uint64_t block0) {
    using U = vu32<Arch>;
    constexpr size_t W = U::size;
    constexpr uint32_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u, W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
    // Counters block0 + j in vector arithmetic (scalar stores read back as one vector would stall on
    // store forwarding): low words base + j, high words + 1 where the low word wrapped around.
    alignas(64) static constexpr uint32_t kIota[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    static_assert(W <= 16);
    U c[G][4];
    for (int g = 0; g < G; ++g) {
        const uint64_t b = block0 + g * W;
        const U base(static_cast<uint32_t>(b));
        const U lo = base + U::load_aligned(kIota);
        c[g][0] = lo;
        c[g][1] = U(static_cast<uint32_t>(b >> 32)) + xsimd::select(lo < base, U(1u), U(0u));
        c[g][2] = c[g][3] = U(0u);
    }
    uint32_t key[10][2];  // the round keys, computed before the unrolled rounds (AVX2: 8% faster than in the loop)
    key[0][0] = static_cast<uint32_t>(seed), key[0][1] = static_cast<uint32_t>(seed >> 32);
    for (int round = 1; round < 10; ++round) key[round][0] = key[round - 1][0] + W0, key[round][1] = key[round - 1][1] + W1;
#pragma GCC unroll 10
    for (int round = 0; round < 10; ++round) {
        for (int g = 0; g < G; ++g) {
            U hi0, lo0, hi1, lo1;
            mulhilo<Arch>(c[g][0], M0, hi0, lo0);
            mulhilo<Arch>(c[g][2], M1, hi1, lo1);
            c[g][0] = xor3<Arch>(hi1, c[g][1], U(key[round][0]));
            c[g][1] = lo1;
            c[g][2] = xor3<Arch>(hi0, c[g][3], U(key[round][1]));
            c[g][3] = lo0;
        }
    }
    for (int g = 0; g < G; ++g) interleave4<Arch>(c[g], out[g]);
}

// Calls body(i, words, count) for consecutive groups: words[q] holds the bits of elements i + q W ..
// i + q W + W - 1; count = 4 W except at the end. Two groups per Philox pass while two remain.
template <class Arch, class Body>
inline void for_philox_groups(int64_t n, uint64_t seed, uint64_t offset, Body&& body) {
    constexpr int64_t W = vu32<Arch>::size;
    int64_t i = 0;
    for (; i + 4 * W < n; i += 8 * W) {
        vu32<Arch> words[2][4];
        philox_groups<Arch, 2>(words, seed, offset + static_cast<uint64_t>(i / 4));
        body(i, words[0], 4 * W);
        body(i + 4 * W, words[1], n - i - 4 * W < 4 * W ? n - i - 4 * W : 4 * W);
    }
    if (i < n) {
        vu32<Arch> words[1][4];
        philox_groups<Arch, 1>(words, seed, offset + static_cast<uint64_t>(i / 4));
        body(i, words[0], n - i < 4 * W ? n - i : 4 * W);
    }
}

// uniform01(bits) = (bits >> 8) 2^-24, as floats.
template <class Arch>
inline vfloat<Arch> uniform01(vu32<Arch> bits) {
    return xsimd::to_float(xsimd::bitwise_cast<xsimd::batch<int32_t, Arch>>(bits >> 8)) * vfloat<Arch>(0x1p-24f);
}

// The elements of a group through f(k, u, part) (k: element within the group, u: their uniforms),
// the last group partly.
template <class Arch, class F>
inline void map_group(int64_t count, const vu32<Arch> (&words)[4], F&& f) {
    constexpr int64_t W = vfloat<Arch>::size;
    for (int q = 0; q < 4 && q * W < count; ++q) {
        const vfloat<Arch> u = uniform01<Arch>(words[q]);
        if (count - q * W >= W) f(q * W, u, Full{});
        else f(q * W, u, Tail{count - q * W});
    }
}

// dst = lo + (hi - lo) u.
template <class Arch>
void uniform_fill(float* dst, int64_t n, float lo, float hi, uint64_t seed, uint64_t offset) {
    const vfloat<Arch> vlo(lo), width(hi - lo);
    for_philox_groups<Arch>(n, seed, offset, [&](int64_t i, const vu32<Arch>(&words)[4], int64_t count) {
        map_group<Arch>(count, words, [&](int64_t k, vfloat<Arch> u, auto part) { store<Arch>(dst + i + k, vlo + width * u, part); });
    });
}

// mask = u >= p ? 1 / (1 - p) : 0, dst = src mask.
template <class Arch>
void dropout_forward(float* dst, float* mask, const float* src, int64_t n, float p, uint64_t seed, uint64_t offset) {
    using V = vfloat<Arch>;
    const V keep(p < 1.0f ? 1.0f / (1.0f - p) : 0.0f), vp(p);
    for_philox_groups<Arch>(n, seed, offset, [&](int64_t i, const vu32<Arch>(&words)[4], int64_t count) {
        map_group<Arch>(count, words, [&](int64_t k, V u, auto part) {
            const V m = xsimd::select(u >= vp, keep, V(0.0f));
            store<Arch>(mask + i + k, m, part);
            store<Arch>(dst + i + k, load<Arch>(src + i + k, part) * m, part);
        });
    });
}

// Box-Muller in double on the word pairs (0, 1) and (2, 3) of each block, as the reference:
// u1 = ((b0 >> 8) + 1) 2^-24 in (0, 1], u2 = (b1 >> 8) 2^-24, r = sqrt(-2 log u1), theta = 2 pi u2;
// the even element takes r cos theta, the odd one r sin theta; dst = mean + std z.
template <class Arch>
void normal_fill(float* dst, int64_t n, float mean, float std, uint64_t seed, uint64_t offset) {
    for_philox_groups<Arch>(n, seed, offset, [&](int64_t i, const vu32<Arch>(&words)[4], int64_t count) {
        alignas(64) uint32_t bits[4 * vu32<Arch>::size];
        for (int q = 0; q < 4; ++q) words[q].store_aligned(bits + q * vu32<Arch>::size);
        for (int64_t k = 0; k < count; k += 2) {
            const double u1 = (static_cast<double>(bits[k] >> 8) + 1.0) * 0x1p-24;
            const double u2 = static_cast<double>(bits[k + 1] >> 8) * 0x1p-24;
            const double r = std::sqrt(-2.0 * std::log(u1)), theta = 2.0 * std::numbers::pi * u2;
            dst[i + k] = mean + std * static_cast<float>(r * std::cos(theta));
            if (k + 1 < count) dst[i + k + 1] = mean + std * static_cast<float>(r * std::sin(theta));
        }
    });
}

}  // namespace nnfs::kernels::simd
