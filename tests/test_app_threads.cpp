// Threads of the application: separate models, data sets, loaders and metrics used from several
// std::threads at once give bitwise the results of the same work done one at a time; the random
// generators (one process-wide default, per-thread ones through GeneratorGuard) behave as
// lib/nnfs/runtime.hpp documents; OpenMP kernels run inside application threads. Meant to run under
// the tsan preset too (ctest --preset tsan), where ThreadSanitizer checks these same runs for races.
#include <doctest/doctest.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <latch>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "nnfs/nnfs.hpp"
#include "split_threads.hpp"  // detail::team_high_water

namespace {

constexpr int kWorkers = 4;

bool bitwise_equal(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

void append(std::vector<float>& out, const nnfs::Tensor& t) { out.insert(out.end(), t.span().begin(), t.span().end()); }

// Runs work(i) for i in [0, n) on n threads that start together (a latch), so the runs overlap.
void run_at_once(int n, const std::function<void(int)>& work) {
    std::latch start(n);
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i)
        threads.emplace_back([&, i] {
            start.arrive_and_wait();
            work(i);
        });
    for (auto& t : threads) t.join();
}

// Everything one training run produces; compared bitwise.
struct Run {
    std::vector<float> losses;    // every step
    std::vector<float> state;     // every parameter and buffer (BatchNorm running statistics) after training
    std::vector<float> eval_out;  // eval-mode logits on the held-out part
    std::vector<int32_t> predicted;
    std::string report;           // classification report on the held-out part
    int64_t profiled_calls = 0;   // this model's own Profiler
};

// Builds, trains (2 epochs of mini-batches: Adam, BatchNorm, Dropout, shuffling) and evaluates a model
// on its own synthetic data. With own_generator the thread draws from its own Generator(seed);
// otherwise it seeds and uses the default generator (only meaningful one thread at a time).
Run train_model(uint64_t seed, bool own_generator = true) {
    nnfs::Generator gen(seed);
    std::optional<nnfs::GeneratorGuard> use;
    if (own_generator)
        use.emplace(gen);
    else
        nnfs::manual_seed(seed);
    const nnfs::Dataset data = nnfs::make_classification(160, 12, 6, 3, seed);
    auto [train, test] = nnfs::train_test_split(data, 0.25, seed);
    nnfs::Standardizer z;
    z.fit(train.features);
    z.transform(train.features);
    z.transform(test.features);

    nnfs::Sequential net;
    net.emplace<nnfs::Linear>(12, 32);
    net.emplace<nnfs::BatchNorm1d>(32);
    net.emplace<nnfs::ReLU>();
    net.emplace<nnfs::Dropout>(0.25f);
    net.emplace<nnfs::Linear>(32, 3, nnfs::Init::HeNormal);
    nnfs::Profiler profiler;
    net.set_profiler(&profiler);
    nnfs::CrossEntropyLoss criterion;
    nnfs::Adam opt(net.parameters(), {.lr = 0.01f});
    nnfs::DataLoader loader(train, 32, {.shuffle = true, .seed = seed});
    Run r;
    for (int epoch = 0; epoch < 2; ++epoch)
        for (loader.start_epoch(); loader.next();) {
            opt.zero_grad();
            r.losses.push_back(criterion.forward(net.forward(loader.features()), loader.labels()));
            net.backward(criterion.backward());
            opt.step();
        }
    net.eval();
    const nnfs::Tensor& out = net.forward(test.features);
    append(r.eval_out, out);
    r.predicted = nnfs::argmax(out);
    r.report = nnfs::classification_report(nnfs::confusion_matrix(r.predicted, test.labels, 3)).str();
    for (auto* p : net.parameters()) append(r.state, p->value);
    for (auto* b : net.buffers()) append(r.state, b->value);
    for (const auto& row : profiler.rows()) r.profiled_calls += row.calls;
    return r;
}

void check_same(const Run& got, const Run& want, int worker) {
    CAPTURE(worker);
    CHECK(bitwise_equal(got.losses, want.losses));
    CHECK(bitwise_equal(got.state, want.state));
    CHECK(bitwise_equal(got.eval_out, want.eval_out));
    CHECK(got.predicted == want.predicted);
    CHECK(got.report == want.report);
    CHECK(got.profiled_calls == want.profiled_calls);
}

}  // namespace

