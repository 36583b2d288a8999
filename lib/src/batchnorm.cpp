#include "nnfs/batchnorm.hpp"

#include <cfloat>

#include "nnfs/kernels.hpp"

namespace nnfs {

namespace {
int64_t checked_features(int64_t features, float eps, float momentum) {
    if (features < 1) fail("BatchNorm1d(", features, "): feature count must be at least 1");
    // eps = 0 is PyTorch's too (a constant column then gives 0 / 0 = NaN, as there); a negative or
    // non-finite eps only produces NaN.
    if (!(eps >= 0.0f && eps <= FLT_MAX)) fail("BatchNorm1d(", features, "): eps = ", eps, ", expected a finite value >= 0");
    if (!(momentum >= 0.0f && momentum <= 1.0f)) fail("BatchNorm1d(", features, "): momentum = ", momentum, ", expected in [0, 1]");
    return features;
}
}  // namespace

BatchNorm1d::BatchNorm1d(int64_t features, float eps, float momentum)
    : features_(checked_features(features, eps, momentum)),
      eps_(eps),
      momentum_(momentum),
      weight_("weight", Tensor::full({features}, 1.0f)),
      bias_("bias", Tensor({features})),
      running_mean_{"running_mean", Tensor({features})},
      running_var_{"running_var", Tensor::full({features}, 1.0f)},
      mean_({features}),
      var_({features}),
      invstd_({features}) {}

std::string BatchNorm1d::name() const { return "BatchNorm1d(" + std::to_string(features_) + ")"; }

const Tensor& BatchNorm1d::forward(const Tensor& input) {
    detail::check_2d_input(*this, input, features_);
    const Shape f{features_};
    detail::check_state_shape(*this, "weight", weight_, f, false);
    detail::check_state_shape(*this, "bias", bias_, f, false);
    detail::check_state_shape(*this, "running_mean", running_mean_.value, f);
    detail::check_state_shape(*this, "running_var", running_var_.value, f);
    const int64_t n = input.size(0);
    // As PyTorch: one sample per feature cannot be normalised in training; an empty batch gives an
    // empty output and leaves the running statistics untouched (its mean and variance would be 0/0).
    if (training_ && n == 1) {
        fail(name(), ": training needs more than 1 sample per feature, got input ", input.shape());
    }
    ++forward_count_;
    output_.resize(input.shape());
    xhat_.resize(input.shape());
    if (n == 0) {
        // nothing to normalise
    } else if (training_) {
        kernels::batchnorm_forward_train(output_.data(), xhat_.data(), mean_.data(), var_.data(), invstd_.data(),
                                         input.data(), weight_.data(), bias_.data(), n, features_, eps_);
        kernels::batchnorm_update_running(running_mean_.value.data(), running_var_.value.data(), mean_.data(),
                                          var_.data(), n, features_, momentum_);
    } else {
        kernels::batchnorm_forward_eval(output_.data(), xhat_.data(), invstd_.data(), input.data(), weight_.data(),
                                        bias_.data(), running_mean_.value.data(), running_var_.value.data(), n,
                                        features_, eps_);
    }
    used_batch_statistics_ = training_;
    has_forward_ = true;
    return output_;
}

const Tensor& BatchNorm1d::backward(const Tensor& grad_output) {
    detail::check_backward_ready(*this, has_forward_);
    detail::check_grad_shape(*this, grad_output, output_.shape());
    detail::check_state_shape(*this, "weight", weight_, Shape{features_}, true);
    detail::check_state_shape(*this, "bias", bias_, Shape{features_}, true);
    const int64_t n = output_.size(0);
    // Without the input gradient only the parameters' sums are taken (diff_src null: one pass, not two).
    const bool dx = requires_input_grad();
    grad_input_.resize(dx ? output_.shape() : Shape{0});
    kernels::batchnorm_backward(dx ? grad_input_.data() : nullptr, weight_.grad.data(), bias_.grad.data(), grad_output.data(),
                                xhat_.data(), invstd_.data(), weight_.data(), n, features_, used_batch_statistics_);
    weight_.has_grad = bias_.has_grad = true;
    return grad_input_;
}

}  // namespace nnfs
