// The golden-file loader itself: a malformed or incomplete file fails with a message naming the file,
// the line and the problem, never a crash or a silently wrong tensor.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "nnfs/nnfs.hpp"
#include "support/golden.hpp"

using nnfs::test::GoldenFile;

namespace {

// Writes text to a temporary file and returns its path (unique per process: /tmp is shared).
std::string write_temp(const std::string& text) {
    static int counter = 0;
    std::string name = "nnfs_golden_loader_";
    name += std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".txt";
    const std::string path = (std::filesystem::temp_directory_path() / name).string();
    std::ofstream(path) << text;
    return path;
}

}  // namespace

TEST_CASE("a well-formed file round-trips shapes and exact values") {
    const std::string good = write_temp(
        "# comment\n"
        "tensor s 0\n-0.25\n"
        "tensor m 2 2 3\n1 2 3\n4 5 6.5\n"
        "tensor big 1 3\n1.17549435e-38 1.40129846e-45 3.40282347e+38\n"
        "tensor labels 1 3\n2 0 1\n");
    const GoldenFile g(good);
    CHECK(g.scalar("s") == -0.25f);
    const nnfs::Tensor m = g.tensor("m");
    CHECK(m.shape() == nnfs::Shape{2, 3});
    CHECK(m.t(1, 2) == 6.5f);
    const nnfs::Tensor big = g.tensor("big");
    CHECK(big.data()[0] == 1.17549435e-38f);
    CHECK(big.data()[1] == 1.40129846e-45f);  // subnormals parse exactly
    CHECK(big.data()[2] == 3.40282347e+38f);
    CHECK(g.indices("labels") == std::vector<int32_t>{2, 0, 1});
    CHECK_THROWS_WITH_AS(g.tensor("nope"), doctest::Contains("no tensor named 'nope'"), nnfs::Error);
    CHECK_THROWS_WITH_AS(g.tensor("nope"), doctest::Contains(good.c_str()), nnfs::Error);
    CHECK_THROWS_WITH_AS(g.scalar("m"), doctest::Contains("expected a scalar"), nnfs::Error);
    CHECK_THROWS_WITH_AS(g.indices("m"), doctest::Contains("non-integer"), nnfs::Error);
    std::remove(good.c_str());
}

TEST_CASE("malformed files fail clearly") {
    struct Case { const char* text; const char* message; };
    const Case cases[] = {
        {"tensor a 1 3\n1 2\n", "has 2 values, expected 3"},
        {"tensor a 1 2\n1 2\ntensor b 0\n", "has 0 values, expected 1"},
        {"tensor a 1 2\n1 2 3\n", "has 3 values, expected 2"},
        {"tensor a 1 2\n1 x\n", "'x' in tensor a is not a number"},
        {"tensor a 1 2\n1 2.5.1\n", "is not a number"},
        {"1 2 3\n", "values before any 'tensor' header"},
        {"tensor a\n", "malformed header"},
        {"tensor a 5 1 1 1 1 1\n1\n", "malformed header"},
        {"tensor a 1 3 2 0 1\n", "rank 1 but 4 sizes"},  // values must not share the header's line
        {"tensor a 1 -2\n", "bad size '-2'"},
        {"tensor a 0\n1\ntensor a 0\n2\n", "tensor a repeated"},
        {"# only a comment\n", "no tensors"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.text);
        const std::string path = write_temp(c.text);
        CHECK_THROWS_WITH_AS(GoldenFile{path}, doctest::Contains(c.message), nnfs::Error);
        std::remove(path.c_str());
    }
    CHECK_THROWS_WITH_AS(GoldenFile{"/nonexistent/golden.txt"}, doctest::Contains("cannot open"), nnfs::Error);
}

TEST_CASE("every committed golden file loads") {
    for (const char* file : {"linear.txt", "activations.txt", "softmax.txt", "batchnorm.txt", "losses.txt",
                             "optimizers.txt", "training.txt"}) {
        CAPTURE(file);
        CHECK_NOTHROW(GoldenFile{nnfs::test::golden_path(file)});
    }
}
