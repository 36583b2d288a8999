// Profiler and Sequential::summary.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>

#include <unistd.h>

#include "nnfs/nnfs.hpp"

namespace {
void build(nnfs::Sequential& net) {
    net.emplace<nnfs::Linear>(8, 32);
    net.emplace<nnfs::ReLU>();
    net.emplace<nnfs::BatchNorm1d>(32);
    net.emplace<nnfs::Linear>(32, 4);
}
}  // namespace

TEST_CASE("summary lists layers, output shapes and parameter counts") {
    nnfs::Sequential net;
    build(net);
    const std::string s = net.summary({16, 8});
    CHECK(s.find("Linear(8 -> 32)") != std::string::npos);
    CHECK(s.find("[16, 32]") != std::string::npos);
    CHECK(s.find("[16, 4]") != std::string::npos);
    CHECK(s.find("288") != std::string::npos);  // 8 * 32 + 32
    const int64_t total = 8 * 32 + 32 + 2 * 32 + 32 * 4 + 4;
    CHECK(net.parameter_count() == total);
    CHECK(s.find(std::to_string(total) + " trainable parameters") != std::string::npos);
    CHECK(net.output_shape({5, 8}) == nnfs::Shape{5, 4});
    CHECK_THROWS_WITH_AS(net.summary({16, 9}), doctest::Contains("[16, 9]"), nnfs::Error);
}

TEST_CASE("summary: a name or shape longer than its column still leaves a space before the next one") {
    // Found by a user trial: a nested Sequential's name ran straight into its output shape.
    nnfs::Sequential net;
    auto inner = std::make_unique<nnfs::Sequential>();
    inner->emplace<nnfs::Dropout>(0.5f);
    inner->emplace<nnfs::BatchNorm1d>(5);
    net.add(std::move(inner));
    const std::string s = net.summary({123456, 5});
    const std::string name = net[0].name();
    REQUIRE(name.size() >= 32);
    CHECK(s.find(name + " [123456, 5]") != std::string::npos);
    CHECK(s.find("[123456, 5]") != std::string::npos);
    nnfs::Sequential small;
    small.emplace<nnfs::Linear>(5, 3);
    const std::string w = small.summary({123456789012, 5});  // (shapes only: nothing of that size is made)
    CHECK(w.find("[123456789012, 3] " + std::string(9, ' ') + "18\n") != std::string::npos);
}

// Found by an outside audit: rows were keyed by layer index alone, so a second model's ReLU was counted
// under the first model's Linear.
TEST_CASE("profiler: two models taking turns on one profiler keep their own rows") {
    nnfs::Sequential a, b;
    build(a);
    b.emplace<nnfs::Linear>(8, 4);
    b.emplace<nnfs::Sigmoid>();
    nnfs::Profiler profiler;
    a.set_profiler(&profiler);
    b.set_profiler(&profiler);
    const nnfs::Tensor x = nnfs::Tensor::full({3, 8}, 0.25f);
    a.forward(x);
    b.forward(x);
    b.forward(x);
    REQUIRE(profiler.rows().size() == 6);  // a: 4 layers, b: 2, forward only
    for (const auto& row : profiler.rows()) {
        CHECK(row.calls == (row.module == &a[row.layer] ? 1 : 2));
        CHECK(row.name == row.module->name());
    }
}

