// Command-line parsing for the nnfs tools: options "--name value", "--name=value" and flags "--name",
// positional arguments, and strict number parsing. Every problem is an nnfs::Error whose message names
// the option and the offending text, so a tool can print it as one line and exit.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nnfs_tools {

struct OptionSpec {
    std::string name;  // without the leading "--"
    bool takes_value;
};

class CommandLine {
public:
    // Parses argv[1..argc): unknown options, missing values, values given to flags and repeated options
    // are errors. "--" ends the options (everything after it is positional).
    CommandLine(int argc, const char* const* argv, const std::vector<OptionSpec>& specs);

    bool has(const std::string& name) const { return values_.count(name) != 0; }
    // The option's value, or nullopt when it was not given.
    std::optional<std::string> get(const std::string& name) const;
    const std::vector<std::string>& positional() const { return positional_; }

private:
    std::map<std::string, std::string> values_;  // flags map to ""
    std::vector<std::string> positional_;
};

// Strict numbers: the whole text must be a number (no trailing characters, no spaces), floats finite.
// `option` names the option in the message: "--lr: 'abc' is not a number".
double parse_double(std::string_view option, std::string_view text);
int64_t parse_int(std::string_view option, std::string_view text);
// "128,64" -> {128, 64}; "" or "none" -> {} (no hidden layers).
std::vector<int64_t> parse_int_list(std::string_view option, std::string_view text);
// "a,b,c" -> {"a", "b", "c"} (fields trimmed; empty fields are errors).
std::vector<std::string> split_list(std::string_view option, std::string_view text);
// `text` must be one of `choices`.
std::string parse_choice(std::string_view option, std::string_view text, const std::vector<std::string>& choices);

}  // namespace nnfs_tools
