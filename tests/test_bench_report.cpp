// common/tools/bench_report.cpp: the tool ./workshop bench runs on what it
// collected. Each test writes a small results directory by hand (bench.jsonl
// and --stats files like the stages write), runs the tool as the script does
// and reads the report and the picture it wrote.
#include "support/files.hpp"

#include <boost/json.hpp>
#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <vector>

#ifndef BENCH_REPORT
#error "BENCH_REPORT must name the bench_report executable (see tests/CMakeLists.txt)"
#endif

namespace fs = std::filesystem;
using boost::property_tree::ptree;
using tests::read_file;
using tests::TempDir;
using tests::write_file;

namespace {

// A --stats object as stage_main.cpp writes it; `extra` is added verbatim.
std::string stats(const std::string& stage, long long lines, double lines_per_second, int threads, double rss,
                  const std::string& extra = "") {
  std::ostringstream out;
  out << R"({"stage":")" << stage << R"(","files":1,"lines":)" << lines << R"(,"prefill":true,"seconds":)"
      << static_cast<double>(lines) / lines_per_second << R"(,"lines_per_second":)" << lines_per_second
      << R"(,"peak_threads":)" << threads << R"(,"peak_rss_mib":)" << rss
      << R"(,"cpu_seconds":0.5,"latency_lines":0,"latency_median_ms":0,"latency_p99_ms":0,"confirm_merge":true)"
      << extra << "}";
  return out.str();
}

// A results directory: the manifest is built up record by record, each
// run's stats file and each cat timing written next to it.
struct Results {
  TempDir dir;
  std::string manifest;

  Results() {
    fs::create_directory(dir.path / "runs");
    for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{{"system", "Linux 6.1 x86_64"},
                                                                                     {"cpu", "Test CPU"},
                                                                                     {"cores", "2"},
                                                                                     {"date", "2024-01-01 12:00 UTC"},
                                                                                     {"command", "./workshop bench"},
                                                                                     {"total_lines", "10000"}}) {
      record({{"record", "info"}, {"key", key}, {"value", value}});
    }
  }

  // One record, as jq writes it: a JSON object of strings on one line.
  void record(const std::map<std::string, std::string>& fields) {
    boost::json::object object;
    for (const auto& [key, value] : fields) {
      object[key] = value;
    }
    manifest += boost::json::serialize(object) + "\n";
  }
  void raw(const std::string& line) { manifest += line + "\n"; }

  void ok(const std::string& kind, const std::string& stage, long long files, long long lines,
          const std::string& stats_json, const std::string& wall = "1.0") {
    const std::string name = "runs/" + kind + "-" + std::to_string(files) + "-" + stage + ".json";
    write_file(dir.path / name, stats_json);
    record({{"record", "run"},
            {"kind", kind},
            {"stage", stage},
            {"files", std::to_string(files)},
            {"lines", std::to_string(lines)},
            {"status", "ok"},
            {"wall", wall},
            {"stats", name},
            {"args", "--prefill"}});
  }
  void not_ok(const std::string& kind, const std::string& stage, long long files, long long lines,
              const std::string& status, double wall, const std::string& message) {
    record({{"record", "run"},
            {"kind", kind},
            {"stage", stage},
            {"files", std::to_string(files)},
            {"lines", std::to_string(lines)},
            {"status", status},
            {"wall", std::to_string(wall)},
            {"args", "--prefill"},
            {"message", message}});
  }
  // cat timed by hyperfine: its export, with `fastest` as the fastest run.
  void cat(long long files, long long lines, double fastest) {
    const std::string name = "runs/cat-" + std::to_string(files) + "x" + std::to_string(lines) + ".json";
    write_file(dir.path / name, R"({"results":[{"command":"cat","mean":1,"min":)" + std::to_string(fastest) + "}]}");
    record({{"record", "cat"},
            {"files", std::to_string(files)},
            {"lines", std::to_string(lines)},
            {"status", "ok"},
            {"timing", name}});
  }
  void build(const std::string& step, const std::string& status, const std::string& wall,
             const std::string& message = "") {
    record({{"record", "build"}, {"step", step}, {"status", status}, {"wall", wall}, {"message", message}});
  }

