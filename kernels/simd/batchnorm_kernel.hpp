// BatchNorm1d over an N x C row-major batch, statistics per column, in column blocks of NV vectors.
//
// Training forward, two passes over the batch (the fewest possible: every output needs statistics of
// the whole column):
//   1. statistics: rows in chunks of 256; within a chunk the shifted sums S1 = sum (x - K) and
//      S2 = sum (x - K)^2 (K: the mean so far, or of the first rows) in float runs of 8 rows added
//      into double vectors, so S2 - S1^2 / n does not cancel; chunks merged by Chan et al.'s
//      formula in double (mean and M2), so a drifting or offset column stays exact;
//   2. xhat = (x - mean) invstd, y = gamma xhat + beta, as the reference writes them (float).
// Backward: sum dy and sum dy xhat (float runs into double), then one pass writing diff_src.
#pragma once

#include <cmath>

#include "simd/vector_common.hpp"

namespace nnfs::kernels::simd {

template <class Arch, int NV, class Part>
inline void batchnorm_train_block(float* dst, float* xhat, float* mean, float* var, float* invstd, const float* src,
                                  const float* gamma, const float* beta, int64_t N, int64_t C, float eps, Part part) {
    using V = vfloat<Arch>;
    using D = vdouble<Arch>;
    constexpr int64_t W = V::size, kRun = 8, kChunk = 256;
    D mean_lo[NV], mean_hi[NV], m2_lo[NV], m2_hi[NV];
    for (int v = 0; v < NV; ++v) mean_lo[v] = mean_hi[v] = m2_lo[v] = m2_hi[v] = D(0.0);
    int64_t n_a = 0;
    for (int64_t r0 = 0; r0 < N; r0 += kChunk) {
        const int64_t r1 = r0 + kChunk < N ? r0 + kChunk : N;
        const double nb = static_cast<double>(r1 - r0);
        V shift[NV];
        for (int v = 0; v < NV; ++v) {
            if (n_a > 0) {
                shift[v] = narrow<Arch>(mean_lo[v], mean_hi[v]);
            } else {  // first chunk: the mean of its first rows
                const int64_t k1 = r1 - r0 < kRun ? r1 - r0 : kRun;
                V s(0.0f);
                for (int64_t r = r0; r < r0 + k1; ++r) s += load<Arch>(src + r * C + v * W, part);
                shift[v] = s / V(static_cast<float>(k1));
            }
        }
        D s1_lo[NV], s1_hi[NV], s2_lo[NV], s2_hi[NV];
        for (int v = 0; v < NV; ++v) s1_lo[v] = s1_hi[v] = s2_lo[v] = s2_hi[v] = D(0.0);
        for (int64_t q0 = r0; q0 < r1; q0 += kRun) {
            const int64_t q1 = q0 + kRun < r1 ? q0 + kRun : r1;
            V a1[NV], a2[NV];
            for (int v = 0; v < NV; ++v) a1[v] = a2[v] = V(0.0f);
            for (int64_t r = q0; r < q1; ++r) {
                for (int v = 0; v < NV; ++v) {
                    const V d = load<Arch>(src + r * C + v * W, part) - shift[v];
                    a1[v] += d;
                    a2[v] += d * d;
                }
            }
            for (int v = 0; v < NV; ++v) {
                D l, h;
                widen<Arch>(a1[v], l, h);
                s1_lo[v] += l;
                s1_hi[v] += h;
                widen<Arch>(a2[v], l, h);
                s2_lo[v] += l;
                s2_hi[v] += h;
            }
        }
        // Chunk b: mean_b = K + S1 / nb, M2_b = S2 - S1^2 / nb; merged into a (n_a rows so far):
        // mean = mean_a + delta nb / n, M2 = M2_a + M2_b + delta^2 n_a nb / n, delta = mean_b - mean_a.
        const double na = static_cast<double>(n_a), n = na + nb;
        auto merge = [&](D& mean_a, D& m2_a, D k, D s1, D s2) {
            const D mean_b = k + s1 / D(nb), m2_b = s2 - s1 * s1 / D(nb);
            if (n_a == 0) {
                mean_a = mean_b;
                m2_a = m2_b;
            } else {
                const D delta = mean_b - mean_a;
                mean_a = mean_a + delta * D(nb / n);
                m2_a = m2_a + m2_b + delta * delta * D(na * nb / n);
            }
        };
        for (int v = 0; v < NV; ++v) {
            D k_lo, k_hi;
            widen<Arch>(shift[v], k_lo, k_hi);
            merge(mean_lo[v], m2_lo[v], k_lo, s1_lo[v], s2_lo[v]);
            merge(mean_hi[v], m2_hi[v], k_hi, s1_hi[v], s2_hi[v]);
        }
        n_a = r1;
    }
    V mu[NV], is[NV], g[NV], b[NV];
    const D dn(static_cast<double>(N));
    for (int v = 0; v < NV; ++v) {
        const D var_lo = m2_lo[v] / dn, var_hi = m2_hi[v] / dn;
        // invstd = 1 / sqrt(var + eps) in double, one column at a time (C values: scalar is fine).
        alignas(64) double vd[W];
        alignas(64) float isd[W];
        var_lo.store_aligned(vd);
        var_hi.store_aligned(vd + W / 2);
        for (int64_t j = 0; j < W; ++j) isd[j] = static_cast<float>(1.0 / std::sqrt(vd[j] + double{eps}));
        mu[v] = narrow<Arch>(mean_lo[v], mean_hi[v]);
        is[v] = V::load_aligned(isd);
        store<Arch>(mean + v * W, mu[v], part);
        store<Arch>(var + v * W, narrow<Arch>(var_lo, var_hi), part);
        store<Arch>(invstd + v * W, is[v], part);
        g[v] = load<Arch>(gamma + v * W, part);
        b[v] = load<Arch>(beta + v * W, part);
    }
    for (int64_t r = 0; r < N; ++r) {
        for (int v = 0; v < NV; ++v) {
            const int64_t e = r * C + v * W;
            const V h = (load<Arch>(src + e, part) - mu[v]) * is[v];
            store<Arch>(xhat + e, h, part);
            store<Arch>(dst + e, g[v] * h + b[v], part);
        }
    }
}

// Column blocks of 2 vectors, then single vectors, then the tail (every column pointer offset by c).
template <class Arch, class Block>
inline void for_column_blocks(int64_t C, Block&& block) {
    constexpr int64_t W = vfloat<Arch>::size;
    int64_t c = 0;
    for (; c + 2 * W <= C; c += 2 * W) block(c, std::integral_constant<int, 2>{}, Full{});
    for (; c + W <= C; c += W) block(c, std::integral_constant<int, 1>{}, Full{});
    if (c < C) block(c, std::integral_constant<int, 1>{}, Tail{C - c});
}

template <class Arch>
void batchnorm_forward_train(float* dst, float* xhat, float* mean, float* var, float* invstd, const float* src,
                             const float* gamma, const float* beta, int64_t N, int64_t C, float eps) {
    if (N <= 0) return;
    for_column_blocks<Arch>(C, [&](int64_t c, auto nv, auto part) {
        batchnorm_train_block<Arch, decltype(nv)::value>(dst + c, xhat + c, mean + c, var + c, invstd + c, src + c,
                                                          gamma + c, beta + c, N, C, eps, part);
    });
}

// Eval: invstd = 1 / sqrt(running_var + eps) (double, as the reference), then row by row
// xhat = (x - running_mean) invstd, y = gamma xhat + beta.
template <class Arch>
void batchnorm_forward_eval(float* dst, float* xhat, float* invstd, const float* src, const float* gamma,
                            const float* beta, const float* running_mean, const float* running_var, int64_t N,
                            int64_t C, float eps) {
    using V = vfloat<Arch>;
    for (int64_t c = 0; c < C; ++c) invstd[c] = static_cast<float>(1.0 / std::sqrt(double{running_var[c]} + eps));
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
template <class Arch, int NV, class Part>
inline void batchnorm_backward_block(float* diff_src, float* diff_gamma, float* diff_beta, const float* diff_dst,
                                     const float* xhat, const float* invstd, const float* gamma, int64_t N, int64_t C,
                                     bool batch_statistics, Part part) {
    using V = vfloat<Arch>;
    using D = vdouble<Arch>;
    constexpr int64_t W = V::size, kRun = 8;
    D sdy_lo[NV], sdy_hi[NV], sdx_lo[NV], sdx_hi[NV];
    for (int v = 0; v < NV; ++v) sdy_lo[v] = sdy_hi[v] = sdx_lo[v] = sdx_hi[v] = D(0.0);
    for (int64_t q0 = 0; q0 < N; q0 += kRun) {
        const int64_t q1 = q0 + kRun < N ? q0 + kRun : N;
        V a1[NV], a2[NV];
        for (int v = 0; v < NV; ++v) a1[v] = a2[v] = V(0.0f);
        for (int64_t r = q0; r < q1; ++r) {
            for (int v = 0; v < NV; ++v) {
                const V dy = load<Arch>(diff_dst + r * C + v * W, part);
                a1[v] += dy;
                a2[v] += dy * load<Arch>(xhat + r * C + v * W, part);
            }
        }
        for (int v = 0; v < NV; ++v) {
            D l, h;
            widen<Arch>(a1[v], l, h);
            sdy_lo[v] += l;
            sdy_hi[v] += h;
            widen<Arch>(a2[v], l, h);
            sdx_lo[v] += l;
            sdx_hi[v] += h;
        }
    }
    V k[NV], kb[NV], kc[NV];
    const D dn(static_cast<double>(N));
    for (int v = 0; v < NV; ++v) {
        store<Arch>(diff_gamma + v * W, load<Arch>(diff_gamma + v * W, part) + narrow<Arch>(sdx_lo[v], sdx_hi[v]), part);
        store<Arch>(diff_beta + v * W, load<Arch>(diff_beta + v * W, part) + narrow<Arch>(sdy_lo[v], sdy_hi[v]), part);
        k[v] = load<Arch>(gamma + v * W, part) * load<Arch>(invstd + v * W, part);
        D k_lo, k_hi;
        widen<Arch>(k[v], k_lo, k_hi);
        kb[v] = narrow<Arch>(k_lo * sdy_lo[v] / dn, k_hi * sdy_hi[v] / dn);
        kc[v] = narrow<Arch>(k_lo * sdx_lo[v] / dn, k_hi * sdx_hi[v] / dn);
    }
    for (int64_t r = 0; r < N; ++r) {
        for (int v = 0; v < NV; ++v) {
            const int64_t e = r * C + v * W;
            const V dy = load<Arch>(diff_dst + e, part);
            const V out = batch_statistics ? k[v] * dy - (kb[v] + kc[v] * load<Arch>(xhat + e, part)) : k[v] * dy;
            store<Arch>(diff_src + e, out, part);
        }
    }
}

template <class Arch>
void batchnorm_backward(float* diff_src, float* diff_gamma, float* diff_beta, const float* diff_dst,
                        const float* xhat, const float* invstd, const float* gamma, int64_t N, int64_t C,
                        bool batch_statistics) {
    for_column_blocks<Arch>(C, [&](int64_t c, auto nv, auto part) {
        batchnorm_backward_block<Arch, decltype(nv)::value>(diff_src + c, diff_gamma + c, diff_beta + c, diff_dst + c,
                                                             xhat + c, invstd + c, gamma + c, N, C, batch_statistics,
                                                             part);
    });
}

}  // namespace nnfs::kernels::simd
