// common/tools/trace_svg.hpp: several traces drawn as one SVG picture. The SVG is
// parsed as XML and its marked-up parts (class and data- attributes) are
// checked against small traces written out below.
#include "common/tools/trace_svg.hpp"

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <doctest/doctest.h>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

using boost::property_tree::ptree;

// Two stages with different threads. The thread_name events are not in tid
// order, and tid 9 has events but no name, so it gets no lane.
const std::string alpha = R"({"traceEvents":[
  {"name":"process_name","ph":"M","ts":0,"pid":1,"tid":0,"args":{"name":"stage_alpha"}},
  {"name":"thread_name","ph":"M","ts":0,"pid":1,"tid":3,"args":{"name":"tail-1"}},
  {"name":"thread_name","ph":"M","ts":0,"pid":1,"tid":1,"args":{"name":"main"}},
  {"name":"thread_name","ph":"M","ts":0,"pid":1,"tid":2,"args":{"name":"tail-0"}},
  {"name":"thread_sort_index","ph":"M","ts":0,"pid":1,"tid":2,"args":{"sort_index":2}},
  {"name":"merge","ph":"X","ts":0,"dur":1000,"pid":1,"tid":1},
  {"name":"readline","ph":"X","ts":10,"dur":10,"pid":1,"tid":2},
  {"name":"waiting for data","ph":"X","ts":20,"dur":480,"pid":1,"tid":2},
  {"name":"write","ph":"X","ts":500,"dur":5,"pid":1,"tid":2},
  {"name":"line merged","ph":"i","s":"t","ts":505,"pid":1,"tid":2},
  {"name":"readline","ph":"X","ts":30,"dur":10,"pid":1,"tid":3},
  {"name":"readline","ph":"X","ts":30,"dur":10,"pid":1,"tid":9}
],"displayTimeUnit":"ms"})";

// Half as long as alpha. loop-1 has two coroutines suspended at once;
// pool-1 has a readline inside a run_in_executor.
const std::string beta = R"({"traceEvents":[
  {"name":"process_name","ph":"M","ts":0,"pid":1,"tid":0,"args":{"name":"stage_beta"}},
  {"name":"thread_name","ph":"M","ts":0,"pid":1,"tid":1,"args":{"name":"main"}},
  {"name":"thread_name","ph":"M","ts":0,"pid":1,"tid":2,"args":{"name":"loop-1"}},
  {"name":"thread_name","ph":"M","ts":0,"pid":1,"tid":3,"args":{"name":"writer"}},
  {"name":"thread_name","ph":"M","ts":0,"pid":1,"tid":4,"args":{"name":"pool-1"}},
  {"name":"thread_name","ph":"M","ts":0,"pid":1,"tid":5,"args":{"name":"pool-2"}},
  {"name":"merge","ph":"X","ts":0,"dur":500,"pid":1,"tid":1},
  {"name":"waiting for data","ph":"b","cat":"wait","id":1,"ts":5,"pid":1,"tid":2},
  {"name":"waiting for data","ph":"b","cat":"wait","id":2,"ts":6,"pid":1,"tid":2},
  {"name":"waiting for data","ph":"e","cat":"wait","id":1,"ts":300,"pid":1,"tid":2},
  {"name":"waiting for data","ph":"e","cat":"wait","id":2,"ts":400,"pid":1,"tid":2},
  {"name":"run_in_executor","ph":"X","ts":10,"dur":200,"pid":1,"tid":4},
  {"name":"readline","ph":"X","ts":20,"dur":100,"pid":1,"tid":4},
  {"name":"write","ph":"X","ts":450,"dur":2,"pid":1,"tid":3},
  {"name":"line merged","ph":"i","s":"t","ts":452,"pid":1,"tid":3}
],"displayTimeUnit":"ms"})";

