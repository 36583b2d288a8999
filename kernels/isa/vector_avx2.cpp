// Vector (non-GEMM) kernels for avx2: the instantiation of kernels/simd/vector_table.hpp for xsimd::fma3<xsimd::avx2>.
// Compiled with -mavx2 -mfma -ffp-contract=off (kernels/CMakeLists.txt); called only when the CPU and OS support it.
#include "simd/vector_table.hpp"

namespace nnfs::kernels::detail {

constinit const VectorIsa vector_avx2 = simd::vector_table<xsimd::fma3<xsimd::avx2>>("avx2");

}  // namespace nnfs::kernels::detail