  // Runs the tool; its exit code, with the outputs in the directory.
  int run() {
    write_file(dir.path / "bench.jsonl", manifest);
    const std::string command = std::string("'") + BENCH_REPORT + "' '" + dir.path.string() + "' '" + md().string() +
                                "' '" + svg().string() + "' 2>'" + (dir.path / "stderr").string() + "'";
    const int status = std::system(command.c_str());
    REQUIRE(WIFEXITED(status));
    return WEXITSTATUS(status);
  }
  fs::path md() const { return dir.path / "report.md"; }
  fs::path svg() const { return dir.path / "plot.svg"; }
  std::string report() const { return read_file(md()); }
  std::string errors() const { return read_file(dir.path / "stderr"); }
};

// The results of a small bench over four stages: a sweep of 1 x 10,000 and
// 10,000 x 1, the two reference shapes, and one run of each other kind.
void fill(Results& r) {
  r.ok("sweep", "stage1_threads", 1, 10000, stats("stage1_threads", 10000, 2e6, 2, 10));
  r.ok("sweep", "stage2_mixed", 1, 10000, stats("stage2_mixed", 10000, 1e5, 2, 10));
  r.ok("sweep", "stage3_coroutines", 1, 10000, stats("stage3_coroutines", 10000, 3e6, 5, 10));
  r.ok("sweep", "stage5_nonblocking", 1, 10000, stats("stage5_nonblocking", 10000, 5e4, 6, 10));
  r.cat(1, 10000, 0.001);

  r.ok("sweep", "stage1_threads", 10000, 1, stats("stage1_threads", 10000, 1e6, 300, 30));
  r.not_ok("sweep", "stage2_mixed", 10000, 1, "failed", 2.5,
           "stage2_mixed: error: thread: Resource temporarily unavailable");
  r.ok("sweep", "stage3_coroutines", 10000, 1, stats("stage3_coroutines", 10000, 2e6, 5, 40));
  r.ok("sweep", "stage5_nonblocking", 10000, 1, stats("stage5_nonblocking", 10000, 1e6, 9, 120));
  r.record({{"record", "cat"},
            {"files", "10000"},
            {"lines", "1"},
            {"status", "failed"},
            {"message", "found 3 input files in /tmp/x, expected 10000"}});

  r.ok("ref", "stage1_threads", 5, 20000, stats("stage1_threads", 100000, 1.5e6, 6, 10));
  r.ok("ref", "stage2_mixed", 5, 20000, stats("stage2_mixed", 100000, 5e4, 6, 10));
  r.ok("ref", "stage3_coroutines", 5, 20000, stats("stage3_coroutines", 100000, 2e5, 5, 10));
  r.not_ok("ref", "stage5_nonblocking", 5, 20000, "timeout", 120, "no result within the limit of 120 s");
  r.cat(5, 20000, 0.01);

  r.ok("ref", "stage1_threads", 1000, 100, stats("stage1_threads", 100000, 5e5, 300, 10));
  r.ok("ref", "stage2_mixed", 1000, 100, stats("stage2_mixed", 100000, 1e5, 1001, 10));
  r.ok("ref", "stage3_coroutines", 1000, 100, stats("stage3_coroutines", 100000, 3e5, 5, 10));
  r.ok("ref", "stage5_nonblocking", 1000, 100, stats("stage5_nonblocking", 100000, 1e5, 6, 10));

  r.ok("latency", "stage1_threads", 100, 100,
       stats("stage1_threads", 10000, 1e4, 201, 10,
             R"(,"latency_lines":10000,"latency_median_ms":5.24,"latency_p99_ms":10.5,"drain_ms":3)"));
  r.ok("idle", "stage1_threads", 1000, 0,
       R"({"stage":"stage1_threads","lines":0,"seconds":10,"lines_per_second":0,"peak_threads":2001,)"
       R"("peak_rss_mib":30,"cpu_seconds":2.5,"confirm_merge":true})");
  r.ok("stall", "stage1_threads", 2, 5, stats("stage1_threads", 10, 10, 3, 5));
  r.ok("stall", "stage3_coroutines", 2, 5, stats("stage3_coroutines", 10, 10, 5, 5, R"(,"longest_stall_ms":996)"));
  r.ok("stall", "stage5_nonblocking", 2, 5, stats("stage5_nonblocking", 10, 10, 6, 5, R"(,"longest_stall_ms":3)"));

  r.build("clean", "ok", "120.5");
  r.build("demo", "ok", "44.9");
  r.build("tsan1", "failed", "12.5", "ninja: build stopped: subcommand failed.");
  r.build("rebuild", "ok", "10");
  r.record({{"record", "step"}, {"seconds", "42.5"}, {"name", "tests/CMakeFiles/test_common.dir/test_asyncio.cpp.o"}});
}

