#include "trace_svg.hpp"

#include "common/tools/svg.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <sstream>
#include <string_view>
#include <tuple>
#include <utility>

namespace common {

TraceError::TraceError(std::size_t index, const std::string& reason)
    : std::runtime_error("trace " + std::to_string(index + 1) + ": " + reason), index_(index), reason_(reason) {}

namespace {

namespace json = boost::json;

// ---------------------------------------------------------------------------
// What a trace holds, once read: per thread, the intervals to draw.
// Times are in microseconds from the trace's start, as in the file.

struct Span {
  std::string name;
  double begin = 0;
  double end = 0;
  int row = 0; // X events: how many spans enclose it; suspended: its band
};

struct Lane {
  std::string thread;
  std::vector<Span> background; // "merge": the whole run, drawn faintly
  std::vector<Span> busy;       // other "X" events: the thread runs (or blocks)
  std::vector<Span> suspended;  // "b"/"e" pairs: coroutines waiting, thread free
  std::vector<Span> instants;   // "i" events: begin == end
  int bands = 0;                // rows the suspended spans need
};

struct Stage {
  std::string name;
  std::map<std::int64_t, Lane> lanes; // by tid, which is the display order
  double end = 0;                     // the last moment any event covers
};

// ---------------------------------------------------------------------------
// Reading a trace. Errors are thrown as std::runtime_error carrying only the
// reason; render_traces_svg adds which trace it was.

[[noreturn]] void malformed(const std::string& reason) {
  throw std::runtime_error(reason);
}

json::value parse_json(const std::string& text) {
  json::stream_parser parser;
  boost::system::error_code ec;
  const auto used = parser.write(text.data(), text.size(), ec);
  if (!ec) {
    parser.finish(ec);
  }
  if (ec) {
    const auto where = used < text.size() ? "at character " + std::to_string(used + 1) : "at the end of the text";
    malformed("not valid JSON: " + ec.message() + " " + where);
  }
  return parser.release();
}

// "traceEvents[12] (readline)": how an error names the event it is about.
std::string describe(std::size_t index, const json::object& event) {
  std::string text = "traceEvents[" + std::to_string(index) + "]";
  const auto* name = event.if_contains("name");
  if (name && name->is_string()) {
    text += " (" + std::string(name->get_string()) + ")";
  }
  return text;
}

const json::value& member(const json::object& event, const char* key, const std::string& what) {
  const auto* value = event.if_contains(key);
  if (!value) {
    malformed(what + " has no \"" + key + "\"");
  }
  return *value;
}

std::string string_member(const json::object& event, const char* key, const std::string& what) {
  const auto& value = member(event, key, what);
  if (!value.is_string()) {
    malformed(what + ": \"" + key + "\" is not a string");
  }
  return std::string(value.get_string());
}

double number_member(const json::object& event, const char* key, const std::string& what) {
  const auto& value = member(event, key, what);
  if (!value.is_number()) {
    malformed(what + ": \"" + key + "\" is not a number");
  }
  const double number = value.to_number<double>();
  if (!std::isfinite(number) || number < 0) {
    malformed(what + ": \"" + key + "\" is negative");
  }
  return number;
}

std::int64_t tid_of(const json::object& event, const std::string& what) {
  const auto& value = member(event, "tid", what);
  if (!value.is_int64() && !(value.is_uint64() && value.get_uint64() <= INT64_MAX)) {
    malformed(what + ": \"tid\" is not an integer");
  }
  return value.to_number<std::int64_t>();
}

// The name in a metadata event's "args": {"name": ...}.
std::string args_name(const json::object& event, const std::string& what) {
  const auto& args = member(event, "args", what);
  if (!args.is_object()) {
    malformed(what + ": \"args\" is not an object");
  }
  return string_member(args.get_object(), "name", what + " args");
}

// An async pair is matched by thread, id and name, as trace.cpp writes it.
using AsyncKey = std::tuple<std::int64_t, std::string, std::string>;

Stage read_stage(const std::string& text) {
  const auto document = parse_json(text);
  if (!document.is_object()) {
    malformed("the top level is not a JSON object (expected {\"traceEvents\": [...]})");
  }
  const auto* events = document.get_object().if_contains("traceEvents");
  if (!events || !events->is_array()) {
    malformed("no \"traceEvents\" array at the top level");
  }

  Stage stage;
  std::set<std::int64_t> named;     // tids with a thread_name event
  std::map<AsyncKey, double> begun; // async spans seen begin, not yet end
  std::size_t index = 0;
  for (const auto& value : events->get_array()) {
    if (!value.is_object()) {
      malformed("traceEvents[" + std::to_string(index) + "] is not an object");
    }
    const auto& event = value.get_object();
    const auto what = describe(index++, event);
    const auto name = string_member(event, "name", what);
    const auto phase = string_member(event, "ph", what);

    if (phase == "M") { // metadata: names of the process and its threads
      if (name == "process_name" && stage.name.empty()) {
        stage.name = args_name(event, what);
      } else if (name == "thread_name") {
        const auto tid = tid_of(event, what);
        stage.lanes[tid].thread = args_name(event, what);
        named.insert(tid);
      }
      continue;
    }
    if (phase != "X" && phase != "b" && phase != "e" && phase != "i") {
      continue; // other kinds of event exist in the format; trace.cpp writes none
    }

    const auto tid = tid_of(event, what);
    const double ts = number_member(event, "ts", what);
    auto& lane = stage.lanes[tid];
    if (phase == "X") {
      const double end = ts + number_member(event, "dur", what);
      (name == "merge" ? lane.background : lane.busy).push_back({name, ts, end});
      stage.end = std::max(stage.end, end);
      continue;
    }
    stage.end = std::max(stage.end, ts);
    if (phase == "i") {
      lane.instants.push_back({name, ts, ts});
      continue;
    }
    const AsyncKey key{tid, json::serialize(member(event, "id", what)), name};
    if (phase == "b") {
      if (!begun.emplace(key, ts).second) {
        malformed(what + " begins async id " + std::get<1>(key) + " again before it ended");
      }
    } else { // "e"
      const auto start = begun.find(key);
      if (start == begun.end()) {
        malformed(what + " ends async id " + std::get<1>(key) + ", which did not begin on that thread");
      }
      lane.suspended.push_back({name, start->second, ts});
      begun.erase(start);
    }
  }
  if (!begun.empty()) {
    malformed("async span \"" + std::get<2>(begun.begin()->first) + "\" id " + std::get<1>(begun.begin()->first) +
              " on tid " + std::to_string(std::get<0>(begun.begin()->first)) + " begins but never ends");
  }

  // Only threads with a name get a lane; events elsewhere are left out.
  std::erase_if(stage.lanes, [&](const auto& entry) { return !named.contains(entry.first); });
  return stage;
}

// ---------------------------------------------------------------------------
// Arranging a lane: nested X events get a depth, overlapping suspended spans
// get separate thin bands.

bool earlier(const Span& a, const Span& b) {
  // Same start: the longer one first, so it encloses the shorter one.
  return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
}

// row = how many spans enclose it (0 = outermost), like a call stack.
void assign_depths(std::vector<Span>& spans) {
  std::sort(spans.begin(), spans.end(), earlier);
  std::vector<double> open_ends; // ends of the spans enclosing the current one
  for (auto& span : spans) {
    while (!open_ends.empty() && open_ends.back() <= span.begin) {
      open_ends.pop_back();
    }
    span.row = static_cast<int>(open_ends.size());
    open_ends.push_back(span.end);
  }
}

constexpr int max_bands = 4; // more overlapping coroutines share the last band

// row = the first band free at the span's start; returns the bands used.
int assign_bands(std::vector<Span>& spans) {
  std::sort(spans.begin(), spans.end(), earlier);
  std::vector<double> band_ends;
  for (auto& span : spans) {
    std::size_t band = 0;
    while (band < band_ends.size() && band_ends[band] > span.begin) {
      ++band;
    }
    if (band == band_ends.size()) {
      if (band_ends.size() < max_bands) {
        band_ends.push_back(span.end);
      } else {
        band = band_ends.size() - 1;
      }
    }
    band_ends[band] = std::max(band_ends[band], span.end);
    span.row = static_cast<int>(band);
  }
  return static_cast<int>(band_ends.size());
}

// ---------------------------------------------------------------------------
// Colours and the key. One style per kind of mark.

struct Style {
  const char* css_class; // also what the tests look for
  const char* colour;
  double opacity;
  const char* legend;
};

// Colours from the Okabe-Ito palette, which colour-blind readers can tell apart.
const Style readline_style{"readline", colour::blue, 1.0, "readline"};
const Style memory_style{"line-from-memory", colour::sky_blue, 1.0, "line from memory (no readline needed)"};
const Style write_style{"write", colour::green, 1.0, "write"};
const Style waiting_style{"waiting", colour::vermilion, 0.85, "waiting for data (blocking the thread)"};
const Style suspended_style{"suspended", colour::orange, 0.6, "waiting for data (suspended coroutine)"};
const Style executor_style{"run_in_executor", colour::purple, 0.5, "run_in_executor (a call on a pool thread)"};
const Style merge_style{"merge", "#8c8c8c", 0.3, "merge (the whole run)"};
const Style instant_style{"line-merged", "#000000", 1.0, "line merged"};
const Style other_style{"other", "#7f7f7f", 0.8, "other event"};

const Style& busy_style(const std::string& name) {
  if (name == "readline") {
    return readline_style;
  }
  if (name == "line from memory") { // a line already read, taken from the buffer
    return memory_style;
  }
  if (name == "write" || name == "open output" || name == "close output") { // the output's calls
    return write_style;
  }
  if (name == "waiting for data") {
    return waiting_style;
  }
  if (name == "run_in_executor") {
    return executor_style;
  }
  return other_style;
}

// Among spans of the same depth, the order to draw in: long, faint ones
// first, so the short ones they touch stay on top.
int draw_order(const std::string& name) {
  const auto& style = busy_style(name);
  if (&style == &executor_style) {
    return 0;
  }
  if (&style == &waiting_style) {
    return 1;
  }
  if (&style == &other_style) {
    return 2;
  }
  return 3; // readline, line from memory, write
}

// ---------------------------------------------------------------------------
// Text and numbers in the SVG.

std::string ms(double micros) {
  return fixed(micros / 1000, 3) + " ms";
}

// A thread name cut to fit the label column, without splitting a UTF-8
// character.
std::string short_label(const std::string& name) {
  constexpr std::size_t max_chars = 14;
  if (name.size() <= max_chars) {
    return name;
  }
  std::size_t cut = max_chars - 3;
  while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return name.substr(0, cut) + "...";
}

// ---------------------------------------------------------------------------
// Layout, in pixels.

constexpr double width = 1200;
constexpr double label_width = 120; // thread names, left of the lanes
constexpr double plot_left = label_width;
constexpr double plot_right = width - 40; // room for the last tick label
constexpr double plot_width = plot_right - plot_left;

// Within a lane, from its top: tick marks, then the bars, then the bands.
constexpr double tick_top = 1;
constexpr double tick_height = 5;
constexpr double bar_top = 7;
constexpr double bar_height = 18;
constexpr double depth_inset = 3; // each nesting level is this much shorter at top and bottom
constexpr double band_top = bar_top + bar_height + 2;
constexpr double band_height = 3;
constexpr double band_pitch = 5;
constexpr double lane_gap = 3;

// Marks narrower than this are widened to it, so a 5 us readline in a
// 500 ms run still shows; marks this close together are drawn as one.
constexpr double min_mark_width = 1.5;
constexpr double merge_gap = 0.3;

double lane_height(const Lane& lane) {
  const double bars_end = bar_top + bar_height + 2;
  return lane.bands == 0 ? bars_end : band_top + lane.bands * band_pitch + 1;
}

// The shared time axis: microseconds to x.
struct Scale {
  double total; // microseconds across the plot

