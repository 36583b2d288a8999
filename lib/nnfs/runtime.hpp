// Library-wide settings: the default random generator's seed, kernel threads, and what the kernels run on.
#pragma once

#include <cstdint>
#include <string>

#include "nnfs/generator.hpp"
#include "nnfs/tensor.hpp"

namespace nnfs {

// Seeds the default generator (as torch.manual_seed): weight initialisation and dropout masks are
// reproducible from it. A thread under a GeneratorGuard keeps drawing from its own generator.
void manual_seed(uint64_t seed);

// Threads used by the kernels (never the application's global OpenMP settings). Results are
// bitwise identical for every thread count. n < 1 is an nnfs::Error. Process-wide: every application
// thread that runs kernels forks its own OpenMP team of this size.
void set_num_threads(int n);
int get_num_threads();

// Flushing subnormal floats to zero in the kernels (as torch.set_flush_denormal; off by default, on at
// start when the environment sets NNFS_FLUSH_DENORMAL=1). Training that fits its data well drives
// softmax's small probabilities, and with them every layer's gradients, below 1.18e-38, where each
// instruction that meets such a value costs x86 cores a ~100-cycle assist: a long run slows down by half
// or more. On, such values are 0 inside every kernel, on every thread; the application's own
// floating-point mode is not changed. Process-wide. Returns true: every x86-64 CPU supports it.
bool set_flush_denormal(bool on);
bool flush_denormal();

// Anomaly detection (off by default; on at start when the environment sets NNFS_DETECT_ANOMALY=1):
// Sequential checks every layer's output, its input gradient and its parameters' gradients, and the
// losses their values and gradients, for NaN and Inf, and raises nnfs::Error naming the first layer and
// phase that produced one. Costs a pass over every tensor; off, a branch per call. A module called on its
// own, outside a Sequential, is not checked (ReLU, Sigmoid and Tanh cannot turn finite values into NaN
// or Inf; Linear, BatchNorm1d, Dropout and Softmax's backward can overflow). Process-wide (an atomic
// flag): setting it from one thread turns it on or off for all.
void set_detect_anomaly(bool on);
bool detect_anomaly();

// The implementations the kernel dispatcher chose, e.g. "sgemm: ref; elementwise: ref".
std::string kernel_info();

namespace detail {
// Reserves enough blocks for n values from current_generator() and advances it past them.
RandomStream reserve_random(int64_t n);
// The position of current_generator(), and setting it back (checkpoints save the generator the
// saving thread draws from).
RandomStream generator_state();
void set_generator_state(RandomStream state);
// nnfs::Error "anomaly: <what> has NaN at element [i, j] of <shape>" when t holds a NaN or an Inf.
void check_finite(const Tensor& t, const std::string& what);
}  // namespace detail

}  // namespace nnfs
