#include "nnfs/losses.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "nnfs/kernels.hpp"
#include "nnfs/runtime.hpp"

namespace nnfs {

namespace {
// The mean over an empty batch: 0/0, as PyTorch's mean reduction gives.
constexpr float kEmptyMean = std::numeric_limits<float>::quiet_NaN();

// The loss value, checked for NaN and Inf when anomaly detection is on.
float checked(const char* loss, float value) {
    if (detect_anomaly() && !std::isfinite(value)) {
        fail("anomaly: ", loss, " forward produced ", std::isnan(value) ? "NaN" : (value > 0 ? "+Inf" : "-Inf"));
    }
    return value;
}
}  // namespace

float ElementwiseLoss::forward(const Tensor& prediction, const Tensor& target) {
    has_forward_ = false;  // a failed forward leaves nothing for backward
    if (prediction.shape() != target.shape()) {
        fail(name_, ": prediction ", prediction.shape(), " and target ", target.shape(), " differ in shape");
    }
    check_values(prediction);
    prediction_ = prediction;
    target_ = target;
    has_forward_ = true;
    // The mean over no elements is 0/0 = NaN, as in PyTorch; backward then gives an empty gradient.
    if (prediction.numel() == 0) return checked(name_, kEmptyMean);
    return checked(name_, forward_(prediction.data(), target.data(), prediction.numel()));
}

const Tensor& ElementwiseLoss::backward() {
    if (!has_forward_) fail(name_, ": backward called before forward");
    grad_.resize(prediction_.shape());
    const int64_t n = prediction_.numel();
    if (n > 0) backward_(grad_.data(), prediction_.data(), target_.data(), n, 1.0f / static_cast<float>(n));
    if (detect_anomaly()) detail::check_finite(grad_, std::string(name_) + " gradient");
    return grad_;
}

MSELoss::MSELoss() : ElementwiseLoss("MSELoss", &kernels::mse_forward, &kernels::mse_backward) {}

BCELoss::BCELoss() : ElementwiseLoss("BCELoss", &kernels::bce_forward, &kernels::bce_backward) {}

void BCELoss::check_values(const Tensor& prediction) const {
    const auto values = prediction.span();
    const auto bad = std::find_if(values.begin(), values.end(), [](float x) { return !(x >= 0.0f && x <= 1.0f); });
    if (bad != values.end()) {
        fail("BCELoss: prediction[", bad - values.begin(), "] = ", *bad,
             " is not a probability in [0, 1] (use BCEWithLogitsLoss on logits)");
    }
}

BCEWithLogitsLoss::BCEWithLogitsLoss()
    : ElementwiseLoss("BCEWithLogitsLoss", &kernels::bce_logits_forward, &kernels::bce_logits_backward) {}

void CrossEntropyLoss::prepare(const Tensor& logits) {
    has_forward_ = false;  // a failed forward leaves nothing for backward
    if (logits.dim() != 2 || logits.size(1) < 1) {
        fail("CrossEntropyLoss: logits ", logits.shape(), ", expected [batch, classes]");
    }
    prob_.resize(logits.shape());
}

float CrossEntropyLoss::forward(const Tensor& logits, std::span<const int32_t> target) {
    prepare(logits);
    const int64_t rows = logits.size(0), classes = logits.size(1);
    if (static_cast<int64_t>(target.size()) != rows) {
        fail("CrossEntropyLoss: ", target.size(), " targets for logits ", logits.shape());
    }
    for (size_t i = 0; i < target.size(); ++i) {
        if (target[i] < 0 || target[i] >= classes) {
            fail("CrossEntropyLoss: target[", i, "] = ", target[i], " is out of range for ", classes,
                 " classes (logits ", logits.shape(), ")");
        }
    }
    index_.assign(target.begin(), target.end());
    index_target_ = true;
    has_forward_ = true;
    if (rows == 0) return checked("CrossEntropyLoss", kEmptyMean);
    return checked("CrossEntropyLoss", kernels::cross_entropy_forward(prob_.data(), logits.data(), index_.data(), rows, classes));
}

float CrossEntropyLoss::forward(const Tensor& logits, const Tensor& target_probabilities) {
    prepare(logits);
    if (target_probabilities.shape() != logits.shape()) {
        fail("CrossEntropyLoss: probability target ", target_probabilities.shape(), " for logits ", logits.shape());
    }
    target_prob_ = target_probabilities;
    index_target_ = false;
    has_forward_ = true;
    if (logits.size(0) == 0) return checked("CrossEntropyLoss", kEmptyMean);
    return checked("CrossEntropyLoss", kernels::cross_entropy_prob_forward(prob_.data(), logits.data(), target_prob_.data(),
                                                                           logits.size(0), logits.size(1)));
}

const Tensor& CrossEntropyLoss::backward() {
    if (!has_forward_) fail("CrossEntropyLoss: backward called before forward");
    const int64_t rows = prob_.size(0), classes = prob_.size(1);
    const float scale = 1.0f / static_cast<float>(rows);
    grad_.resize(prob_.shape());
    if (rows == 0) {
        // an empty batch: an empty gradient
    } else if (index_target_) {
        kernels::cross_entropy_backward(grad_.data(), prob_.data(), index_.data(), rows, classes, scale);
    } else {
        kernels::cross_entropy_prob_backward(grad_.data(), prob_.data(), target_prob_.data(), rows, classes, scale);
    }
    if (detect_anomaly()) detail::check_finite(grad_, "CrossEntropyLoss gradient");
    return grad_;
}

}  // namespace nnfs
