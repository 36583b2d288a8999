#include "train_options.hpp"

#include "command_line.hpp"
#include "tool_main.hpp"

namespace nnfs_tools {

const char* const kTrainUsage = R"(usage: nnfs-train --data NAME|PATH [options]

Trains an MLP classifier on a CSV file (header row, numeric columns, integer class labels) or on a
bundled data set (iris, digits, breast_cancer). Features are standardized on the training part.

data
  --data NAME|PATH       bundled data set or CSV file (required)
  --label-column NAME    label column (default: the last column)
  --val-split F          validation fraction, stratified, in (0, 1) (default 0.2)
  --class-names A,B,...  class names for the reports (default: bundled names or indices)
model
  --hidden 128,64        hidden layer widths, "none" for a linear model (default 64)
  --activation NAME      relu | tanh | sigmoid (default relu)
  --batchnorm            BatchNorm1d after each hidden Linear
  --dropout P            dropout after each hidden activation, P in [0, 1) (default 0)
training
  --loss NAME            cross_entropy | mse (MSE on one-hot targets) (default cross_entropy)
  --optimizer NAME       sgd | momentum | nesterov | adam | adamw (default adam)
  --lr X                 learning rate in (0, 100] (default 0.01 for sgd/momentum/nesterov, 0.001 for adam/adamw)
  --weight-decay X       >= 0 (default 0; adamw 0.01)
  --epochs N             in [1, 1000000] (default 50)
  --batch-size N         in [1, 1000000] (default 32); with --batchnorm a last batch of one sample is
                         skipped (BatchNorm cannot train on one)
  --seed N               seeds the split, the shuffling and the initialisation (default 42)
  --threads N            kernel threads (default: the library's)
output
  --out DIR              output directory (default nnfs-out)
  --save PATH            save model, standardizer and architecture in one file (for nnfs-predict)
  --profile              print per-layer timings and write DIR/trace.json (Perfetto, chrome://tracing)
  --help                 this text

Writes DIR/history.csv, DIR/curves.svg, DIR/confusion.svg (up to 50 classes), DIR/report.txt and
DIR/validation.csv (the validation rows, unstandardized, for nnfs-predict). In history.csv, train_loss and
train_acc are averages over the epoch's batches in training mode; val_loss and val_acc are measured in eval
mode after the epoch. Labels are class indices 0..K-1.
)";

namespace {
template <class T>
T checked(bool ok, T value, const char* option, const char* rule, const std::string& text) {
    if (!ok) throw UsageError(std::string(option) + ": " + text + " is out of range (" + rule + ")");
    return value;
}
}  // namespace

TrainOptions parse_train_options(int argc, const char* const* argv) try {
    const CommandLine cl(argc, argv,
                         {{"help", false}, {"data", true}, {"label-column", true}, {"hidden", true}, {"activation", true},
                          {"batchnorm", false}, {"dropout", true}, {"loss", true}, {"optimizer", true}, {"lr", true},
                          {"weight-decay", true}, {"epochs", true}, {"batch-size", true}, {"seed", true},
                          {"threads", true}, {"val-split", true}, {"save", true}, {"profile", false}, {"out", true},
                          {"class-names", true}});
    TrainOptions o;
    if (cl.has("help")) {
        o.help = true;
        return o;
    }
    if (!cl.positional().empty()) throw UsageError("unexpected argument '" + cl.positional().front() + "' (see --help)");
    if (!cl.has("data")) throw UsageError("--data is required (a bundled name: iris, digits, breast_cancer; or a CSV path)");
    o.data = *cl.get("data");
    if (o.data.empty()) throw UsageError("--data: empty value");
    if (auto v = cl.get("label-column")) o.label_column = *v;
    if (auto v = cl.get("hidden")) {
        o.hidden = parse_int_list("--hidden", *v);
        for (int64_t h : o.hidden) checked(h >= 1 && h <= 100000, h, "--hidden", "each width in [1, 100000]", std::to_string(h));
    }
    if (auto v = cl.get("activation")) o.activation = parse_choice("--activation", *v, {"relu", "tanh", "sigmoid"});
    o.batchnorm = cl.has("batchnorm");
    if (auto v = cl.get("dropout")) {
        const double p = parse_double("--dropout", *v);
        o.dropout = checked(p >= 0 && p < 1, p, "--dropout", "must be in [0, 1)", *v);
    }
    if (auto v = cl.get("loss")) o.loss = parse_choice("--loss", *v, {"cross_entropy", "mse"});
    if (auto v = cl.get("optimizer")) o.optimizer = parse_choice("--optimizer", *v, {"sgd", "momentum", "nesterov", "adam", "adamw"});
    if (auto v = cl.get("lr")) {
        const double lr = parse_double("--lr", *v);
        o.lr = checked(lr > 0 && lr <= 100, lr, "--lr", "must be in (0, 100]", *v);
    }
    if (auto v = cl.get("weight-decay")) {
        const double wd = parse_double("--weight-decay", *v);
        o.weight_decay = checked(wd >= 0 && wd <= 10, wd, "--weight-decay", "must be in [0, 10]", *v);
    }
    if (auto v = cl.get("epochs")) {
        const int64_t e = parse_int("--epochs", *v);
        o.epochs = checked(e >= 1 && e <= 1'000'000, e, "--epochs", "must be in [1, 1000000]", *v);
    }
    if (auto v = cl.get("batch-size")) {
        const int64_t b = parse_int("--batch-size", *v);
        o.batch_size = checked(b >= 1 && b <= 1'000'000, b, "--batch-size", "must be in [1, 1000000]", *v);
    }
    if (auto v = cl.get("seed")) {
        const int64_t s = parse_int("--seed", *v);
        o.seed = static_cast<uint64_t>(checked(s >= 0, s, "--seed", "must be >= 0", *v));
    }
    if (auto v = cl.get("threads")) {
        const int64_t t = parse_int("--threads", *v);
        o.threads = checked(t >= 1 && t <= 1024, t, "--threads", "must be in [1, 1024]", *v);
    }
    if (auto v = cl.get("val-split")) {
        const double f = parse_double("--val-split", *v);
        o.val_split = checked(f > 0 && f < 1, f, "--val-split", "must be in (0, 1)", *v);
    }
    if (auto v = cl.get("save")) {
        if (v->empty()) throw UsageError("--save: empty path");
        o.save = *v;
    }
    o.profile = cl.has("profile");
    if (auto v = cl.get("out")) {
        if (v->empty()) throw UsageError("--out: empty path");
        o.out = *v;
    }
    // BatchNorm cannot train on one sample per batch (nor can PyTorch's).
    if (o.batchnorm && o.batch_size == 1) throw UsageError("--batchnorm needs --batch-size of at least 2");
    if (auto v = cl.get("class-names")) o.class_names = split_list("--class-names", *v);
    return o;
} catch (const UsageError&) {
    throw;
} catch (const nnfs::Error& e) {
    throw UsageError(e.what());  // the parsing helpers' errors are command-line mistakes too
}

}  // namespace nnfs_tools
