// Classification and regression metrics, against hand-computed values.
#include <doctest/doctest.h>

#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "nnfs/nnfs.hpp"
#include "support/sanitizers.hpp"

TEST_CASE("metrics: argmax, accuracy, confusion matrix") {
    const std::vector<float> s{0.1f, 0.7f, 0.2f, 3, 1, 3, -1, -2, 0};
    const auto pred = nnfs::argmax(nnfs::Tensor::from({3, 3}, s));
    CHECK(pred == std::vector<int32_t>{1, 0, 2});  // ties: the first
    const std::vector<int32_t> truth{1, 2, 2};
    CHECK(nnfs::accuracy(pred, truth) == doctest::Approx(2.0 / 3.0));
    const auto cm = nnfs::confusion_matrix(pred, truth, 3);
    CHECK(cm.at(1, 1) == 1);
    CHECK(cm.at(2, 0) == 1);
    CHECK(cm.at(2, 2) == 1);
    CHECK(std::accumulate(cm.counts.begin(), cm.counts.end(), int64_t{0}) == 3);
    CHECK(cm.str({"a", "b", "c"}).find("true\\pred") != std::string::npos);
    const std::vector<int32_t> short_truth{1};
    CHECK_THROWS_WITH_AS(nnfs::accuracy(pred, short_truth), doctest::Contains("3 predictions for 1 labels"), nnfs::Error);
    const std::vector<int32_t> bad{0, 5, 1};
    CHECK_THROWS_AS(nnfs::confusion_matrix(pred, bad, 3), nnfs::Error);
}

TEST_CASE("classification report: per class, macro and weighted, worked by hand") {
    const std::vector<int32_t> truth{0, 0, 0, 1, 1, 2}, pred{0, 0, 1, 1, 2, 2};
    const auto r = nnfs::classification_report(nnfs::confusion_matrix(pred, truth, 3));
    REQUIRE(r.classes.size() == 3);
    CHECK(r.classes[0].precision == doctest::Approx(1.0));
    CHECK(r.classes[0].recall == doctest::Approx(2.0 / 3));
    CHECK(r.classes[0].f1 == doctest::Approx(0.8));
    CHECK(r.classes[0].support == 3);
    CHECK(r.classes[1].precision == doctest::Approx(0.5));
    CHECK(r.classes[1].recall == doctest::Approx(0.5));
    CHECK(r.classes[2].precision == doctest::Approx(0.5));
    CHECK(r.classes[2].recall == doctest::Approx(1.0));
    CHECK(r.classes[2].f1 == doctest::Approx(2.0 / 3));
    CHECK(r.macro.precision == doctest::Approx(2.0 / 3));
    CHECK(r.macro.recall == doctest::Approx((2.0 / 3 + 0.5 + 1.0) / 3));
    CHECK(r.macro.f1 == doctest::Approx((0.8 + 0.5 + 2.0 / 3) / 3));
    CHECK(r.weighted.precision == doctest::Approx(0.75));
    CHECK(r.weighted.recall == doctest::Approx(4.0 / 6));
    CHECK(r.weighted.f1 == doctest::Approx((3 * 0.8 + 2 * 0.5 + 2.0 / 3) / 6));
    CHECK(r.accuracy == doctest::Approx(4.0 / 6));
    CHECK(r.total == 6);
    const std::string text = r.str({"cat", "dog", "eel"});
    CHECK(text.find("precision") != std::string::npos);
    CHECK(text.find("macro avg") != std::string::npos);
    CHECK(text.find("weighted avg") != std::string::npos);
    CHECK(text.find("eel") != std::string::npos);
}

TEST_CASE("classification report: a class never predicted or never present scores 0, not NaN") {
    const std::vector<int32_t> truth{0, 0, 1}, pred{0, 0, 0};
    const auto r = nnfs::classification_report(nnfs::confusion_matrix(pred, truth, 3));
    CHECK(r.classes[1].precision == 0.0);
    CHECK(r.classes[1].recall == 0.0);
    CHECK(r.classes[2].support == 0);
    CHECK(r.classes[2].f1 == 0.0);
    CHECK(r.classes[0].precision == doctest::Approx(2.0 / 3));
}