TEST_CASE("the tests run with the thread count the environment asks for (OMP_NUM_THREADS)") {
    // Under the tsan preset OMP_NUM_THREADS=2: the kernels must really fork 2 OpenMP threads there,
    // or ThreadSanitizer would check nothing of the kernels' threading.
    const char* env = std::getenv("OMP_NUM_THREADS");
    if (!env) return;
    const int want = std::atoi(env);
    CHECK(nnfs::get_num_threads() == want);
    int team = 0;
#pragma omp parallel num_threads(want)
    {
#pragma omp single
        team = omp_get_num_threads();
    }
    CHECK(team == want);
    // And the kernels' own team: a product above the threading threshold on the default thread count.
    std::vector<float> A(256 * 256, 0.5f), B(256 * 256, 0.25f), C(256 * 256);
    nnfs::kernels::detail::team_high_water() = 0;
    nnfs::kernels::sgemm(nnfs::kernels::Trans::No, nnfs::kernels::Trans::No, 256, 256, 256, 1.0f, A.data(), 256,
                         B.data(), 256, 0.0f, C.data(), 256);
    CHECK(nnfs::kernels::detail::team_high_water() == want);
}

TEST_CASE("models trained in several application threads at once match the same runs one at a time") {
    std::vector<Run> one_at_a_time;
    for (int i = 0; i < kWorkers; ++i) one_at_a_time.push_back(train_model(100 + static_cast<uint64_t>(i)));
    // Different seeds give different runs (else the comparison below would prove little).
    CHECK_FALSE(bitwise_equal(one_at_a_time[0].state, one_at_a_time[1].state));

    for (int threads : {1, 2}) {  // kernel threads inside each application thread
        CAPTURE(threads);
        const int saved = nnfs::get_num_threads();
        nnfs::set_num_threads(threads);
        std::vector<Run> at_once(kWorkers);
        run_at_once(kWorkers, [&](int i) { at_once[static_cast<size_t>(i)] = train_model(100 + static_cast<uint64_t>(i)); });
        nnfs::set_num_threads(saved);
        for (int i = 0; i < kWorkers; ++i) check_same(at_once[static_cast<size_t>(i)], one_at_a_time[static_cast<size_t>(i)], i);
    }
}

TEST_CASE("Generator(seed) under a GeneratorGuard gives the run manual_seed(seed) gives on the default generator") {
    const Run own = train_model(7, true);
    const Run global = train_model(7, false);
    check_same(own, global, 0);
}

TEST_CASE("the default generator is one stream: concurrent draws get disjoint slices of it") {
    constexpr int kLayers = 6;
    // Reference: the same layers made one at a time.
    nnfs::manual_seed(5);
    std::vector<std::vector<float>> sequential;
    for (int i = 0; i < kWorkers * kLayers; ++i) {
        nnfs::Linear layer(16, 16);
        sequential.emplace_back(layer.weight().value.span().begin(), layer.weight().value.span().end());
    }
    const uint64_t end = nnfs::detail::generator_state().offset;
    CHECK(end == uint64_t{kWorkers * kLayers * 16 * 16 / 4});  // 4 values per Philox block

    nnfs::manual_seed(5);
    std::vector<std::vector<std::vector<float>>> made(kWorkers);
    run_at_once(kWorkers, [&](int w) {
        for (int i = 0; i < kLayers; ++i) {
            nnfs::Linear layer(16, 16);
            made[static_cast<size_t>(w)].emplace_back(layer.weight().value.span().begin(),
                                                      layer.weight().value.span().end());
        }
    });
    CHECK(nnfs::detail::generator_state().offset == end);
    // Which thread got which slice depends on scheduling; the slices are exactly the sequential ones.
    std::vector<std::vector<float>> concurrent;
    for (auto& m : made) concurrent.insert(concurrent.end(), m.begin(), m.end());
    std::sort(sequential.begin(), sequential.end());
    std::sort(concurrent.begin(), concurrent.end());
    CHECK(concurrent == sequential);
}

TEST_CASE("a GeneratorGuard affects its own thread only, and guards nest") {
    nnfs::manual_seed(9);
    nnfs::Generator mine(1), other(2);
    CHECK(&nnfs::current_generator() == &nnfs::default_generator());
    run_at_once(2, [&](int w) {
        if (w == 0) {
            nnfs::GeneratorGuard use(mine);
            nnfs::Linear a(8, 8);  // 64 values: 16 blocks of mine
            {
                nnfs::GeneratorGuard inner(other);
                nnfs::Linear b(8, 4);  // 32 values: 8 blocks of other
            }
            nnfs::Linear c(4, 4);  // back to mine: 4 more blocks
        } else {
            nnfs::Linear d(4, 8);  // no guard: 8 blocks of the default generator
        }
    });
    CHECK(&nnfs::current_generator() == &nnfs::default_generator());
    CHECK(nnfs::detail::generator_state().seed == 9);
    CHECK(nnfs::detail::generator_state().offset == 8);
    {
        nnfs::GeneratorGuard use(mine);
        CHECK(&nnfs::current_generator() == &mine);
        CHECK(nnfs::detail::generator_state().offset == 20);
        nnfs::GeneratorGuard inner(other);
        CHECK(nnfs::detail::generator_state().offset == 8);
    }
    CHECK(mine.seed() == 1);
    // manual_seed seeds the default generator only.
    nnfs::manual_seed(3);
    CHECK(mine.seed() == 1);
    CHECK(nnfs::default_generator().seed() == 3);
}

