// A steady-state training step (forward, loss, backward, optimizer step, zero_grad) allocates nothing.
// This binary replaces the global operator new (under TSan: hooks the sanitizer allocator) and counts the
// calls made while counting is on.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "nnfs/nnfs.hpp"

// Under ThreadSanitizer (the tsan preset) operator new cannot be replaced: clang links the TSan runtime
// statically and it defines operator new/delete itself. Its allocator calls __sanitizer_malloc_hook on
// every allocation instead (malloc and aligned_alloc included), which counts the same calls and more.
#if defined(__SANITIZE_THREAD__)
#define NNFS_TEST_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define NNFS_TEST_UNDER_TSAN 1
#endif
#endif

namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};

#ifdef NNFS_TEST_UNDER_TSAN
}  // namespace

extern "C" void __sanitizer_malloc_hook(const volatile void*, std::size_t) {
    if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
}
#else

void* counted(std::size_t n, std::size_t align) {
    if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
    const std::size_t a = align < alignof(std::max_align_t) ? alignof(std::max_align_t) : align;
    void* p = std::aligned_alloc(a, (n + a - 1) / a * a + (n == 0 ? a : 0));
    if (!p) throw std::bad_alloc();
    return p;
}
}  // namespace

void* operator new(std::size_t n) { return counted(n, 0); }
void* operator new[](std::size_t n) { return counted(n, 0); }
void* operator new(std::size_t n, std::align_val_t a) { return counted(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted(n, static_cast<std::size_t>(a)); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
#endif  // NNFS_TEST_UNDER_TSAN

namespace {

// Runs `steps` training steps over two alternating batches and returns the allocations counted.
template <class Optimizer>
long allocations_per_steps(nnfs::Sequential& net, Optimizer& opt, int64_t batch, int64_t features, int classes, int steps) {
    nnfs::Tensor x1({batch, features}), x2({batch, features});
    nnfs::kernels::uniform_fill(x1.data(), x1.numel(), -1.0f, 1.0f, 1, 0);
    nnfs::kernels::uniform_fill(x2.data(), x2.numel(), -1.0f, 1.0f, 2, 0);
    std::vector<int32_t> y(static_cast<size_t>(batch));
    for (size_t i = 0; i < y.size(); ++i) y[i] = static_cast<int32_t>(i % static_cast<size_t>(classes));
    nnfs::CrossEntropyLoss loss;
    auto step = [&](const nnfs::Tensor& x) {
        opt.zero_grad();
        loss.forward(net.forward(x), y);
        net.backward(loss.backward());
        opt.step();
    };
    step(x1);  // the first step at this batch size sizes every buffer
    step(x2);
    g_allocations = 0;
    g_counting = true;
    for (int s = 0; s < steps; ++s) step(s % 2 ? x1 : x2);
    g_counting = false;
    return g_allocations.load();
}

}  // namespace

TEST_CASE("the counter sees allocations, including the library's tensors") {
    g_allocations = 0;
    g_counting = true;
    nnfs::Tensor t({100});
    g_counting = false;
    CHECK(g_allocations.load() >= 1);
}

TEST_CASE("steady-state training step allocates nothing: MLP, BatchNorm, Dropout, Adam") {
    nnfs::manual_seed(1);
    nnfs::Sequential net;
    net.emplace<nnfs::Linear>(20, 64);
    net.emplace<nnfs::BatchNorm1d>(64);
    net.emplace<nnfs::ReLU>();
    net.emplace<nnfs::Dropout>(0.2f);
    net.emplace<nnfs::Linear>(64, 32);
    net.emplace<nnfs::Tanh>();
    net.emplace<nnfs::Linear>(32, 5);
    nnfs::Adam adam(net.parameters(), {.lr = 1e-3f});
    CHECK(allocations_per_steps(net, adam, 48, 20, 5, 6) == 0);
}

TEST_CASE("steady-state training step allocates nothing: SGD with Nesterov momentum, larger layers") {
    nnfs::manual_seed(2);
    nnfs::Sequential net;
    net.emplace<nnfs::Linear>(300, 256);
    net.emplace<nnfs::ReLU>();
    net.emplace<nnfs::Linear>(256, 10);
    nnfs::SGD sgd(net.parameters(), {.lr = 0.01f, .momentum = 0.9f, .nesterov = true});
    CHECK(allocations_per_steps(net, sgd, 128, 300, 10, 4) == 0);
}