// A user's module may name itself anything: the trace escapes it as JSON, the table widens its columns.
TEST_CASE("profiler: any module name in the trace and the table") {
    struct Named : nnfs::Module {
        const nnfs::Tensor& forward(const nnfs::Tensor& x) override { return out = x; }
        const nnfs::Tensor& backward(const nnfs::Tensor& g) override { return grad = g; }
        std::string name() const override { return "say \"hi\" \\ then\nnewline and a long tail past the column"; }
        nnfs::Tensor out, grad;
    };
    nnfs::Sequential net;
    net.emplace<nnfs::Linear>(3, 2);
    net.add(std::make_unique<Named>());
    nnfs::Profiler profiler;
    net.set_profiler(&profiler);
    net.forward(nnfs::Tensor::full({2, 3}, 1.0f));
    const std::string path = (std::filesystem::temp_directory_path() / ("nnfs_trace_names_" + std::to_string(::getpid()) + ".json")).string();
    profiler.write_chrome_trace(path);
    std::ifstream in(path);
    const std::string trace((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::filesystem::remove(path);
    CHECK(trace.find("say \\\"hi\\\" \\\\ then\\u000anewline") != std::string::npos);
    // Table: the phase column starts at the same place on every line.
    std::istringstream table(profiler.table());
    std::string line;
    std::getline(table, line);
    const size_t phase_at = line.find("phase");
    int rows = 0;
    while (std::getline(table, line)) {
        if (line.rfind("total", 0) == 0) break;
        const size_t at = line.find("forward");
        CHECK_MESSAGE(at == phase_at, line);
        ++rows;
    }
    CHECK(rows == 2);
}

TEST_CASE("profiler counts calls per layer and phase, FLOPs of Linear, and writes a trace") {
    nnfs::Sequential net;
    build(net);
    nnfs::Profiler profiler;
    net.set_profiler(&profiler);
    nnfs::Tensor x = nnfs::Tensor::full({16, 8}, 0.5f);
    nnfs::kernels::uniform_fill(x.data(), x.numel(), -1.0f, 1.0f, 3, 0);
    nnfs::Tensor grad = nnfs::Tensor::full({16, 4}, 0.1f);
    for (int step = 0; step < 3; ++step) {
        net.forward(x);
        net.backward(grad);
    }
    REQUIRE(profiler.rows().size() == 8);  // 4 layers x 2 phases
    for (const auto& row : profiler.rows()) {
        CHECK(row.calls == 3);
        CHECK(row.seconds >= 0.0);
        if (row.layer == 0) {
            const double fwd = 2.0 * 16 * 8 * 32;
            CHECK(row.flops == doctest::Approx(3 * (row.phase == nnfs::Profiler::Phase::Forward ? fwd : 2 * fwd)));
        }
        if (row.layer == 1) CHECK(row.flops == 0.0);
    }
    const std::string table = profiler.table();
    CHECK(table.find("Linear(32 -> 4)") != std::string::npos);
    CHECK(table.find("backward") != std::string::npos);
    CHECK(table.find("GFLOP/s") != std::string::npos);

    const std::string path = (std::filesystem::temp_directory_path() / ("nnfs_trace_" + std::to_string(::getpid()) + ".json")).string();
    profiler.write_chrome_trace(path);
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    const std::string json = text.str();
    CHECK(json.rfind("{\"displayTimeUnit\"", 0) == 0);
    size_t events = 0;
    for (size_t at = json.find("\"ph\":\"X\""); at != std::string::npos; at = json.find("\"ph\":\"X\"", at + 1)) ++events;
    CHECK(events == 24);
    std::filesystem::remove(path);

    // Switched off, nothing more is recorded.
    net.set_profiler(nullptr);
    net.forward(x);
    CHECK(profiler.rows()[0].calls == 3);
    profiler.reset();
    CHECK(profiler.rows().empty());
    CHECK_THROWS_AS(profiler.write_chrome_trace("/nonexistent/dir/trace.json"), nnfs::Error);
}

TEST_CASE("profiler: a full trace says so, in the table and in the trace; reset starts a new one") {
    // A user trial: Profiler(10) kept 10 events of many without a word.
    nnfs::Sequential net;
    net.emplace<nnfs::Linear>(3, 2);
    net.emplace<nnfs::ReLU>();
    nnfs::Profiler profiler(5);
    net.set_profiler(&profiler);
    const nnfs::Tensor x = nnfs::Tensor::full({4, 3}, 0.5f), grad = nnfs::Tensor::full({4, 2}, 0.1f);
    for (int step = 0; step < 3; ++step) {
        net.forward(x);
        net.backward(grad);
    }
    CHECK(profiler.dropped_events() == 12 - 5);
    CHECK(profiler.table().find("the trace keeps the first 5 calls; 7 later ones are in this table only") != std::string::npos);
    const std::string path = (std::filesystem::temp_directory_path() / ("nnfs_full_trace_" + std::to_string(::getpid()) + ".json")).string();
    profiler.write_chrome_trace(path);
    std::stringstream text;
    text << std::ifstream(path).rdbuf();
    const std::string json = text.str();
    size_t events = 0;
    for (size_t at = json.find("\"ph\":\"X\""); at != std::string::npos; at = json.find("\"ph\":\"X\"", at + 1)) ++events;
    CHECK(events == 5);
    CHECK(json.find("\"name\":\"trace full: 7 later calls not kept (Profiler(max_trace_events))\",\"ph\":\"i\"") != std::string::npos);
    CHECK(json.substr(json.size() - 4) == "\n]}\n");
    // After reset the trace is empty (and valid JSON), the file replaced.
    profiler.reset();
    CHECK(profiler.dropped_events() == 0);
    profiler.write_chrome_trace(path);
    std::stringstream empty;
    empty << std::ifstream(path).rdbuf();
    CHECK(empty.str() == "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n\n]}\n");
    std::filesystem::remove(path);
}

TEST_CASE("profiler: a first Linear without input gradient counts the weight-gradient product only") {
    nnfs::Sequential net;
    build(net);
    net.set_requires_input_grad(false);
    nnfs::Profiler profiler;
    net.set_profiler(&profiler);
    const nnfs::Tensor x = nnfs::Tensor::full({16, 8}, 0.5f), grad = nnfs::Tensor::full({16, 4}, 0.1f);
    net.forward(x);
    net.backward(grad);
    int seen = 0;
    for (const auto& row : profiler.rows())
        if (row.layer == 0 && row.phase == nnfs::Profiler::Phase::Backward) {
            CHECK(row.flops == doctest::Approx(2.0 * 16 * 8 * 32));
            ++seen;
        }
    CHECK(seen == 1);
}

TEST_CASE("profiler: backward FLOPs follow the last forward's batch, profiled or not") {
    // Found by a helper's campaign: an unprofiled forward of 2 rows after a profiled one of 64, then a
    // profiled backward, counted 64 rows' FLOPs (32x the GFLOP/s).
    nnfs::Sequential net;
    net.emplace<nnfs::Linear>(10, 20);
    net.emplace<nnfs::ReLU>();
    net.emplace<nnfs::Linear>(20, 3);
    nnfs::Profiler profiler;
    net.set_profiler(&profiler);
    net.forward(nnfs::Tensor::zeros({64, 10}));
    net.backward(nnfs::Tensor::zeros({64, 3}));
    profiler.reset();
    net.set_profiler(nullptr);
    net.forward(nnfs::Tensor::zeros({2, 10}));
    net.set_profiler(&profiler);
    net.backward(nnfs::Tensor::zeros({2, 3}));
    int seen = 0;
    for (const auto& row : profiler.rows()) {
        if (row.phase != nnfs::Profiler::Phase::Backward || row.calls == 0) continue;
        CAPTURE(row.name);
        const double in = row.layer == 0 ? 10 : 20, out = row.layer == 0 ? 20 : 3;
        CHECK(row.flops == doctest::Approx(row.layer == 1 ? 0.0 : 2 * 2.0 * 2 * in * out));
        ++seen;
    }
    CHECK(seen == 3);
}
