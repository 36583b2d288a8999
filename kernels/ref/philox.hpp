// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011):
// a counter-based generator. Block b of stream `seed` is philox(counter = b, key = seed) and
// yields four 32-bit values, so any element can be computed independently of the others.
#pragma once

#include <array>
#include <cstdint>

namespace nnfs::kernels::detail {

inline std::array<uint32_t, 4> philox4x32(uint64_t counter, uint64_t seed) {
    constexpr uint32_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u, W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
    uint32_t c0 = static_cast<uint32_t>(counter), c1 = static_cast<uint32_t>(counter >> 32), c2 = 0, c3 = 0;
    uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
    for (int round = 0; round < 10; ++round) {
        const uint64_t p0 = uint64_t{M0} * c0, p1 = uint64_t{M1} * c2;
        const uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
        const uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
        c0 = hi1 ^ c1 ^ k0;
        c1 = lo1;
        c2 = hi0 ^ c3 ^ k1;
        c3 = lo0;
        k0 += W0;
        k1 += W1;
    }
    return {c0, c1, c2, c3};
}

// 24 random bits to a float uniform in [0, 1).
inline float uniform01(uint32_t bits) { return static_cast<float>(bits >> 8) * 0x1p-24f; }

// Element i of the stream starting at block `offset`.
inline uint32_t philox_bits(uint64_t seed, uint64_t offset, int64_t i) {
    return philox4x32(offset + static_cast<uint64_t>(i) / 4, seed)[static_cast<size_t>(i % 4)];
}

}  // namespace nnfs::kernels::detail
