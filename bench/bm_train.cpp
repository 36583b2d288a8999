// Full training steps (zero_grad, forward, CrossEntropy, backward, Adam step) in samples/s, and
// inference latency, for the configurations of train_configs.hpp (and c's inference at batch 1 and 64).
// Argument 1 of each benchmark is the thread count.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "bench_context.hpp"
#include "train_configs.hpp"
#include "nnfs/nnfs.hpp"

namespace {

using nnfs::bench::Batch;
using nnfs::bench::build;
using Config = nnfs::bench::TrainConfig;

void BM_train_step(benchmark::State& state, Config c) { nnfs::bench::train_steps(state, c); }

void BM_inference(benchmark::State& state, Config c) { nnfs::bench::inference_steps(state, c); }

using nnfs::bench::kConfigA;
using nnfs::bench::kConfigB;
using nnfs::bench::kConfigC256;
using nnfs::bench::kConfigC64;
using nnfs::bench::kConfigD;
using nnfs::bench::kConfigE;

#define NNFS_TRAIN_BENCH(name, config) \
    BENCHMARK_CAPTURE(BM_train_step, name, config)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()

NNFS_TRAIN_BENCH(a_4_16_8_3_b32, kConfigA);
NNFS_TRAIN_BENCH(b_64_128_64_10_b64, kConfigB);
NNFS_TRAIN_BENCH(c_784_256_128_10_b64, kConfigC64);
NNFS_TRAIN_BENCH(c_784_256_128_10_b256, kConfigC256);
NNFS_TRAIN_BENCH(d_784_512bn_256bn_10_b256, kConfigD);
NNFS_TRAIN_BENCH(e_1024x3_10_b512, kConfigE);
BENCHMARK_CAPTURE(BM_inference, c_b1, nnfs::bench::kInferenceC1)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK_CAPTURE(BM_inference, c_b64, nnfs::bench::kInferenceC64)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime();

}  // namespace

NNFS_BENCHMARK_MAIN()
