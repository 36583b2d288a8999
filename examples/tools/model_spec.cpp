#include "model_spec.hpp"

#include <charconv>
#include <string_view>
#include <limits>
#include <sstream>

#include <nnfs/activation.hpp>
#include <nnfs/batchnorm.hpp>
#include <nnfs/dropout.hpp>
#include <nnfs/error.hpp>
#include <nnfs/linear.hpp>

#include "command_line.hpp"

namespace nnfs_tools {

using nnfs::fail;

void ModelSpec::validate() const {
    if (inputs < 1) fail("model: inputs must be >= 1, got ", inputs);
    if (classes < 2) fail("model: classes must be >= 2, got ", classes);
    for (int64_t h : hidden)
        if (h < 1 || h > 1'000'000) fail("model: hidden width must be in [1, 1000000], got ", h);
    if (activation != "relu" && activation != "tanh" && activation != "sigmoid")
        fail("model: activation must be relu, tanh or sigmoid, got '", activation, "'");
    if (!(dropout >= 0.0 && dropout < 1.0)) fail("model: dropout must be in [0, 1), got ", dropout);
}

std::string ModelSpec::str() const {
    std::ostringstream os;
    os << "mlp inputs=" << inputs << " hidden=";
    if (hidden.empty()) os << "none";
    for (size_t i = 0; i < hidden.size(); ++i) os << (i ? "," : "") << hidden[i];
    // The shortest text that reads back as the same double: the dropout probability stays exact through a
    // round trip, and 0.2 prints as 0.2 (not 0.20000000000000001, as 17 digits would).
    char p[32];
    const auto printed = std::to_chars(p, p + sizeof p, dropout);
    os << " classes=" << classes << " activation=" << activation << " batchnorm=" << (batchnorm ? 1 : 0)
       << " dropout=" << std::string_view(p, static_cast<size_t>(printed.ptr - p));
    return os.str();
}

ModelSpec ModelSpec::parse(const std::string& text) {
    std::istringstream in(text);
    std::string word;
    if (!(in >> word) || word != "mlp") fail("architecture '", text, "': expected it to start with 'mlp'");
    ModelSpec spec;
    bool seen_inputs = false, seen_classes = false;
    while (in >> word) {
        const size_t eq = word.find('=');
        if (eq == std::string::npos) fail("architecture '", text, "': '", word, "' is not key=value");
        const std::string key = word.substr(0, eq), value = word.substr(eq + 1);
        const std::string where = "architecture field '" + key + "'";
        if (key == "inputs") {
            spec.inputs = parse_int(where, value);
            seen_inputs = true;
        } else if (key == "hidden") {
            spec.hidden = parse_int_list(where, value);
        } else if (key == "classes") {
            spec.classes = parse_int(where, value);
            seen_classes = true;
        } else if (key == "activation") {
            spec.activation = value;
        } else if (key == "batchnorm") {
            spec.batchnorm = parse_int(where, value) != 0;
        } else if (key == "dropout") {
            spec.dropout = parse_double(where, value);
        } else {
            fail("architecture '", text, "': unknown field '", key, "'");
        }
    }
    if (!seen_inputs || !seen_classes) fail("architecture '", text, "': needs inputs= and classes=");
    spec.validate();
    return spec;
}

int64_t ModelSpec::state_size() const {
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    int64_t total = 0;
    // Adds a * b + c * b, saturating.
    auto add_layer = [&total](int64_t a, int64_t b, int64_t c) {
        int64_t weights = 0, rest = 0;
        if (__builtin_mul_overflow(a, b, &weights) || __builtin_mul_overflow(c, b, &rest) ||
            __builtin_add_overflow(total, weights, &total) || __builtin_add_overflow(total, rest, &total))
            total = kMax;
    };
    int64_t prev = inputs;
    for (int64_t width : hidden) {
        add_layer(prev, width, batchnorm ? 5 : 1);  // weight; bias (+ BatchNorm's four vectors)
        prev = width;
    }
    add_layer(prev, classes, 1);
    return total;
}

void build_model(const ModelSpec& spec, nnfs::Sequential& net) {
    spec.validate();
    if (!net.empty()) fail("build_model: the Sequential is not empty");
    // He initialisation keeps ReLU activations' variance steady; Xavier suits the saturating ones.
    const nnfs::Init init = spec.activation == "relu" ? nnfs::Init::HeUniform : nnfs::Init::XavierUniform;
    int64_t prev = spec.inputs;
    for (int64_t width : spec.hidden) {
        net.emplace<nnfs::Linear>(prev, width, init);
        if (spec.batchnorm) net.emplace<nnfs::BatchNorm1d>(width);
        if (spec.activation == "relu") net.emplace<nnfs::ReLU>();
        else if (spec.activation == "tanh") net.emplace<nnfs::Tanh>();
        else net.emplace<nnfs::Sigmoid>();
        if (spec.dropout > 0.0) net.emplace<nnfs::Dropout>(static_cast<float>(spec.dropout));
        prev = width;
    }
    net.emplace<nnfs::Linear>(prev, spec.classes);  // logits
}

}  // namespace nnfs_tools
