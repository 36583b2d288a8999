// Loss and accuracy curves (charts.hpp).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "charts.hpp"
#include "svg.hpp"

namespace nnfs_tools {

std::vector<double> nice_ticks(double lo, double hi, int target) {
    if (!(hi > lo)) hi = lo + 1.0;  // a flat or empty series still gets a readable axis
    const double raw = (hi - lo) / std::max(1, target);
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    double step = magnitude;
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
        step = m * magnitude;
        if (step >= raw) break;
    }
    std::vector<double> ticks;
    const double first = std::floor(lo / step + 1e-9) * step;
    for (double t = first; t < hi + step * (1 - 1e-9); t += step) ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
    if (ticks.size() < 2) ticks.push_back(first + step);
    return ticks;
}

namespace {

constexpr const char* kTrainColour = "#1f77b4";  // blue
constexpr const char* kValColour = "#d62728";    // red: distinct from blue also for most colour-blind readers

std::string format_tick(double v, double step) {
    const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string format_value(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v);
    return buf;
}

struct Series {
    std::string label;
    const char* colour;
    std::string dash;
    std::vector<double> values;  // one per epoch
};

// One panel: a plot area at (x0, y0) of size w x h inside an SVG, with its own axes.
void draw_panel(Svg& svg, double x0, double y0, double w, double h, const std::string& title, const std::string& y_label,
                const std::vector<Series>& series, bool legend_top, double y_lo_hint, double y_hi_hint) {
    const size_t epochs = series.front().values.size();
    // y range from the finite data, widened to include the hints (0 for loss, 1 for accuracy).
    double lo = y_lo_hint, hi = y_hi_hint;
    for (const Series& s : series)
        for (double v : s.values)
            if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    if (!std::isfinite(lo)) lo = hi - 1;  // no finite data at all
    const std::vector<double> yt = nice_ticks(lo, hi);
    const double ylo = yt.front(), yhi = yt.back();
    const double xlo = 1, xhi = std::max<double>(2, static_cast<double>(epochs));
    std::vector<double> xt = nice_ticks(xlo, xhi, 6);
    // Epochs are whole numbers: keep integer ticks inside the data range.
    std::erase_if(xt, [&](double t) { return t < xlo || t > xhi || t != std::floor(t); });
    if (xt.empty() || xt.front() != 1) xt.insert(xt.begin(), 1);

    auto px = [&](double e) { return x0 + (e - xlo) / (xhi - xlo) * w; };
    auto py = [&](double v) { return y0 + h - (v - ylo) / (yhi - ylo) * h; };

    svg.text(x0 + w / 2, y0 - 16, title, {.size = 15, .anchor = Svg::Anchor::Middle, .bold = true});
    const double ystep = yt.size() > 1 ? yt[1] - yt[0] : 1;
    for (double t : yt) {
        svg.line(x0, py(t), x0 + w, py(t), "#e5e5e5");
        svg.line(x0 - 5, py(t), x0, py(t), "#444");
        svg.text(x0 - 8, py(t) + 4, format_tick(t, ystep), {.size = 11, .anchor = Svg::Anchor::End});
    }
    for (double t : xt) {
        svg.line(px(t), y0 + h, px(t), y0 + h + 5, "#444");
        svg.text(px(t), y0 + h + 19, format_tick(t, 1), {.size = 11, .anchor = Svg::Anchor::Middle});
    }
    svg.line(x0, y0, x0, y0 + h, "#444");
    svg.line(x0, y0 + h, x0 + w, y0 + h, "#444");
    svg.text(x0 + w / 2, y0 + h + 40, "epoch", {.size = 12, .anchor = Svg::Anchor::Middle});
    svg.text(x0 - 50, y0 + h / 2, y_label, {.size = 12, .anchor = Svg::Anchor::Middle, .rotate = -90});

    for (const Series& s : series) {
        std::vector<std::pair<double, double>> pts;
        for (size_t i = 0; i < s.values.size(); ++i)
            if (std::isfinite(s.values[i])) pts.emplace_back(px(static_cast<double>(i + 1)), py(s.values[i]));
        svg.polyline(pts, s.colour, 2, s.dash);
        // Markers make short runs (a handful of epochs) readable as points, not just a kink.
        if (epochs <= 30)
            for (const auto& [x, y] : pts) svg.circle(x, y, 2.5, s.colour);
    }

    // Legend in the corner the curves leave free: top right for falling loss, bottom right for rising accuracy.
    const double lw = 225, lh = 12 + 20.0 * static_cast<double>(series.size());
    const double lx = x0 + w - lw - 10, ly = legend_top ? y0 + 10 : y0 + h - lh - 10;
    svg.rect(lx, ly, lw, lh, "white", "#bbb");
    for (size_t i = 0; i < series.size(); ++i) {
        const double y = ly + 18 + 20.0 * static_cast<double>(i);
        svg.line(lx + 10, y - 4, lx + 38, y - 4, series[i].colour, 2.5, series[i].dash);
        svg.text(lx + 46, y, series[i].label + " (last " + format_value(series[i].values.back()) + ")", {.size = 12});
    }
}

}  // namespace

void write_curves_svg(const std::string& path, const std::vector<EpochRecord>& history, const std::string& loss_name) {
    if (history.empty()) return;
    Series train_loss{"training", kTrainColour, "", {}}, val_loss{"validation", kValColour, "6,4", {}};
    Series train_acc = train_loss, val_acc = val_loss;
    for (const EpochRecord& r : history) {
        train_loss.values.push_back(r.train_loss);
        val_loss.values.push_back(r.val_loss);
        train_acc.values.push_back(r.train_acc);
        val_acc.values.push_back(r.val_acc);
    }
    const double panel_w = 400, panel_h = 280, left = 80, gap = 110, top = 50;
    Svg svg(left + 2 * panel_w + gap + 30, top + panel_h + 60);
    draw_panel(svg, left, top, panel_w, panel_h, "Loss (" + loss_name + ")", "loss", {train_loss, val_loss},
               /*legend_top=*/true, 0.0, 0.0);
    const double inf = std::numeric_limits<double>::infinity();
    draw_panel(svg, left + panel_w + gap, top, panel_w, panel_h, "Accuracy", "accuracy", {train_acc, val_acc},
               /*legend_top=*/false, inf, 1.0);
    svg.write(path);
}

}  // namespace nnfs_tools
