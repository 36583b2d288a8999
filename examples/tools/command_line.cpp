#include "command_line.hpp"

#include <charconv>
#include <cmath>

#include <nnfs/error.hpp>

namespace nnfs_tools {

using nnfs::fail;

CommandLine::CommandLine(int argc, const char* const* argv, const std::vector<OptionSpec>& specs) {
    bool options_ended = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (options_ended || arg.size() < 2 || arg.compare(0, 2, "--") != 0) {
            // A lone "-x" is almost certainly a mistyped option, not a file name.
            if (!options_ended && arg.size() > 1 && arg[0] == '-') fail("unknown option '", arg, "' (options start with --)");
            positional_.push_back(arg);
            continue;
        }
        if (arg == "--") {
            options_ended = true;
            continue;
        }
        const size_t eq = arg.find('=');
        const std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
        const OptionSpec* spec = nullptr;
        for (const OptionSpec& s : specs)
            if (s.name == name) spec = &s;
        if (!spec) fail("unknown option '--", name, "' (see --help)");
        if (values_.count(name)) fail("option '--", name, "' given twice");
        if (!spec->takes_value) {
            if (eq != std::string::npos) fail("option '--", name, "' takes no value");
            values_[name] = "";
        } else if (eq != std::string::npos) {
            values_[name] = arg.substr(eq + 1);
        } else {
            // The next argument is the value, even if it starts with '-' ("--lr -1" is a range error, not a
            // missing value), unless it is another option ("--epochs --out d" lacks the epochs).
            if (i + 1 >= argc || std::string_view(argv[i + 1]).starts_with("--")) fail("option '--", name, "' needs a value");
            values_[name] = argv[++i];
        }
    }
}

std::optional<std::string> CommandLine::get(const std::string& name) const {
    const auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    return it->second;
}

double parse_double(std::string_view option, std::string_view text) {
    const char* begin = text.data();
    const char* end = begin + text.size();
    if (begin != end && *begin == '+') ++begin;  // from_chars does not take a leading '+'
    double value = 0;
    const auto [ptr, ec] = std::from_chars(begin, end, value);
    if (text.empty() || ec != std::errc{} || ptr != end || !std::isfinite(value))
        fail(option, ": '", text, "' is not a number");
    return value;
}

int64_t parse_int(std::string_view option, std::string_view text) {
    const char* begin = text.data();
    const char* end = begin + text.size();
    if (begin != end && *begin == '+') ++begin;
    int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(begin, end, value);
    if (ec == std::errc::result_out_of_range) fail(option, ": '", text, "' is too large");
    if (text.empty() || ec != std::errc{} || ptr != end) fail(option, ": '", text, "' is not an integer");
    return value;
}

static std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

std::vector<std::string> split_list(std::string_view option, std::string_view text) {
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
        const size_t comma = text.find(',', start);
        const std::string_view field = trim(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        if (field.empty()) fail(option, ": empty item in '", text, "'");
        out.emplace_back(field);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return out;
}

std::vector<int64_t> parse_int_list(std::string_view option, std::string_view text) {
    if (trim(text).empty() || trim(text) == "none") return {};
    std::vector<int64_t> out;
    for (const std::string& item : split_list(option, text)) out.push_back(parse_int(option, item));
    return out;
}

std::string parse_choice(std::string_view option, std::string_view text, const std::vector<std::string>& choices) {
    for (const std::string& c : choices)
        if (c == text) return c;
    std::string list;
    for (const std::string& c : choices) list += (list.empty() ? "" : "|") + c;
    fail(option, ": '", text, "' is not one of ", list);
}

}  // namespace nnfs_tools
