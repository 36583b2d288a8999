// The instruction set in use (current_isa()), read inline by the dispatchers: one load instead of a call
// per kernel call, which counts where a whole product takes 40 ns (32x16x4). Baseline x86-64.
#pragma once

#include <atomic>

#include "nnfs/kernels.hpp"

namespace nnfs::kernels::detail {

extern std::atomic<int> g_isa __attribute__((visibility("hidden")));  // kernels/isa.cpp; -1 until chosen

inline Isa isa_now() {
    const int isa = g_isa.load(std::memory_order_acquire);
    return isa >= 0 ? static_cast<Isa>(isa) : current_isa();
}

}  // namespace nnfs::kernels::detail
