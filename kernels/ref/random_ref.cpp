// Reference random fills and dropout on the Philox4x32-10 stream (see philox.hpp).
#include <cmath>
#include <numbers>

#include "nnfs/kernels.hpp"
#include "philox.hpp"

namespace nnfs::kernels::ref {

using detail::philox_bits;
using detail::uniform01;

void uniform_fill(float* dst, int64_t n, float lo, float hi, uint64_t seed, uint64_t offset) {
    for (int64_t i = 0; i < n; ++i) dst[i] = lo + (hi - lo) * uniform01(philox_bits(seed, offset, i));
}

void normal_fill(float* dst, int64_t n, float mean, float std, uint64_t seed, uint64_t offset) {
    // Box-Muller on the pair (u1, u2) of a block's values (0, 1) or (2, 3): even elements take the cosine,
    // odd ones the sine. u1 is taken in (0, 1] so that log(u1) is finite.
    for (int64_t i = 0; i < n; ++i) {
        const auto block = detail::philox4x32(offset + static_cast<uint64_t>(i) / 4, seed);
        const size_t pair = static_cast<size_t>(i % 4) / 2 * 2;
        const double u1 = (static_cast<double>(block[pair] >> 8) + 1.0) * 0x1p-24;
        const double u2 = static_cast<double>(block[pair + 1] >> 8) * 0x1p-24;
        const double r = std::sqrt(-2.0 * std::log(u1)), theta = 2.0 * std::numbers::pi * u2;
        const double z = i % 2 == 0 ? r * std::cos(theta) : r * std::sin(theta);
        dst[i] = mean + std * static_cast<float>(z);
    }
}

void dropout_forward(float* dst, float* mask, const float* src, int64_t n, float p, uint64_t seed,
                     uint64_t offset) {
    const float keep_scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
    for (int64_t i = 0; i < n; ++i) {
        mask[i] = uniform01(philox_bits(seed, offset, i)) >= p ? keep_scale : 0.0f;
        dst[i] = src[i] * mask[i];
    }
}

}  // namespace nnfs::kernels::ref
