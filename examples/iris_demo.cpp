// The demo: the original notebook's model, trained properly on the real Iris data.
//   standardized features (fitted on the training part), stratified 80/20 split,
//   4-16-8-3 MLP with ReLU, CrossEntropyLoss on logits, Adam lr 0.01, batch 32, 200 epochs.
// Usage: iris_demo [path/to/iris.csv] [seed]
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nnfs/nnfs.hpp>

int main(int argc, char** argv) try {
    const std::string path = argc > 1 ? argv[1] : NNFS_DATA_DIR "/iris.csv";
    const uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 42;
    nnfs::manual_seed(seed);

    const nnfs::Dataset iris = nnfs::read_csv(path);
    auto [train, test] = nnfs::train_test_split(iris, 0.2, seed, /*stratify=*/true);
    nnfs::Standardizer standardizer;
    standardizer.fit(train.features);
    standardizer.transform(train.features);
    standardizer.transform(test.features);
    std::printf("Iris: %lld samples, %lld features, %lld classes; train %lld, test %lld\n",
                static_cast<long long>(iris.size()), static_cast<long long>(iris.num_features()),
                static_cast<long long>(iris.num_classes()),
                static_cast<long long>(train.size()), static_cast<long long>(test.size()));

    nnfs::Sequential net;
    net.emplace<nnfs::Linear>(4, 16);
    net.emplace<nnfs::ReLU>();
    net.emplace<nnfs::Linear>(16, 8);
    net.emplace<nnfs::ReLU>();
    net.emplace<nnfs::Linear>(8, 3);
    std::printf("model: %s\n", net.name().c_str());
    std::printf("kernels: %s\n\n", nnfs::kernel_info().c_str());

    nnfs::CrossEntropyLoss criterion;
    nnfs::Adam optimizer(net.parameters(), {.lr = 0.01f});
    nnfs::DataLoader loader(train, 32, {.shuffle = true, .seed = seed});

    auto evaluate = [&](const nnfs::Dataset& d) {
        net.eval();
        const double acc = nnfs::accuracy(nnfs::argmax(net.forward(d.features)), d.labels);
        net.train();
        return acc;
    };

    constexpr int kEpochs = 200;
    for (int epoch = 1; epoch <= kEpochs; ++epoch) {
        double loss_sum = 0.0;
        for (loader.start_epoch(); loader.next();) {
            optimizer.zero_grad();
            const nnfs::Tensor& logits = net.forward(loader.features());
            loss_sum += double{criterion.forward(logits, loader.labels())} * static_cast<double>(loader.labels().size());
            net.backward(criterion.backward());
            optimizer.step();
        }
        if (epoch == 1 || epoch % 20 == 0) {
            std::printf("epoch %3d  loss %.4f  train acc %.3f  test acc %.3f\n", epoch,
                        loss_sum / static_cast<double>(train.size()), evaluate(train), evaluate(test));
        }
    }

    net.eval();
    const std::vector<int32_t> predicted = nnfs::argmax(net.forward(test.features));
    std::printf("\nfinal test accuracy: %.4f (%lld samples)\n", nnfs::accuracy(predicted, test.labels),
                static_cast<long long>(test.size()));
    std::printf("confusion matrix (rows: true class, columns: predicted):\n%s",
                nnfs::confusion_matrix(predicted, test.labels, 3).str({"setosa", "versicolor", "virginica"}).c_str());
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "iris_demo: %s\n", e.what());
    return 1;
}