ptree parse_svg(const std::string& svg) {
  std::istringstream in(svg);
  ptree tree;
  boost::property_tree::read_xml(in, tree); // throws if it is not well-formed
  return tree;
}

std::string attribute(const ptree& element, const std::string& name) {
  return element.get<std::string>("<xmlattr>." + name, "");
}

// Every element below `node`, in document order, with its tag.
struct Element {
  std::string tag;
  const ptree* node;
};

void collect(const ptree& node, std::vector<Element>& out) {
  for (const auto& [tag, child] : node) {
    if (tag != "<xmlattr>" && tag != "<xmlcomment>") {
      out.push_back({tag, &child});
      collect(child, out);
    }
  }
}

// The elements below `node` whose class attribute is `css_class`.
std::vector<const ptree*> with_class(const ptree& node, const std::string& css_class) {
  std::vector<Element> all;
  collect(node, all);
  std::vector<const ptree*> found;
  for (const auto& element : all) {
    if (attribute(*element.node, "class") == css_class) {
      found.push_back(element.node);
    }
  }
  return found;
}

std::vector<std::string> attributes(const std::vector<const ptree*>& elements, const std::string& name) {
  std::vector<std::string> values;
  for (const auto* element : elements) {
    values.push_back(attribute(*element, name));
  }
  return values;
}

double number(const ptree& element, const std::string& name) {
  return std::stod(attribute(element, name));
}

// The lane of `thread` in the stage at `index`.
const ptree& lane(const ptree& svg, std::size_t index, const std::string& thread) {
  const auto stages = with_class(svg, "stage");
  REQUIRE(index < stages.size());
  const ptree* found = nullptr;
  for (const auto* lane : with_class(*stages[index], "lane")) {
    if (attribute(*lane, "data-thread") == thread) {
      found = lane;
    }
  }
  REQUIRE_MESSAGE(found, "no lane for " << thread);
  return *found;
}

// A trace of one thread "main" holding `events` (JSON objects, comma-separated).
std::string one_thread_trace(const std::string& events) {
  return R"({"traceEvents":[{"name":"thread_name","ph":"M","ts":0,"pid":1,"tid":1,"args":{"name":"main"}})" +
         std::string(events.empty() ? "" : ",") + events + "]}";
}

} // namespace

TEST_CASE("trace_svg: one chart per trace in the order given, one lane per named thread in tid order") {
  const auto tree = parse_svg(common::render_traces_svg({alpha, beta}));
  const auto& svg = tree.get_child("svg");

  const auto stages = with_class(svg, "stage");
  REQUIRE(stages.size() == 2);
  CHECK(attributes(stages, "data-stage") == std::vector<std::string>{"stage_alpha", "stage_beta"});
  std::vector<std::string> headings;
  for (const auto* heading : with_class(svg, "stage-heading")) {
    headings.push_back(heading->data());
  }
  CHECK(headings == std::vector<std::string>{"stage_alpha", "stage_beta"});

  CHECK(attributes(with_class(*stages[0], "lane"), "data-thread") ==
        std::vector<std::string>{"main", "tail-0", "tail-1"});
  CHECK(attributes(with_class(*stages[1], "lane"), "data-thread") ==
        std::vector<std::string>{"main", "loop-1", "writer", "pool-1", "pool-2"});
  CHECK(with_class(svg, "lane").size() == 8); // and none for tid 9
}