// The report's lines that start with `prefix`.
std::vector<std::string> lines_starting(const std::string& text, const std::string& prefix) {
  std::vector<std::string> found;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(prefix)) {
      found.push_back(line);
    }
  }
  return found;
}

// The one line starting with `prefix`.
std::string line_starting(const std::string& text, const std::string& prefix) {
  const auto found = lines_starting(text, prefix);
  REQUIRE_MESSAGE(found.size() == 1, "lines starting with \"" << prefix << "\": " << found.size());
  return found.front();
}

// The report's section under `heading`, up to the next heading of its level.
std::string section(const std::string& report, const std::string& heading) {
  const auto start = report.find("\n" + heading);
  REQUIRE_MESSAGE(start != std::string::npos, "no section " << heading);
  const auto end = report.find("\n## ", start + 1);
  return report.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

ptree parse_svg(const fs::path& path) {
  std::istringstream in(read_file(path));
  ptree tree;
  boost::property_tree::read_xml(in, tree); // throws unless well-formed
  return tree;
}

std::string attribute(const ptree& element, const std::string& name) {
  return element.get<std::string>("<xmlattr>." + name, "");
}

// Every element below `node` (tag and node), in document order.
void collect(const ptree& node, std::vector<std::pair<std::string, const ptree*>>& out) {
  for (const auto& [tag, child] : node) {
    if (tag != "<xmlattr>" && tag != "<xmlcomment>") {
      out.emplace_back(tag, &child);
      collect(child, out);
    }
  }
}

std::vector<const ptree*> with_class(const ptree& node, const std::string& css_class) {
  std::vector<std::pair<std::string, const ptree*>> all;
  collect(node, all);
  std::vector<const ptree*> found;
  for (const auto& [tag, element] : all) {
    if (attribute(*element, "class") == css_class) {
      found.push_back(element);
    }
  }
  return found;
}

const ptree& only(const std::vector<const ptree*>& elements, const std::string& name, const std::string& value) {
  const ptree* found = nullptr;
  int count = 0;
  for (const auto* element : elements) {
    if (attribute(*element, name) == value) {
      found = element;
      ++count;
    }
  }
  REQUIRE_MESSAGE(count == 1, name << "=" << value << " found " << count << " times");
  return *found;
}

std::vector<std::string> attributes(const std::vector<const ptree*>& elements, const std::string& name) {
  std::vector<std::string> values;
  for (const auto* element : elements) {
    values.push_back(attribute(*element, name));
  }
  return values;
}

} // namespace

