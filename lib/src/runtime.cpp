#include "nnfs/runtime.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>

#include "env_setting.hpp"
#include "nnfs/error.hpp"
#include "nnfs/kernels.hpp"

namespace nnfs {

void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }

detail::RandomStream detail::reserve_random(int64_t n) { return detail_reserve(current_generator(), n); }

detail::RandomStream detail::generator_state() { return detail_state(current_generator()); }

void detail::set_generator_state(RandomStream state) { detail_set_state(current_generator(), state); }

namespace {
std::atomic<bool>& anomaly_flag() {
    static std::atomic<bool> flag = [] {
        return kernels::detail::env_switch("NNFS_DETECT_ANOMALY");  // on for NNFS_DETECT_ANOMALY=1
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

bool set_flush_denormal(bool on) {
    kernels::set_flush_denormal(on);
    return true;
}

bool flush_denormal() { return kernels::flush_denormal(); }

std::string kernel_info() { return kernels::kernel_info(); }

}  // namespace nnfs