TEST_CASE("trace_svg: a self-contained picture with one legend and a time axis") {
  const auto svg_text = common::render_traces_svg({alpha, beta});
  const auto tree = parse_svg(svg_text);
  const auto& svg = tree.get_child("svg");
  CHECK(attribute(svg, "xmlns") == "http://www.w3.org/2000/svg");

  std::vector<Element> all;
  collect(svg, all);
  for (const auto& element : all) {
    CHECK(element.tag != "script");
    CHECK(element.tag != "image");
    CHECK(element.tag != "foreignObject");
    CHECK(attribute(*element.node, "href").empty());
  }
  CHECK(svg_text.find("@import") == std::string::npos);

  REQUIRE(with_class(svg, "legend").size() == 1);
  const auto kinds = attributes(with_class(svg, "legend-item"), "data-kind");
  CHECK(std::set<std::string>(kinds.begin(), kinds.end()) ==
        std::set<std::string>{"readline", "line-from-memory", "write", "waiting", "suspended", "run_in_executor",
                              "merge", "line-merged"});

  const auto axes = with_class(svg, "axis");
  REQUIRE_FALSE(axes.empty());
  std::vector<std::string> labels;
  for (const auto& [tag, child] : *axes.front()) {
    if (tag == "text") {
      labels.push_back(child.data());
    }
  }
  REQUIRE(labels.size() >= 3);
  CHECK(labels.front() == "0 ms");
  CHECK(labels.back().ends_with(" ms"));
}

TEST_CASE("trace_svg: every trace is drawn on the same time scale") {
  const auto tree = parse_svg(common::render_traces_svg({alpha, beta}));
  const auto& svg = tree.get_child("svg");
  // merge spans each run: 1000 us in alpha, 500 us in beta.
  const auto alpha_merge = with_class(lane(svg, 0, "main"), "merge");
  const auto beta_merge = with_class(lane(svg, 1, "main"), "merge");
  REQUIRE(alpha_merge.size() == 1);
  REQUIRE(beta_merge.size() == 1);
  CHECK(number(*alpha_merge[0], "x") == doctest::Approx(number(*beta_merge[0], "x")));
  CHECK(number(*beta_merge[0], "width") == doctest::Approx(number(*alpha_merge[0], "width") / 2).epsilon(0.01));
}

TEST_CASE("trace_svg: nested events stay visible, suspended coroutines do not hide the thread") {
  const auto tree = parse_svg(common::render_traces_svg({alpha, beta}));
  const auto& svg = tree.get_child("svg");

  // The readline inside run_in_executor is drawn after it (on top) and shorter.
  const auto& pool = lane(svg, 1, "pool-1");
  std::vector<Element> marks;
  collect(pool, marks);
  int outer_at = -1;
  int inner_at = -1;
  for (int i = 0; i < static_cast<int>(marks.size()); ++i) {
    const auto css_class = attribute(*marks[i].node, "class");
    outer_at = css_class == "run_in_executor" ? i : outer_at;
    inner_at = css_class == "readline" ? i : inner_at;
  }
  REQUIRE(outer_at >= 0);
  REQUIRE(inner_at >= 0);
  CHECK(inner_at > outer_at);
  const auto& outer = *marks[outer_at].node;
  const auto& inner = *marks[inner_at].node;
  CHECK(number(inner, "height") < number(outer, "height"));
  CHECK(number(inner, "y") > number(outer, "y"));

  // Two coroutines suspended at once on loop-1: two bands, one above the other.
  const auto suspended = with_class(lane(svg, 1, "loop-1"), "suspended");
  REQUIRE(suspended.size() == 2);
  CHECK(number(*suspended[0], "y") != number(*suspended[1], "y"));
  CHECK(with_class(lane(svg, 1, "loop-1"), "waiting").empty());

  // Blocking waits and instants are marks of their own kinds.
  CHECK(with_class(lane(svg, 0, "tail-0"), "waiting").size() == 1);
  CHECK(with_class(lane(svg, 0, "tail-0"), "line-merged").size() == 1);
  CHECK(with_class(lane(svg, 1, "writer"), "line-merged").size() == 1);
}

