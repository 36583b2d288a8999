// Tensor: shapes, factories, alignment, copies and moves, resize, misuse.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "nnfs/nnfs.hpp"

using nnfs::Shape;
using nnfs::Tensor;

TEST_CASE("default tensor is empty") {
    Tensor t;
    CHECK(t.numel() == 0);
    CHECK(t.dim() == 1);
    CHECK(t.size(0) == 0);
}

TEST_CASE("zeros, full and from") {
    Tensor z = Tensor::zeros({64, 784});
    CHECK(z.dim() == 2);
    CHECK(z.size(0) == 64);
    CHECK(z.size(1) == 784);
    CHECK(z.size(-1) == 784);
    CHECK(z.numel() == 64 * 784);
    for (float v : z.span()) REQUIRE(v == 0.0f);

    Tensor f = Tensor::full({3, 5, 7}, 2.5f);
    CHECK(f.numel() == 105);
    for (float v : f.span()) REQUIRE(v == 2.5f);

    const std::vector<float> values{1, 2, 3, 4, 5, 6};
    Tensor m = Tensor::from({2, 3}, values);
    CHECK(m.t(0, 0) == 1.0f);
    CHECK(m.t(0, 2) == 3.0f);
    CHECK(m.t(1, 0) == 4.0f);
    CHECK(m.t(1, 2) == 6.0f);
    m.t(1, 1) = -1.0f;
    CHECK(m.data()[4] == -1.0f);

    Tensor scalar(Shape{});
    CHECK(scalar.dim() == 0);
    CHECK(scalar.numel() == 1);
    Tensor four = Tensor::zeros({2, 3, 4, 5});
    CHECK(four.numel() == 120);
}

TEST_CASE("storage is 64-byte aligned for every shape") {
    for (int64_t n : {1, 3, 15, 16, 17, 1000, 4097}) {
        Tensor t({n});
        CHECK(reinterpret_cast<std::uintptr_t>(t.data()) % 64 == 0);
    }
}

TEST_CASE("copies are deep, moves transfer the buffer") {
    Tensor a = Tensor::full({4, 4}, 1.0f);
    Tensor b = a;
    b.t(0, 0) = 9.0f;
    CHECK(a.t(0, 0) == 1.0f);
    CHECK(b.t(0, 0) == 9.0f);
    CHECK(a.data() != b.data());

    const float* buffer = a.data();
    Tensor c = std::move(a);
    CHECK(c.data() == buffer);
    CHECK(c.shape() == Shape{4, 4});
    CHECK(a.numel() == 0);  // NOLINT(bugprone-use-after-move): documented moved-from state

    Tensor d;
    d = std::move(c);
    CHECK(d.data() == buffer);

    Tensor e({2});
    e = d;
    CHECK(e.shape() == Shape{4, 4});
    CHECK(e.t(3, 3) == 1.0f);
}

TEST_CASE("resize reuses the buffer when it fits") {
    Tensor t({8, 8});
    const float* buffer = t.data();
    t.resize({4, 8});
    CHECK(t.data() == buffer);
    CHECK(t.numel() == 32);
    t.resize({8, 8});
    CHECK(t.data() == buffer);
    t.resize({9, 9});
    CHECK(t.numel() == 81);
    CHECK(reinterpret_cast<std::uintptr_t>(t.data()) % 64 == 0);
}

TEST_CASE("reshape keeps the elements") {
    const std::vector<float> values{0, 1, 2, 3, 4, 5};
    Tensor t = Tensor::from({2, 3}, values);
    t.reshape({3, 2});
    CHECK(t.t(2, 1) == 5.0f);
    CHECK_THROWS_AS(t.reshape({4, 2}), nnfs::Error);
}

TEST_CASE("misuse raises nnfs::Error with the shapes") {
    const std::vector<float> five(5, 1.0f);
    CHECK_THROWS_WITH_AS(Tensor::from({2, 3}, five), doctest::Contains("[2, 3]"), nnfs::Error);
    CHECK_THROWS_AS(Tensor({1, 2, 3, 4, 5}), nnfs::Error);
    CHECK_THROWS_AS(Tensor({-1, 3}), nnfs::Error);
    Tensor t({2, 3});
    CHECK_THROWS_AS(t.size(2), nnfs::Error);
    CHECK_THROWS_AS(t.size(-3), nnfs::Error);
    Tensor v({3});
    CHECK_THROWS_AS(v.t(0, 0), nnfs::Error);
    CHECK(Shape{2, 3}.str() == "[2, 3]");
    // A product beyond int64_t (e.g. sizes read from a damaged file) must not wrap around to a small numel.
    CHECK_THROWS_WITH_AS(Shape({1 << 16, 1 << 16, 1 << 16, 1 << 16}), doctest::Contains("too many elements (more than int64_t can count)"), nnfs::Error);
    CHECK_THROWS_AS(Shape({int64_t{1} << 62, 2, 0, 3}), nnfs::Error);  // with a zero size too: its other products would wrap
    CHECK(Shape({int64_t{1} << 62, 1, 0}).numel() == 0);
    CHECK_THROWS_AS(Shape({int64_t{1} << 31, int64_t{1} << 31, 2}), nnfs::Error);  // exactly 2^63
    CHECK(Shape({INT64_MAX}).numel() == INT64_MAX);
    CHECK_THROWS_WITH_AS(Tensor({INT64_MAX}), doctest::Contains("do not fit in memory"), nnfs::Error);
}