  double x(double micros) const { return plot_left + micros / total * plot_width; }
};

// One rectangle standing for one or more events that fall on the same pixels.
struct Mark {
  double x0;
  double x1;
  int count;
  double busy;  // microseconds the events cover, summed
  double first; // the first event's begin
  double last;  // the last event's end
};

// Turns spans sorted by begin into marks at least min_mark_width wide,
// merging the ones that touch, so a thousand tiny events become a few
// rectangles and the SVG stays small.
std::vector<Mark> to_marks(const std::vector<Span>& spans, const Scale& scale) {
  std::vector<Mark> marks;
  for (const auto& span : spans) {
    const double x0 = scale.x(span.begin);
    const double x1 = std::max(scale.x(span.end), x0 + min_mark_width);
    if (!marks.empty() && x0 <= marks.back().x1 + merge_gap) {
      auto& mark = marks.back();
      mark.x1 = std::max(mark.x1, x1);
      ++mark.count;
      mark.busy += span.end - span.begin;
      mark.last = std::max(mark.last, span.end);
    } else {
      marks.push_back({x0, x1, 1, span.end - span.begin, span.begin, span.end});
    }
  }
  return marks;
}

// The hover text of a mark: what it stands for, with times.
std::string tooltip(const std::string& name, const Mark& mark) {
  if (mark.count == 1) {
    return name + ": " + ms(mark.busy) + ", from " + ms(mark.first) + " to " + ms(mark.last);
  }
  return name + " x" + std::to_string(mark.count) + ": " + ms(mark.busy) + " in all, from " + ms(mark.first) + " to " +
         ms(mark.last);
}

std::string instant_tooltip(const std::string& name, const Mark& mark) {
  if (mark.count == 1) {
    return name + " at " + ms(mark.first);
  }
  return name + " x" + std::to_string(mark.count) + ", from " + ms(mark.first) + " to " + ms(mark.last);
}

void rect(std::ostream& out, const Style& style, double x, double y, double w, double h, const std::string& title) {
  out << "<rect class=\"" << style.css_class << "\" x=\"" << px(x) << "\" y=\"" << px(y) << "\" width=\"" << px(w)
      << "\" height=\"" << px(h) << "\" fill=\"" << style.colour << "\"";
  if (style.opacity < 1) {
    out << " fill-opacity=\"" << fixed(style.opacity, 2) << "\"";
  }
  if (title.empty()) {
    out << "/>\n";
  } else {
    out << "><title>" << escape_xml(title) << "</title></rect>\n";
  }
}

// Draws spans (sorted by begin) of one style, each mark from y, h tall.
void draw_marks(std::ostream& out, const std::vector<Span>& spans, const Style& style, const Scale& scale, double y,
                double h) {
  for (const auto& mark : to_marks(spans, scale)) {
    rect(out, style, mark.x0, y, mark.x1 - mark.x0, h, tooltip(spans.front().name, mark));
  }
}

// Spans of one name sorted by begin: what draw_marks wants.
std::map<std::string, std::vector<Span>> by_name(const std::vector<Span>& spans) {
  std::map<std::string, std::vector<Span>> groups;
  for (const auto& span : spans) {
    groups[span.name].push_back(span);
  }
  for (auto& [name, group] : groups) {
    std::sort(group.begin(), group.end(), earlier);
  }
  return groups;
}

// X events: outer ones first, tall and faint; each level inside is drawn on
// top, shorter, so nested events stay visible.
void draw_busy(std::ostream& out, const Lane& lane, const Scale& scale) {
  // (depth, draw order, name) -> spans
  std::map<std::tuple<int, int, std::string>, std::vector<Span>> groups;
  for (const auto& span : lane.busy) {
    groups[{span.row, draw_order(span.name), span.name}].push_back(span);
  }
  for (const auto& [key, spans] : groups) {
    const int depth = std::get<0>(key);
    const double inset = std::min(depth * depth_inset, bar_height / 2 - 2);
    draw_marks(out, spans, busy_style(spans.front().name), scale, bar_top + inset, bar_height - 2 * inset);
  }
}

void draw_suspended(std::ostream& out, const Lane& lane, const Scale& scale) {
  for (int band = 0; band < lane.bands; ++band) {
    std::vector<Span> spans;
    for (const auto& span : lane.suspended) {
      if (span.row == band) {
        spans.push_back(span);
      }
    }
    std::sort(spans.begin(), spans.end(), earlier);
    draw_marks(out, spans, suspended_style, scale, band_top + band * band_pitch, band_height);
  }
}

void draw_lane(std::ostream& out, const Lane& lane, const Scale& scale, double y, bool shaded) {
  const double height = lane_height(lane);
  out << "<g class=\"lane\" data-thread=\"" << escape_xml(lane.thread) << "\" transform=\"translate(0," << px(y)
      << ")\">\n";
  if (shaded) { // every other lane, to guide the eye along a lane
    out << "<rect class=\"lane-shade\" x=\"" << px(plot_left) << "\" y=\"0\" width=\"" << px(plot_width)
        << "\" height=\"" << px(height) << "\" fill=\"#000000\" fill-opacity=\"0.04\"/>\n";
  }
  out << "<text class=\"thread\" x=\"" << px(label_width - 8) << "\" y=\"" << px(bar_top + bar_height / 2 + 4)
      << "\" text-anchor=\"end\" font-family=\"monospace\" font-size=\"12\"><title>" << escape_xml(lane.thread)
      << "</title>" << escape_xml(short_label(lane.thread)) << "</text>\n";
  for (const auto& [name, spans] : by_name(lane.background)) {
    draw_marks(out, spans, merge_style, scale, bar_top, bar_height);
  }
  draw_busy(out, lane, scale);
  draw_suspended(out, lane, scale);
  for (const auto& [name, spans] : by_name(lane.instants)) {
    const auto& style = name == "line merged" ? instant_style : other_style;
    for (const auto& mark : to_marks(spans, scale)) {
      // An instant has no width: a 1 px tick centred on the moment, or on
      // the moments it stands for.
      const double w = scale.x(mark.last) - scale.x(mark.first) + 1;
      rect(out, style, scale.x(mark.first) - 0.5, tick_top, w, tick_height, instant_tooltip(name, mark));
    }
  }
  out << "</g>\n";
}

// ---------------------------------------------------------------------------
// The time axis and the grid.

// A step of 1, 2 or 5 times a power of ten, near a tenth of the total.
double tick_step(double total) {
  const double rough = total / 10;
  const double power = std::pow(10.0, std::floor(std::log10(rough)));
  for (const double factor : {1.0, 2.0, 5.0}) {
    if (factor * power >= rough) {
      return factor * power;
    }
  }
  return 10 * power;
}

std::vector<double> ticks(double total) {
  const double step = tick_step(total);
  std::vector<double> result;
  for (int i = 0; i * step <= total * (1 + 1e-9); ++i) {
    result.push_back(i * step);
  }
  return result;
}

// "150 ms", or "1.5 s" for long traces; as many decimals as the step needs,
// except for the plain 0 at the start.
std::string tick_label(double micros, double total) {
  const bool seconds = total >= 2e6;
  const double unit = seconds ? 1e6 : 1e3;
  const double step = tick_step(total) / unit;
  const int decimals = std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
  const auto value = micros == 0 ? std::string("0") : fixed(micros / unit, decimals);
  return value + (seconds ? " s" : " ms");
}

// A ruler across the plot at y; labels above it (top) or below it.
void draw_axis(std::ostream& out, const Scale& scale, double y, bool labels_above) {
  out << "<g class=\"axis\" font-size=\"11\" fill=\"#333333\">\n";
  out << "<line x1=\"" << px(plot_left) << "\" y1=\"" << px(y) << "\" x2=\"" << px(plot_right) << "\" y2=\"" << px(y)
      << "\" stroke=\"#333333\"/>\n";
  for (const double t : ticks(scale.total)) {
    const double x = scale.x(t);
    const double tick_end = labels_above ? y - 4 : y + 4;
    const double text_y = labels_above ? y - 7 : y + 16;
    out << "<line x1=\"" << px(x) << "\" y1=\"" << px(y) << "\" x2=\"" << px(x) << "\" y2=\"" << px(tick_end)
        << "\" stroke=\"#333333\"/>\n";
    out << "<text x=\"" << px(x) << "\" y=\"" << px(text_y) << "\" text-anchor=\"middle\">"
        << escape_xml(tick_label(t, scale.total)) << "</text>\n";
  }
  out << "</g>\n";
}

void draw_grid(std::ostream& out, const Scale& scale, double top, double bottom) {
  out << "<g class=\"grid\" stroke=\"#dddddd\">\n";
  for (const double t : ticks(scale.total)) {
    out << "<line x1=\"" << px(scale.x(t)) << "\" y1=\"" << px(top) << "\" x2=\"" << px(scale.x(t)) << "\" y2=\""
        << px(bottom) << "\"/>\n";
  }
  out << "</g>\n";
}

// ---------------------------------------------------------------------------
// The key, the stages and the whole picture.

// Each entry's swatch is drawn like the marks it explains. Returns the
// height used.
double draw_legend(std::ostream& out, double y, bool with_other) {
  std::vector<const Style*> entries{&readline_style,  &memory_style,   &write_style, &waiting_style,
                                    &suspended_style, &executor_style, &merge_style, &instant_style};
  if (with_other) {
    entries.push_back(&other_style);
  }
  constexpr double row_height = 18;
  constexpr double char_width = 6.0; // a rough average for 11 px sans-serif
  out << "<g class=\"legend\" font-size=\"11\">\n";
  double x = plot_left;
  double row_y = y;
  for (const Style* style : entries) {
    const double item_width = 26 + char_width * std::string_view(style->legend).size() + 14;
    if (x + item_width > width - 10 && x > plot_left) {
      x = plot_left;
      row_y += row_height;
    }
    out << "<g class=\"legend-item\" data-kind=\"" << style->css_class << "\">\n";
    if (style == &suspended_style) {
      rect(out, *style, x, row_y + 5, 20, band_height, "");
    } else if (style == &instant_style) {
      rect(out, *style, x + 9, row_y + 1, 1, 10, "");
    } else {
      rect(out, *style, x, row_y, 20, 12, "");
    }
    out << "<text x=\"" << px(x + 26) << "\" y=\"" << px(row_y + 10) << "\">" << escape_xml(style->legend)
        << "</text>\n</g>\n";
    x += item_width;
  }
  out << "</g>\n";
  return row_y + row_height - y;
}

double stage_height(const Stage& stage) {
  double height = 0;
  for (const auto& [tid, lane] : stage.lanes) {
    height += lane_height(lane) + lane_gap;
  }
  return std::max(height, 20.0);
}

constexpr double heading_height = 24;
constexpr double stage_gap = 12;

// One stage: its heading, then a lane per thread. Returns the height used.
double draw_stage(std::ostream& out, const Stage& stage, std::size_t index, const Scale& scale, double y) {
  const auto name = stage.name.empty() ? "trace " + std::to_string(index + 1) : stage.name;
  const auto threads = stage.lanes.size();
  out << "<g class=\"stage\" data-stage=\"" << escape_xml(name) << "\">\n";
  out << "<text class=\"stage-heading\" x=\"10\" y=\"" << px(y + 16) << "\" font-size=\"15\" font-weight=\"bold\">"
      << escape_xml(name) << "</text>\n";
  out << "<text class=\"stage-summary\" x=\"" << px(plot_right) << "\" y=\"" << px(y + 16)
      << "\" text-anchor=\"end\" font-size=\"11\" fill=\"#555555\">" << threads
      << (threads == 1 ? " thread, " : " threads, ") << escape_xml(ms(stage.end)) << "</text>\n";
  const double lanes_top = y + heading_height;
  const double height = stage_height(stage);
  draw_grid(out, scale, lanes_top, lanes_top + height);
  if (stage.lanes.empty()) {
    out << "<text x=\"" << px(plot_left) << "\" y=\"" << px(lanes_top + 14)
        << "\" fill=\"#555555\">(no named threads in this trace)</text>\n";
  }
  double lane_y = lanes_top;
  bool shaded = false;
  for (const auto& [tid, lane] : stage.lanes) {
    draw_lane(out, lane, scale, lane_y, shaded);
    lane_y += lane_height(lane) + lane_gap;
    shaded = !shaded;
  }
  out << "</g>\n";
  return heading_height + height + stage_gap;
}

bool has_other_events(const std::vector<Stage>& stages) {
  for (const auto& stage : stages) {
    for (const auto& [tid, lane] : stage.lanes) {
      for (const auto& span : lane.busy) {
        if (&busy_style(span.name) == &other_style) {
          return true;
        }
      }
      for (const auto& span : lane.instants) {
        if (span.name != "line merged") {
          return true;
        }
      }
    }
  }
  return false;
}

} // namespace

std::string render_traces_svg(const std::vector<std::string>& trace_json_texts) {
  std::vector<Stage> stages;
  for (std::size_t i = 0; i < trace_json_texts.size(); ++i) {
    try {
      stages.push_back(read_stage(trace_json_texts[i]));
    } catch (const std::runtime_error& error) {
      throw TraceError(i, error.what());
    }
  }
  for (auto& stage : stages) {
    for (auto& [tid, lane] : stage.lanes) {
      assign_depths(lane.busy);
      lane.bands = assign_bands(lane.suspended);
    }
  }

  // The longest trace spans the plot; every stage uses the same scale.
  Scale scale{1};
  for (const auto& stage : stages) {
    scale.total = std::max(scale.total, stage.end);
  }

  // The body first: the height of the picture is known only at its end.
  std::ostringstream body;
  double y = 10;
  body << "<text class=\"title\" x=\"10\" y=\"" << px(y + 14)
       << "\" font-size=\"16\" font-weight=\"bold\">Threads over time: one lane per thread, every trace on the same "
          "time scale</text>\n";
  y += 26;
  y += draw_legend(body, y, has_other_events(stages));
  body << "<text class=\"note\" x=\"" << px(plot_left) << "\" y=\"" << px(y + 8)
       << "\" font-size=\"10\" fill=\"#555555\">Events shorter than " << fixed(min_mark_width, 1) << " px are drawn "
       << fixed(min_mark_width, 1) << " px wide and neighbours merged; hover a mark for its events and times.</text>\n";
  y += 34;
  draw_axis(body, scale, y, true);
  y += 8;
  for (std::size_t i = 0; i < stages.size(); ++i) {
    y += draw_stage(body, stages[i], i, scale, y);
  }
  draw_axis(body, scale, y, false);
  y += 30;

  std::ostringstream svg;
  svg << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << px(width) << "\" height=\"" << px(y)
      << "\" viewBox=\"0 0 " << px(width) << " " << px(y) << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<title>Thread timelines of " << stages.size() << " trace" << (stages.size() == 1 ? "" : "s") << "</title>\n"
      << "<rect class=\"page\" width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
      << body.str() << "</svg>\n";
  return svg.str();
}

} // namespace common