TEST_CASE("bench_report: one table row per prefilled shape, each stage's rate with its share of cat") {
  Results r;
  fill(r);
  REQUIRE(r.run() == 0);
  const auto report = r.report();

  // The sweep by file count, then the reference shapes, marked.
  const auto throughput = section(report, "## Throughput");
  CHECK(line_starting(throughput, "| 1 × 10,000 |") ==
        "| 1 × 10,000 | 10.0 M | 2.00 M (20%) | 100 k (1.0%) | 3.00 M (30%) | 50.0 k (0.5%) |");
  CHECK(line_starting(throughput, "| 1,000 × 100 * |") == "| 1,000 × 100 * | – | 500 k | 100 k | 300 k | 100 k |");
  CHECK(contains(line_starting(throughput, "| 5 × 20,000 * |"), "| 10.0 M | 1.50 M (15%) | 50.0 k (0.5%) |"));
  std::vector<std::string> shapes;
  for (const auto& row : lines_starting(throughput, "| ")) {
    shapes.push_back(row.substr(0, row.find(" | ", 2)));
  }
  CHECK(shapes == std::vector<std::string>{"| files × lines each", "| 1 × 10,000", "| 10,000 × 1", "| 5 × 20,000 *",
                                           "| 1,000 × 100 *"});

  // Threads and memory, and the per-stage table of the other runs.
  CHECK(contains(line_starting(section(report, "## Threads"), "| 1,000 × 100 * |"),
                 "| 300 threads, 10 MiB, 0.5 s CPU | 1001 threads, 10 MiB, 0.5 s CPU |"));
  CHECK(line_starting(report, "| stage1_threads | 5.2") ==
        "| stage1_threads | 5.2 ms | 10.5 ms | 3.0 ms | 25% (2.5 s in 10.0 s) | – | n/a (no event loop) |");
  CHECK(line_starting(report, "| stage3_coroutines | –") == "| stage3_coroutines | – | – | – | – | – | 996 ms |");

  // The machine and the command are named.
  CHECK(contains(report, "Linux 6.1 x86_64, Test CPU, 2 cores"));
  CHECK(contains(report, "`./workshop bench`"));
  CHECK(contains(report, "42.5 s `tests/CMakeFiles/test_common.dir/test_asyncio.cpp.o`"));
}

TEST_CASE("bench_report: every target is a PASS, MISS or SKIP line, and a MISS says why") {
  Results r;
  fill(r);
  REQUIRE(r.run() == 0); // missed targets are the report's content, not an error
  const auto report = r.report();

  CHECK(line_starting(report, "- PASS stage1_threads, 5 × 20,000") ==
        "- PASS stage1_threads, 5 × 20,000 prefilled: 1.50 M lines/s, target 1.00 M lines/s (20 × Python's 50.0 k)");
  // 50 k against 20 x 4.9 k = 98 k.
  CHECK(line_starting(report, "- MISS stage2_mixed, 5 × 20,000") ==
        "- MISS stage2_mixed, 5 × 20,000 prefilled: 50.0 k lines/s, target 98.0 k lines/s (20 × Python's 4.90 k): "
        "49% short. Why: every line is a round trip between its pool thread and the loop (run_coroutine_threadsafe, "
        "then future.get()), two thread wake-ups per line; see stage2_mixed/README.md");
  CHECK(line_starting(report, "- PASS stage2_mixed, 1,000 × 100").size() > 0); // 100 k >= 98 k
  CHECK(contains(line_starting(report, "- MISS stage5_nonblocking, 5 × 20,000"), "timed out after 120.0 s"));
  CHECK(contains(line_starting(report, "- MISS stage1_threads at least 20% of cat"),
                 "1.50 M lines/s is 15% of cat's 10.0 M"));

  // Stage 3 keeps to the pool at 10,000 files; stage 5 here does not.
  CHECK(contains(line_starting(report, "- PASS stage3_coroutines at 10,000 files: peak 5 threads"),
                 "limit 7 (pool of 4 + 3)"));
  CHECK(contains(line_starting(report, "- MISS stage5_nonblocking at 10,000 files: peak 9 threads"), "limit 7"));
  CHECK(contains(line_starting(report, "- MISS stage5_nonblocking at 10,000 files: peak RSS"),
                 "120.0 MiB, limit under 100 MiB"));
  CHECK(contains(line_starting(report, "- PASS stage5_nonblocking longest loop stall"), "3.0 ms"));
  CHECK(line_starting(report, "- MISS clean build")
            .rfind("- MISS clean build of all targets: 120.5 s, limit 60.0 s. Why: ", 0) == 0);
  CHECK(contains(line_starting(report, "- PASS a fresh `./workshop demo`"), "44.9 s, limit 45.0 s"));
  CHECK(contains(line_starting(report, "- MISS `./workshop test tsan 1` from nothing"),
                 "ninja: build stopped: subcommand failed."));
  CHECK(contains(line_starting(report, "- MISS stage1_threads at least 20% of cat"), ". Why: "));
  CHECK(contains(line_starting(report, "- PASS rebuild"), "10.0 s, limit 10.0 s"));
  // The build-time table lists the steps in a fixed order, each with its limit.
  const auto demo_row = report.find("| a fresh `./workshop demo` to its five summary lines | 44.9 s | ≤ 45.0 s |");
  CHECK(demo_row != std::string::npos);
  CHECK(report.find("| clean build of all targets | 120.5 s | ≤ 60.0 s |") < demo_row);

  // The count adds up to the lines.
  const auto pass = lines_starting(report, "- PASS ").size();
  const auto miss = lines_starting(report, "- MISS ").size();
  const auto skip = lines_starting(report, "- SKIP ").size();
  CHECK(contains(report, std::to_string(pass) + " PASS, " + std::to_string(miss) + " MISS, " + std::to_string(skip) +
                             " SKIP."));
  CHECK(miss == 9);
}

