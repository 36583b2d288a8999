// Flushing subnormal floats to zero inside the kernels (nnfs::kernels::set_flush_denormal), off by
// default as in PyTorch. Why: arithmetic on subnormal operands or results takes a microcode assist of
// ~100 cycles per instruction on x86 cores; a network that fits its data drives softmax's small
// probabilities, and with them the gradients of every layer, into the subnormals (bench/bm_train's
// 64-128-64-10 on two fixed batches: 53 us a step in a short run, 84 us over 78000 steps, 53 us
// flushed). The switch is the x86 MXCSR register's FTZ bit (a result that would be subnormal is 0) and
// DAZ bit (arithmetic reads a subnormal operand as 0). MXCSR belongs to each thread, so every kernel
// entry point and every thread of a kernel's OpenMP team sets it for the duration of the kernel and puts
// back the application's own setting afterwards (exception flags the kernel raised are kept).
// Baseline x86-64 (SSE is part of it).
#pragma once

#include <xmmintrin.h>

#include <atomic>

namespace nnfs::kernels::detail {

extern std::atomic<bool> g_flush_denormal __attribute__((visibility("hidden")));  // (no GOT load: read on every call)

class DenormalScope {
  public:
    DenormalScope() {
        if (!g_flush_denormal.load(std::memory_order_relaxed)) return;
        const unsigned csr = _mm_getcsr();
        if ((csr & kBits) == kBits) return;  // the application flushes already
        saved_ = csr & kBits;
        restore_ = true;
        _mm_setcsr(csr | kBits);
    }
    ~DenormalScope() {
        if (restore_) _mm_setcsr((_mm_getcsr() & ~kBits) | saved_);
    }
    DenormalScope(const DenormalScope&) = delete;
    DenormalScope& operator=(const DenormalScope&) = delete;

  private:
    static constexpr unsigned kBits = 0x8040;  // FTZ (bit 15) | DAZ (bit 6)
    unsigned saved_ = 0;
    bool restore_ = false;
};

}  // namespace nnfs::kernels::detail
