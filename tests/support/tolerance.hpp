// Tolerances and comparisons shared by the tests.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <span>
#include <string>

namespace nnfs::test {

// |a - b| <= atol + rtol |b| elementwise (numpy.allclose); reports the worst element on failure.
// Returns the largest |a - b| / (atol + rtol |b|) seen (<= 1 means within tolerance).
inline double check_close(std::span<const float> actual, std::span<const float> expected, double rtol, double atol,
                          const std::string& what) {
    REQUIRE_MESSAGE(actual.size() == expected.size(), what << ": " << actual.size() << " values, expected " << expected.size());
    double worst = 0.0;
    size_t worst_i = 0;
    for (size_t i = 0; i < actual.size(); ++i) {
        const double a = actual[i], b = expected[i];
        double ratio = std::abs(a - b) / (atol + rtol * std::abs(b));
        if (std::isnan(a) != std::isnan(b) || std::isinf(a) != std::isinf(b)) ratio = INFINITY;
        if (std::isinf(a) && std::isinf(b) && (a > 0) == (b > 0)) ratio = 0.0;
        if (std::isnan(a) && std::isnan(b)) ratio = 0.0;
        if (ratio > worst || std::isnan(ratio)) {
            worst = std::isnan(ratio) ? INFINITY : ratio;
            worst_i = i;
        }
    }
    CHECK_MESSAGE(worst <= 1.0, what << ": element " << worst_i << " is " << actual[worst_i] << ", expected "
                                     << expected[worst_i] << " (rtol " << rtol << ", atol " << atol << ")");
    return worst;
}

}  // namespace nnfs::test
