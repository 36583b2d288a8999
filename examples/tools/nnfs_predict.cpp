// nnfs-predict: applies a model saved by `nnfs-train --save` to the rows of a CSV file. `nnfs-predict --help`.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <nnfs/nnfs.hpp>

#include "charts.hpp"
#include "command_line.hpp"
#include "model_file.hpp"
#include "tool_main.hpp"

namespace {

using namespace nnfs_tools;
using nnfs::fail;

const char* const kUsage = R"(usage: nnfs-predict MODEL CSV [options]

Predicts the class of every row of CSV with a model saved by `nnfs-train --save`. The CSV has a header
row; if it holds the model's label column (or --label-column), those labels are compared with the
predictions and accuracy, a classification report and the confusion matrix are printed; otherwise every
column is a feature. Features are standardized with the statistics saved in the model.

  --out FILE            write the predictions to FILE (default: stdout; reports then go to stderr)
  --format lines|csv    one class index per line (default), or CSV "index,prediction"
  --label-column NAME   the label column (default: the one the model was trained with, if present)
  --help                this text
)";

struct PredictOptions {
    std::string model, csv, out, label_column, format = "lines";
    bool help = false;
};

PredictOptions parse_options(int argc, const char* const* argv) try {
    const CommandLine cl(argc, argv, {{"help", false}, {"out", true}, {"format", true}, {"label-column", true}});
    PredictOptions o;
    if (cl.has("help")) {
        o.help = true;
        return o;
    }
    if (cl.positional().size() != 2)
        throw UsageError("expected MODEL and CSV, got " + std::to_string(cl.positional().size()) + " argument(s) (see --help)");
    o.model = cl.positional()[0];
    o.csv = cl.positional()[1];
    if (auto v = cl.get("out")) {
        if (v->empty()) throw UsageError("--out: empty path");
        o.out = *v;
    }
    if (auto v = cl.get("format")) o.format = parse_choice("--format", *v, {"lines", "csv"});
    if (auto v = cl.get("label-column")) o.label_column = *v;
    return o;
} catch (const UsageError&) {
    throw;
} catch (const nnfs::Error& e) {
    throw UsageError(e.what());
}

// The features in the model's column order, found by name: a CSV may order its columns differently
// (taken by position, they would give wrong predictions without a word). read_csv_features refuses a CSV
// whose names repeat. By position when the model file has no names (format version 1) or its names
// repeat (a file written before nnfs-train refused such CSVs).
nnfs::Tensor columns_by_name(const nnfs::Tensor& x, const std::vector<std::string>& names,
                             const std::vector<std::string>& wanted, const std::string& csv) {
    if (wanted.empty() || std::set<std::string>(wanted.begin(), wanted.end()).size() != wanted.size()) return x;
    std::vector<int64_t> source;
    for (const std::string& name : wanted) {
        const auto at = std::find(names.begin(), names.end(), name);
        if (at == names.end()) fail("'", csv, "' has no column named '", name, "', a feature the model was trained on");
        source.push_back(at - names.begin());
    }
    const int64_t rows = x.size(0), cols = x.size(1);
    nnfs::Tensor out({rows, cols});
    for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j) out.data()[i * cols + j] = x.data()[i * cols + source[static_cast<size_t>(j)]];
    return out;
}

int predict_main(int argc, char** argv) {
    const PredictOptions o = parse_options(argc, argv);
    if (o.help) {
        std::fputs(kUsage, stdout);
        return 0;
    }
    const LoadedModel model = load_model_file(o.model);
    const ModelSpec& spec = model.info.spec;

    // Labels are present when the chosen (or the training) label column is in the header.
    const std::vector<std::string> header = nnfs::read_csv_header(o.csv);
    const std::string label = o.label_column.empty() ? model.info.label_column : o.label_column;
    const bool labelled = !o.label_column.empty() || std::find(header.begin(), header.end(), label) != header.end();
    nnfs::Dataset data;
    if (labelled) data = nnfs::read_csv(o.csv, label);
    else data.features = nnfs::read_csv_features(o.csv, &data.feature_names);
    if (data.features.size(1) != spec.inputs) {
        fail("'", o.csv, "' has ", data.features.size(1), " feature column(s), the model expects ", spec.inputs,
             labelled ? " (label column '" + label + "' excluded)" : " (no label column '" + label + "' found, so every column was taken as a feature)");
    }
    data.features = columns_by_name(data.features, data.feature_names, model.info.feature_names, o.csv);
    if (labelled && data.num_classes() > spec.classes)
        fail("'", o.csv, "' has label ", data.num_classes() - 1, ", the model knows classes 0..", spec.classes - 1);

    model.info.standardizer.transform(data.features);
    const std::vector<int32_t> predicted = nnfs::argmax(model.net->forward(data.features));

    std::ostringstream lines;
    if (o.format == "csv") lines << "index,prediction\n";
    for (size_t i = 0; i < predicted.size(); ++i) {
        if (o.format == "csv") lines << i << ',';
        lines << predicted[i] << '\n';
    }
    if (o.out.empty()) {
        std::fputs(lines.str().c_str(), stdout);
        std::fflush(stdout);
    } else {
        std::ofstream out(o.out, std::ios::binary | std::ios::trunc);
        if (!out) fail("cannot create '", o.out, "': ", std::strerror(errno));
        out << lines.str();
        out.flush();
        if (!out) fail("cannot write '", o.out, "': ", std::strerror(errno));
    }

    // Reports go where they do not mix with the predictions.
    std::FILE* report = o.out.empty() ? stderr : stdout;
    if (!o.out.empty()) std::fprintf(report, "%zu predictions written to %s\n", predicted.size(), o.out.c_str());
    if (labelled) {
        const nnfs::ConfusionMatrix cm = nnfs::confusion_matrix(predicted, data.labels, static_cast<int32_t>(spec.classes));
        std::fprintf(report, "accuracy %.6f (%zu samples)\n\n%s\nconfusion matrix (rows: true class, columns: predicted)\n%s",
                     nnfs::accuracy(predicted, data.labels), predicted.size(),
                     nnfs::classification_report(cm).str(model.info.class_names).c_str(), confusion_text(cm, model.info.class_names).c_str());
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return nnfs_tools::run_tool("nnfs-predict", [&] { return predict_main(argc, argv); });
}
