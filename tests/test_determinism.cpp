// Determinism: with one seed, a multi-epoch training run (DataLoader shuffling, Dropout, BatchNorm,
// AdamW) is bitwise identical when repeated and for 1, 2 and 3 kernel threads; the instruction-set
// paths (avx512, avx2, sse2 and the scalar reference) agree within a tolerance derived below.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "nnfs/nnfs.hpp"

namespace {

namespace k = nnfs::kernels;

// Every parameter (and BatchNorm buffer) of a network, in order, and the loss of every step.
struct Trained {
    std::vector<std::vector<float>> tensors;
    std::vector<float> losses;
    // Per tensor: the sum over steps of the largest |change| of an element in that step.
    std::vector<double> movement;
};

std::vector<std::vector<float>> snapshot(nnfs::Sequential& net) {
    std::vector<std::vector<float>> out;
    for (auto* p : net.parameters()) out.emplace_back(p->value.span().begin(), p->value.span().end());
    for (auto* b : net.buffers()) out.emplace_back(b->value.span().begin(), b->value.span().end());
    return out;
}

// 3 epochs of zero_grad, forward, loss, backward, step; the losses and the final tensors go into r,
// after_step() runs after every step.
template <class AfterStep>
void train_epochs(nnfs::Sequential& net, nnfs::CrossEntropyLoss& criterion, nnfs::Optimizer& opt,
                  nnfs::DataLoader& loader, Trained& r, AfterStep after_step) {
    for (int epoch = 0; epoch < 3; ++epoch)
        for (loader.start_epoch(); loader.next();) {
            opt.zero_grad();
            r.losses.push_back(criterion.forward(net.forward(loader.features()), loader.labels()));
            net.backward(criterion.backward());
            opt.step();
            after_step();
        }
    r.tensors = snapshot(net);
}

// 3 epochs over 200 samples in batches of 64 (the last one 8): 12 steps. Linear(128 -> 256) on a
// batch of 64 is 2^21 multiply-adds in each of its three products, where sgemm starts splitting the
// work among threads, so the threaded path is really taken.
Trained train_adamw() {
    nnfs::manual_seed(2024);
    const nnfs::Dataset data = nnfs::make_classification(200, 128, 24, 10, 77);
    nnfs::Sequential net;
    net.emplace<nnfs::Linear>(128, 256);
    net.emplace<nnfs::BatchNorm1d>(256);
    net.emplace<nnfs::ReLU>();
    net.emplace<nnfs::Dropout>(0.3f);
    net.emplace<nnfs::Linear>(256, 10);
    nnfs::CrossEntropyLoss criterion;
    nnfs::AdamW opt(net.parameters(), {.lr = 3e-3f, .weight_decay = 0.01f});
    nnfs::DataLoader loader(data, 64, {.shuffle = true, .seed = 5});
    Trained r;
    train_epochs(net, criterion, opt, loader, r, [] {});
    return r;
}

int64_t bitwise_mismatches(const Trained& a, const Trained& b) {
    int64_t n = 0;
    REQUIRE(a.tensors.size() == b.tensors.size());
    for (size_t t = 0; t < a.tensors.size(); ++t) {
        REQUIRE(a.tensors[t].size() == b.tensors[t].size());
        for (size_t i = 0; i < a.tensors[t].size(); ++i)
            n += std::memcmp(&a.tensors[t][i], &b.tensors[t][i], sizeof(float)) != 0;
    }
    REQUIRE(a.losses.size() == b.losses.size());
    for (size_t i = 0; i < a.losses.size(); ++i) n += std::memcmp(&a.losses[i], &b.losses[i], sizeof(float)) != 0;
    return n;
}

}  // namespace

TEST_CASE("multi-epoch training is bitwise identical across runs and for 1, 2 and 3 threads") {
    const int saved = nnfs::get_num_threads();
    nnfs::set_num_threads(1);
    const Trained one = train_adamw();
    CHECK(one.losses.size() == 12);
    for (int threads : {2, 3, 2}) {  // 2 twice: a repeated run
        CAPTURE(threads);
        nnfs::set_num_threads(threads);
        CHECK(bitwise_mismatches(train_adamw(), one) == 0);
    }
    nnfs::set_num_threads(saved);
}

