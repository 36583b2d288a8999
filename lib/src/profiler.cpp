#include "nnfs/profiler.hpp"

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <sstream>

#include "atomic_file.hpp"
#include "nnfs/error.hpp"
#include "nnfs/module.hpp"

namespace nnfs {

Profiler::Profiler(size_t max_trace_events) : max_events_(max_trace_events), origin_(std::chrono::steady_clock::now()) {
    events_.reserve(max_events_);  // recording never allocates once the rows exist
}

void Profiler::record(size_t layer, const Module& module, Phase phase, const Shape& output_shape, double flops,
                      std::chrono::steady_clock::time_point start, std::chrono::steady_clock::time_point end) {
    auto it = std::find_if(rows_.begin(), rows_.end(),
                           [&](const Row& r) { return r.layer == layer && r.module == &module && r.phase == phase; });
    if (it == rows_.end()) {
        rows_.push_back(Row{layer, &module, module.name(), phase, output_shape});
        it = rows_.end() - 1;
    }
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count();
    ++it->calls;
    it->seconds += static_cast<double>(ns) * 1e-9;
    it->flops += flops;
    it->output_shape = output_shape;
    if (events_.size() < max_events_) {
        const auto since = std::chrono::duration_cast<std::chrono::nanoseconds>(start - origin_).count();
        events_.push_back({static_cast<uint32_t>(it - rows_.begin()), since, ns});
    } else {
        ++dropped_events_;
    }
}

namespace {
// s inside a JSON string: quotes, backslashes and control characters escaped (a user's module may name
// itself anything).
std::string json_escaped(const std::string& s) {
    std::string out;
    for (const char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
            out += buf;
        } else {
            out += c;
        }
    }
    return out;
}
// s on one table line: control characters (a newline in a module's name) as spaces.
std::string one_line(std::string s) {
    for (char& c : s)
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    return s;
}
}  // namespace

std::string Profiler::table() const {
    std::vector<const Row*> order;
    double total = 0;
    for (const Row& r : rows_) {
        order.push_back(&r);
        total += r.seconds;
    }
    std::sort(order.begin(), order.end(), [](const Row* a, const Row* b) {
        return a->layer != b->layer ? a->layer < b->layer : a->phase < b->phase;
    });
    // Columns as wide as their longest entry (a nested Sequential's name is long).
    size_t name_w = 28, shape_w = 14;
    for (const Row* r : order) {
        name_w = std::max(name_w, one_line(r->name).size() + 2);
        shape_w = std::max(shape_w, r->output_shape.str().size() + 2);
    }
    const auto nw = static_cast<int>(name_w), sw = static_cast<int>(shape_w);
    std::ostringstream os;
    os << std::left << std::setw(4) << "#" << std::setw(nw) << "layer" << std::setw(10) << "phase" << std::setw(sw)
       << "output" << std::right << std::setw(9) << "calls" << std::setw(11) << "total ms" << std::setw(11) << "mean us"
       << std::setw(10) << "GFLOP/s" << std::setw(8) << "share" << '\n';
    os << std::fixed;
    for (const Row* r : order) {
        os << std::left << std::setw(4) << r->layer << std::setw(nw) << one_line(r->name) << std::setw(10)
           << (r->phase == Phase::Forward ? "forward" : "backward") << std::setw(sw) << r->output_shape.str() << std::right
           << std::setw(9) << r->calls << std::setw(11) << std::setprecision(3) << r->seconds * 1e3 << std::setw(11)
           << std::setprecision(2) << r->seconds * 1e6 / static_cast<double>(std::max<int64_t>(r->calls, 1));
        if (r->flops > 0 && r->seconds > 0) {
            os << std::setw(10) << std::setprecision(2) << r->flops / r->seconds * 1e-9;
        } else {
            os << std::setw(10) << "-";
        }
        os << std::setw(7) << std::setprecision(1) << (total > 0 ? 100.0 * r->seconds / total : 0.0) << "%\n";
    }
    os << "total " << std::setprecision(3) << total * 1e3 << " ms in layers\n";
    if (dropped_events_ > 0)
        os << "(the trace keeps the first " << max_events_ << " calls; " << dropped_events_ << " later ones are in this table only)\n";
    return os.str();
}

void Profiler::write_chrome_trace(const std::string& path) const {
    std::string out = "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n";
    char buf[96];
    for (size_t i = 0; i < events_.size(); ++i) {
        const Event& e = events_[i];
        const Row& r = rows_[e.row];
        out += (i ? ",\n{\"name\":\"" : "{\"name\":\"") + std::to_string(r.layer) + " " + json_escaped(r.name) + "\",\"cat\":\"" +
               (r.phase == Phase::Forward ? "forward" : "backward");
        std::snprintf(buf, sizeof buf, "\",\"ph\":\"X\",\"ts\":%.3f,\"dur\":%.3f,\"pid\":1,\"tid\":1}",
                      static_cast<double>(e.start_ns) * 1e-3, static_cast<double>(e.duration_ns) * 1e-3);
        out += buf;
    }
    if (dropped_events_ > 0) {  // said in the trace too, as an instant event after the last kept one
        const double ts = events_.empty() ? 0.0 : static_cast<double>(events_.back().start_ns + events_.back().duration_ns) * 1e-3;
        std::snprintf(buf, sizeof buf, "%.3f", ts);
        out += std::string(events_.empty() ? "" : ",\n") + "{\"name\":\"trace full: " + std::to_string(dropped_events_) +
               " later calls not kept (Profiler(max_trace_events))\",\"ph\":\"i\",\"s\":\"g\",\"ts\":" + buf +
               ",\"pid\":1,\"tid\":1}";
    }
    out += "\n]}\n";
    // A complete file or the old one, as every file the library writes.
    detail::write_file_atomically(path, out.data(), out.size(), "Profiler::write_chrome_trace");
}

void Profiler::reset() {
    rows_.clear();
    events_.clear();
    dropped_events_ = 0;
    origin_ = std::chrono::steady_clock::now();
}

}  // namespace nnfs