TEST_CASE("classification report: classes in neither truth nor predictions are left out, as scikit-learn's default labels") {
    // Labels {0, 2, 5} of 6 classes (a user trial: the macro average was taken over 6, half of scikit-learn's).
    // scikit-learn 1.2: classification_report([0, 2, 2, 5], [0, 2, 5, 5], digits=4).
    const std::vector<int32_t> truth{0, 2, 2, 5}, pred{0, 2, 5, 5};
    const auto r = nnfs::classification_report(nnfs::confusion_matrix(pred, truth, 6));
    CHECK(r.macro.precision == doctest::Approx(0.8333333333333334));
    CHECK(r.macro.recall == doctest::Approx(0.8333333333333334));
    CHECK(r.macro.f1 == doctest::Approx(0.7777777777777777));
    CHECK(r.weighted.precision == doctest::Approx(0.875));
    CHECK(r.weighted.f1 == doctest::Approx(0.75));
    const std::string text = r.str();
    CHECK(text.find("\n           5") != std::string::npos);
    CHECK(text.find("\n           1") == std::string::npos);  // no row for a class that never occurs
    CHECK(text.find("\n           3") == std::string::npos);
    // A class predicted but never present still counts (scikit-learn: its recall 0 enters the average).
    const std::vector<int32_t> t2{0, 0}, p2{0, 1};
    const auto r2 = nnfs::classification_report(nnfs::confusion_matrix(p2, t2, 3));
    CHECK(r2.macro.precision == doctest::Approx(0.5));
    CHECK(r2.macro.recall == doctest::Approx(0.25));
}

TEST_CASE("regression metrics") {
    const std::vector<float> pred{1, 2, 3}, truth{1, 3, 5};
    CHECK(nnfs::mean_squared_error(pred, truth) == doctest::Approx(5.0 / 3));
    CHECK(nnfs::mean_absolute_error(pred, truth) == doctest::Approx(1.0));
    CHECK(nnfs::r2_score(pred, truth) == doctest::Approx(0.375));
    CHECK(nnfs::r2_score(truth, truth) == doctest::Approx(1.0));
    const std::vector<float> flat{2, 2, 2};
    CHECK(nnfs::r2_score(flat, flat) == 1.0);
    CHECK(nnfs::r2_score(pred, flat) == 0.0);
    const std::vector<float> two{1, 2};
    CHECK_THROWS_AS(nnfs::mean_squared_error(two, truth), nnfs::Error);
}

// Found by an outside audit (against scikit-learn 1.2.1): R^2 of one sample is undefined (NaN there, 0
// here before), a NaN in the data gave 0 with a constant truth; too many classes gave std::bad_alloc.
TEST_CASE("metrics edge cases: r2_score of one sample or with NaN, a confusion matrix too large to allocate") {
    const std::vector<float> one{2.0f}, truth{1.0f, 1.0f, 1.0f}, pred{1.0f, NAN, 1.0f};
    CHECK(std::isnan(nnfs::r2_score(one, one)));
    CHECK(std::isnan(nnfs::r2_score(pred, truth)));
    CHECK(nnfs::r2_score(truth, truth) == 1.0);
    const std::vector<int32_t> labels{0, 999, 2};
    const nnfs::ConfusionMatrix m = nnfs::confusion_matrix(labels, labels, 1000);
    CHECK(m.at(999, 999) == 1);
    CHECK(m.at(2, 2) == 1);
    CHECK(m.at(0, 999) == 0);
#ifndef NNFS_TEST_SANITIZED  // (see support/sanitizers.hpp)
    CHECK_THROWS_WITH_AS(nnfs::confusion_matrix(labels, labels, 2147483647), doctest::Contains("cannot allocate"), nnfs::Error);
#endif
}
