// libnnfs against libtorch (the C++ API a user would pick instead) on the same training step, and on
// the same inference (eval mode, forward only; libtorch under InferenceMode, its fastest way to run a
// forward): the same model, the same initial weights, the same batches, registered side by side so a run
// interleaves them (add --benchmark_enable_random_interleaving=true --benchmark_repetitions=N).
// Built only when CMake finds Torch (Debian libtorch-dev). Argument: threads.
#include <benchmark/benchmark.h>
#include <cmath>
#include <torch/torch.h>

#include "../bench_context.hpp"
#include "../train_configs.hpp"

namespace {

using nnfs::bench::Batch;
using nnfs::bench::TrainConfig;

// The libtorch twin of nnfs::bench::build, with the libnnfs model's initial weights.
torch::nn::Sequential torch_model(nnfs::Sequential& net, const TrainConfig& c) {
    torch::nn::Sequential seq;
    size_t layer = 0;
    for (size_t i = 0; i + 1 < c.sizes.size(); ++i) {
        auto& ours = static_cast<nnfs::Linear&>(net[layer]);
        torch::nn::Linear linear(c.sizes[i], c.sizes[i + 1]);
        {
            torch::NoGradGuard no_grad;
            linear->weight.copy_(torch::from_blob(ours.weight().data(), {c.sizes[i + 1], c.sizes[i]}));
            linear->bias.copy_(torch::from_blob(ours.bias().data(), {c.sizes[i + 1]}));
        }
        seq->push_back(linear);
        ++layer;
        if (i + 2 == c.sizes.size()) break;
        if (c.batchnorm_dropout) seq->push_back(torch::nn::BatchNorm1d(c.sizes[i + 1])), ++layer;
        seq->push_back(torch::nn::ReLU()), ++layer;
        if (c.batchnorm_dropout) seq->push_back(torch::nn::Dropout(0.2)), ++layer;
    }
    return seq;
}

void BM_nnfs(benchmark::State& state, TrainConfig c) { nnfs::bench::train_steps(state, c); }

void BM_torch(benchmark::State& state, TrainConfig c) {
    const int threads = static_cast<int>(state.range(0));
    at::set_num_threads(threads);
    nnfs::manual_seed(0);
    nnfs::Sequential net;  // only for its initial weights
    nnfs::bench::build(net, c);
    torch::nn::Sequential model = torch_model(net, c);
    torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-3));
    auto to_torch = [&](const Batch& b) {
        std::vector<int64_t> labels(b.y.begin(), b.y.end());
        return std::make_pair(torch::from_blob(const_cast<float*>(b.x.data()), {c.batch, c.sizes.front()}).clone(),
                              torch::tensor(labels, torch::kLong));
    };
    const auto b1 = to_torch(Batch(c.batch, c.sizes.front(), c.sizes.back(), 1));
    const auto b2 = to_torch(Batch(c.batch, c.sizes.front(), c.sizes.back(), 2));
    int64_t step = 0;
    for (auto _ : state) {
        const auto& b = (step++ % 2) ? b1 : b2;
        opt.zero_grad();
        torch::Tensor loss = torch::nn::functional::cross_entropy(model->forward(b.first), b.second);
        loss.backward();
        opt.step();
        benchmark::DoNotOptimize(loss.data_ptr());
    }
    state.counters["samples/s"] = benchmark::Counter(static_cast<double>(c.batch), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_nnfs_inference(benchmark::State& state, TrainConfig c) { nnfs::bench::inference_steps(state, c); }

void BM_torch_inference(benchmark::State& state, TrainConfig c) {
    at::set_num_threads(static_cast<int>(state.range(0)));
    nnfs::manual_seed(0);
    nnfs::Sequential net;
    nnfs::bench::build(net, c);
    torch::nn::Sequential model = torch_model(net, c);
    model->eval();
    const Batch b(c.batch, c.sizes.front(), c.sizes.back(), 3);
    const torch::Tensor x = torch::from_blob(const_cast<float*>(b.x.data()), {c.batch, c.sizes.front()}).clone();
    c10::InferenceMode inference;
    {  // the same model: libtorch's logits agree with libnnfs's
        net.eval();
        const nnfs::Tensor& ours = net.forward(b.x);
        const torch::Tensor theirs = model->forward(x).contiguous();
        for (int64_t i = 0; i < ours.numel(); ++i)
            if (std::abs(ours.data()[i] - theirs.data_ptr<float>()[i]) > 1e-4f * (1.0f + std::abs(ours.data()[i]))) {
                state.SkipWithError("libtorch's logits differ from libnnfs's");
                return;
            }
    }
    for (auto _ : state) {
        torch::Tensor y = model->forward(x);
        benchmark::DoNotOptimize(y.data_ptr());
    }
    state.counters["samples/s"] = benchmark::Counter(static_cast<double>(c.batch), benchmark::Counter::kIsIterationInvariantRate);
}

#define NNFS_VERSUS_TORCH(name, config)                                                                     \
    BENCHMARK_CAPTURE(BM_nnfs, name, config)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime();           \
    BENCHMARK_CAPTURE(BM_torch, name, config)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()

NNFS_VERSUS_TORCH(a, nnfs::bench::kConfigA);
NNFS_VERSUS_TORCH(b, nnfs::bench::kConfigB);
NNFS_VERSUS_TORCH(c_b64, nnfs::bench::kConfigC64);
NNFS_VERSUS_TORCH(c_b256, nnfs::bench::kConfigC256);
NNFS_VERSUS_TORCH(d, nnfs::bench::kConfigD);
NNFS_VERSUS_TORCH(e, nnfs::bench::kConfigE);

// (named BM_nnfs / BM_torch too, so that scripts/compare_train.py's filters take them with the rest)
#define NNFS_INFERENCE_VERSUS_TORCH(name, config)                                                                 \
    BENCHMARK_CAPTURE(BM_nnfs_inference, name, config)->Name("BM_nnfs/" #name)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime(); \
    BENCHMARK_CAPTURE(BM_torch_inference, name, config)->Name("BM_torch/" #name)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()

NNFS_INFERENCE_VERSUS_TORCH(c_inf_b1, nnfs::bench::kInferenceC1);
NNFS_INFERENCE_VERSUS_TORCH(c_inf_b64, nnfs::bench::kInferenceC64);

}  // namespace

NNFS_BENCHMARK_MAIN()
