// BatchNorm1d over an N x C row-major batch, statistics per column. Columns are taken in panels of
// up to kPanel (the whole row when C <= kPanel), rows in order, so memory is read in long contiguous
// runs; per-column double accumulators of the panel live on the stack.
//
// Training forward, two passes over the batch (the fewest possible: every output needs statistics of
// the whole column):
//   1. statistics: rows in chunks of 256; within a chunk S1 = sum x in double (the mean as exact as the
//      reference's and PyTorch's double sums: a float sum of x - K lost an ulp of max |x|, 4e-6 of a
//      small mean) and the shifted S2 = sum (x - K)^2 (K: the mean so far, or of the chunk's first rows)
//      in float runs of 8 rows added into double, so M2 = S2 - n (mean - K)^2 does not cancel; chunks
//      merged by Chan et al.'s formula in double (mean and M2), so a drifting or offset column stays exact;
//   2. xhat = (x - mean) invstd, y = gamma xhat + beta, as the reference writes them (float).
// Backward: sum dy and sum dy xhat (float runs into double), then one pass writing diff_src.
#pragma once

#include <cmath>

#include "simd/vector_common.hpp"

namespace nnfs::kernels::simd {

constexpr int64_t kPanel = 256;  // columns per panel: 4 doubles + 1 float each on the stack (9 KB)

// Calls f(c, part) for the column vectors of a panel of P columns.
template <class Arch, class F>
inline void for_panel(int64_t P, F&& f) {
    for_vectors<Arch>(P, f);
}

template <class Arch>
void batchnorm_train_panel(float* dst, float* xhat, float* mean, float* var, float* invstd, const float* src,
                           const float* gamma, const float* beta, int64_t N, int64_t C, int64_t P, float eps) {
    using V = vfloat<Arch>;
    using D = vdouble<Arch>;
    constexpr int64_t W = V::size, WD = D::size, kRun = 8, kChunk = 256;
    alignas(64) double mean_a[kPanel], m2_a[kPanel], s1[kPanel], s2[kPanel];
    alignas(64) float shift[kPanel];
    const int64_t PD = (P + W - 1) / W * W;  // the panel rounded up to whole vectors (pad lanes unused)
    int64_t n_a = 0;
    for (int64_t r0 = 0; r0 < N; r0 += kChunk) {
        const int64_t r1 = r0 + kChunk < N ? r0 + kChunk : N;
        for_panel<Arch>(P, [&](int64_t c, auto part) {
            V k;
            if (n_a > 0) {
                k = narrow<Arch>(D::load_aligned(mean_a + c), D::load_aligned(mean_a + c + WD));
            } else {  // first chunk: the mean of its first rows
                const int64_t k1 = r1 - r0 < kRun ? r1 - r0 : kRun;
                V sum(0.0f);
                for (int64_t r = r0; r < r0 + k1; ++r) sum += load<Arch>(src + r * C + c, part);
                k = sum / V(static_cast<float>(k1));
            }
            k.store_aligned(shift + c);
        });
        for (int64_t c = 0; c < PD; c += WD) D(0.0).store_aligned(s1 + c), D(0.0).store_aligned(s2 + c);
        for (int64_t q0 = r0; q0 < r1; q0 += kRun) {
            const int64_t q1 = q0 + kRun < r1 ? q0 + kRun : r1;
            for_panel<Arch>(P, [&](int64_t c, auto part) {
                const V k = V::load_aligned(shift + c);
                V a2(0.0f);
                D a1l = D::load_aligned(s1 + c), a1h = D::load_aligned(s1 + c + WD);
                for (int64_t r = q0; r < q1; ++r) {
                    const V x = load<Arch>(src + r * C + c, part), d = x - k;
                    a2 += d * d;
                    D l, h;
                    widen<Arch>(x, l, h);
                    a1l += l;
                    a1h += h;
                }
                a1l.store_aligned(s1 + c);
                a1h.store_aligned(s1 + c + WD);
                D l, h;
                widen<Arch>(a2, l, h);
                (D::load_aligned(s2 + c) + l).store_aligned(s2 + c);
                (D::load_aligned(s2 + c + WD) + h).store_aligned(s2 + c + WD);
            });
        }
        // Chunk b: mean_b = S1 / nb, M2_b = S2 - nb (mean_b - K)^2, merged into a (n_a rows so far):
        // mean = mean_a + delta nb / n, M2 = M2_a + M2_b + delta^2 n_a nb / n, delta = mean_b - mean_a.
        const double nb = static_cast<double>(r1 - r0), na = static_cast<double>(n_a), n = na + nb;
        for (int64_t c = 0; c < PD; c += W) {
            D k[2];
            widen<Arch>(V::load_aligned(shift + c), k[0], k[1]);
            for (int h = 0; h < 2; ++h) {
                const int64_t e = c + h * WD;
                const D a1 = D::load_aligned(s1 + e), a2 = D::load_aligned(s2 + e);
                const D mean_b = a1 / D(nb), dk = mean_b - k[h], m2_b = a2 - D(nb) * dk * dk;
                if (n_a == 0) {
                    mean_b.store_aligned(mean_a + e);
                    m2_b.store_aligned(m2_a + e);
                } else {
                    const D ma = D::load_aligned(mean_a + e), delta = mean_b - ma;
                    (ma + delta * D(nb / n)).store_aligned(mean_a + e);
                    (D::load_aligned(m2_a + e) + m2_b + delta * delta * D(na * nb / n)).store_aligned(m2_a + e);
                }
            }
        }
        n_a = r1;
    }
    // mean, var = M2 / N and invstd = 1 / sqrt(var + eps) (double, as the reference) per column. A column
    // whose shifted float squares overflowed (|x - shift| past 1.8e19) or that holds an infinity (its shift
    // inf, every difference NaN) has non-finite sums: its statistics are taken again as the reference
    // takes them, in double over the column, so such columns agree with it on every instruction set.
    for (int64_t c = 0; c < P; ++c) {
        if (!std::isfinite(mean_a[c]) || !std::isfinite(m2_a[c])) {
            double s = 0.0, ss = 0.0;
            for (int64_t r = 0; r < N; ++r) s += src[r * C + c];
            const double mu = s / static_cast<double>(N);
            for (int64_t r = 0; r < N; ++r) ss += (src[r * C + c] - mu) * (src[r * C + c] - mu);
            mean_a[c] = mu;
            m2_a[c] = ss;
        }
    }
    // In vectors of doubles (the lanes past P hold finite sums of zeros and are not stored): with
    // few rows, a scalar square root and division per column took most of the call. M2 is clamped at 0:
    // S2 - n (mean - K)^2 can round below it for a nearly constant column, and with eps = 0 a negative
    // variance would give NaN where the reference's two-pass sum gives 0 or a tiny positive value. (M2
    // second: x86's max returns its second operand for a NaN, so a NaN column stays NaN.)
    const D vn(static_cast<double>(N)), veps(double{eps}), zero(0.0);
    for_panel<Arch>(P, [&](int64_t c, auto part) {
        const D v0 = xsimd::max(zero, D::load_aligned(m2_a + c)) / vn, v1 = xsimd::max(zero, D::load_aligned(m2_a + c + WD)) / vn;
        store<Arch>(mean + c, narrow<Arch>(D::load_aligned(mean_a + c), D::load_aligned(mean_a + c + WD)), part);
        store<Arch>(var + c, narrow<Arch>(v0, v1), part);
        store<Arch>(invstd + c, narrow<Arch>(D(1.0) / xsimd::sqrt(v0 + veps), D(1.0) / xsimd::sqrt(v1 + veps)), part);
    });
    for (int64_t r = 0; r < N; ++r) {
        for_panel<Arch>(P, [&](int64_t c, auto part) {
            const int64_t e = r * C + c;
            const V h = (load<Arch>(src + e, part) - load<Arch>(mean + c, part)) * load<Arch>(invstd + c, part);
            store<Arch>(xhat + e, h, part);
            store<Arch>(dst + e, load<Arch>(gamma + c, part) * h + load<Arch>(beta + c, part), part);
        });
    }
}

template <class Arch>
void batchnorm_forward_train(float* dst, float* xhat, float* mean, float* var, float* invstd, const float* src,
                             const float* gamma, const float* beta, int64_t N, int64_t C, float eps) {
    if (N <= 0) return;
    for (int64_t c = 0; c < C; c += kPanel) {
        const int64_t P = C - c < kPanel ? C - c : kPanel;
        batchnorm_train_panel<Arch>(dst + c, xhat + c, mean + c, var + c, invstd + c, src + c, gamma + c, beta + c, N,
                                    C, P, eps);
    }
}

// Eval: invstd = 1 / sqrt(running_var + eps) (double, as the reference), then row by row
// xhat = (x - running_mean) invstd, y = gamma xhat + beta.
template <class Arch>
void batchnorm_forward_eval(float* dst, float* xhat, float* invstd, const float* src, const float* gamma,
                            const float* beta, const float* running_mean, const float* running_var, int64_t N,
                            int64_t C, float eps) {
    using V = vfloat<Arch>;
    using D = vdouble<Arch>;
    const D veps(double{eps});
    for_vectors<Arch>(C, [&](int64_t c, auto part) {
        D v0, v1;
        widen<Arch>(load<Arch>(running_var + c, part), v0, v1);
        store<Arch>(invstd + c, narrow<Arch>(D(1.0) / xsimd::sqrt(v0 + veps), D(1.0) / xsimd::sqrt(v1 + veps)), part);
    });
    for (int64_t r = 0; r < N; ++r) {
        for_vectors<Arch>(C, [&](int64_t c, auto part) {
            const int64_t e = r * C + c;
            const V h = (load<Arch>(src + e, part) - load<Arch>(running_mean + c, part)) * load<Arch>(invstd + c, part);
            store<Arch>(xhat + e, h, part);
            store<Arch>(dst + e, load<Arch>(gamma + c, part) * h + load<Arch>(beta + c, part), part);
        });
    }
}

// Backward: diff_gamma += sum dy xhat, diff_beta += sum dy; with k = gamma invstd,
//   batch statistics: diff_src = k dy - (k sum dy / N + k sum(dy xhat) / N xhat)
//   running statistics: diff_src = k dy.
template <class Arch>
void batchnorm_backward_panel(float* diff_src, float* diff_gamma, float* diff_beta, const float* diff_dst,
                              const float* xhat, const float* invstd, const float* gamma, int64_t N, int64_t C,
                              int64_t P, bool batch_statistics) {
    using V = vfloat<Arch>;
    using D = vdouble<Arch>;
    constexpr int64_t W = V::size, WD = D::size, kRun = 8;
    alignas(64) double sdy[kPanel], sdx[kPanel];
    alignas(64) float k[kPanel], kb[kPanel], kc[kPanel];
    const int64_t PD = (P + W - 1) / W * W;
    for (int64_t c = 0; c < PD; c += WD) D(0.0).store_aligned(sdy + c), D(0.0).store_aligned(sdx + c);
    for (int64_t q0 = 0; q0 < N; q0 += kRun) {
        const int64_t q1 = q0 + kRun < N ? q0 + kRun : N;
        for_panel<Arch>(P, [&](int64_t c, auto part) {
            V a1(0.0f), a2(0.0f);
            for (int64_t r = q0; r < q1; ++r) {
                const V dy = load<Arch>(diff_dst + r * C + c, part);
                a1 += dy;
                a2 += dy * load<Arch>(xhat + r * C + c, part);
            }
            D l, h;
            widen<Arch>(a1, l, h);
            (D::load_aligned(sdy + c) + l).store_aligned(sdy + c);
            (D::load_aligned(sdy + c + WD) + h).store_aligned(sdy + c + WD);
            widen<Arch>(a2, l, h);
            (D::load_aligned(sdx + c) + l).store_aligned(sdx + c);
            (D::load_aligned(sdx + c + WD) + h).store_aligned(sdx + c + WD);
        });
    }
    const D n(static_cast<double>(N));
    for_panel<Arch>(P, [&](int64_t c, auto part) {
        const D y0 = D::load_aligned(sdy + c), y1 = D::load_aligned(sdy + c + WD);
        const D x0 = D::load_aligned(sdx + c), x1 = D::load_aligned(sdx + c + WD);
        store<Arch>(diff_gamma + c, load<Arch>(diff_gamma + c, part) + narrow<Arch>(x0, x1), part);
        store<Arch>(diff_beta + c, load<Arch>(diff_beta + c, part) + narrow<Arch>(y0, y1), part);
        const V kv = load<Arch>(gamma + c, part) * load<Arch>(invstd + c, part);
        kv.store_aligned(k + c);
        D k0, k1;
        widen<Arch>(kv, k0, k1);
        narrow<Arch>(k0 * y0 / n, k1 * y1 / n).store_aligned(kb + c);
        narrow<Arch>(k0 * x0 / n, k1 * x1 / n).store_aligned(kc + c);
    });
    if (!diff_src) return;
    for (int64_t r = 0; r < N; ++r) {
        for_panel<Arch>(P, [&](int64_t c, auto part) {
            const int64_t e = r * C + c;
            const V dy = load<Arch>(diff_dst + e, part), kv = V::load_aligned(k + c);
            const V out = batch_statistics
                              ? kv * dy - (V::load_aligned(kb + c) + V::load_aligned(kc + c) * load<Arch>(xhat + e, part))
                              : kv * dy;
            store<Arch>(diff_src + e, out, part);
        });
    }
}

template <class Arch>
void batchnorm_backward(float* diff_src, float* diff_gamma, float* diff_beta, const float* diff_dst,
                        const float* xhat, const float* invstd, const float* gamma, int64_t N, int64_t C,
                        bool batch_statistics) {
    for (int64_t c = 0; c < C; c += kPanel) {
        const int64_t P = C - c < kPanel ? C - c : kPanel;
        batchnorm_backward_panel<Arch>(diff_src ? diff_src + c : nullptr, diff_gamma + c, diff_beta + c, diff_dst + c,
                                       xhat + c, invstd + c, gamma + c, N, C, P, batch_statistics);
    }
}

}  // namespace nnfs::kernels::simd
