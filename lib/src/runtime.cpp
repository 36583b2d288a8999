#include "nnfs/runtime.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
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

namespace {
std::atomic<bool>& anomaly_flag() {
    static std::atomic<bool> flag = [] {
        const char* env = std::getenv("NNFS_DETECT_ANOMALY");
        return env && std::string(env) != "0" && std::string(env) != "";
    }();
    return flag;
}
}  // namespace

void set_detect_anomaly(bool on) { anomaly_flag().store(on, std::memory_order_relaxed); }

bool detect_anomaly() { return anomaly_flag().load(std::memory_order_relaxed); }

void detail::check_finite(const Tensor& t, const std::string& what) {
    const auto values = t.span();
    const auto bad = std::find_if(values.begin(), values.end(), [](float v) { return !std::isfinite(v); });
    if (bad == values.end()) return;
    // The flat index as a multi-index of the shape.
    int64_t flat = bad - values.begin();
    std::string index;
    for (int64_t d = t.dim() - 1; d >= 0; --d) {
        index = std::to_string(flat % t.shape()[d]) + (index.empty() ? "" : ", ") + index;
        flat /= t.shape()[d];
    }
    fail("anomaly: ", what, " has ", std::isnan(*bad) ? "NaN" : (*bad > 0 ? "+Inf" : "-Inf"), " at element [", index,
         "] of ", t.shape());
}

void set_num_threads(int n) {
    if (n < 1) fail("set_num_threads: ", n, " threads, expected at least 1");
    kernels::set_num_threads(n);
}

int get_num_threads() { return kernels::get_num_threads(); }

std::string kernel_info() { return kernels::kernel_info(); }

}  // namespace nnfs