TEST_CASE("bench_report: idle CPU, line latency and the end after the last line, against their limits") {
  Results r;
  fill(r);
  const std::string quick = R"(,"latency_lines":10000,"latency_median_ms":0.42,"latency_p99_ms":3.1,"drain_ms":1.2)";
  r.ok("latency", "stage3_coroutines", 100, 100, stats("stage3_coroutines", 10000, 1e4, 5, 10, quick));
  r.ok("latency-polling", "stage3_coroutines", 100, 100,
       stats("stage3_coroutines", 10000, 1e4, 5, 10,
             R"(,"latency_lines":10000,"latency_median_ms":50.5,"latency_p99_ms":99.1,"drain_ms":97)"));
  r.ok("idle", "stage3_coroutines", 1000, 0,
       R"({"stage":"stage3_coroutines","lines":0,"seconds":5,"lines_per_second":0,"peak_threads":5,)"
       R"("peak_rss_mib":30,"cpu_seconds":0.015,"confirm_merge":true})");
  r.ok("small", "stage1_threads", 5, 4000, stats("stage1_threads", 20000, 1e6, 6, 5), "0.031");
  REQUIRE(r.run() == 0);
  const auto report = r.report();

  CHECK(line_starting(report, "- MISS stage1_threads idle CPU") ==
        "- MISS stage1_threads idle CPU with 1,000 idle inputs: 25% of a core, limit under 1.0%");
  CHECK(line_starting(report, "- MISS stage1_threads line latency") ==
        "- MISS stage1_threads line latency with 100 writers: median 5.2 ms, p99 10.5 ms, limits under 2.0 ms and "
        "10.0 ms");
  CHECK(line_starting(report, "- PASS stage1_threads merge ends") ==
        "- PASS stage1_threads merge ends after its last input is closed: 3.0 ms, limit under 10.0 ms");
  CHECK(line_starting(report, "- PASS stage3_coroutines idle CPU") ==
        "- PASS stage3_coroutines idle CPU with 1,000 idle inputs: 0.3% of a core, limit under 1.0%");
  CHECK(line_starting(report, "- PASS stage3_coroutines line latency") ==
        "- PASS stage3_coroutines line latency with 100 writers: median 0.4 ms, p99 3.1 ms, limits under 2.0 ms and "
        "10.0 ms");
  CHECK(line_starting(report, "- PASS stage1_threads whole process") ==
        "- PASS stage1_threads whole process, 5 × 4,000 prefilled: 31.0 ms, limit under 40.0 ms");
  CHECK(line_starting(report, "- SKIP stage2_mixed idle CPU") ==
        "- SKIP stage2_mixed idle CPU with 1,000 idle inputs: not run");

  // With inotify, then with it off: one row per stage in each table.
  const auto live = section(report, "## Live writers");
  CHECK(line_starting(live, "| stage3_coroutines | 0.4 ms") ==
        "| stage3_coroutines | 0.4 ms | 3.1 ms | 1.2 ms | 0.3% (0.0 s in 5.0 s) | – | 996 ms |");
  CHECK(line_starting(live, "| stage1_threads | 5.2 ms") ==
        "| stage1_threads | 5.2 ms | 10.5 ms | 3.0 ms | 25% (2.5 s in 10.0 s) | 31.0 ms | n/a (no event loop) |");
  CHECK(line_starting(live, "| stage3_coroutines | 50.5 ms") ==
        "| stage3_coroutines | 50.5 ms | 99.1 ms | 97.0 ms | – |");
  CHECK(contains(live, "with inotify off (`TAIL_MERGE_NO_INOTIFY=1`)"));
}