TEST_CASE("concurrent inference on separate models matches inference one at a time") {
    // Big enough for the kernels' OpenMP threads (256 x 256 x 64 multiply-adds per Linear).
    std::vector<std::unique_ptr<nnfs::Sequential>> nets;
    std::vector<nnfs::Tensor> inputs;
    std::vector<std::vector<float>> want;
    for (int i = 0; i < kWorkers; ++i) {
        nnfs::Generator gen(200 + static_cast<uint64_t>(i));
        nnfs::GeneratorGuard use(gen);
        auto net = std::make_unique<nnfs::Sequential>();
        net->emplace<nnfs::Linear>(64, 256);
        net->emplace<nnfs::Tanh>();
        net->emplace<nnfs::Linear>(256, 64);
        net->emplace<nnfs::Dropout>(0.5f);  // identity in eval mode
        net->eval();
        nnfs::Tensor x({256, 64});
        nnfs::kernels::uniform_fill(x.data(), x.numel(), -1.0f, 1.0f, 300 + static_cast<uint64_t>(i), 0);
        want.emplace_back();
        append(want.back(), net->forward(x));
        nets.push_back(std::move(net));
        inputs.push_back(std::move(x));
    }
    const int saved = nnfs::get_num_threads();
    nnfs::set_num_threads(2);
    std::vector<int> mismatches(kWorkers, 0);
    run_at_once(kWorkers, [&](int w) {
        const size_t i = static_cast<size_t>(w);
        for (int rep = 0; rep < 5; ++rep) {
            std::vector<float> got;
            append(got, nets[i]->forward(inputs[i]));
            mismatches[i] += !bitwise_equal(got, want[i]);
        }
    });
    nnfs::set_num_threads(saved);
    for (int i = 0; i < kWorkers; ++i) {
        CAPTURE(i);
        CHECK(mismatches[static_cast<size_t>(i)] == 0);
    }
}

namespace {

// What one thread computes from a CSV file: the data read, its split, standardized features, every
// batch of a shuffled epoch, and metrics of a fixed rule's predictions.
struct DataWork {
    std::vector<float> values;
    std::vector<int32_t> labels;
    std::string report;
    double accuracy = 0;
};

DataWork data_work(const std::string& path, const nnfs::Dataset& shared, const nnfs::Standardizer& shared_z,
                   uint64_t seed) {
    DataWork r;
    nnfs::Dataset data = nnfs::read_csv(path);
    append(r.values, data.features);
    auto [train, test] = nnfs::train_test_split(data, 0.3, seed);
    nnfs::Standardizer z;
    z.fit(train.features);
    z.transform(train.features);
    append(r.values, train.features);
    nnfs::Tensor copy = test.features;  // a fitted Standardizer shared (read-only) by every thread
    shared_z.transform(copy);
    append(r.values, copy);
    // Loaders over a Dataset shared (read-only) by every thread.
    nnfs::DataLoader loader(shared, 17, {.shuffle = true, .seed = seed});
    for (int epoch = 0; epoch < 2; ++epoch)
        for (loader.start_epoch(); loader.next();) {
            append(r.values, loader.features());
            r.labels.insert(r.labels.end(), loader.labels().begin(), loader.labels().end());
        }
    const std::vector<int32_t> predicted = nnfs::argmax(test.features);  // a fixed rule: the largest feature
    std::vector<int32_t> clipped(predicted.size());
    std::transform(predicted.begin(), predicted.end(), clipped.begin(), [](int32_t p) { return p % 3; });
    r.accuracy = nnfs::accuracy(clipped, test.labels);
    r.report = nnfs::classification_report(nnfs::confusion_matrix(clipped, test.labels, 3)).str();
    return r;
}

}  // namespace

