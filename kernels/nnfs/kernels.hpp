// nnfs::kernels: the arithmetic of libnnfs as plain functions over pointers and sizes.
//
// Conventions (every kernel below):
//   - row-major storage; a "rows x cols" matrix has row stride cols unless a leading dimension says otherwise;
//   - argument order: outputs, inputs, then sizes and scalars (except sgemm's, BLAS's order, and an
//     activation kernel's Activation, first);
//   - kernels own no data and know no classes: lib/ validates shapes before calling, and kernels throw
//     nothing, except the SGEMM entry points, which check their arguments as BLAS does (nnfs::Error), and
//     keep per-thread packing buffers, grown once (std::bad_alloc if that fails);
//   - names follow oneDNN: src/dst for forward data, diff_src/diff_dst for their gradients;
//   - kernels that produce parameter gradients ADD into them (gradients accumulate until zero_grad);
//   - an output must not overlap an input unless the kernel says it may (activations, in place);
//   - sums (losses' means, column and row sums, BatchNorm's gradients) add float terms in short float runs
//     into double: a term or run beyond FLT_MAX is inf where the all-double reference stays finite, as in
//     PyTorch's float arithmetic;
//   - rows or cols of 0: the softmax and cross-entropy kernels read and write nothing (a loss of 0), and
//     BatchNorm's training forward writes nothing for N = 0 (its statistics are undefined);
//   - results do not depend on the thread count (work is split statically, reductions in fixed order);
//   - outputs of at least 2^24 floats that start on a 64-byte boundary (ReLU and identity forward, every
//     activation backward, multiply, fill, the MSE and BCE backwards) are written with non-temporal
//     stores: not read first, and not left in the caches (the same values).
// Every public function dispatches at run time to the best implementation for this CPU;
// nnfs::kernels::ref holds the scalar reference of each (the tests' ground truth).
#pragma once

#include <cstdint>

namespace nnfs::kernels {

enum class Trans { No, Yes };
enum class Activation { Identity, ReLU, Sigmoid, Tanh };

// Applied to each element of C while it is written: C = act(value + bias[j]), bias of N entries or null.
struct Epilogue {
    const float* bias = nullptr;
    Activation act = Activation::Identity;
};

#include "nnfs/kernel_functions.inc"

// Threads used by the kernels (OpenMP, through num_threads clauses: the application's OpenMP
// settings are never changed). Default: omp_get_max_threads() at first use. Process-wide (an atomic,
// callable from any thread); each application thread calling a kernel forks its own team of this size.
// n < 1 means 1 (nnfs::set_num_threads, the library-level call, refuses it with an nnfs::Error).
void set_num_threads(int n);
int get_num_threads();
// Whether the kernels flush subnormal floats to zero (x86 FTZ and DAZ: arithmetic that would give a
// subnormal gives 0, and reads subnormal operands as 0; operations that only move or select values, such
// as ReLU's, pass them through). On every thread a kernel runs on, for the kernel's duration only: the
// application's own floating-point mode is left as it was.
// Off by default (PyTorch's default; torch.set_flush_denormal); on at start when the environment sets
// NNFS_FLUSH_DENORMAL=1 (or true, yes, on; 0, false, no, off or empty: off; any case; another value is
// said on stderr and leaves it off). Process-wide (an atomic, callable from any thread). Flushing changes results
// only where a value would be subnormal (below 1.18e-38 in magnitude), and saves the ~100-cycle assist
// x86 cores take on every instruction that meets one.
void set_flush_denormal(bool on);
bool flush_denormal();
// What the dispatcher chose, e.g. "sgemm: avx512 14x32; elementwise: avx512". The text is per thread,
// valid until the calling thread's next kernel_info().
const char* kernel_info();

// Instruction sets of the SIMD kernels, in increasing capability (Reference: the scalar kernels).
enum class Isa { Reference, SSE2, AVX2, AVX512 };
// The best instruction set this CPU and OS support (cpuid and xgetbv, checked once).
Isa supported_isa();
// The instruction set the dispatched kernels use: the supported one, capped at first use by the
// environment variable NNFS_MAX_ISA (ref|sse2|avx2|avx512, any case; a value not recognised is said on
// stderr and sets no cap) and afterwards by set_max_isa.
Isa current_isa();
// Caps the instruction set from now on (tests force every path through it) and returns the one now
// in use, min(cap, supported_isa()). Process-wide (an atomic, callable from any thread); call it only
// while no kernel is running, or a computation in flight may mix two instruction sets.
Isa set_max_isa(Isa cap);
// "ref", "sse2", "avx2", "avx512".
const char* isa_name(Isa isa);

// The scalar reference implementations (always built; the ground truth of the tests).
namespace ref {
#include "nnfs/kernel_functions.inc"
}  // namespace ref

}  // namespace nnfs::kernels