TEST_CASE("bench_report: a failed run is shown as failed with its message, never as a figure") {
  Results r;
  fill(r);
  // Exit 0 but confirm_merge false, and exit 0 without a stats file.
  r.ok("latency", "stage2_mixed", 100, 100,
       R"({"lines":1,"seconds":1,"lines_per_second":1,"peak_threads":1,"peak_rss_mib":1,"cpu_seconds":1,)"
       R"("confirm_merge":false})");
  r.record({{"record", "run"},
            {"kind", "idle"},
            {"stage", "stage2_mixed"},
            {"files", "1000"},
            {"lines", "0"},
            {"status", "ok"},
            {"wall", "1.0"},
            {"stats", "runs/missing.json"},
            {"args", "--hold 10"}});
  REQUIRE(r.run() == 0);
  const auto report = r.report();

  const auto row = line_starting(section(report, "## Throughput"), "| 10,000 × 1 |");
  CHECK(row == "| 10,000 × 1 | failed: found 3 input files in /tmp/x, expected 10000 | 1.00 M | failed: stage2_mixed: "
               "error: thread: Resource temporarily unavailable | 2.00 M | 1.00 M |");
  CHECK(contains(line_starting(section(report, "## Throughput"), "| 5 × 20,000 * |"), "| timed out after 120.0 s"));
  const auto stage2 = line_starting(report, "| stage2_mixed |");
  CHECK(contains(stage2, "| failed: confirm_merge did not pass |"));
  CHECK(contains(stage2, "| failed: no --stats file"));

  // Stopping at once with a message is what stage 2 at 10,000 files may do.
  CHECK(line_starting(report, "- PASS stage2_mixed at 10,000 files") ==
        "- PASS stage2_mixed at 10,000 files completes or stops at once: stopped after 2.5 s: stage2_mixed: error: "
        "thread: Resource temporarily unavailable");
}

TEST_CASE("bench_report: stage 2 hanging at 10,000 files is a MISS") {
  Results r;
  r.not_ok("sweep", "stage2_mixed", 10000, 100, "timeout", 120, "no result within the limit of 120 s");
  REQUIRE(r.run() == 0);
  CHECK(contains(line_starting(r.report(), "- MISS stage2_mixed at 10,000 files"), "hung, timed out after 120.0 s"));
  // What was not measured is a SKIP, not a PASS.
  CHECK(contains(line_starting(r.report(), "- SKIP clean build"), "not measured"));
  CHECK(lines_starting(r.report(), "- PASS ").empty());
}