TEST_CASE("CSV reading, splitting, data loading and metrics in several threads at once") {
    const nnfs::Dataset made = nnfs::make_classification(120, 5, 3, 3, 11);
    const std::string path =
        (std::filesystem::temp_directory_path() / ("nnfs_app_threads_" + std::to_string(::getpid()) + ".csv")).string();
    {
        std::ofstream out(path);
        out << "a,b,c,d,e,label\n";
        out.precision(9);
        for (int64_t i = 0; i < made.size(); ++i) {
            for (int64_t j = 0; j < 5; ++j) out << made.features.t(i, j) << ',';
            out << made.labels[static_cast<size_t>(i)] << '\n';
        }
    }
    nnfs::Standardizer z;
    z.fit(made.features);
    std::vector<DataWork> want;
    for (int i = 0; i < kWorkers; ++i) want.push_back(data_work(path, made, z, 40 + static_cast<uint64_t>(i)));
    std::vector<DataWork> got(kWorkers);
    run_at_once(kWorkers,
                [&](int i) { got[static_cast<size_t>(i)] = data_work(path, made, z, 40 + static_cast<uint64_t>(i)); });
    std::filesystem::remove(path);
    for (size_t i = 0; i < kWorkers; ++i) {
        CAPTURE(i);
        CHECK(bitwise_equal(got[i].values, want[i].values));
        CHECK(got[i].labels == want[i].labels);
        CHECK(got[i].report == want[i].report);
        CHECK(got[i].accuracy == want[i].accuracy);
    }
}

TEST_CASE("OpenMP inside application threads: two threads each run a 2-thread sgemm") {
    namespace k = nnfs::kernels;
    // Both above the threading threshold (2^21 multiply-adds): 192 x 160 x 128 takes the direct path,
    // 256 x 256 x 256 the packed one (with its per-thread packing buffers).
    struct Size {
        int64_t M, N, K;
    };
    for (const Size s : {Size{192, 160, 128}, Size{256, 256, 256}}) {
        const int64_t M = s.M, N = s.N, K = s.K;
        CAPTURE(M);
        std::vector<std::vector<float>> A(2), B(2), want(2);
        for (size_t i = 0; i < 2; ++i) {
            A[i].resize(static_cast<size_t>(M * K));
            B[i].resize(static_cast<size_t>(K * N));
            k::uniform_fill(A[i].data(), M * K, -1.0f, 1.0f, 50 + i, 0);
            k::uniform_fill(B[i].data(), K * N, -1.0f, 1.0f, 60 + i, 0);
        }
        const int saved = nnfs::get_num_threads();
        nnfs::set_num_threads(1);
        for (size_t i = 0; i < 2; ++i) {
            want[i].assign(static_cast<size_t>(M * N), 0.0f);
            k::sgemm(k::Trans::No, k::Trans::No, M, N, K, 1.0f, A[i].data(), K, B[i].data(), N, 0.0f, want[i].data(), N);
        }
        nnfs::set_num_threads(2);
        std::vector<std::vector<float>> got(2, std::vector<float>(static_cast<size_t>(M * N), 0.0f));
        std::vector<int> team(2, 0);
        run_at_once(2, [&](int w) {
            const size_t i = static_cast<size_t>(w);
            k::detail::team_high_water() = 0;  // this application thread's record
            for (int rep = 0; rep < 3; ++rep)
                k::sgemm(k::Trans::No, k::Trans::No, M, N, K, 1.0f, A[i].data(), K, B[i].data(), N, 0.0f, got[i].data(),
                         N);
            // Each application thread's sgemm forked its own team of the size asked for.
            team[i] = k::detail::team_high_water();
        });
        nnfs::set_num_threads(saved);
        for (size_t i = 0; i < 2; ++i) {
            CAPTURE(i);
            CHECK(bitwise_equal(got[i], want[i]));
            CHECK(team[i] == 2);
        }
    }
}

TEST_CASE("set_num_threads, set_max_isa and set_detect_anomaly are process-wide") {
    namespace k = nnfs::kernels;
    const int saved = nnfs::get_num_threads();
    const bool anomaly = nnfs::detect_anomaly();
    const k::Isa isa = k::current_isa();
    std::thread([] {
        nnfs::set_num_threads(3);
        nnfs::set_detect_anomaly(true);
        k::set_max_isa(k::Isa::Reference);
    }).join();
    CHECK(nnfs::get_num_threads() == 3);
    CHECK(nnfs::detect_anomaly());
    CHECK(k::current_isa() == k::Isa::Reference);
    nnfs::set_num_threads(saved);
    nnfs::set_detect_anomaly(anomaly);
    k::set_max_isa(isa);
}