namespace {

// The instruction-set comparison trains a smooth network with SGD + momentum:
// Linear(32 -> 64), Tanh, BatchNorm1d, Dropout, Linear(64 -> 3); 3 epochs of batches of 32: 24 steps.
// (With Adam the update m / (sqrt(v) + eps) normalises each gradient, so an element whose gradient is
// zero in exact arithmetic and rounding noise in floats moves by about lr per step in a direction the
// noise decides: no rounding-error bound holds for it. SGD's update is linear in the gradient.)
constexpr int kSteps = 24;
constexpr int kHidden = 64, kBatch = 32, kLayers = 2;

Trained train_sgd() {
    nnfs::manual_seed(99);
    const nnfs::Dataset data = nnfs::make_classification(256, 32, 8, 3, 12);
    nnfs::Sequential net;
    net.emplace<nnfs::Linear>(32, kHidden);
    net.emplace<nnfs::Tanh>();
    net.emplace<nnfs::BatchNorm1d>(kHidden);
    net.emplace<nnfs::Dropout>(0.2f);
    net.emplace<nnfs::Linear>(kHidden, 3);
    nnfs::CrossEntropyLoss criterion;
    nnfs::SGD opt(net.parameters(), {.lr = 0.05f, .momentum = 0.9f});
    nnfs::DataLoader loader(data, kBatch, {.shuffle = true, .seed = 3});
    Trained r;
    auto before = snapshot(net);
    r.movement.assign(before.size(), 0.0);
    train_epochs(net, criterion, opt, loader, r, [&] {
        auto after = snapshot(net);
        for (size_t t = 0; t < after.size(); ++t) {
            double largest = 0;
            for (size_t i = 0; i < after[t].size(); ++i)
                largest = std::max(largest, std::abs(double{after[t][i]} - double{before[t][i]}));
            r.movement[t] += largest;
        }
        before = std::move(after);
    });
    return r;
}

}  // namespace

// The tolerance. The paths may differ in three places (README, "Kernels and benchmarks"): SGEMM
// (blocking, summation order, FMA or not), the reductions (column sums, BatchNorm statistics, loss sums:
// float runs of 8 per lane, then double) and exp/log/tanh (within about 2e-7, under 4 u, relative).
// A float sum of K products in any order, fused or not, is within gamma_K * sum|x_i y_i| of the exact
// one (gamma_K = K u / (1 - K u), u = 2^-24), so two paths differ by at most 2 gamma_K relative to the
// absolute sum. The stages of one step whose rounding may differ: 3 products per Linear (forward, dX,
// dW: 3 L = 6, at most K = max(hidden, batch) = 64 terms), BatchNorm's mean and variance forward and its
// two sums backward, the loss's sums (5 reductions over at most 64 terms: gamma_64 bounds them too), and
// tanh, exp and log (3 x 4 u). To first order the relative errors of a chain add, so one step's
// gradients differ by at most
//     eps_step = 2 * ((3 L + 5) * gamma_64 + 3 * 4 u)
// relative to their scale. SGD's update is linear in the gradient, so step s moves an element by a
// difference of at most eps_step times that step's largest update; a difference made at one step
// perturbs the later steps' gradients once more (worst case: every earlier step's error re-enters
// each later step), so after S steps
//     |theta_path - theta_ref| <= S * eps_step * sum_s max|update_s|        (per tensor)
// Here: gamma_64 = 3.8e-6, eps_step = 8.5e-5, S = 24: 2.0e-3 of the tensor's total movement. A
// worst-case bound (rounding errors mostly cancel, growing like sqrt(K) rather than K): the measured
// differences, printed by the test, are far smaller.
TEST_CASE("instruction-set paths agree within the derived rounding bound") {
    const double u = std::ldexp(1.0, -24);
    const double gamma = kHidden * u / (1 - kHidden * u);
    static_assert(kHidden >= kBatch, "K is the largest inner dimension");
    constexpr int kReductions = 5, kTranscendentals = 3;
    const double eps_step = 2.0 * ((3 * kLayers + kReductions) * gamma + kTranscendentals * 4 * u);
    const double bound = kSteps * eps_step;

    const k::Isa saved = k::current_isa();
    k::set_max_isa(k::Isa::Reference);
    const Trained ref = train_sgd();
    REQUIRE(ref.losses.size() == kSteps);
    for (k::Isa isa : {k::Isa::SSE2, k::Isa::AVX2, k::Isa::AVX512}) {
        if (k::set_max_isa(isa) != isa) {
            MESSAGE(k::isa_name(isa), " not supported here: skipped");
            continue;
        }
        const std::string isa_name = k::isa_name(isa);
        CAPTURE(isa_name);
        const Trained got = train_sgd();
        REQUIRE(got.tensors.size() == ref.tensors.size());
        double worst = 0;  // largest difference as a share of its tolerance
        for (size_t t = 0; t < ref.tensors.size(); ++t) {
            CAPTURE(t);
            const double tol = bound * ref.movement[t];
            double diff = 0;
            for (size_t i = 0; i < ref.tensors[t].size(); ++i)
                diff = std::max(diff, std::abs(double{got.tensors[t][i]} - double{ref.tensors[t][i]}));
            CHECK(diff <= tol);
            if (tol > 0) worst = std::max(worst, diff / tol);
        }
        MESSAGE(isa_name, " vs ref after ", kSteps, " SGD steps: largest difference ", worst,
                " of the tolerance (", bound, " of each tensor's movement)");
    }
    k::set_max_isa(saved);
}
