// Row softmax, log-softmax, the softmax Jacobian-vector product and the fused softmax-cross-entropy
// losses over a rows x cols row-major matrix, row by row (a row is read from cache after its first
// pass). Per row: m = max_j x_j (pass 1), s = sum_j exp(x_j - m) (pass 2: the exps summed in float
// runs flushed into double, and stored to the output when it is a softmax), then the output pass:
// softmax_j = exp(x_j - m) / s (a multiply by 1 / s: one exp per element), log_softmax_j =
// (x_j - m) - log s as the reference. Loss sums are in double.
// Short rows (up to block_cols<Arch> columns on AVX-512 and AVX2: a 10-class head) instead go W rows
// at a time across the lanes (simd/row_block.hpp), with the same arithmetic per row: a row of 10
// would otherwise fill 10 of 16 lanes and pay two cross-lane reductions.
#pragma once

#include <cmath>
#include <limits>

#include "simd/row_block.hpp"
#include "simd/vector_common.hpp"

namespace nnfs::kernels::simd {

template <class Arch>
inline float row_max(const float* x, int64_t cols) {
    using V = vfloat<Arch>;
    V m(-std::numeric_limits<float>::infinity());
    for_vectors<Arch>(cols, [&](int64_t j, auto part) {
        m = xsimd::max(m, load<Arch>(x + j, part, -std::numeric_limits<float>::infinity()));
    });
    return max_lane<Arch>(m);
}

// The row's max, log(sum_j exp(x_j - max)) and 1 / sum_j exp(x_j - max).
struct RowStats {
    float max, log_sum, inv_sum;
};

// Row statistics of up to kRowBlock consecutive rows, phase by phase (all maxima, all sums, all logs):
// the rows' dependency chains are independent, so short rows overlap instead of waiting on each
// other's latency. With `e` non-null the sum pass also stores e = exp(x - max) there.
constexpr int64_t kRowBlock = 8;
template <class Arch>
inline void row_stats_block(RowStats* st, float* e, const float* x, int64_t nrows, int64_t cols) {
    double s[kRowBlock];
    for (int64_t r = 0; r < nrows; ++r) st[r].max = row_max<Arch>(x + r * cols, cols);
    for (int64_t r = 0; r < nrows; ++r) {
        const float* xr = x + r * cols;
        float* er = e ? e + r * cols : nullptr;
        const vfloat<Arch> vm(st[r].max);
        s[r] = sum_terms<Arch>(cols, [&](int64_t j, auto part) {
            const vfloat<Arch> v = exp<Arch>(load<Arch>(xr + j, part) - vm);
            if (er) store<Arch>(er + j, v, part);
            return v;
        });
    }
    for (int64_t r = 0; r < nrows; ++r) {
        st[r].log_sum = static_cast<float>(std::log(s[r]));
        st[r].inv_sum = static_cast<float>(1.0 / s[r]);
    }
}

// f(i, stats) for every row i, statistics computed kRowBlock rows at a time (exps stored to e if non-null).
template <class Arch, class F>
inline void for_rows(float* e, const float* x, int64_t rows, int64_t cols, F&& f) {
    RowStats st[kRowBlock];
    for (int64_t i0 = 0; i0 < rows; i0 += kRowBlock) {
        const int64_t nr = rows - i0 < kRowBlock ? rows - i0 : kRowBlock;
        row_stats_block<Arch>(st, e ? e + i0 * cols : nullptr, x + i0 * cols, nr, cols);
        for (int64_t r = 0; r < nr; ++r) f(i0 + r, st[r]);
    }
}

// y *= inv_sum over one row holding exp(x - max): the softmax (within 2 ulp + exp's error of the
// reference's exp((x - max) - log_sum), and without its rounding of (x - max) - log_sum).
template <class Arch>
inline void row_scale(float* y, int64_t cols, float inv_sum) {
    const vfloat<Arch> k(inv_sum);
    for_vectors<Arch>(cols, [&](int64_t j, auto part) { store<Arch>(y + j, load<Arch>(y + j, part) * k, part); });
}

// y = (x - m) - log_sum over one row (log-softmax, the reference's expression).
template <class Arch>
inline void row_output(float* y, const float* x, int64_t cols, RowStats st) {
    using V = vfloat<Arch>;
    const V vm(st.max), vl(st.log_sum);
    for_vectors<Arch>(cols, [&](int64_t j, auto part) { store<Arch>(y + j, (load<Arch>(x + j, part) - vm) - vl, part); });
}

// Rows of at most block_cols<Arch> columns, W at a time across lanes (simd/row_block.hpp): f(i0, nrows, x, stats)
// with the block's column vectors x[0..cols) (their exps when `exps`) and per-lane statistics.
template <class Arch, class F>
inline void for_blocks(const float* x, int64_t rows, int64_t cols, bool exps, F&& f) {
    constexpr int64_t W = vfloat<Arch>::size;
    vfloat<Arch> c[kBlockCols];
    for (int64_t i0 = 0; i0 < rows; i0 += W) {
        const int64_t nr = rows - i0 < W ? rows - i0 : W;
        load_block<Arch>(c, x + i0 * cols, nr, cols);
        const BlockStats<Arch> st = block_stats<Arch>(exps ? c : nullptr, c, cols);
        f(i0, nr, c, st);
    }
}

template <class Arch>
void softmax_forward(float* dst, const float* src, int64_t rows, int64_t cols) {
    if (cols <= 0) return;
    if constexpr (has_row_blocks<Arch>) if (cols <= block_cols<Arch>) {  // the other ISAs: rows only
        for_blocks<Arch>(src, rows, cols, true, [&](int64_t i0, int64_t nr, vfloat<Arch>* e, const BlockStats<Arch>& st) {
            const vfloat<Arch> k = st.inv_sum();
            for (int64_t j = 0; j < cols; ++j) e[j] *= k;
            store_block<Arch>(dst + i0 * cols, e, nr, cols);
        });
        return;
    }
    for_rows<Arch>(dst, src, rows, cols, [&](int64_t i, RowStats st) { row_scale<Arch>(dst + i * cols, cols, st.inv_sum); });
}

template <class Arch>
void log_softmax_forward(float* dst, const float* src, int64_t rows, int64_t cols) {
    if (cols <= 0) return;
    if constexpr (has_row_blocks<Arch>) if (cols <= block_cols<Arch>) {  // the other ISAs: rows only
        for_blocks<Arch>(src, rows, cols, false, [&](int64_t i0, int64_t nr, vfloat<Arch>* x, const BlockStats<Arch>& st) {
            const vfloat<Arch> ls = st.log_sum();
            for (int64_t j = 0; j < cols; ++j) x[j] = (x[j] - st.max) - ls;
            store_block<Arch>(dst + i0 * cols, x, nr, cols);
        });
        return;
    }
    for_rows<Arch>(nullptr, src, rows, cols, [&](int64_t i, RowStats st) { row_output<Arch>(dst + i * cols, src + i * cols, cols, st); });
}

// diff_src_ij = y_ij (dy_ij - sum_k dy_ik y_ik), the dot product summed in double runs.
template <class Arch>
void softmax_backward(float* diff_src, const float* diff_dst, const float* dst, int64_t rows, int64_t cols) {
    using V = vfloat<Arch>;
    for (int64_t i = 0; i < rows; ++i) {
        const float *dy = diff_dst + i * cols, *y = dst + i * cols;
        const double dot = sum_terms<Arch>(cols, [&](int64_t j, auto part) {
            return load<Arch>(dy + j, part) * load<Arch>(y + j, part);
        });
        const V vd(static_cast<float>(dot));
        for_vectors<Arch>(cols, [&](int64_t j, auto part) {
            store<Arch>(diff_src + i * cols + j, load<Arch>(y + j, part) * (load<Arch>(dy + j, part) - vd), part);
        });
    }
}

// loss_i = log_sum - (x_it - m); prob = softmax(x).
template <class Arch>
float cross_entropy_forward(float* prob, const float* logits, const int32_t* target, int64_t rows, int64_t cols) {
    if (cols <= 0 || rows <= 0) return 0.0f;
    double total = 0.0;
    if constexpr (has_row_blocks<Arch>) if (cols <= block_cols<Arch>) {  // the other ISAs: rows only
        // The block's max and log_sum lane by lane; the loss terms added row by row, as the row path.
        alignas(64) float m[vfloat<Arch>::size], ls[vfloat<Arch>::size];
        for_blocks<Arch>(logits, rows, cols, true, [&](int64_t i0, int64_t nr, vfloat<Arch>* e, const BlockStats<Arch>& st) {
            st.max.store_aligned(m);
            st.log_sum().store_aligned(ls);
            for (int64_t r = 0; r < nr; ++r) {  // x_t read before this block of prob is stored
                const int64_t i = i0 + r;
                total -= double{logits[i * cols + target[i]] - m[r]} - double{ls[r]};
            }
            const vfloat<Arch> k = st.inv_sum();
            for (int64_t j = 0; j < cols; ++j) e[j] *= k;
            store_block<Arch>(prob + i0 * cols, e, nr, cols);
        });
        return static_cast<float>(total / static_cast<double>(rows));
    }
    for_rows<Arch>(prob, logits, rows, cols, [&](int64_t i, RowStats st) {
        row_scale<Arch>(prob + i * cols, cols, st.inv_sum);
        total -= double{logits[i * cols + target[i]] - st.max} - double{st.log_sum};
    });
    return static_cast<float>(total / static_cast<double>(rows));
}

// diff = scale * (prob - onehot(target)).
template <class Arch>
void cross_entropy_backward(float* diff_logits, const float* prob, const int32_t* target, int64_t rows, int64_t cols,
                            float scale) {
    const vfloat<Arch> k(scale);
    for (int64_t i = 0; i < rows; ++i) {
        float* d = diff_logits + i * cols;
        const float* p = prob + i * cols;
        for_vectors<Arch>(cols, [&](int64_t j, auto part) { store<Arch>(d + j, k * load<Arch>(p + j, part), part); });
        d[target[i]] = scale * (p[target[i]] - 1.0f);
    }
}

// loss_i = -sum_j p_ij log_softmax(x_i)_j, prob = softmax(x): one output pass writes prob and sums p lp.
template <class Arch>
float cross_entropy_prob_forward(float* prob, const float* logits, const float* target, int64_t rows,
                                 int64_t cols) {
    using V = vfloat<Arch>;
    if (cols <= 0 || rows <= 0) return 0.0f;
    double total = 0.0;
    if constexpr (has_row_blocks<Arch>) if (cols <= block_cols<Arch>) {  // the other ISAs: rows only
        // Per lane: loss = sum_j t_j lp_j (float runs of 8 terms added into double); the rows' losses
        // then added row by row, as the row path.
        using D = vdouble<Arch>;
        constexpr int64_t W = V::size;
        alignas(64) double loss[W];
        V x[kBlockCols], e[kBlockCols], t[kBlockCols];
        for (V& v : e) v = V(0.0f);  // store_block transposes whole tiles: lanes past cols must be defined
        for (int64_t i0 = 0; i0 < rows; i0 += W) {
            const int64_t nr = rows - i0 < W ? rows - i0 : W;
            load_block<Arch>(x, logits + i0 * cols, nr, cols);
            load_block<Arch>(t, target + i0 * cols, nr, cols);
            const BlockStats<Arch> st = block_stats<Arch>(e, x, cols);
            const V ls = st.log_sum(), k = st.inv_sum();
            D lo(0.0), hi(0.0);
            for (int64_t j0 = 0; j0 < cols; j0 += 8) {  // float runs of 8 terms into double, as sum_terms
                V run(0.0f);
                for (int64_t j = j0; j < cols && j < j0 + 8; ++j) {
                    run += t[j] * ((x[j] - st.max) - ls);
                    e[j] *= k;
                }
                D a, b;
                widen<Arch>(run, a, b);
                lo += a;
                hi += b;
            }
            store_block<Arch>(prob + i0 * cols, e, nr, cols);
            lo.store_aligned(loss);
            hi.store_aligned(loss + D::size);
            for (int64_t r = 0; r < nr; ++r) total -= loss[r];
        }
        return static_cast<float>(total / static_cast<double>(rows));
    }
    for_rows<Arch>(prob, logits, rows, cols, [&](int64_t i, RowStats st) {
        const float *x = logits + i * cols, *t = target + i * cols;
        float* y = prob + i * cols;
        const V vm(st.max), vl(st.log_sum), k(st.inv_sum);
        total -= sum_terms<Arch>(cols, [&](int64_t j, auto part) {
            store<Arch>(y + j, load<Arch>(y + j, part) * k, part);
            return load<Arch>(t + j, part) * ((load<Arch>(x + j, part) - vm) - vl);
        });
    });
    return static_cast<float>(total / static_cast<double>(rows));
}

// diff = scale * (prob * sum_j p_ij - p).
template <class Arch>
void cross_entropy_prob_backward(float* diff_logits, const float* prob, const float* target, int64_t rows,
                                 int64_t cols, float scale) {
    using V = vfloat<Arch>;
    const V k(scale);
    for (int64_t i = 0; i < rows; ++i) {
        const float *p = prob + i * cols, *t = target + i * cols;
        const V mass(static_cast<float>(sum_terms<Arch>(cols, [&](int64_t j, auto part) { return load<Arch>(t + j, part); })));
        for_vectors<Arch>(cols, [&](int64_t j, auto part) {
            store<Arch>(diff_logits + i * cols + j, k * (load<Arch>(p + j, part) * mass - load<Arch>(t + j, part)), part);
        });
    }
}

}  // namespace nnfs::kernels::simd
