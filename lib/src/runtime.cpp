#include "nnfs/runtime.hpp"

#include <mutex>

#include "nnfs/error.hpp"
#include "nnfs/kernels.hpp"

namespace nnfs {

namespace {
// The generator is (seed, offset) of a Philox stream: every draw reserves the next blocks.
struct Generator {
    std::mutex mutex;
    uint64_t seed = 0x6e6e66735eedULL;  // fixed default: runs are reproducible even without manual_seed
    uint64_t offset = 0;
};
Generator& generator() {
    static Generator g;
    return g;
}
}  // namespace

void manual_seed(uint64_t seed) {
    Generator& g = generator();
    std::lock_guard lock(g.mutex);
    g.seed = seed;
    g.offset = 0;
}

detail::RandomStream detail::reserve_random(int64_t n) {
    Generator& g = generator();
    std::lock_guard lock(g.mutex);
    const RandomStream s{g.seed, g.offset};
    g.offset += static_cast<uint64_t>((n + 3) / 4);
    return s;
}

detail::RandomStream detail::generator_state() {
    Generator& g = generator();
    std::lock_guard lock(g.mutex);
    return {g.seed, g.offset};
}

void detail::set_generator_state(RandomStream state) {
    Generator& g = generator();
    std::lock_guard lock(g.mutex);
    g.seed = state.seed;
    g.offset = state.offset;
}

void set_num_threads(int n) {
    if (n < 1) fail("set_num_threads: ", n, " threads, expected at least 1");
    kernels::set_num_threads(n);
}

int get_num_threads() { return kernels::get_num_threads(); }

std::string kernel_info() { return kernels::kernel_info(); }

}  // namespace nnfs
