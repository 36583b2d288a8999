// End-to-end tests of the command-line tools nnfs-train and nnfs-predict (examples/tools/): a short
// training run on Iris and its outputs, a saved model reproducing the validation accuracy, and the
// one-line errors for bad arguments and bad files. The tools' paths come from CMake (NNFS_TRAIN_EXE,
// NNFS_PREDICT_EXE); every file lives in a per-process temporary directory.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nnfs/error.hpp>
#include <nnfs/metrics.hpp>
#include <nnfs/sequential.hpp>
#include <nnfs/serialize.hpp>
#include <nnfs/state_dict.hpp>

#include "charts.hpp"
#include "command_line.hpp"
#include "model_file.hpp"
#include "model_spec.hpp"

namespace {

namespace fs = std::filesystem;

struct TempDir {
    fs::path path = fs::temp_directory_path() / ("nnfs_cli_test_" + std::to_string(::getpid()));
    TempDir() {
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

const fs::path& tmp() {
    static TempDir dir;
    return dir.path;
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream os;
    os << in.rdbuf();
    return os.str();
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

std::string quote(const std::string& s) { return "'" + s + "'"; }  // paths here hold no quotes

struct Result {
    int status = -1;
    std::string out, err;
};

// Runs `program args` through the shell with stdout and stderr captured to files.
Result run(const std::string& program, const std::string& args) {
    static int counter = 0;
    const fs::path out = tmp() / ("stdout_" + std::to_string(counter)), err = tmp() / ("stderr_" + std::to_string(counter));
    ++counter;
    const std::string command = quote(program) + " " + args + " >" + quote(out.string()) + " 2>" + quote(err.string());
    const int raw = std::system(command.c_str());
    Result r;
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + (WIFSIGNALED(raw) ? WTERMSIG(raw) : 0);
    r.out = read_file(out);
    r.err = read_file(err);
    return r;
}
Result train(const std::string& args) { return run(NNFS_TRAIN_EXE, args); }
Result predict(const std::string& args) { return run(NNFS_PREDICT_EXE, args); }

// A failure: non-zero status (`status` when given: 2 for command-line mistakes, 1 for the rest), nothing
// but one "<tool>: error: ..." line on stderr mentioning `needle`.
void check_one_line_error(const Result& r, const std::string& tool, const std::string& needle, int status = 0) {
    CHECK(r.status != 0);
    CHECK(r.status < 128);  // an exit, not a signal (crash, abort)
    if (status != 0) CHECK(r.status == status);
    const std::vector<std::string> lines = lines_of(r.err);
    REQUIRE_MESSAGE(lines.size() == 1, "stderr: " << r.err);
    CHECK(lines[0].rfind(tool + ": error: ", 0) == 0);
    CHECK_MESSAGE(lines[0].find(needle) != std::string::npos, lines[0] << " lacks " << needle);
}

// A minimal XML well-formedness check: a prolog, balanced and properly nested elements, quoted
// attributes, and no bare '<' or '&' in text. Returns "" or a description of the first problem.
std::string xml_problem(const std::string& doc) {
    if (doc.rfind("<?xml", 0) != 0) return "no XML declaration";
    std::vector<std::string> open;
    size_t i = doc.find("?>");
    if (i == std::string::npos) return "unterminated declaration";
    i += 2;
    bool seen_root = false;
    while (i < doc.size()) {
        if (doc[i] == '&') {
            const size_t semi = doc.find(';', i);
            const std::string entity = semi == std::string::npos ? "" : doc.substr(i, semi - i + 1);
            if (entity != "&amp;" && entity != "&lt;" && entity != "&gt;" && entity != "&quot;" && entity != "&apos;")
                return "bare '&' at " + std::to_string(i);
            i = semi + 1;
            continue;
        }
        if (doc[i] != '<') {
            if (open.empty() && !std::isspace(static_cast<unsigned char>(doc[i]))) return "text outside the root";
            ++i;
            continue;
        }
        const bool closing = i + 1 < doc.size() && doc[i + 1] == '/';
        size_t j = i + (closing ? 2 : 1);
        const size_t name_start = j;
        while (j < doc.size() && (std::isalnum(static_cast<unsigned char>(doc[j])) || doc[j] == '-' || doc[j] == ':')) ++j;
        const std::string name = doc.substr(name_start, j - name_start);
        if (name.empty()) return "bad tag at " + std::to_string(i);
        // Attributes: name="value" pairs (single or double quotes), then '>' or '/>'.
        auto is_name_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == ':' || c == '_'; };
        while (true) {
            while (j < doc.size() && std::isspace(static_cast<unsigned char>(doc[j]))) ++j;
            if (j >= doc.size()) return "unterminated <" + name + ">";
            if (doc[j] == '>' || (doc[j] == '/' && j + 1 < doc.size() && doc[j + 1] == '>')) break;
            const size_t attr_start = j;
            while (j < doc.size() && is_name_char(doc[j])) ++j;
            if (j == attr_start || j >= doc.size() || doc[j] != '=') return "bad attribute in <" + name + ">";
            ++j;
            if (j >= doc.size() || (doc[j] != '"' && doc[j] != '\'')) return "unquoted attribute in <" + name + ">";
            const size_t close = doc.find(doc[j], j + 1);
            if (close == std::string::npos) return "unterminated attribute in <" + name + ">";
            if (doc.find('<', j + 1) < close) return "'<' in an attribute of <" + name + ">";
            j = close + 1;
        }
        if (doc[j] == '/') ++j;  // now at '>'
        const bool self_closing = doc[j - 1] == '/';
        if (closing) {
            if (open.empty() || open.back() != name) return "</" + name + "> does not close " + (open.empty() ? "anything" : "<" + open.back() + ">");
            open.pop_back();
        } else if (!self_closing) {
            if (open.empty() && seen_root) return "second root element <" + name + ">";
            open.push_back(name);
            seen_root = true;
        }
        i = j + 1;
    }
    if (!open.empty()) return "<" + open.back() + "> never closed";
    return seen_root ? "" : "no root element";
}

void check_svg(const fs::path& p) {
    REQUIRE_MESSAGE(fs::exists(p), p);
    const std::string doc = read_file(p);
    CHECK_MESSAGE(xml_problem(doc).empty(), p << ": " << xml_problem(doc));
    CHECK(doc.find("<svg") != std::string::npos);
    // The reference parser, where there is one.
    if (std::system("command -v python3 >/dev/null 2>&1") == 0) {
        const std::string cmd = "python3 -c \"import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])\" " + quote(p.string()) + " 2>/dev/null";
        CHECK_MESSAGE(std::system(cmd.c_str()) == 0, p << " does not parse with python3's xml.dom.minidom");
    }
}

// The value after `key` in `text` ("validation accuracy 0.933333" -> "0.933333").
std::string value_after(const std::string& text, const std::string& key) {
    const size_t at = text.find(key);
    if (at == std::string::npos) return "";
    std::istringstream in(text.substr(at + key.size()));
    std::string v;
    in >> v;
    return v;
}

constexpr int kEpochs = 6;

// One short training run shared by the test cases (it is the slow part).
const Result& trained() {
    static const Result r = train("--data iris --hidden 16,8 --epochs " + std::to_string(kEpochs) +
                                  " --lr 0.02 --batch-size 16 --seed 7 --profile --out " + quote((tmp() / "out").string()) +
                                  " --save " + quote((tmp() / "model.nnfs").string()));
    return r;
}

}  // namespace

TEST_CASE("nnfs-train: a short Iris run writes history, charts, report and model") {
    const Result& r = trained();
    REQUIRE_MESSAGE(r.status == 0, r.err);
    CHECK(r.err.empty());
    const fs::path out = tmp() / "out";

    const std::vector<std::string> history = lines_of(read_file(out / "history.csv"));
    REQUIRE(history.size() == kEpochs + 1);
    CHECK(history[0] == "epoch,train_loss,train_acc,val_loss,val_acc");
    for (int e = 1; e <= kEpochs; ++e) {
        const std::string& row = history[static_cast<size_t>(e)];
        CHECK(row.rfind(std::to_string(e) + ",", 0) == 0);
        CHECK(std::count(row.begin(), row.end(), ',') == 4);
    }
    check_svg(out / "curves.svg");
    check_svg(out / "confusion.svg");
    CHECK(read_file(out / "curves.svg").find("validation") != std::string::npos);  // the legend
    CHECK(read_file(out / "confusion.svg").find("versicolor") != std::string::npos);  // class labels

    // Iris: 150 samples, a stratified 20 % validation part of 30 rows plus the header.
    CHECK(lines_of(read_file(out / "validation.csv")).size() == 31);
    const std::string report = read_file(out / "report.txt");
    CHECK(report.find("precision") != std::string::npos);
    CHECK(report.find("confusion matrix") != std::string::npos);
    CHECK(fs::exists(out / "trace.json"));  // --profile
    CHECK(r.out.find("profile of the training steps") != std::string::npos);
    CHECK(fs::file_size(tmp() / "model.nnfs") > 0);
    // Not a terminal: plain progress lines, the first and the last epoch among them.
    CHECK(r.out.find("epoch 1/6") != std::string::npos);
    CHECK(r.out.find("epoch 6/6") != std::string::npos);
    CHECK(r.out.find('\r') == std::string::npos);
}

TEST_CASE("nnfs-predict reproduces the validation accuracy of the saved model") {
    REQUIRE(trained().status == 0);
    const std::string val_acc = value_after(trained().out, "validation accuracy ");
    REQUIRE(!val_acc.empty());
    const std::string model = quote((tmp() / "model.nnfs").string());
    const std::string val_csv = (tmp() / "out" / "validation.csv").string();

    // Predictions to stdout, report to stderr.
    const Result r = predict(model + " " + quote(val_csv));
    REQUIRE_MESSAGE(r.status == 0, r.err);
    const std::vector<std::string> predictions = lines_of(r.out);
    CHECK(predictions.size() == 30);
    for (const std::string& p : predictions) CHECK((p == "0" || p == "1" || p == "2"));
    CHECK(value_after(r.err, "accuracy ") == val_acc);
    CHECK(r.err.find("versicolor") != std::string::npos);  // class names travel in the model file
    CHECK(r.err.find("confusion matrix") != std::string::npos);

    // Without the label column every column is a feature: the same predictions, no report.
    std::ifstream in(val_csv);
    std::ofstream unlabelled(tmp() / "unlabelled.csv");
    for (std::string line; std::getline(in, line);) unlabelled << line.substr(0, line.rfind(',')) << '\n';
    unlabelled.close();
    const Result u = predict(model + " " + quote((tmp() / "unlabelled.csv").string()) + " --format csv --out " +
                             quote((tmp() / "preds.csv").string()));
    REQUIRE_MESSAGE(u.status == 0, u.err);
    const std::vector<std::string> csv = lines_of(read_file(tmp() / "preds.csv"));
    REQUIRE(csv.size() == 31);
    CHECK(csv[0] == "index,prediction");
    for (size_t i = 0; i < predictions.size(); ++i) CHECK(csv[i + 1] == std::to_string(i) + "," + predictions[i]);
    CHECK(u.out.find("accuracy") == std::string::npos);

    // Columns are found by name: the feature columns reversed and the label first give the same
    // predictions (a user trial: by position they gave accuracy 0.33 without a word).
    std::ifstream again(val_csv);
    std::ofstream reordered(tmp() / "reordered.csv");
    for (std::string line; std::getline(again, line);) {
        std::vector<std::string> fields;
        for (size_t start = 0, comma;; start = comma + 1) {
            comma = line.find(',', start);
            fields.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
            if (comma == std::string::npos) break;
        }
        reordered << fields.back();
        for (size_t i = fields.size() - 1; i-- > 0;) reordered << ',' << fields[i];
        reordered << '\n';
    }
    reordered.close();
    const Result o = predict(model + " " + quote((tmp() / "reordered.csv").string()));
    REQUIRE_MESSAGE(o.status == 0, o.err);
    CHECK(lines_of(o.out) == predictions);
    CHECK(value_after(o.err, "accuracy ") == val_acc);
}

TEST_CASE("nnfs-train: bad arguments end with a one-line error") {
    check_one_line_error(train("--data iris --bogus"), "nnfs-train", "--bogus", 2);
    check_one_line_error(train("--data iris --lr abc"), "nnfs-train", "abc", 2);
    check_one_line_error(train("--data iris --lr -1"), "nnfs-train", "--lr", 2);
    check_one_line_error(train("--data iris --dropout 1.5"), "nnfs-train", "--dropout", 2);
    check_one_line_error(train("--data iris --epochs"), "nnfs-train", "--epochs", 2);
    check_one_line_error(train("--data iris --hidden 8,x"), "nnfs-train", "--hidden", 2);
    check_one_line_error(train("--data iris --optimizer rmsprop"), "nnfs-train", "rmsprop", 2);
    check_one_line_error(train(""), "nnfs-train", "--data", 2);
}

TEST_CASE("nnfs-train: missing and malformed CSV files end with a one-line error") {
    const std::string missing = (tmp() / "missing.csv").string();
    check_one_line_error(train("--data " + quote(missing)), "nnfs-train", "missing.csv");

    const fs::path bad = tmp() / "bad.csv";
    std::ofstream(bad) << "a,b,label\n1,2,0\n3,4,1\n5,oops,0\n7,8,1\n";
    const Result r = train("--data " + quote(bad.string()) + " --out " + quote((tmp() / "bad_out").string()));
    check_one_line_error(r, "nnfs-train", ":4:");  // the line of the bad number
    CHECK(r.err.find("oops") != std::string::npos);

    // A label far past the others: refused before training (a user trial: label 100000 trained, then
    // failed allocating the report's 10^10-count confusion matrix).
    const fs::path far = tmp() / "far.csv";
    std::ofstream(far) << "a,label\n1,0\n2,1\n3,0\n4,20000\n";
    check_one_line_error(train("--data " + quote(far.string()) + " --out " + quote((tmp() / "far_out").string())),
                         "nnfs-train", "the label 20000: labels are class indices 0..K-1, and more than 10000 classes");

    // A class of one sample: the split is stratified (a user trial: the library's message suggested
    // "stratify = false", which the tool does not offer).
    const fs::path lone = tmp() / "lone.csv";
    std::ofstream(lone) << "a,label\n1,0\n2,0\n3,1\n4,0\n";
    const Result l = train("--data " + quote(lone.string()) + " --out " + quote((tmp() / "lone_out").string()));
    check_one_line_error(l, "nnfs-train", "class 1 has 1 sample; the validation split (--val-split) is stratified and needs at least 2 of each class");
    CHECK(l.err.find("stratify = false") == std::string::npos);

    // Unwritable outputs name the system's reason.
    const fs::path data = tmp() / "ok.csv";
    {
        std::ofstream out(data);
        out << "a,label\n";
        for (int i = 0; i < 20; ++i) out << i << ',' << i % 2 << '\n';
    }
    check_one_line_error(train("--data " + quote(data.string()) + " --epochs 1 --out " + quote((tmp() / "ok_out").string()) + " --save " +
                               quote((tmp() / "ok_out").string())),  // a directory
                         "nnfs-train", "Is a directory");
}

TEST_CASE("nnfs-train: labels with gaps train, with a warning, and report as scikit-learn's") {
    const fs::path gaps = tmp() / "gaps.csv";
    {
        std::ofstream out(gaps);
        out << "x,y,label\n";
        for (int i = 0; i < 30; ++i) out << i % 3 << ',' << (i * 7) % 5 << ',' << (i % 3 == 0 ? 0 : i % 3 == 1 ? 2 : 5) << '\n';
    }
    const Result r = train("--data " + quote(gaps.string()) + " --epochs 2 --out " + quote((tmp() / "gaps_out").string()));
    REQUIRE_MESSAGE(r.status == 0, r.err);
    CHECK(r.err.find("warning: 3 of the 6 classes 0..5 have no sample (1, 3, 4)") != std::string::npos);
    const std::string report = read_file(tmp() / "gaps_out" / "report.txt");
    CHECK(report.find("\n           5") != std::string::npos);
    CHECK(report.find("\n           3 ") == std::string::npos);  // no row in the class report for an absent class
}

TEST_CASE("nnfs-predict: damaged model files and mismatched CSVs end with a one-line error") {
    REQUIRE(trained().status == 0);
    const fs::path model = tmp() / "model.nnfs";
    const std::string val_csv = quote((tmp() / "out" / "validation.csv").string());
    const std::string bytes = read_file(model);

    std::ofstream(tmp() / "truncated.nnfs", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    check_one_line_error(predict(quote((tmp() / "truncated.nnfs").string()) + " " + val_csv), "nnfs-predict", "truncated.nnfs");

    std::string flipped = bytes;
    flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 0x5a);
    std::ofstream(tmp() / "corrupted.nnfs", std::ios::binary) << flipped;
    check_one_line_error(predict(quote((tmp() / "corrupted.nnfs").string()) + " " + val_csv), "nnfs-predict", "corrupted");

    check_one_line_error(predict(quote((tmp() / "no_such_model.nnfs").string()) + " " + val_csv), "nnfs-predict", "no_such_model");

    // Three features where the model takes four.
    std::ofstream(tmp() / "three.csv") << "a,b,c,label\n1,2,3,0\n4,5,6,1\n";
    check_one_line_error(predict(quote(model.string()) + " " + quote((tmp() / "three.csv").string())), "nnfs-predict", "feature");
    // Four features, one of them not a column the model was trained on.
    const std::string header = read_file(tmp() / "out" / "validation.csv").substr(0, read_file(tmp() / "out" / "validation.csv").find('\n'));
    const std::string first = header.substr(0, header.find(','));
    std::ofstream(tmp() / "renamed.csv") << "renamed" << header.substr(first.size()) << "\n1,2,3,4,0\n";
    check_one_line_error(predict(quote(model.string()) + " " + quote((tmp() / "renamed.csv").string())), "nnfs-predict",
                         "no column named '" + first + "', a feature the model was trained on");

    check_one_line_error(predict(quote(model.string())), "nnfs-predict", "CSV", 2);
    check_one_line_error(predict(quote(model.string()) + " " + val_csv + " --format xml"), "nnfs-predict", "xml", 2);
}

TEST_CASE("nnfs-train --label-column: the label anywhere, found again by nnfs-predict") {
    // Iris with the label moved to the front under another name.
    std::ifstream in(std::string(NNFS_TOOLS_DATA_DIR) + "/iris.csv");
    std::ofstream moved(tmp() / "species_first.csv");
    std::string line;
    std::getline(in, line);
    moved << "species," << line.substr(0, line.rfind(',')) << '\n';
    while (std::getline(in, line)) moved << line.substr(line.rfind(',') + 1) << ',' << line.substr(0, line.rfind(',')) << '\n';
    moved.close();

    const std::string out = quote((tmp() / "species_out").string()), model = quote((tmp() / "species.nnfs").string());
    const Result r = train("--data " + quote((tmp() / "species_first.csv").string()) +
                           " --label-column species --class-names se,ve,vi --epochs 3 --hidden 8 --lr 0.05 --out " + out +
                           " --save " + model);
    REQUIRE_MESSAGE(r.status == 0, r.err);
    const std::string header = lines_of(read_file(tmp() / "species_out" / "validation.csv")).at(0);
    CHECK(header == "sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm,species");
    const Result p = predict(model + " " + quote((tmp() / "species_out" / "validation.csv").string()));
    REQUIRE_MESSAGE(p.status == 0, p.err);
    CHECK(value_after(p.err, "accuracy ") == value_after(r.out, "validation accuracy "));
    CHECK(p.err.find(" ve ") != std::string::npos);

    // The same file as a spreadsheet exports it, a UTF-8 byte-order mark first: the label column is
    // still found by name (the tool's own CSV reader once kept the mark in the first name, found no
    // label and read five feature columns).
    std::ofstream(tmp() / "species_bom.csv", std::ios::binary) << "\xEF\xBB\xBF" << read_file(tmp() / "species_first.csv");
    const Result b = predict(model + " " + quote((tmp() / "species_bom.csv").string()));
    REQUIRE_MESSAGE(b.status == 0, b.err);
    CHECK(lines_of(b.out).size() == 150);
    CHECK(!value_after(b.err, "accuracy ").empty());

    check_one_line_error(train("--data iris --class-names a,b"), "nnfs-train", "--class-names");
    check_one_line_error(train("--data iris --label-column nope"), "nnfs-train", "nope");
}

TEST_CASE("tool helpers: architecture strings, command lines, SVG escaping") {
    using namespace nnfs_tools;
    const ModelSpec spec{.inputs = 64, .hidden = {128, 64}, .classes = 10, .activation = "tanh", .batchnorm = true, .dropout = 0.1};
    const ModelSpec back = ModelSpec::parse(spec.str());
    CHECK(back.str() == spec.str());
    CHECK(back.dropout == spec.dropout);
    // The shortest text that reads back exactly (a user trial saw "dropout=0.20000000000000001").
    CHECK(spec.str().find(" dropout=0.1") != std::string::npos);
    CHECK(spec.str().ends_with(" dropout=0.1"));
    for (double p : {0.2, 1.0 / 3.0, 0.30000000000000004, 0.0, 5e-324}) {
        ModelSpec q = spec;
        q.dropout = p;
        CAPTURE(q.str());
        CHECK(ModelSpec::parse(q.str()).dropout == p);
    }
    nnfs::Sequential net;
    build_model(back, net);
    // Per hidden layer: Linear, BatchNorm1d, Tanh, Dropout; then the output Linear.
    CHECK(net.size() == 9);
    CHECK(net.name().find("BatchNorm1d(128)") != std::string::npos);
    CHECK_THROWS_AS(ModelSpec::parse("mlp inputs=4 classes=3 activation=gelu"), nnfs::Error);
    CHECK_THROWS_AS(ModelSpec::parse("mlp inputs=4 hidden=8"), nnfs::Error);  // no classes
    CHECK_THROWS_AS(ModelSpec::parse("cnn inputs=4 classes=3"), nnfs::Error);
    CHECK(ModelSpec::parse("mlp inputs=4 hidden=none classes=3").hidden.empty());

    const char* argv[] = {"tool", "--lr=0.5", "--flag", "file.csv", "--", "--not-an-option"};
    const CommandLine cl(6, argv, {{"lr", true}, {"flag", false}});
    CHECK(cl.get("lr") == "0.5");
    CHECK(cl.has("flag"));
    CHECK(cl.positional() == std::vector<std::string>{"file.csv", "--not-an-option"});
    const char* twice[] = {"tool", "--lr", "1", "--lr", "2"};
    CHECK_THROWS_AS(CommandLine(5, twice, {{"lr", true}}), nnfs::Error);
    CHECK_THROWS_AS(parse_double("--lr", "1e"), nnfs::Error);
    CHECK_THROWS_AS(parse_double("--lr", "nan"), nnfs::Error);
    CHECK_THROWS_AS(parse_int("--epochs", "2.5"), nnfs::Error);
    CHECK(parse_int_list("--hidden", "128, 64") == std::vector<int64_t>{128, 64});

    const std::vector<double> ticks = nice_ticks(0.013, 1.87);
    CHECK(ticks.front() <= 0.013);
    CHECK(ticks.back() >= 1.87);
    CHECK(ticks.size() >= 3);
    CHECK(ticks.size() <= 8);

    // Class names with XML's special characters still give a well-formed document.
    const std::vector<int32_t> truth = {0, 1, 2, 2}, predicted = {0, 2, 2, 1};
    const fs::path svg = tmp() / "escaped.svg";
    write_confusion_svg(svg.string(), nnfs::confusion_matrix(predicted, truth, 3), {"a<b", "c&d", "\"e\""}, "t<i>tle & more");
    check_svg(svg);
    CHECK(read_file(svg).find("a&lt;b") != std::string::npos);
    // The checker itself catches what it is meant to.
    CHECK(xml_problem("<?xml version=\"1.0\"?><a><b/></a>").empty());
    CHECK(!xml_problem("<?xml version=\"1.0\"?><a><b></a>").empty());
    CHECK(!xml_problem("<?xml version=\"1.0\"?><a>x & y</a>").empty());
    CHECK(!xml_problem("<?xml version=\"1.0\"?><a x=1/>").empty());
    CHECK(!xml_problem("<?xml version=\"1.0\"?><a/><b/>").empty());
}

TEST_CASE("tool model file: an architecture larger than the file's tensors fails before building") {
    using namespace nnfs_tools;
    // state_size counts what build_model allocates.
    for (const char* text : {"mlp inputs=5 hidden=7,3 classes=4 batchnorm=1 dropout=0.5", "mlp inputs=5 hidden=none classes=2",
                             "mlp inputs=2 hidden=9 classes=3 activation=sigmoid"}) {
        const ModelSpec spec = ModelSpec::parse(text);
        nnfs::Sequential net;
        build_model(spec, net);
        int64_t values = 0;
        for (const auto& [name, t] : nnfs::state_refs(net).tensors) values += t->numel();
        CHECK(spec.state_size() == values);
    }
    CHECK(ModelSpec::parse("mlp inputs=9223372036854775807 hidden=1000000 classes=2").state_size() == INT64_MAX);

    // Seen while writing fuzz_model_file (and confirmed with it on this input): a file of a few hundred
    // bytes whose architecture string asks for two hidden layers of 10^6 made load_model_file allocate
    // 4 TB building the network, before comparing it with the (small) tensors of the file.
    nnfs::StateDict state;
    state.strings["format"] = "nnfs-tools-model";
    state.integers["format_version"] = 1;
    state.strings["architecture"] = "mlp inputs=3 hidden=1000000,1000000 classes=2 activation=relu batchnorm=0 dropout=0";
    state.strings["label_column"] = "label";
    state.strings["class_names"] = "";
    state.tensors["standardizer.mean"] = nnfs::Tensor::from({3}, std::vector<float>{0, 0, 0});
    state.tensors["standardizer.scale"] = nnfs::Tensor::from({3}, std::vector<float>{1, 1, 1});
    state.tensors["model.0.weight"] = nnfs::Tensor({2, 3});
    const std::string path = (tmp() / "huge_architecture.nnfs").string();
    nnfs::write_state_file(state, path);
    CHECK_THROWS_WITH_AS(load_model_file(path), doctest::Contains("the file holds 6"), nnfs::Error);
}
