// Checkpoints: training resumed from epoch k ends bitwise equal to an uninterrupted run.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include <unistd.h>

#include "nnfs/nnfs.hpp"

namespace {

struct Run {
    std::unique_ptr<nnfs::Sequential> net = std::make_unique<nnfs::Sequential>();
    std::unique_ptr<nnfs::Optimizer> opt;
    nnfs::CrossEntropyLoss loss;

    Run(uint64_t seed, bool adam) {
        nnfs::manual_seed(seed);
        net->emplace<nnfs::Linear>(2, 16, nnfs::Init::HeUniform);
        net->emplace<nnfs::BatchNorm1d>(16);
        net->emplace<nnfs::ReLU>();
        net->emplace<nnfs::Dropout>(0.3f);  // draws from the generator every step
        net->emplace<nnfs::Linear>(16, 2);
        if (adam) {
            opt = std::make_unique<nnfs::AdamW>(net->parameters(), nnfs::AdamWOptions{.lr = 0.01f});
        } else {
            opt = std::make_unique<nnfs::SGD>(net->parameters(), nnfs::SGDOptions{.lr = 0.05f, .momentum = 0.9f, .nesterov = true});
        }
    }
    void epochs(nnfs::DataLoader& loader, int64_t from, int64_t to) {
        loader.set_epoch(from);
        for (int64_t e = from; e < to; ++e) {
            for (loader.start_epoch(); loader.next();) {
                opt->zero_grad();
                loss.forward(net->forward(loader.features()), loader.labels());
                net->backward(loss.backward());
                opt->step();
            }
        }
    }
    std::vector<float> values() {
        std::vector<float> v;
        for (auto* p : net->parameters()) v.insert(v.end(), p->value.span().begin(), p->value.span().end());
        for (auto* b : net->buffers()) v.insert(v.end(), b->value.span().begin(), b->value.span().end());
        return v;
    }
};

std::string temp_file(const char* name) {
    return (std::filesystem::temp_directory_path() / (std::string(name) + std::to_string(::getpid()))).string();
}

}  // namespace

TEST_CASE("resuming from a checkpoint is bitwise equal to an uninterrupted run") {
    const nnfs::Dataset data = nnfs::make_moons(96, 0.15f, 5);
    for (bool adam : {true, false}) {
        CAPTURE(adam);
        const std::string path = temp_file(adam ? "nnfs_ckpt_adam_" : "nnfs_ckpt_sgd_");

        Run straight(1, adam);
        nnfs::DataLoader l1(data, 16, {.seed = 9});
        straight.epochs(l1, 0, 6);

        Run first(1, adam);
        nnfs::DataLoader l2(data, 16, {.seed = 9});
        first.epochs(l2, 0, 3);
        nnfs::save_checkpoint(*first.net, *first.opt, 3, path);

        Run resumed(77, adam);  // other initial weights and generator position: all must come from the file
        const int64_t epoch = nnfs::load_checkpoint(*resumed.net, *resumed.opt, path);
        CHECK(epoch == 3);
        nnfs::DataLoader l3(data, 16, {.seed = 9});
        resumed.epochs(l3, epoch, 6);

        const std::vector<float> a = straight.values(), b = resumed.values();
        REQUIRE(a.size() == b.size());
        CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
        std::filesystem::remove(path);
    }
}

TEST_CASE("a checkpoint for another optimizer or model is rejected and changes nothing") {
    const std::string path = temp_file("nnfs_ckpt_mismatch_");
    Run adam(1, true);
    nnfs::save_checkpoint(*adam.net, *adam.opt, 1, path);

    Run sgd(2, false);
    const std::vector<float> before = sgd.values();
    CHECK_THROWS_WITH_AS(nnfs::load_checkpoint(*sgd.net, *sgd.opt, path), doctest::Contains(("load_checkpoint: '" + path + "'").c_str()),
                         nnfs::Error);
    CHECK_THROWS_WITH_AS(nnfs::load_checkpoint(*sgd.net, *sgd.opt, path), doctest::Contains("optimizer."), nnfs::Error);
    CHECK(sgd.values() == before);
    // Errors name the call the user made, not the file reader under it.
    std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
    CHECK_THROWS_WITH_AS(nnfs::load_checkpoint(*adam.net, *adam.opt, path), doctest::Contains(("load_checkpoint: '" + path + "' is").c_str()),
                         nnfs::Error);
    CHECK_THROWS_WITH_AS(nnfs::save_checkpoint(*adam.net, *adam.opt, 1, "/nonexistent/dir/c.nnfs"),
                         doctest::Contains("save_checkpoint: cannot create"), nnfs::Error);

    // A plain model file is not a checkpoint, and a checkpoint is not a plain model file.
    nnfs::save(*adam.net, path);
    CHECK_THROWS_AS(nnfs::load_checkpoint(*adam.net, *adam.opt, path), nnfs::Error);
    nnfs::save_checkpoint(*adam.net, *adam.opt, 1, path);
    CHECK_THROWS_AS(nnfs::load(*adam.net, path), nnfs::Error);
    std::filesystem::remove(path);
}

// Found by an outside audit: Adam's and AdamW's state have the same names, so one loaded into the other
// silently; a negative epoch was saved and returned.
TEST_CASE("a checkpoint names its optimizer; a negative epoch is refused") {
    const std::string path = temp_file("nnfs_ckpt_kind_");
    Run adamw(1, true);
    nnfs::save_checkpoint(*adamw.net, *adamw.opt, 2, path);
    nnfs::Adam adam(adamw.net->parameters(), {.lr = 0.01f});
    const std::vector<float> before = adamw.values();
    CHECK_THROWS_WITH_AS(nnfs::load_checkpoint(*adamw.net, adam, path), doctest::Contains("holds the state of AdamW, the optimizer is Adam"),
                         nnfs::Error);
    CHECK(adamw.values() == before);
    CHECK(nnfs::load_checkpoint(*adamw.net, *adamw.opt, path) == 2);
    CHECK_THROWS_WITH_AS(nnfs::save_checkpoint(*adamw.net, *adamw.opt, -5, path), doctest::Contains("epoch -5"), nnfs::Error);
    CHECK(nnfs::load_checkpoint(*adamw.net, *adamw.opt, path) == 2);  // the refused save left the file alone
    std::filesystem::remove(path);
}

TEST_CASE("state files keep tensors, integers and strings") {
    const std::string path = temp_file("nnfs_state_");
    nnfs::StateDict s;
    const std::vector<float> v{1.5f, -2.0f, 3.25f};
    s.tensors["a.b"] = nnfs::Tensor::from({3}, v);
    s.tensors["scalar"] = nnfs::Tensor::full(nnfs::Shape{}, 7.0f);
    s.integers["step"] = -123456789012345;
    s.strings["architecture"] = "64-128-64-10 relu";
    s.strings["empty"] = "";
    nnfs::write_state_file(s, path);
    const nnfs::StateDict r = nnfs::read_state_file(path);
    CHECK(r.tensors.at("a.b").shape() == nnfs::Shape{3});
    CHECK(r.tensors.at("a.b").data()[2] == 3.25f);
    CHECK(r.tensors.at("scalar").dim() == 0);
    CHECK(r.tensors.at("scalar").data()[0] == 7.0f);
    CHECK(r.integers.at("step") == -123456789012345);
    CHECK(r.strings.at("architecture") == "64-128-64-10 relu");
    CHECK(r.strings.at("empty").empty());
    std::filesystem::remove(path);
}
