// nnfs-train: trains an MLP classifier on a CSV file or a bundled data set, and writes its history,
// charts, validation report and (with --save) a model file for nnfs-predict. `nnfs-train --help`.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <nnfs/nnfs.hpp>
#include <nnfs/profiler.hpp>

#include "charts.hpp"
#include "data_location.hpp"
#include "history.hpp"
#include "model_file.hpp"
#include "model_spec.hpp"
#include "progress.hpp"
#include "tool_main.hpp"
#include "train_options.hpp"

namespace {

using namespace nnfs_tools;
using nnfs::fail;

std::unique_ptr<nnfs::Optimizer> make_optimizer(const TrainOptions& o, std::vector<nnfs::Parameter*> params) {
    const bool sgd_family = o.optimizer == "sgd" || o.optimizer == "momentum" || o.optimizer == "nesterov";
    const float lr = static_cast<float>(o.lr.value_or(sgd_family ? 0.01 : 1e-3));
    if (sgd_family) {
        // "momentum" and "nesterov" are SGD with the customary momentum 0.9.
        const float momentum = o.optimizer == "sgd" ? 0.0f : 0.9f;
        return std::make_unique<nnfs::SGD>(std::move(params), nnfs::SGDOptions{.lr = lr, .momentum = momentum,
                                                                                .nesterov = o.optimizer == "nesterov",
                                                                                .weight_decay = static_cast<float>(o.weight_decay.value_or(0.0))});
    }
    if (o.optimizer == "adamw")
        return std::make_unique<nnfs::AdamW>(std::move(params), nnfs::AdamWOptions{.lr = lr, .weight_decay = static_cast<float>(o.weight_decay.value_or(0.01))});
    return std::make_unique<nnfs::Adam>(std::move(params), nnfs::AdamOptions{.lr = lr, .weight_decay = static_cast<float>(o.weight_decay.value_or(0.0))});
}

// The training criterion over class labels: cross-entropy on logits, or MSE between the raw outputs and
// one-hot targets (the classic course's regression-style classifier).
class Criterion {
public:
    explicit Criterion(bool mse) : mse_(mse) {}
    float forward(const nnfs::Tensor& logits, std::span<const int32_t> labels) {
        if (!mse_) return cross_entropy_.forward(logits, labels);
        const int64_t n = logits.size(0), k = logits.size(1);
        one_hot_.resize({n, k});
        std::fill(one_hot_.data(), one_hot_.data() + one_hot_.numel(), 0.0f);
        for (int64_t i = 0; i < n; ++i) one_hot_.t(i, labels[static_cast<size_t>(i)]) = 1.0f;
        return mse_loss_.forward(logits, one_hot_);
    }
    const nnfs::Tensor& backward() { return mse_ ? mse_loss_.backward() : cross_entropy_.backward(); }

private:
    bool mse_;
    nnfs::CrossEntropyLoss cross_entropy_;
    nnfs::MSELoss mse_loss_;
    nnfs::Tensor one_hot_;
};

struct Evaluation {
    double loss, accuracy;
    std::vector<int32_t> predicted;
};

// Loss and accuracy on a whole data set in eval mode (BatchNorm running stats, no dropout).
Evaluation evaluate(nnfs::Sequential& net, Criterion& criterion, const nnfs::Dataset& d) {
    net.eval();
    const nnfs::Tensor& logits = net.forward(d.features);
    Evaluation e;
    e.predicted = nnfs::argmax(logits);
    e.loss = criterion.forward(logits, d.labels);
    e.accuracy = nnfs::accuracy(e.predicted, d.labels);
    net.train();
    return e;
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) fail("cannot write '", path, "': ", std::strerror(errno));
}

