// The public entry points of nnfs::kernels: each calls through the table of implementations of the
// current instruction set (kernels/simd/vector_isa.hpp; slots without a vector kernel hold the scalar
// reference, Isa::Reference is all reference). The tests compare each against ref. Each one holds a
// DenormalScope for its duration (flushing subnormals when set_flush_denormal asks for it).
#include <omp.h>

#include <atomic>
#include <cstdint>
#include <string>

#include "nnfs/error.hpp"
#include "nnfs/kernels.hpp"
#include "denormal_scope.hpp"
#include "env_setting.hpp"
#include "isa_now.hpp"
#include "simd/gemm_isa.hpp"
#include "simd/vector_isa.hpp"
#include "split_threads.hpp"

namespace nnfs::kernels {

namespace {

// The vector kernels of the instruction set in use now (current_isa(), so set_max_isa takes effect
// at the next call); SGEMM dispatches the same way inside detail::sgemm_fused.
const detail::VectorIsa& table() { return detail::vector_isa(detail::isa_now()); }

std::atomic<int> g_num_threads{0};  // 0: not chosen yet

// Elements per thread from which an elementwise kernel runs on several threads. A fork and join costs
// about a microsecond; an optimizer update does ~0.5 ns of work per element (its state streams from L2
// or L3), an activation ~0.05 ns.
constexpr int64_t kUpdateMinPerThread = int64_t{1} << 14;
constexpr int64_t kElementwiseMinPerThread = int64_t{1} << 16;

// run(i, count) over [0, n) in one contiguous chunk per thread of at least min_per_thread elements,
// chunk edges at multiples of 16 floats (whole cache lines; whole Philox blocks for the random kernels).
// Every element sees the same arithmetic whatever the thread count, so results are bitwise identical;
// and a thread gets the same chunk step after step, so with two cores each keeps its half of an
// optimizer's state in its own L2.
template <class Run>
void split_elements(int64_t n, int64_t min_per_thread, Run run) {
    const int64_t most = n / min_per_thread;
    const int threads = most < get_num_threads() ? static_cast<int>(most) : get_num_threads();
    detail::split_among_threads(n, 16, threads, [&](int64_t i0, int64_t i1) { run(i0, i1 - i0); });
}

// Non-temporal output. An ordinary store first reads the destination's cache line (read for ownership),
// so a kernel that reads one array and writes another moves three lines per line written where its data
// comes from DRAM; non-temporal stores write whole lines without reading them, and leave them out of the
// caches. Outputs of at least detail::stream_min_floats whose address is 64-byte aligned (every thread's
// chunk then starts on a line) take the ISA's non-temporal kernel, which is otherwise the same kernel: the
// same bits. Measured on this VM, one thread, ReLU written by hand, GB/s counting 8 bytes an element,
// ordinary / non-temporal / memcpy: 2^23 floats an array (32 MiB) 28.7 / 27.5 / 28.6, 2^24 21.2 / 27.0 /
// 21.2, 2^25 15.5 / 23.3 / 15.3, 2^26 15.1 / 23.8 / 25.2 (glibc's memcpy streams from there on). Below
// 2^24 the output may still be read from the caches by whatever comes next, so it is left to them.
template <class Fn>
Fn output_kernel(Fn ordinary, Fn non_temporal, const float* dst, int64_t n) {
    const bool stream = non_temporal && n >= detail::stream_min_floats && reinterpret_cast<uintptr_t>(dst) % 64 == 0;
    return stream ? non_temporal : ordinary;
}
}  // namespace

namespace detail {

int64_t stream_min_floats = int64_t{1} << 24;

// On at start when the environment sets NNFS_FLUSH_DENORMAL=1 (env_setting.hpp).
std::atomic<bool> g_flush_denormal{env_switch("NNFS_FLUSH_DENORMAL")};

constinit const VectorIsa vector_ref{};

const VectorIsa& vector_isa(Isa isa) {
    switch (isa) {
        case Isa::AVX512: return vector_avx512;
        case Isa::AVX2: return vector_avx2;
        case Isa::SSE2: return vector_sse2;
        case Isa::Reference: break;
    }
    return vector_ref;
}

}  // namespace detail

namespace {
// The SGEMM entry points check their arguments, as BLAS does: applications call them directly, without
// lib/'s shape checks, and a leading dimension below its matrix's row width, a negative size or a null
// operand would read or write outside the caller's buffers. What is wrong, or null.
inline const char* sgemm_argument_problem(Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                                          int64_t lda, const float* B, int64_t ldb, const float* C, int64_t ldc) {
    if (M < 0 || N < 0 || K < 0) return "a size is negative";
    if (lda < (ta == Trans::No ? K : M)) return "lda is less than the row width of A";
    if (ldb < (tb == Trans::No ? N : K)) return "ldb is less than the row width of B";
    if (ldc < N) return "ldc is less than the row width of C (N)";
    if (M == 0 || N == 0) return nullptr;
    if (!C) return "C is null";
    if (K == 0 || alpha == 0.0f) return nullptr;  // A and B are not read
    return !A ? "A is null" : !B ? "B is null" : nullptr;
}

// The message, built out of line (inlined, it gave every call the stack frame of an ostringstream: 2-3 ns
// of a 40 ns 32x16x4).
[[noreturn, gnu::cold, gnu::noinline]] void sgemm_argument_error(const char* op, const char* problem, Trans ta, Trans tb,
                                                               int64_t M, int64_t N, int64_t K, int64_t lda, int64_t ldb,
                                                               int64_t ldc) {
    fail(op, "(", ta == Trans::Yes ? "T" : "N", tb == Trans::Yes ? "T" : "N", ", M ", M, ", N ", N, ", K ", K, ", lda ", lda,
         ", ldb ", ldb, ", ldc ", ldc, "): ", problem, " (row-major: A is ", ta == Trans::No ? "M x K" : "K x M", ", B ",
         tb == Trans::No ? "K x N" : "N x K", ", C M x N)");
}

inline void check_sgemm(const char* op, Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                        int64_t lda, const float* B, int64_t ldb, const float* C, int64_t ldc) {
    if (const char* problem = sgemm_argument_problem(ta, tb, M, N, K, alpha, A, lda, B, ldb, C, ldc)) [[unlikely]]
        sgemm_argument_error(op, problem, ta, tb, M, N, K, lda, ldb, ldc);
}
}  // namespace

void sgemm(Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
           const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
    check_sgemm("sgemm", ta, tb, M, N, K, alpha, A, lda, B, ldb, C, ldc);
    const detail::DenormalScope flush;
    detail::sgemm_fused(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, Epilogue{});
}
void sgemm_fused(Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                 const float* B, int64_t ldb, float beta, float* C, int64_t ldc, const Epilogue& epilogue) {
    check_sgemm("sgemm_fused", ta, tb, M, N, K, alpha, A, lda, B, ldb, C, ldc);
    const detail::DenormalScope flush;
    detail::sgemm_fused(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, epilogue);
}

void activation_forward(Activation act, float* dst, const float* src, int64_t n) {
    const detail::DenormalScope flush;
    const auto& t = table();
    const auto kernel = output_kernel(t.activation_forward, t.activation_forward_nt, dst, n);
    split_elements(n, kElementwiseMinPerThread, [&](int64_t i, int64_t c) { kernel(act, dst + i, src + i, c); });
}
void activation_backward(Activation act, float* diff_src, const float* diff_dst, const float* dst, int64_t n) {
    const detail::DenormalScope flush;
    const auto& t = table();
    const auto kernel = output_kernel(t.activation_backward, t.activation_backward_nt, diff_src, n);
    split_elements(n, kElementwiseMinPerThread,
                   [&](int64_t i, int64_t c) { kernel(act, diff_src + i, diff_dst + i, dst + i, c); });
}
void activation_backward_column_sum(Activation act, float* diff_src, const float* diff_dst, const float* dst,
                                    int64_t rows, int64_t cols, float* col_sum, bool accumulate) {
    const detail::DenormalScope flush;
    table().activation_backward_column_sum(act, diff_src, diff_dst, dst, rows, cols, col_sum, accumulate);
}

void softmax_forward(float* dst, const float* src, int64_t rows, int64_t cols) {
    const detail::DenormalScope flush;
    table().softmax_forward(dst, src, rows, cols);
}
void log_softmax_forward(float* dst, const float* src, int64_t rows, int64_t cols) {
    const detail::DenormalScope flush;
    table().log_softmax_forward(dst, src, rows, cols);
}
void softmax_backward(float* diff_src, const float* diff_dst, const float* dst, int64_t rows, int64_t cols) {
    const detail::DenormalScope flush;
    table().softmax_backward(diff_src, diff_dst, dst, rows, cols);
}

float cross_entropy_forward(float* prob, const float* logits, const int32_t* target, int64_t rows, int64_t cols) {
    const detail::DenormalScope flush;
    return table().cross_entropy_forward(prob, logits, target, rows, cols);
}
void cross_entropy_backward(float* diff_logits, const float* prob, const int32_t* target, int64_t rows,
                            int64_t cols, float scale) {
    const detail::DenormalScope flush;
    table().cross_entropy_backward(diff_logits, prob, target, rows, cols, scale);
}
float cross_entropy_prob_forward(float* prob, const float* logits, const float* target, int64_t rows,
                                 int64_t cols) {
    const detail::DenormalScope flush;
    return table().cross_entropy_prob_forward(prob, logits, target, rows, cols);
}
void cross_entropy_prob_backward(float* diff_logits, const float* prob, const float* target, int64_t rows,
                                 int64_t cols, float scale) {
    const detail::DenormalScope flush;
    table().cross_entropy_prob_backward(diff_logits, prob, target, rows, cols, scale);
}
float mse_forward(const float* pred, const float* target, int64_t n) {
    const detail::DenormalScope flush;
    return table().mse_forward(pred, target, n);
}
void mse_backward(float* diff_pred, const float* pred, const float* target, int64_t n, float scale) {
    const detail::DenormalScope flush;
    const auto& t = table();
    output_kernel(t.mse_backward, t.mse_backward_nt, diff_pred, n)(diff_pred, pred, target, n, scale);
}
float bce_forward(const float* prob, const float* target, int64_t n) {
    const detail::DenormalScope flush;
    return table().bce_forward(prob, target, n);
}
void bce_backward(float* diff_prob, const float* prob, const float* target, int64_t n, float scale) {
    const detail::DenormalScope flush;
    const auto& t = table();
    output_kernel(t.bce_backward, t.bce_backward_nt, diff_prob, n)(diff_prob, prob, target, n, scale);
}
float bce_logits_forward(const float* logits, const float* target, int64_t n) {
    const detail::DenormalScope flush;
    return table().bce_logits_forward(logits, target, n);
}
void bce_logits_backward(float* diff_logits, const float* logits, const float* target, int64_t n, float scale) {
    const detail::DenormalScope flush;
    const auto& t = table();
    output_kernel(t.bce_logits_backward, t.bce_logits_backward_nt, diff_logits, n)(diff_logits, logits, target, n, scale);
}

void column_sum(float* dst, const float* src, int64_t rows, int64_t cols, bool accumulate) {
    const detail::DenormalScope flush;
    table().column_sum(dst, src, rows, cols, accumulate);
}
void row_sum(float* dst, const float* src, int64_t rows, int64_t cols) {
    const detail::DenormalScope flush;
    table().row_sum(dst, src, rows, cols);
}

void batchnorm_forward_train(float* dst, float* xhat, float* mean, float* var, float* invstd, const float* src,
                             const float* gamma, const float* beta, int64_t N, int64_t C, float eps) {
    const detail::DenormalScope flush;
    table().batchnorm_forward_train(dst, xhat, mean, var, invstd, src, gamma, beta, N, C, eps);
}
void batchnorm_forward_eval(float* dst, float* xhat, float* invstd, const float* src, const float* gamma,
                            const float* beta, const float* running_mean, const float* running_var, int64_t N,
                            int64_t C, float eps) {
    const detail::DenormalScope flush;
    table().batchnorm_forward_eval(dst, xhat, invstd, src, gamma, beta, running_mean, running_var, N, C, eps);
}
void batchnorm_update_running(float* running_mean, float* running_var, const float* mean, const float* var,
                              int64_t N, int64_t C, float momentum) {
    const detail::DenormalScope flush;
    table().batchnorm_update_running(running_mean, running_var, mean, var, N, C, momentum);
}
void batchnorm_backward(float* diff_src, float* diff_gamma, float* diff_beta, const float* diff_dst,
                        const float* xhat, const float* invstd, const float* gamma, int64_t N, int64_t C,
                        bool batch_statistics) {
    const detail::DenormalScope flush;
    table().batchnorm_backward(diff_src, diff_gamma, diff_beta, diff_dst, xhat, invstd, gamma, N, C,
                               batch_statistics);
}

void multiply(float* dst, const float* a, const float* b, int64_t n) {
    const detail::DenormalScope flush;
    const auto& t = table();
    const auto kernel = output_kernel(t.multiply, t.multiply_nt, dst, n);
    split_elements(n, kElementwiseMinPerThread, [&](int64_t i, int64_t c) { kernel(dst + i, a + i, b + i, c); });
}
void fill(float* dst, float value, int64_t n) {
    const detail::DenormalScope flush;
    const auto& t = table();
    const auto kernel = output_kernel(t.fill, t.fill_nt, dst, n);
    split_elements(n, kElementwiseMinPerThread, [&](int64_t i, int64_t c) { kernel(dst + i, value, c); });
}

void uniform_fill(float* dst, int64_t n, float lo, float hi, uint64_t seed, uint64_t offset) {
    const detail::DenormalScope flush;
    table().uniform_fill(dst, n, lo, hi, seed, offset);
}
void normal_fill(float* dst, int64_t n, float mean, float std, uint64_t seed, uint64_t offset) {
    const detail::DenormalScope flush;
    table().normal_fill(dst, n, mean, std, seed, offset);
}
void dropout_forward(float* dst, float* mask, const float* src, int64_t n, float p, uint64_t seed,
                     uint64_t offset) {
    const detail::DenormalScope flush;
    // element i is word i % 4 of Philox block offset + i / 4: a chunk at i (a multiple of 16) starts at
    // block offset + i / 4
    split_elements(n, kElementwiseMinPerThread, [&](int64_t i, int64_t c) {
        table().dropout_forward(dst + i, mask + i, src + i, c, p, seed, offset + static_cast<uint64_t>(i / 4));
    });
}

void sgd_update(float* param, float* velocity, const float* grad, int64_t n, float lr, float momentum,
                float weight_decay, bool nesterov) {
    const detail::DenormalScope flush;
    split_elements(n, kUpdateMinPerThread, [&](int64_t i, int64_t c) {
        table().sgd_update(param + i, velocity ? velocity + i : nullptr, grad + i, c, lr, momentum, weight_decay,
                           nesterov);
    });
}
void adam_update(float* param, float* m, float* v, const float* grad, int64_t n, float lr, float beta1,
                 float beta2, float eps, float weight_decay, bool decoupled, int64_t step) {
    const detail::DenormalScope flush;
    split_elements(n, kUpdateMinPerThread, [&](int64_t i, int64_t c) {
        table().adam_update(param + i, m + i, v + i, grad + i, c, lr, beta1, beta2, eps, weight_decay, decoupled,
                            step);
    });
}

int& detail::team_high_water() {
    static thread_local int most = 0;
    return most;
}

void set_num_threads(int n) { g_num_threads.store(n > 0 ? n : 1, std::memory_order_relaxed); }

void set_flush_denormal(bool on) { detail::g_flush_denormal.store(on, std::memory_order_relaxed); }
bool flush_denormal() { return detail::g_flush_denormal.load(std::memory_order_relaxed); }

int get_num_threads() {
    int n = g_num_threads.load(std::memory_order_relaxed);
    if (n == 0) {
        int expected = 0;
        g_num_threads.compare_exchange_strong(expected, omp_get_max_threads());
        n = g_num_threads.load(std::memory_order_relaxed);
    }
    return n;
}

const char* kernel_info() {
    static thread_local std::string info;
    info = std::string("sgemm: ") + detail::sgemm_info() + "; elementwise: " + table().name;
    return info.c_str();
}

}  // namespace nnfs::kernels