TEST_CASE("trace_svg: names are escaped, a trace without a name or events still gets its chart") {
  const std::string odd = R"({"traceEvents":[
    {"name":"process_name","ph":"M","ts":0,"pid":1,"tid":0,"args":{"name":"x<y & \"z\""}},
    {"name":"thread_name","ph":"M","ts":0,"pid":1,"tid":1,"args":{"name":"<'a' & b>"}}]})";
  const std::string empty = R"({"traceEvents":[]})";
  const auto tree = parse_svg(common::render_traces_svg({odd, empty}));
  const auto& svg = tree.get_child("svg");
  const auto stages = with_class(svg, "stage");
  REQUIRE(stages.size() == 2);
  CHECK(attributes(stages, "data-stage") == std::vector<std::string>{"x<y & \"z\"", "trace 2"});
  CHECK(attributes(with_class(*stages[0], "lane"), "data-thread") == std::vector<std::string>{"<'a' & b>"});
  CHECK(with_class(*stages[1], "lane").empty());
}

TEST_CASE("trace_svg: thousands of tiny events become a few marks") {
  // 20000 readlines of 1 us, one every 50 us: a second of trace.
  std::string events;
  for (int i = 0; i < 20000; ++i) {
    events += (i ? "," : "") + std::string(R"({"name":"readline","ph":"X","dur":1,"pid":1,"tid":1,"ts":)") +
              std::to_string(i * 50) + "}";
  }
  const auto svg_text = common::render_traces_svg({one_thread_trace(events)});
  CHECK(svg_text.size() < 100'000);
  const auto tree = parse_svg(svg_text);
  const auto readlines = with_class(lane(tree.get_child("svg"), 0, "main"), "readline");
  REQUIRE(readlines.size() == 1); // 20 readlines per pixel: they all touch
  CHECK(readlines[0]->get<std::string>("title").starts_with("readline x20000:"));
}

TEST_CASE("trace_svg: malformed input is an error naming the trace and the problem") {
  const auto error_of = [](const std::vector<std::string>& texts) -> std::string {
    try {
      common::render_traces_svg(texts);
    } catch (const std::runtime_error& error) {
      return error.what();
    }
    return "no error";
  };
  CHECK(error_of({"{"}) == "trace 1: not valid JSON: incomplete JSON at the end of the text");
  CHECK(error_of({alpha, R"({"traceEvents":[}")"}).starts_with("trace 2: not valid JSON: syntax error"));
  CHECK(error_of({"[]"}).starts_with("trace 1: the top level is not a JSON object"));
  CHECK(error_of({R"({"events":[]})"}) == "trace 1: no \"traceEvents\" array at the top level");
  CHECK(error_of({R"({"traceEvents":[42]})"}) == "trace 1: traceEvents[0] is not an object");
  CHECK(error_of({one_thread_trace(R"({"name":"readline","ph":"X","dur":1,"pid":1,"tid":1})")}) ==
        "trace 1: traceEvents[1] (readline) has no \"ts\"");
  CHECK(error_of({one_thread_trace(R"({"name":"readline","ph":"X","ts":"soon","dur":1,"pid":1,"tid":1})")}) ==
        "trace 1: traceEvents[1] (readline): \"ts\" is not a number");
  CHECK(error_of({one_thread_trace(R"({"name":"w","ph":"e","id":7,"ts":1,"pid":1,"tid":1})")}) ==
        "trace 1: traceEvents[1] (w) ends async id 7, which did not begin on that thread");
  CHECK(error_of({one_thread_trace(R"({"name":"w","ph":"b","id":7,"ts":1,"pid":1,"tid":1})")}) ==
        "trace 1: async span \"w\" id 7 on tid 1 begins but never ends");
  CHECK(error_of({R"({"traceEvents":[{"name":"thread_name","ph":"M","tid":1,"args":{}}]})"}) ==
        "trace 1: traceEvents[0] (thread_name) args has no \"name\"");

  // Which trace it was, for a caller that knows the file names.
  try {
    common::render_traces_svg({alpha, beta, "nonsense"});
    FAIL("no error");
  } catch (const common::TraceError& error) {
    CHECK(error.index() == 2);
    CHECK(error.reason().starts_with("not valid JSON"));
  }
}
