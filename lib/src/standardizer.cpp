#include "nnfs/standardizer.hpp"

#include <cmath>
#include <vector>

namespace nnfs {

Standardizer::Standardizer(Tensor mean, Tensor scale) : mean_(std::move(mean)), scale_(std::move(scale)) {
    if (mean_.dim() != 1 || mean_.numel() < 1 || scale_.shape() != mean_.shape()) {
        fail("Standardizer: mean ", mean_.shape(), " and scale ", scale_.shape(), ", expected two equal [features]");
    }
    for (int64_t j = 0; j < scale_.numel(); ++j) {
        const float s = scale_.data()[j], m = mean_.data()[j];
        if (!(s > 0.0f) || !std::isfinite(s)) fail("Standardizer: scale[", j, "] = ", s, ", expected finite and > 0");
        if (!std::isfinite(m)) fail("Standardizer: mean[", j, "] = ", m, ", expected finite");
    }
}

// Data preparation, run once per data set: plain loops in double rather than kernels.
void Standardizer::fit(const Tensor& x) {
    if (x.dim() != 2 || x.size(0) < 1 || x.size(1) < 1) fail("Standardizer::fit: data ", x.shape(), ", expected [samples >= 1, features >= 1]");
    const int64_t n = x.size(0), f = x.size(1);
    for (int64_t i = 0; i < n; ++i)  // (before anything changes: a failed fit keeps the fitted state)
        for (int64_t j = 0; j < f; ++j)
            if (!std::isfinite(x.t(i, j))) fail("Standardizer::fit: row ", i, ", column ", j, " is ", x.t(i, j), ", expected finite values");
    std::vector<double> sum(static_cast<size_t>(f), 0.0), sq(static_cast<size_t>(f), 0.0);
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < f; ++j) sum[static_cast<size_t>(j)] += x.t(i, j);
    mean_ = Tensor({f});
    scale_ = Tensor({f});
    for (int64_t j = 0; j < f; ++j) mean_.data()[j] = static_cast<float>(sum[static_cast<size_t>(j)] / static_cast<double>(n));
    for (int64_t i = 0; i < n; ++i) {
        for (int64_t j = 0; j < f; ++j) {
            const double d = x.t(i, j) - double{mean_.data()[j]};
            sq[static_cast<size_t>(j)] += d * d;
        }
    }
    for (int64_t j = 0; j < f; ++j) {
        const double sd = std::sqrt(sq[static_cast<size_t>(j)] / static_cast<double>(n));
        scale_.data()[j] = sd > 0.0 ? static_cast<float>(sd) : 1.0f;
    }
}

void Standardizer::transform(Tensor& x) const {
    if (!fitted()) fail("Standardizer::transform: not fitted");
    if (x.dim() != 2 || x.size(1) != mean_.numel()) {
        fail("Standardizer::transform: data ", x.shape(), ", expected [*, ", mean_.numel(), "]");
    }
    for (int64_t i = 0; i < x.size(0); ++i)
        for (int64_t j = 0; j < x.size(1); ++j) x.t(i, j) = (x.t(i, j) - mean_.data()[j]) / scale_.data()[j];
}

}  // namespace nnfs
