// Loops shared by the vector kernels: a walk over n floats in whole vectors plus one partial vector
// (the tail through masked loads and stores, or a small stack buffer on SSE2, so kernels have no
// scalar copy of their arithmetic), and sums of per-element terms accumulated in short float runs
// flushed into double. No allocation anywhere.
#pragma once

#include <xsimd/xsimd.hpp>

#include <cstdint>
#include <type_traits>

#include "simd/math.hpp"

namespace nnfs::kernels::simd {

// A whole vector, or the first n < W lanes of one.
struct Full {};
struct Tail {
    int64_t n;
};

template <class Arch>
inline vfloat<Arch> load(const float* p, Full) {
    return vfloat<Arch>::load_unaligned(p);
}
// Lanes past the tail read `pad` (0 unless a kernel needs a harmless value there). AVX-512 and AVX2 use
// masked loads and stores (memory past the tail is never touched); SSE2 goes through a stack buffer.
template <class Arch>
inline vfloat<Arch> load(const float* p, Tail t, float pad = 0.0f) {
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<Arch, xsimd::avx512f>) {
        return _mm512_mask_loadu_ps(_mm512_set1_ps(pad), static_cast<__mmask16>((1u << t.n) - 1), p);
    } else
#endif
#if defined(__AVX2__)
    if constexpr (std::is_same_v<Arch, xsimd::fma3<xsimd::avx2>>) {
        const __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(t.n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        return _mm256_blendv_ps(_mm256_set1_ps(pad), _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m));
    } else
#endif
    {
        alignas(64) float buf[vfloat<Arch>::size];
        for (int64_t k = 0; k < static_cast<int64_t>(vfloat<Arch>::size); ++k) buf[k] = k < t.n ? p[k] : pad;
        return vfloat<Arch>::load_aligned(buf);
    }
}
template <class Arch>
inline vfloat<Arch> load(const float* p, Full, float) {
    return vfloat<Arch>::load_unaligned(p);
}
template <class Arch>
inline void store(float* p, vfloat<Arch> v, Full) {
    v.store_unaligned(p);
}
template <class Arch>
inline void store(float* p, vfloat<Arch> v, Tail t) {
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<Arch, xsimd::avx512f>) {
        _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << t.n) - 1), v);
    } else
#endif
#if defined(__AVX2__)
    if constexpr (std::is_same_v<Arch, xsimd::fma3<xsimd::avx2>>) {
        const __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(t.n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        _mm256_maskstore_ps(p, m, v);
    } else
#endif
    {
        alignas(64) float buf[vfloat<Arch>::size];
        v.store_aligned(buf);
        for (int64_t k = 0; k < t.n; ++k) p[k] = buf[k];
    }
}
// The output store of an elementwise kernel: ordinary, or with NT (large outputs, chosen by the
// dispatcher, kernels/dispatch.cpp) non-temporal for whole vectors, which must then sit at vector-aligned
// addresses: the line is written without being read first and is not kept in the caches. The tail
// vector is stored the ordinary way. A kernel with NT stores ends with end_output<NT>().
template <class Arch, bool NT, class Part>
inline void store_out(float* p, vfloat<Arch> v, Part part) {
    if constexpr (NT && std::is_same_v<Part, Full>) {
#if defined(__AVX512F__)
        if constexpr (std::is_same_v<Arch, xsimd::avx512f>) return _mm512_stream_ps(p, v);
#endif
#if defined(__AVX__)
        if constexpr (std::is_same_v<Arch, xsimd::fma3<xsimd::avx2>>) return _mm256_stream_ps(p, v);
#endif
        if constexpr (std::is_same_v<Arch, xsimd::sse2>) return _mm_stream_ps(p, v);
    }
    store<Arch>(p, v, part);
}
// Non-temporal stores are weakly ordered: the fence puts them before anything this thread stores next
// (a flag, the end of an OpenMP region).
template <bool NT>
inline void end_output() {
    if constexpr (NT) _mm_sfence();
}

// Zeroes the lanes past the tail (for sums).
template <class Arch>
inline vfloat<Arch> keep(vfloat<Arch> v, Full) {
    return v;
}
template <class Arch>
inline vfloat<Arch> keep(vfloat<Arch> v, Tail t) {
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<Arch, xsimd::avx512f>) {
        return _mm512_maskz_mov_ps(static_cast<__mmask16>((1u << t.n) - 1), v);
    } else
#endif
#if defined(__AVX2__)
    if constexpr (std::is_same_v<Arch, xsimd::fma3<xsimd::avx2>>) {
        const __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(t.n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        return _mm256_and_ps(v, _mm256_castsi256_ps(m));
    } else
#endif
    {
        alignas(64) float buf[vfloat<Arch>::size];
        v.store_aligned(buf);
        for (int64_t k = t.n; k < static_cast<int64_t>(vfloat<Arch>::size); ++k) buf[k] = 0.0f;
        return vfloat<Arch>::load_aligned(buf);
    }
}