TEST_CASE("bench_report: the picture is well-formed SVG with a line per stage, cat and a legend") {
  Results r;
  fill(r);
  REQUIRE(r.run() == 0);
  const auto tree = parse_svg(r.svg());
  const auto& svg = tree.get_child("svg");
  CHECK(attribute(svg, "xmlns") == "http://www.w3.org/2000/svg");

  // Self-contained: nothing fetched, nothing run.
  std::vector<std::pair<std::string, const ptree*>> all;
  collect(svg, all);
  for (const auto& [tag, element] : all) {
    CHECK(tag != "script");
    CHECK(tag != "image");
    CHECK(attribute(*element, "href").empty());
  }
  CHECK_FALSE(contains(read_file(r.svg()), "@import"));

  const auto charts = with_class(svg, "chart");
  REQUIRE(attributes(charts, "data-chart") == std::vector<std::string>{"throughput", "threads"});
  const auto& throughput = *charts[0];
  CHECK(attributes(with_class(throughput, "series"), "data-series") ==
        std::vector<std::string>{"cat", "stage1_threads", "stage2_mixed", "stage3_coroutines", "stage5_nonblocking"});
  CHECK(attributes(with_class(*charts[1], "series"), "data-series") ==
        std::vector<std::string>{"stage1_threads", "stage2_mixed", "stage3_coroutines", "stage5_nonblocking"});

  // Only the sweep is drawn: 1 and 10,000 files, no reference shapes.
  const auto& stage1 = only(with_class(throughput, "series"), "data-series", "stage1_threads");
  CHECK(attributes(with_class(stage1, "point"), "data-files") == std::vector<std::string>{"1", "10000"});
  CHECK(attributes(with_class(stage1, "point"), "data-value") == std::vector<std::string>{"2e+06", "1e+06"});
  // cat failed at 10,000 files: one point. Stage 2 failed there: a mark, no point.
  CHECK(with_class(only(with_class(throughput, "series"), "data-series", "cat"), "point").size() == 1);
  const auto& stage2 = only(with_class(throughput, "series"), "data-series", "stage2_mixed");
  CHECK(attributes(with_class(stage2, "point"), "data-files") == std::vector<std::string>{"1"});
  CHECK(attributes(with_class(stage2, "failed-point"), "data-files") == std::vector<std::string>{"10000"});
  const auto& threads = only(with_class(*charts[1], "series"), "data-series", "stage1_threads");
  CHECK(attributes(with_class(threads, "point"), "data-value") == std::vector<std::string>{"2", "300"});

  // Both axes are logarithmic: one label per power of ten.
  const auto axes = with_class(throughput, "axis");
  REQUIRE(axes.size() == 2);
  std::vector<std::string> x_labels;
  for (const auto& [tag, child] : *axes[0]) {
    if (tag == "text" && attribute(child, "font-size").empty()) {
      x_labels.push_back(child.data());
    }
  }
  CHECK(x_labels == std::vector<std::string>{"1", "10", "100", "1k", "10k"});
  CHECK(with_class(*charts[1], "limit").size() == 1); // pool size + 3

  const auto legend = with_class(svg, "legend");
  REQUIRE(legend.size() == 1);
  CHECK(attributes(with_class(*legend[0], "legend-item"), "data-series") ==
        std::vector<std::string>{"stage1_threads", "stage2_mixed", "stage3_coroutines", "stage5_nonblocking", "cat",
                                 "failed"});
}

TEST_CASE("bench_report: unreadable results are one line naming the file, and nothing is written") {
  Results r;
  fill(r);
  r.record({{"record", "run"},
            {"kind", "sweep"},
            {"stage", "stage1_threads"},
            {"files", "many"},
            {"lines", "10"},
            {"status", "ok"},
            {"stats", "x.json"}});
  CHECK(r.run() == 1);
  CHECK(contains(r.errors(), "bench.jsonl: line "));
  CHECK(contains(r.errors(), "files is not a whole number: \"many\""));

  Results not_json;
  not_json.raw("run\tsweep\tstage1_threads"); // a line that is not JSON
  CHECK(not_json.run() == 1);
  CHECK(contains(not_json.errors(), "bench.jsonl: line 7: not a JSON object"));
  CHECK_FALSE(fs::exists(r.md()));
  CHECK_FALSE(fs::exists(r.svg()));

  Results empty;
  fs::remove(empty.dir.path / "runs");
  const std::string command = std::string("'") + BENCH_REPORT + "' '" + empty.dir.path.string() + "' a.md b.svg 2>'" +
                              (empty.dir.path / "stderr").string() + "'";
  const int status = std::system(command.c_str());
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);
  CHECK(contains(empty.errors(), "bench.jsonl: cannot open"));

  const int usage = std::system((std::string("'") + BENCH_REPORT + "' only-one 2>/dev/null").c_str());
  REQUIRE(WIFEXITED(usage));
  CHECK(WEXITSTATUS(usage) == 2);
}
