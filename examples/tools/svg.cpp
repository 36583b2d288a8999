#include "svg.hpp"

#include <cstdio>
#include <fstream>

#include <nnfs/error.hpp>

namespace nnfs_tools {

std::string xml_escape(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default:
                // Control characters other than tab and newline are not allowed in XML 1.0 at all.
                if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n') out += c;
        }
    }
    return out;
}

namespace {
// Two decimals are plenty for pixel coordinates and keep the files small.
std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}
std::string dash_attr(const std::string& dash) { return dash.empty() ? "" : " stroke-dasharray=\"" + xml_escape(dash) + "\""; }
}  // namespace

Svg::Svg(double width, double height) : width_(width), height_(height) {}

void Svg::rect(double x, double y, double w, double h, const std::string& fill, const std::string& stroke) {
    body_ += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" + num(h) +
             "\" fill=\"" + xml_escape(fill) + "\" stroke=\"" + xml_escape(stroke) + "\"/>\n";
}

void Svg::line(double x1, double y1, double x2, double y2, const std::string& stroke, double width, const std::string& dash) {
    body_ += "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" + num(y2) +
             "\" stroke=\"" + xml_escape(stroke) + "\" stroke-width=\"" + num(width) + "\"" + dash_attr(dash) + "/>\n";
}

void Svg::polyline(const std::vector<std::pair<double, double>>& points, const std::string& stroke, double width,
                   const std::string& dash) {
    std::string pts;
    for (const auto& [x, y] : points) {
        if (!pts.empty()) pts += ' ';
        pts.append(num(x)).append(",").append(num(y));
    }
    body_ += "<polyline points=\"" + pts + "\" fill=\"none\" stroke=\"" + xml_escape(stroke) + "\" stroke-width=\"" +
             num(width) + "\" stroke-linejoin=\"round\"" + dash_attr(dash) + "/>\n";
}

void Svg::circle(double cx, double cy, double r, const std::string& fill) {
    body_ += "<circle cx=\"" + num(cx) + "\" cy=\"" + num(cy) + "\" r=\"" + num(r) + "\" fill=\"" + xml_escape(fill) + "\"/>\n";
}

void Svg::text(double x, double y, const std::string& content, const TextStyle& style) {
    const char* anchor = style.anchor == Anchor::Start ? "start" : style.anchor == Anchor::Middle ? "middle" : "end";
    body_ += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" font-size=\"" + num(style.size) + "\" text-anchor=\"" +
             anchor + "\" fill=\"" + xml_escape(style.fill) + "\"";
    if (style.bold) body_ += " font-weight=\"bold\"";
    if (style.rotate != 0) body_ += " transform=\"rotate(" + num(style.rotate) + " " + num(x) + " " + num(y) + ")\"";
    body_.append(">").append(xml_escape(content)).append("</text>\n");
}

std::string Svg::str() const {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + num(width_) + "\" height=\"" +
           num(height_) + "\" viewBox=\"0 0 " + num(width_) + " " + num(height_) +
           "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
           "<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"white\"/>\n" +
           body_ + "</svg>\n";
}

void Svg::write(const std::string& path) const {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) nnfs::fail("cannot create '", path, "'");
    out << str();
    out.flush();
    if (!out) nnfs::fail("cannot write '", path, "'");
}

}  // namespace nnfs_tools