// body(i, Full{}) for every whole vector at element i, then body(i, Tail{n - i}) if n is not a multiple of W.
template <class Arch, class Body>
inline void for_vectors(int64_t n, Body&& body) {
    constexpr int64_t W = vfloat<Arch>::size;
    int64_t i = 0;
#pragma GCC unroll 2
    for (; i + W <= n; i += W) body(i, Full{});
    if (i < n) body(i, Tail{n - i});
}

template <class Arch>
using vdouble = xsimd::batch<double, Arch>;

// The lower and upper halves of v's lanes as doubles (exact).
template <class Arch>
inline void widen(vfloat<Arch> v, vdouble<Arch>& lo, vdouble<Arch>& hi) {
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<Arch, xsimd::avx512f>) {
        const __m512 r = v;
        lo = _mm512_cvtps_pd(_mm512_castps512_ps256(r));
        hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(r), 1)));
    } else
#endif
#if defined(__AVX2__)
    if constexpr (std::is_same_v<Arch, xsimd::fma3<xsimd::avx2>>) {
        const __m256 r = v;
        lo = _mm256_cvtps_pd(_mm256_castps256_ps128(r));
        hi = _mm256_cvtps_pd(_mm256_extractf128_ps(r, 1));
    } else
#endif
    if constexpr (std::is_same_v<Arch, xsimd::sse2>) {
        const __m128 r = v;
        lo = _mm_cvtps_pd(r);
        hi = _mm_cvtps_pd(_mm_movehl_ps(r, r));
    } else {
        static_assert(sizeof(Arch) == 0, "widen: add this Arch");
    }
}
// Lanes of v narrowed to float: lo's lanes first, then hi's.
template <class Arch>
inline vfloat<Arch> narrow(vdouble<Arch> lo, vdouble<Arch> hi) {
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<Arch, xsimd::avx512f>) {
        return _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(lo)), _mm512_cvtpd_ps(hi), 1);
    }
#endif
#if defined(__AVX2__)
    if constexpr (std::is_same_v<Arch, xsimd::fma3<xsimd::avx2>>) {
        return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(lo)), _mm256_cvtpd_ps(hi), 1);
    }
#endif
    if constexpr (std::is_same_v<Arch, xsimd::sse2>) {
        return _mm_movelh_ps(_mm_cvtpd_ps(lo), _mm_cvtpd_ps(hi));
    }
    alignas(64) double buf[2 * vdouble<Arch>::size];
    lo.store_aligned(buf);
    hi.store_aligned(buf + vdouble<Arch>::size);
    alignas(64) float out[vfloat<Arch>::size];
    for (size_t k = 0; k < vfloat<Arch>::size; ++k) out[k] = static_cast<float>(buf[k]);
    return vfloat<Arch>::load_aligned(out);
}

// The lanes of v added in double (widened, then a fixed tree: deterministic).
template <class Arch>
inline double sum_lanes(vfloat<Arch> v) {
    vdouble<Arch> lo, hi;
    widen<Arch>(v, lo, hi);
    return xsimd::hadd(lo + hi);
}

// The largest lane of v.
template <class Arch>
inline float max_lane(vfloat<Arch> v) {
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<Arch, xsimd::avx512f>) {
        return _mm512_reduce_max_ps(v);
    } else
#endif
    {
        alignas(64) float lanes[vfloat<Arch>::size];
        v.store_aligned(lanes);
        float r = lanes[0];
        for (float x : lanes) r = x > r ? x : r;
        return r;
    }
}

// sum_i term(i, part) over n elements, term returning a vector of per-element terms. Four float
// accumulators take 8 vectors each (every lane sums at most 8 terms, error <= 8 ulp of the run),
// then the run is added into a double: the error does not grow with n.
template <class Arch, class Term>
inline double sum_terms(int64_t n, Term&& term) {
    using V = vfloat<Arch>;
    constexpr int64_t W = V::size, U = 4, kRun = 8;
    double total = 0.0;
    int64_t i = 0;
    while (i + U * W <= n) {
        V a0(0.0f), a1(0.0f), a2(0.0f), a3(0.0f);
        for (int k = 0; k < kRun && i + U * W <= n; ++k, i += U * W) {
            a0 += term(i, Full{});
            a1 += term(i + W, Full{});
            a2 += term(i + 2 * W, Full{});
            a3 += term(i + 3 * W, Full{});
        }
        total += sum_lanes<Arch>((a0 + a1) + (a2 + a3));
    }
    if (i < n) {
        V a(0.0f);
        for (; i + W <= n; i += W) a += term(i, Full{});
        if (i < n) a += keep<Arch>(term(i, Tail{n - i}), Tail{n - i});
        total += sum_lanes<Arch>(a);
    }
    return total;
}

}  // namespace nnfs::kernels::simd
