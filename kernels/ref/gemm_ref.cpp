// Reference SGEMM: the textbook triple loop, accumulated in double. Slow and obviously right.
#include "nnfs/kernels.hpp"
#include "scalar_math.hpp"

namespace nnfs::kernels::ref {

void sgemm_fused(Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                 const float* B, int64_t ldb, float beta, float* C, int64_t ldc, const Epilogue& epilogue) {
    const int64_t terms = alpha == 0.0f ? 0 : K;  // alpha == 0: A and B are not read (BLAS)
    for (int64_t i = 0; i < M; ++i) {
        for (int64_t j = 0; j < N; ++j) {
            double acc = 0.0;
            for (int64_t k = 0; k < terms; ++k) {
                const float a = ta == Trans::No ? A[i * lda + k] : A[k * lda + i];
                const float b = tb == Trans::No ? B[k * ldb + j] : B[j * ldb + k];
                acc += double{a} * double{b};
            }
            float c = alpha * static_cast<float>(acc);
            if (beta != 0.0f) c += beta * C[i * ldc + j];  // beta == 0: C is never read
            if (epilogue.bias) c += epilogue.bias[j];
            C[i * ldc + j] = detail::activate(epilogue.act, c);
        }
    }
}

void sgemm(Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
           const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
    ref::sgemm_fused(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, Epilogue{});
}

}  // namespace nnfs::kernels::ref