int train_main(int argc, char** argv) {
    const TrainOptions o = parse_train_options(argc, argv);
    if (o.help) {
        std::fputs(kTrainUsage, stdout);
        return 0;
    }
    nnfs::manual_seed(o.seed);
    if (o.threads > 0) nnfs::set_num_threads(static_cast<int>(o.threads));

    // Data: read, split (stratified), keep the raw validation rows, standardize on the training part.
    const std::string path = resolve_data(o.data);
    const nnfs::Dataset data = nnfs::read_csv(path, o.label_column);
    // Labels are class indices 0..K-1 (K = the largest + 1, as CrossEntropyLoss takes them). Checked before
    // training: the report's confusion matrix has K^2 counts (label 100000 made it 80 GB, after training).
    constexpr int64_t kMaxClasses = 10000;
    if (data.num_classes() > kMaxClasses)
        fail("'", path, "' has the label ", data.num_classes() - 1, ": labels are class indices 0..K-1, and more than ",
             kMaxClasses, " classes is not supported here");
    const auto classes = static_cast<int32_t>(data.num_classes());
    if (classes < 2) fail("'", path, "' has ", classes, " class(es); a classifier needs at least 2");
    {  // Classes without a sample still get an output: say so, it is usually a labelling mistake.
        std::vector<int64_t> count(static_cast<size_t>(classes));
        for (int32_t y : data.labels) ++count[static_cast<size_t>(y)];
        std::string empty;
        int64_t n_empty = 0;
        for (int32_t c = 0; c < classes; ++c)
            if (count[static_cast<size_t>(c)] == 0 && n_empty++ < 10) empty += (empty.empty() ? "" : ", ") + std::to_string(c);
        if (n_empty > 0)
            std::fprintf(stderr, "nnfs-train: warning: %lld of the %d classes 0..%d have no sample (%s%s); labels are class indices\n",
                         static_cast<long long>(n_empty), classes, classes - 1, empty.c_str(), n_empty > 10 ? ", ..." : "");
        // (train_test_split's own message suggests stratify = false, which this tool does not offer)
        for (int32_t c = 0; c < classes; ++c)
            if (count[static_cast<size_t>(c)] == 1)
                fail("'", path, "': class ", c, " has 1 sample; the validation split (--val-split) is stratified and needs at least 2 of each class");
    }
    const std::string label_name = o.label_column.empty() ? nnfs::read_csv_header(path).back() : o.label_column;
    std::vector<std::string> class_names = o.class_names.empty() ? bundled_class_names(o.data) : o.class_names;
    if (!class_names.empty() && static_cast<int32_t>(class_names.size()) != classes) {
        if (!o.class_names.empty()) throw UsageError("--class-names: " + std::to_string(class_names.size()) + " names for " + std::to_string(classes) + " classes");
        class_names.clear();  // a bundled name's labels were replaced by another column
    }
    auto [train, val] = nnfs::train_test_split(data, o.val_split, o.seed, /*stratify=*/true);  // neither part empty

    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(o.out, ec);
    if (ec || !fs::is_directory(o.out)) fail("cannot create output directory '", o.out, "'", ec ? ": " + ec.message() : "");
    const fs::path out_dir(o.out);
    // Checked now rather than after a long training run.
    if (const fs::path dir = fs::path(o.save).parent_path(); !o.save.empty() && !dir.empty() && !fs::is_directory(dir, ec))
        fail("--save: directory '", dir.string(), "' does not exist");
    const std::string validation_csv = (out_dir / "validation.csv").string();
    nnfs::write_csv(validation_csv, val, label_name);

    nnfs::Standardizer standardizer;
    standardizer.fit(train.features);
    standardizer.transform(train.features);
    standardizer.transform(val.features);

    ModelSpec spec{.inputs = data.num_features(), .hidden = o.hidden, .classes = classes, .activation = o.activation,
                   .batchnorm = o.batchnorm, .dropout = o.dropout};
    nnfs::Sequential net;
    build_model(spec, net);
    net.set_requires_input_grad(false);  // nobody uses the gradient of the data: the first layer skips it
    std::printf("data: %s (%lld samples, %lld features, %d classes); training %lld, validation %lld\n", path.c_str(),
                static_cast<long long>(data.size()), static_cast<long long>(data.num_features()), classes,
                static_cast<long long>(train.size()), static_cast<long long>(val.size()));
    std::printf("model: %s\n%s", spec.str().c_str(), net.summary({o.batch_size, data.num_features()}).c_str());

    std::unique_ptr<nnfs::Optimizer> optimizer = make_optimizer(o, net.parameters());
    std::printf("optimizer: %s, lr %g; loss: %s; %lld epochs of batch %lld; seed %llu; %d thread(s)\n\n", o.optimizer.c_str(),
                static_cast<double>(optimizer->lr()), o.loss.c_str(), static_cast<long long>(o.epochs),
                static_cast<long long>(o.batch_size), static_cast<unsigned long long>(o.seed), nnfs::get_num_threads());

    Criterion criterion(o.loss == "mse");
    // BatchNorm cannot train on a batch of one sample (as PyTorch): drop such a last batch.
    if (o.batchnorm && train.size() < 2) fail("--batchnorm needs at least 2 training samples, got ", train.size());
    const bool drop_last = o.batchnorm && train.size() % o.batch_size == 1;
    nnfs::DataLoader loader(train, o.batch_size, {.shuffle = true, .seed = o.seed, .drop_last = drop_last});
    nnfs::Profiler profiler;
    Progress progress(stdout, static_cast<int>(o.epochs), isatty(fileno(stdout)) != 0);
    std::vector<EpochRecord> history;
    const auto start = std::chrono::steady_clock::now();
    for (int epoch = 1; epoch <= o.epochs; ++epoch) {
        // Only the training steps are profiled: evaluation would blur the per-step picture.
        if (o.profile) net.set_profiler(&profiler);
        double loss_sum = 0;
        int64_t correct = 0, seen = 0;
        for (loader.start_epoch(); loader.next();) {
            optimizer->zero_grad();
            const nnfs::Tensor& logits = net.forward(loader.features());
            const auto n = static_cast<double>(loader.labels().size());
            loss_sum += double{criterion.forward(logits, loader.labels())} * n;
            const std::vector<int32_t> predicted = nnfs::argmax(logits);
            for (size_t i = 0; i < predicted.size(); ++i) correct += predicted[i] == loader.labels()[i];
            seen += static_cast<int64_t>(predicted.size());
            net.backward(criterion.backward());
            optimizer->step();
        }
        net.set_profiler(nullptr);
        const Evaluation v = evaluate(net, criterion, val);
        const EpochRecord r{epoch, loss_sum / static_cast<double>(seen), static_cast<double>(correct) / static_cast<double>(seen),
                            v.loss, v.accuracy};
        history.push_back(r);
        progress.update(r, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        if (!std::isfinite(r.train_loss)) {
            progress.finish();
            fail("training diverged at epoch ", epoch, " (loss ", r.train_loss, "); try a smaller --lr");
        }
    }
    progress.finish();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    // Final report on the validation part.
    const Evaluation v = evaluate(net, criterion, val);
    const nnfs::ConfusionMatrix cm = nnfs::confusion_matrix(v.predicted, val.labels, classes);
    const std::string report = "validation accuracy " + std::to_string(v.accuracy) + " (" + std::to_string(val.size()) +
                               " samples)\n\n" + nnfs::classification_report(cm).str(class_names) +
                               "\nconfusion matrix (rows: true class, columns: predicted)\n" + confusion_text(cm, class_names);
    std::printf("\ntrained in %.2f s (%.0f samples/s)\n\n%s", seconds,
                static_cast<double>(train.size()) * static_cast<double>(o.epochs) / seconds, report.c_str());

    const std::string history_csv = (out_dir / "history.csv").string(), curves_svg = (out_dir / "curves.svg").string(),
                      confusion_svg = (out_dir / "confusion.svg").string(), report_txt = (out_dir / "report.txt").string();
    write_history_csv(history_csv, history);
    write_curves_svg(curves_svg, history, o.loss == "mse" ? "MSE, one-hot" : "cross-entropy");
    char title[96];
    std::snprintf(title, sizeof title, "Confusion matrix, validation (accuracy %.3f)", v.accuracy);
    if (classes <= kConfusionMaxClasses) write_confusion_svg(confusion_svg, cm, class_names, title);
    write_text(report_txt, report);

    std::string trace;
    if (o.profile) {
        trace = (out_dir / "trace.json").string();
        profiler.write_chrome_trace(trace);
        std::printf("\nprofile of the training steps:\n%s", profiler.table().c_str());
    }
    if (!o.save.empty())
        save_model_file(o.save, net, ModelInfo{spec, standardizer, label_name, data.feature_names, class_names});

    std::printf("\noutputs:\n");
    auto where = [](const char* what, const std::string& file, const std::string& note = "") {
        std::printf("  %-11s %s%s\n", what, file.c_str(), note.c_str());
    };
    where("report", report_txt);
    where("history", history_csv);
    where("curves", curves_svg);
    if (classes <= kConfusionMaxClasses) where("confusion", confusion_svg);
    where("validation", validation_csv, " (raw validation rows)");
    if (o.profile) where("trace", trace, " (open in ui.perfetto.dev or chrome://tracing)");
    if (!o.save.empty()) where("model", o.save, "  -> nnfs-predict " + o.save + " " + validation_csv);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return nnfs_tools::run_tool("nnfs-train", [&] { return train_main(argc, argv); });
}
