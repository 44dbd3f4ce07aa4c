// bench_report RESULTS_DIR OUT.md OUT.svg
//
// Turns the figures `./workshop bench` collected into a Markdown report and an
// SVG plot, and checks the benchmark's targets (PASS, MISS or SKIP, each with
// its reason). The script only runs programs and writes down what happened;
// every judgement is made here.
//
// RESULTS_DIR holds `bench.jsonl`, one JSON object per line, written by jq.
// Every value is a string (numbers too); "record" says which kind it is:
//
//   info   key, value                the machine and the run: system, cpu, cores,
//                                    date, command, mode, elapsed (seconds),
//                                    binaries, total_lines, cat_method, build_method
//   run    kind, stage, files, lines, status, wall, stats, args, message
//                                    one stage run. kind: sweep or ref (prefilled
//                                    throughput shapes), latency, idle, stall,
//                                    small (a whole prefilled 5 x 4,000 run), and
//                                    latency-polling, idle-polling (the same with
//                                    inotify off: polling every --interval).
//                                    An idle run follows files: its stats file
//                                    is the script's, with the same keys.
//                                    lines: per file. status: ok, failed, timeout
//                                    or skipped. wall: seconds the whole process
//                                    took. stats: its --stats file, relative to
//                                    RESULTS_DIR. args: its options. message:
//                                    the last line of its stderr when it failed.
//   cat    files, lines, status, timing, message
//                                    `cat` over the same inputs; timing: the JSON
//                                    hyperfine exported, relative to RESULTS_DIR
//   build  step, status, wall, message
//                                    step: clean, demo, tsan1 or rebuild
//                                    (build_steps below says what each is)
//   step   seconds, name             one of the slowest steps of the clean build
//
// A missing value is empty.
// The stats files are the JSON objects the stages write with --stats
// (common/program/stage_main.cpp). On an error the tool prints one line naming the
// file and exits 1, leaving no output behind; wrong arguments exit 2. Missed
// targets do not change the exit code: they are the report's content.
#include "common/tools/svg.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using common::Failure;
using common::read_file;
using common::write_file;

constexpr const char* usage = "usage: bench_report RESULTS_DIR OUT.md OUT.svg\n";

// ---------------------------------------------------------------------------
// What the bench collected

enum class Status { ok, failed, timeout, skipped };

struct Run {
  std::string kind; // sweep, ref, latency, idle, stall
  std::string stage;
  long long files = 0;
  long long lines = 0; // per file
  Status status = Status::ok;
  double wall_seconds = 0;
  std::string args;
  std::string message;
  json::object stats; // the --stats figures; empty unless status is ok
};

struct CatTiming {
  long long files = 0;
  long long lines = 0;
  Status status = Status::ok;
  double seconds = 0;
  std::string message;
};

struct BuildTiming {
  std::string step; // clean, demo, tsan1, rebuild
  Status status = Status::ok;
  double seconds = 0;
  std::string message;
};

struct Results {
  std::map<std::string, std::string> info;
  std::vector<Run> runs;
  std::vector<CatTiming> cats;
  std::vector<BuildTiming> builds;
  std::vector<std::pair<double, std::string>> slowest_steps; // of the clean build
  std::vector<std::string> stages;                           // in the order they first appear
};

// The fields of one record.
using Fields = std::map<std::string, std::string>;

// Reads bench.jsonl line by line; every error names the line.
class ManifestReader {
public:
  ManifestReader(fs::path dir) : dir_(std::move(dir)), file_((dir_ / "bench.jsonl").string()) {}

  Results read() {
    std::istringstream in(read_file(file_));
    Results results;
    std::string line;
    while (std::getline(in, line)) {
      ++line_number_;
      if (line.find_first_not_of(" \t\r") == std::string::npos) {
        continue;
      }
      const Fields fields = parse(line);
      const std::string& record = field(fields, "record");
      if (record == "info") {
        results.info[field(fields, "key")] = field(fields, "value");
      } else if (record == "run") {
        results.runs.push_back(run(fields));
        if (std::find(results.stages.begin(), results.stages.end(), results.runs.back().stage) ==
            results.stages.end()) {
          results.stages.push_back(results.runs.back().stage);
        }
      } else if (record == "cat") {
        results.cats.push_back(cat(fields));
      } else if (record == "build") {
        results.builds.push_back({field(fields, "step"), status(field(fields, "status")),
                                  seconds(field(fields, "wall")), field(fields, "message")});
      } else if (record == "step") {
        results.slowest_steps.emplace_back(seconds(field(fields, "seconds")), field(fields, "name"));
      } else {
        fail("unknown record \"" + record + "\" (expected info, run, cat, build or step)");
      }
    }
    return results;
  }

private:
  [[noreturn]] void fail(const std::string& reason) const {
    throw Failure{file_, "line " + std::to_string(line_number_) + ": " + reason};
  }

  // One JSON object whose values are strings.
  Fields parse(const std::string& line) const {
    boost::system::error_code ec;
    const json::value value = json::parse(line, ec);
    if (ec || !value.is_object()) {
      fail("not a JSON object" + (ec ? ": " + ec.message() : std::string()));
    }
    Fields fields;
    for (const auto& [key, item] : value.get_object()) {
      if (!item.is_string()) {
        fail("\"" + std::string(key) + "\" is not a string");
      }
      fields[std::string(key)] = std::string(item.get_string());
    }
    return fields;
  }

  // A value of the record, empty when it has none.
  static const std::string& field(const Fields& fields, const std::string& key) {
    static const std::string none;
    const auto found = fields.find(key);
    return found == fields.end() ? none : found->second;
  }

  long long count(const std::string& text, const char* what) const {
    try {
      std::size_t used = 0;
      const long long value = std::stoll(text, &used);
      if (used == text.size() && value >= 0) {
        return value;
      }
    } catch (const std::exception&) {
    }
    fail(std::string(what) + " is not a whole number: \"" + text + "\"");
  }

  // Seconds; empty means not measured (a skipped or failed step).
  double seconds(const std::string& text) const {
    if (text.empty()) {
      return 0;
    }
    try {
      std::size_t used = 0;
      const double value = std::stod(text, &used);
      if (used == text.size() && std::isfinite(value) && value >= 0) {
        return value;
      }
    } catch (const std::exception&) {
    }
    fail("not a number of seconds: \"" + text + "\"");
  }

  Status status(const std::string& text) const {
    if (text == "ok") {
      return Status::ok;
    }
    if (text == "failed") {
      return Status::failed;
    }
    if (text == "timeout") {
      return Status::timeout;
    }
    if (text == "skipped") {
      return Status::skipped;
    }
    fail("unknown status \"" + text + "\" (expected ok, failed, timeout or skipped)");
  }

  Run run(const Fields& fields) const {
    Run run;
    run.kind = field(fields, "kind");
    run.stage = field(fields, "stage");
    run.files = count(field(fields, "files"), "files");
    run.lines = count(field(fields, "lines"), "lines");
    run.status = status(field(fields, "status"));
    run.wall_seconds = seconds(field(fields, "wall"));
    run.args = field(fields, "args");
    run.message = field(fields, "message");
    if (run.status == Status::ok) {
      load_stats(run, field(fields, "stats"));
    }
    return run;
  }

  // cat's time is the fastest of hyperfine's runs; a timing file without one
  // makes the record failed, with the reason.
  CatTiming cat(const Fields& fields) const {
    CatTiming cat{count(field(fields, "files"), "files"), count(field(fields, "lines"), "lines"),
                  status(field(fields, "status")), 0, field(fields, "message")};
    if (cat.status != Status::ok) {
      return cat;
    }
    const fs::path path = dir_ / field(fields, "timing");
    std::string text;
    try {
      text = common::read_file(path);
    } catch (const Failure& failure) {
      cat.status = Status::failed;
      cat.message = failure.file + ": " + failure.reason;
      return cat;
    }
    boost::system::error_code ec;
    const json::value value = json::parse(text, ec);
    const json::value* fastest = nullptr;
    if (!ec && value.is_object()) {
      const auto* runs = value.get_object().if_contains("results");
      if (runs && runs->is_array() && !runs->get_array().empty() && runs->get_array()[0].is_object()) {
        fastest = runs->get_array()[0].get_object().if_contains("min");
      }
    }
    if (!fastest || !fastest->is_number() || fastest->to_number<double>() <= 0) {
      cat.status = Status::failed;
      cat.message = path.string() + ": no results[0].min, the fastest run, as hyperfine exports it";
      return cat;
    }
    cat.seconds = fastest->to_number<double>();
    return cat;
  }

  // A run that exited 0 but left no usable figures is reported as failed,
  // with the reason, rather than stopping the whole report.
  void load_stats(Run& run, const std::string& name) const {
    const fs::path path = fs::path(name).is_absolute() ? fs::path(name) : dir_ / name;
    std::ifstream in(path, std::ios::binary);
    if (name.empty() || !in) {
      run.status = Status::failed;
      run.message = "no --stats file " + path.string();
      return;
    }
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    boost::system::error_code ec;
    const json::value value = json::parse(text, ec);
    if (ec || !value.is_object()) {
      run.status = Status::failed;
      run.message = path.string() + ": not a JSON object" + (ec ? ": " + ec.message() : "");
      return;
    }
    run.stats = value.get_object();
    for (const char* key : {"lines", "seconds", "lines_per_second", "peak_threads", "peak_rss_mib", "cpu_seconds"}) {
      const auto* figure = run.stats.if_contains(key);
      if (!figure || !figure->is_number()) {
        run.status = Status::failed;
        run.message = path.string() + ": no number \"" + key + "\"";
        return;
      }
    }
    const auto* confirmed = run.stats.if_contains("confirm_merge");
    if (!confirmed || !confirmed->is_bool() || !confirmed->get_bool()) {
      run.status = Status::failed;
      run.message = "confirm_merge did not pass" + (run.message.empty() ? "" : ": " + run.message);
    }
  }

  fs::path dir_;
  std::string file_;
  int line_number_ = 0;
};

// A figure from a run's stats, if it has it as a number.
std::optional<double> figure(const Run& run, const char* key) {
  const auto* value = run.stats.if_contains(key);
  if (!value || !value->is_number()) {
    return std::nullopt;
  }
  return value->to_number<double>();
}

bool prefilled(const Run& run) {
  return run.kind == "sweep" || run.kind == "ref";
}

const Run* find_run(const Results& results, const std::string& stage, const std::string& kind) {
  for (const auto& run : results.runs) {
    if (run.stage == stage && run.kind == kind) {
      return &run;
    }
  }
  return nullptr;
}

// A prefilled run of this shape, whether it was run as part of the sweep or
// as a reference shape.
const Run* find_shape(const Results& results, const std::string& stage, long long files, long long lines) {
  for (const auto& run : results.runs) {
    if (run.stage == stage && prefilled(run) && run.files == files && run.lines == lines) {
      return &run;
    }
  }
  return nullptr;
}

const CatTiming* find_cat(const Results& results, long long files, long long lines) {
  for (const auto& cat : results.cats) {
    if (cat.files == files && cat.lines == lines) {
      return &cat;
    }
  }
  return nullptr;
}

std::optional<double> cat_rate(const CatTiming* cat) {
  if (!cat || cat->status != Status::ok || cat->seconds <= 0) {
    return std::nullopt;
  }
  return static_cast<double>(cat->files * cat->lines) / cat->seconds;
}

int cores(const Results& results) {
  const auto found = results.info.find("cores");
  if (found == results.info.end()) {
    return 0;
  }
  try {
    return std::stoi(found->second);
  } catch (const std::exception&) {
    return 0;
  }
}

// ---------------------------------------------------------------------------
// Numbers as people read them

std::string format(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

// 1000000 -> "1,000,000"
std::string grouped(long long value) {
  const std::string digits = std::to_string(value);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    const std::size_t left = digits.size() - i; // digits from here to the end
    if (i > 0 && left % 3 == 0 && digits[i - 1] != '-') {
      out += ',';
    }
    out += digits[i];
  }
  return out;
}

// Three significant digits with k or M: 980 -> "980", 98200 -> "98.2 k".
std::string rate(double value) {
  auto three = [](double v, const char* unit) {
    const char* pattern = v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f";
    return format(pattern, v) + unit;
  };
  if (value >= 1e6) {
    return three(value / 1e6, " M");
  }
  if (value >= 1e3) {
    return three(value / 1e3, " k");
  }
  return format("%.0f", value);
}

std::string percent(double fraction) {
  const double p = fraction * 100;
  return format(p >= 10 ? "%.0f%%" : "%.1f%%", p);
}

std::string ms(double value) {
  return format(value >= 100 ? "%.0f ms" : "%.1f ms", value);
}

std::string secs(double value) {
  return format("%.1f s", value);
}

std::string shape(long long files, long long lines) {
  return grouped(files) + " × " + grouped(lines);
}

// Table cells must not break the table.
std::string cell(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

// What a run that produced no figures shows instead of them.
std::string outcome(Status status, double wall_seconds, const std::string& message) {
  switch (status) {
  case Status::ok:
    return "ok";
  case Status::failed:
    return message.empty() ? "failed" : "failed: " + message;
  case Status::timeout:
    return "timed out after " + secs(wall_seconds) + (message.empty() ? "" : " (" + message + ")");
  case Status::skipped:
    return message.empty() ? "skipped" : "skipped: " + message;
  }
  return "?";
}

std::string outcome(const Run& run) {
  return outcome(run.status, run.wall_seconds, run.message);
}

// ---------------------------------------------------------------------------
// Targets

enum class Verdict { pass, miss, skip };

struct Check {
  Verdict verdict;
  std::string text; // what was checked and the figure, and when missed why
};

// Why a target is missed, for the targets this project knows it may miss on
// a small machine; the stage READMEs say more.
std::string why_missed(const std::string& text) {
  auto has = [&](const char* part) { return text.find(part) != std::string::npos; };
  if (has("stage2_mixed") && has("prefilled")) {
    return ". Why: every line is a round trip between its pool thread and the loop (run_coroutine_threadsafe, then "
           "future.get()), two thread wake-ups per line; see stage2_mixed/README.md";
  }
  if (has("stage5_nonblocking") && has("prefilled")) {
    return ". Why: every line awaits its write on the writer thread, a round trip between threads per line";
  }
  if (has("of cat")) {
    return ". Why: each line costs a std::string, a std::function call and a mutex shared by every tail thread; "
           "see stage1_threads/README.md";
  }
  if (has("RSS")) {
    return ". Why: each of the 10,000 handles buffers what it read and has not merged yet, and each tail's "
           "coroutine frame and pending write live until its input is drained";
  }
  if (has("clean build") || has("workshop demo") || has("workshop test tsan")) {
    return ". Why: every file with coroutines spends seconds generating their code at -O2, which a precompiled "
           "header does not save, and there are two cores";
  }
  return "";
}

std::string verdict_word(Verdict verdict) {
  return verdict == Verdict::pass ? "PASS" : verdict == Verdict::miss ? "MISS" : "SKIP";
}

// Lines per second of the book's Python version (Effective Python, items 62
// and 63), prefilled, on the two shapes it was measured on.
struct PythonFigure {
  const char* stage;
  double five_by_20000;   // 5 files x 20,000 lines
  double thousand_by_100; // 1,000 files x 100 lines
};
constexpr PythonFigure python_figures[] = {
    {"stage1_threads", 50e3, 20.6e3},   {"stage2_mixed", 4.9e3, 4.9e3},       {"stage3_coroutines", 6.1e3, 12.3e3},
    {"stage4_bottom_up", 2.7e3, 1.7e3}, {"stage5_nonblocking", 2.8e3, 4.4e3},
};
constexpr double python_factor = 20;        // every stage at least 20x Python
constexpr double cat_share = 0.20;          // stage 1 at least 20% of cat
constexpr long long many_files = 10000;     // the thread and memory limits hold here
constexpr int threads_above_pool = 3;       // main, the output writer, one spare
constexpr double rss_limit_mib = 100;       // at 10,000 files
constexpr double stop_at_once_seconds = 15; // stage 2 failing at 10,000 files
constexpr double stall_limit_ms = 20;       // stage 5 with 100 ms writes
constexpr double idle_limit = 0.01;         // CPU of one core, 1,000 idle files
constexpr double median_limit_ms = 2;       // line latency, 100 writers
constexpr double p99_limit_ms = 10;
constexpr double drain_limit_ms = 10;     // from the last input closed to the merge's end
constexpr double small_run_limit_ms = 40; // stage 1's whole process, 5 x 4,000 prefilled

// The build times measured, each with its limit in seconds.
struct BuildStep {
  const char* step;
  const char* what;
  double limit;
};
constexpr BuildStep build_steps[] = {
    {"clean", "clean build of all targets", 60},
    {"demo", "a fresh `./workshop demo` to its five summary lines", 45},
    {"tsan1", "`./workshop test tsan 1` from nothing", 90},
    {"rebuild", "rebuild after touching stage3_coroutines/tail_merge.cpp", 10},
};

Check versus_python(const Results& results, const PythonFigure& python, long long files, long long lines,
                    double python_rate) {
  const std::string what = python.stage + std::string(", ") + shape(files, lines) + " prefilled";
  const double target = python_factor * python_rate;
  const std::string goal = "target " + rate(target) + " lines/s (20 × Python's " + rate(python_rate) + ")";
  const Run* run = find_shape(results, python.stage, files, lines);
  if (!run) {
    return {Verdict::skip, what + ": not run"};
  }
  if (run->status != Status::ok) {
    return {Verdict::miss, what + ": " + outcome(*run) + "; " + goal};
  }
  const double got = *figure(*run, "lines_per_second");
  if (got >= target) {
    return {Verdict::pass, what + ": " + rate(got) + " lines/s, " + goal};
  }
  return {Verdict::miss, what + ": " + rate(got) + " lines/s, " + goal + ": " + percent(1 - got / target) + " short"};
}

Check stage1_versus_cat(const Results& results) {
  const long long files = 5, lines = 20000;
  const std::string what = "stage1_threads at least 20% of cat, " + shape(files, lines) + " prefilled";
  const Run* run = find_shape(results, "stage1_threads", files, lines);
  const auto cat = cat_rate(find_cat(results, files, lines));
  if (!run) {
    return {Verdict::skip, what + ": stage 1 not run"};
  }
  if (run->status != Status::ok) {
    return {Verdict::miss, what + ": " + outcome(*run)};
  }
  if (!cat) {
    const CatTiming* timing = find_cat(results, files, lines);
    return {Verdict::skip,
            what + ": no cat figure" + (timing ? " (" + outcome(timing->status, 0, timing->message) + ")" : "")};
  }
  const double got = *figure(*run, "lines_per_second");
  const std::string figures = rate(got) + " lines/s is " + percent(got / *cat) + " of cat's " + rate(*cat);
  return {got >= cat_share * *cat ? Verdict::pass : Verdict::miss, what + ": " + figures};
}

std::vector<Check> many_files_limits(const Results& results, const std::string& stage) {
  const std::string what = stage + " at " + grouped(many_files) + " files";
  const Run* run = nullptr;
  for (const auto& candidate : results.runs) {
    if (candidate.stage == stage && prefilled(candidate) && candidate.files == many_files) {
      run = &candidate;
    }
  }
  if (!run) {
    return {{Verdict::skip, what + ": no " + grouped(many_files) + "-file run"}};
  }
  if (run->status != Status::ok) {
    return {{Verdict::miss, what + ": " + outcome(*run)}};
  }
  std::vector<Check> checks;
  const int pool = 2 * cores(results);
  const double threads = *figure(*run, "peak_threads");
  const std::string thread_text = what + ": peak " + format("%.0f", threads) + " threads";
  if (pool == 0) {
    checks.push_back({Verdict::skip, thread_text + ", but the core count is unknown"});
  } else {
    const int limit = pool + threads_above_pool;
    const std::string goal = ", limit " + std::to_string(limit) + " (pool of " + std::to_string(pool) + " + 3)";
    checks.push_back({threads <= limit ? Verdict::pass : Verdict::miss, thread_text + goal});
  }
  const double rss = *figure(*run, "peak_rss_mib");
  checks.push_back(
      {rss < rss_limit_mib ? Verdict::pass : Verdict::miss,
       what + ": peak RSS " + format("%.1f", rss) + " MiB, limit under " + format("%.0f", rss_limit_mib) + " MiB"});
  return checks;
}

Check stage2_many_files(const Results& results) {
  const std::string what = "stage2_mixed at " + grouped(many_files) + " files completes or stops at once";
  const Run* run = nullptr;
  for (const auto& candidate : results.runs) {
    if (candidate.stage == "stage2_mixed" && prefilled(candidate) && candidate.files == many_files) {
      run = &candidate;
    }
  }
  if (!run) {
    return {Verdict::skip, what + ": no " + grouped(many_files) + "-file run"};
  }
  switch (run->status) {
  case Status::ok:
    return {Verdict::pass, what + ": completed in " + secs(run->wall_seconds)};
  case Status::skipped:
    return {Verdict::skip, what + ": " + outcome(*run)};
  case Status::timeout:
    return {Verdict::miss, what + ": hung, " + outcome(*run)};
  case Status::failed:
    break;
  }
  if (run->message.empty()) {
    return {Verdict::miss, what + ": failed without a message"};
  }
  if (run->wall_seconds > stop_at_once_seconds) {
    return {Verdict::miss, what + ": stopped only after " + secs(run->wall_seconds) + " (limit " +
                               secs(stop_at_once_seconds) + "): " + run->message};
  }
  return {Verdict::pass, what + ": stopped after " + secs(run->wall_seconds) + ": " + run->message};
}

Check stage5_stall(const Results& results) {
  const std::string what = "stage5_nonblocking longest loop stall with 100 ms writes";
  const Run* run = find_run(results, "stage5_nonblocking", "stall");
  if (!run) {
    return {Verdict::skip, what + ": not run"};
  }
  if (run->status != Status::ok) {
    return {Verdict::miss, what + ": " + outcome(*run)};
  }
  const auto stall = figure(*run, "longest_stall_ms");
  if (!stall) {
    return {Verdict::miss, what + ": the run reported no longest_stall_ms (no --debug, or no event loop)"};
  }
  return {*stall < stall_limit_ms ? Verdict::pass : Verdict::miss,
          what + ": " + ms(*stall) + ", limit under " + ms(stall_limit_ms)};
}

// Why `run` gave no figures to check `what` against: not run or skipped (a
// skip), or failed (a miss). Nothing when it has its figures.
std::optional<Check> no_figures(const Run* run, const std::string& what) {
  if (!run) {
    return Check{Verdict::skip, what + ": not run"};
  }
  if (run->status != Status::ok) {
    return Check{run->status == Status::skipped ? Verdict::skip : Verdict::miss, what + ": " + outcome(*run)};
  }
  return std::nullopt;
}

// The waits of a live run: idle CPU, line latency, and the merge's end after
// its last input was closed, each against its limit.
std::vector<Check> waiting_limits(const Results& results, const std::string& stage) {
  std::vector<Check> checks;
  const Run* idle = find_run(results, stage, "idle");
  const std::string idle_what = stage + " idle CPU with 1,000 idle inputs";
  if (auto missing = no_figures(idle, idle_what)) {
    checks.push_back(*missing);
  } else {
    const double wall = *figure(*idle, "seconds"), cpu = *figure(*idle, "cpu_seconds");
    const double share = wall > 0 ? cpu / wall : 0;
    checks.push_back({share < idle_limit ? Verdict::pass : Verdict::miss,
                      idle_what + ": " + percent(share) + " of a core, limit under " + percent(idle_limit)});
  }
  const Run* latency = find_run(results, stage, "latency");
  const std::string latency_what = stage + " line latency with 100 writers";
  const std::string drain_what = stage + " merge ends after its last input is closed";
  if (auto missing = no_figures(latency, latency_what)) {
    checks.push_back(*missing);
    checks.push_back(*no_figures(latency, drain_what));
  } else {
    const double median = figure(*latency, "latency_median_ms").value_or(0);
    const double p99 = figure(*latency, "latency_p99_ms").value_or(0);
    if (figure(*latency, "latency_lines").value_or(0) == 0) {
      checks.push_back({Verdict::miss, latency_what + ": no lines measured"});
    } else {
      checks.push_back({median < median_limit_ms && p99 < p99_limit_ms ? Verdict::pass : Verdict::miss,
                        latency_what + ": median " + ms(median) + ", p99 " + ms(p99) + ", limits under " +
                            ms(median_limit_ms) + " and " + ms(p99_limit_ms)});
    }
    if (const auto drain = figure(*latency, "drain_ms")) {
      checks.push_back({*drain < drain_limit_ms ? Verdict::pass : Verdict::miss,
                        drain_what + ": " + ms(*drain) + ", limit under " + ms(drain_limit_ms)});
    } else {
      checks.push_back({Verdict::miss, drain_what + ": the run reported no drain_ms"});
    }
  }
  return checks;
}

Check stage1_small_run(const Results& results) {
  const std::string what = "stage1_threads whole process, 5 × 4,000 prefilled";
  const Run* run = find_run(results, "stage1_threads", "small");
  if (auto missing = no_figures(run, what)) {
    return *missing;
  }
  const double wall_ms = run->wall_seconds * 1000;
  return {wall_ms < small_run_limit_ms ? Verdict::pass : Verdict::miss,
          what + ": " + ms(wall_ms) + ", limit under " + ms(small_run_limit_ms)};
}

Check build_time(const Results& results, const std::string& step, const std::string& what, double limit) {
  for (const auto& build : results.builds) {
    if (build.step != step) {
      continue;
    }
    if (build.status == Status::skipped) {
      return {Verdict::skip, what + ": " + outcome(build.status, build.seconds, build.message)};
    }
    if (build.status != Status::ok) {
      return {Verdict::miss, what + ": " + outcome(build.status, build.seconds, build.message)};
    }
    return {build.seconds <= limit ? Verdict::pass : Verdict::miss,
            what + ": " + secs(build.seconds) + ", limit " + secs(limit)};
  }
  return {Verdict::skip, what + ": not measured"};
}

std::vector<Check> check_targets(const Results& results) {
  std::vector<Check> checks;
  for (const auto& python : python_figures) {
    if (std::find(results.stages.begin(), results.stages.end(), python.stage) == results.stages.end()) {
      continue;
    }
    checks.push_back(versus_python(results, python, 5, 20000, python.five_by_20000));
    checks.push_back(versus_python(results, python, 1000, 100, python.thousand_by_100));
  }
  checks.push_back(stage1_versus_cat(results));
  for (const char* stage : {"stage3_coroutines", "stage5_nonblocking"}) {
    for (auto& check : many_files_limits(results, stage)) {
      checks.push_back(std::move(check));
    }
  }
  checks.push_back(stage2_many_files(results));
  checks.push_back(stage5_stall(results));
  for (const auto& stage : results.stages) {
    for (auto& check : waiting_limits(results, stage)) {
      checks.push_back(std::move(check));
    }
  }
  checks.push_back(stage1_small_run(results));
  for (const auto& step : build_steps) {
    checks.push_back(build_time(results, step.step, step.what, step.limit));
  }
  return checks;
}

// ---------------------------------------------------------------------------
// The Markdown report

// The shapes of the prefilled runs: the sweep by file count, then the
// reference shapes that are not part of the sweep.
std::vector<std::pair<long long, long long>> prefilled_shapes(const Results& results, bool sweep_only) {
  std::vector<std::pair<long long, long long>> sweep, reference;
  for (const auto& run : results.runs) {
    const std::pair shape_of_run{run.files, run.lines};
    auto& list = run.kind == "sweep" ? sweep : reference;
    if (prefilled(run) && std::find(list.begin(), list.end(), shape_of_run) == list.end()) {
      list.push_back(shape_of_run);
    }
  }
  std::sort(sweep.begin(), sweep.end());
  std::sort(reference.begin(), reference.end());
  if (!sweep_only) {
    for (const auto& s : reference) {
      if (std::find(sweep.begin(), sweep.end(), s) == sweep.end()) {
        sweep.push_back(s);
      }
    }
  }
  return sweep;
}

bool python_shape(long long files, long long lines) {
  return (files == 5 && lines == 20000) || (files == 1000 && lines == 100);
}

std::string info(const Results& results, const std::string& key, const std::string& otherwise = "unknown") {
  const auto found = results.info.find(key);
  return found == results.info.end() || found->second.empty() ? otherwise : found->second;
}

// The sweep's total number of lines, if the script said.
std::optional<long long> total_lines(const Results& results) {
  try {
    return std::stoll(info(results, "total_lines", ""));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string duration(const std::string& seconds_text) {
  try {
    const long long seconds = std::llround(std::stod(seconds_text));
    return std::to_string(seconds / 60) + " min " + std::to_string(seconds % 60) + " s";
  } catch (const std::exception&) {
    return seconds_text;
  }
}

// One table cell for `run`: "–" when there is none, the outcome of a run
// that failed, else what `figures` writes.
template <class Figures> void run_cell(std::ostream& out, const Run* run, Figures figures) {
  if (!run) {
    out << "–";
  } else if (run->status != Status::ok) {
    out << cell(outcome(*run));
  } else {
    figures(*run);
  }
}

void table_header(std::ostream& out, const std::string& first, const std::vector<std::string>& columns) {
  out << "| " << first;
  for (const auto& column : columns) {
    out << " | " << column;
  }
  out << " |\n|---";
  for (std::size_t i = 0; i < columns.size(); ++i) {
    out << "|---:";
  }
  out << "|\n";
}

std::string render_markdown(const Results& results, const std::vector<Check>& checks, const std::string& svg_link) {
  std::ostringstream out;
  out << "# Tail and merge: benchmark\n\n";
  out << "- Machine: " << info(results, "system") << ", " << info(results, "cpu") << ", " << info(results, "cores")
      << " cores\n";
  out << "- Date: " << info(results, "date") << "\n";
  out << "- Command: `" << info(results, "command") << "`";
  if (results.info.count("elapsed") != 0) {
    out << " (took " << duration(results.info.at("elapsed")) << ")";
  }
  out << "\n";
  out << "- Binaries: " << info(results, "binaries") << "\n\n";
  if (!svg_link.empty()) {
    out << "![Lines per second and peak threads against the number of input files](" << svg_link << ")\n\n";
  }

  int counts[3] = {0, 0, 0};
  for (const auto& check : checks) {
    ++counts[static_cast<int>(check.verdict)];
  }
  out << "## Targets\n\n" << counts[0] << " PASS, " << counts[1] << " MISS, " << counts[2] << " SKIP.\n\n";
  for (const auto& check : checks) {
    out << "- " << verdict_word(check.verdict) << " " << check.text;
    if (check.verdict == Verdict::miss) {
      out << why_missed(check.text);
    }
    out << "\n";
  }

  // Throughput: one row per prefilled shape, cat first, each stage with its
  // share of cat's rate.
  const auto shapes = prefilled_shapes(results, false);
  out << "\n## Throughput, prefilled inputs\n\n"
      << "Lines merged per second (the merge's wall time, without writing the inputs); in brackets the share of "
         "`cat`'s rate on the same files.";
  if (const auto total = total_lines(results)) {
    out << " The sweep holds the total at " << grouped(*total) << " lines.";
  }
  out << " " << shape(5, 20000) << " and " << shape(1000, 100)
      << " are the shapes Python was measured on (marked *).\n\n";
  std::vector<std::string> columns{"cat"};
  columns.insert(columns.end(), results.stages.begin(), results.stages.end());
  table_header(out, "files × lines each", columns);
  for (const auto& [files, lines] : shapes) {
    const auto cat = cat_rate(find_cat(results, files, lines));
    out << "| " << shape(files, lines) << (python_shape(files, lines) ? " *" : "") << " | ";
    if (cat) {
      out << rate(*cat);
    } else if (const CatTiming* timing = find_cat(results, files, lines)) {
      out << cell(outcome(timing->status, timing->seconds, timing->message));
    } else {
      out << "–";
    }
    for (const auto& stage : results.stages) {
      out << " | ";
      run_cell(out, find_shape(results, stage, files, lines), [&](const Run& run) {
        const double got = *figure(run, "lines_per_second");
        out << rate(got);
        if (cat) {
          out << " (" << percent(got / *cat) << ")";
        }
      });
    }
    out << " |\n";
  }

  out << "\n## Threads and memory, prefilled inputs\n\n"
      << "Peak threads of the whole process (the main thread included; no writer threads when prefilled), peak "
         "resident memory, and CPU time of the merge. The memory is the process's high-water mark (getrusage), "
         "taken right after the merge: it covers writing the inputs before the merge, not the confirm_merge check "
         "after it. Peak threads are sampled every 2 ms, so threads that live shorter than that (stage 1 and 4's "
         "tails of tiny inputs) may be missed.\n\n";
  table_header(out, "files × lines each", results.stages);
  for (const auto& [files, lines] : shapes) {
    out << "| " << shape(files, lines) << (python_shape(files, lines) ? " *" : "");
    for (const auto& stage : results.stages) {
      out << " | ";
      run_cell(out, find_shape(results, stage, files, lines), [&](const Run& run) {
        out << format("%.0f", *figure(run, "peak_threads")) << " threads, "
            << format("%.0f", *figure(run, "peak_rss_mib")) << " MiB, " << secs(*figure(run, "cpu_seconds")) << " CPU";
      });
    }
    out << " |\n";
  }

  // Latency, idle and stall: one row per stage.
  out << "\n## Live writers, idle inputs, slow writes\n\n";
  const auto describe = [&](const char* kind, const char* what) {
    for (const auto& run : results.runs) {
      if (run.kind == kind) {
        out << "- " << what << ": " << grouped(run.files) << " files, "
            << (run.lines == 0 ? std::string("no lines") : grouped(run.lines) + " lines each") << ", `" << run.args
            << "`\n";
        return;
      }
    }
  };
  describe("latency", "Latency (write to output, with concurrent writers), and how long the merge went on after "
                      "the last input was closed");
  describe("idle", "Idle (following files nobody writes to, the default --interval: the whole process's CPU time "
                   "over a few seconds once it has started, 100% = one core)");
  describe("small", "A whole small run (the process's wall time, start-up and confirm_merge included, the mean of "
                    "20 runs timed by hyperfine)");
  describe("stall", "Longest event-loop stall (every output write takes 100 ms)");
  // The cells of one stage's live runs: latency, drain and idle CPU, for the
  // runs "latency" + suffix and "idle" + suffix.
  const auto live_cells = [&](const std::string& stage, const std::string& suffix) {
    const Run* latency = find_run(results, stage, "latency" + suffix);
    out << " | ";
    if (!latency) {
      out << "– | – | –";
    } else if (latency->status != Status::ok) {
      out << cell(outcome(*latency)) << " | – | –";
    } else if (figure(*latency, "latency_lines").value_or(0) == 0) {
      out << "no lines measured | – | –";
    } else {
      out << ms(figure(*latency, "latency_median_ms").value_or(0)) << " | "
          << ms(figure(*latency, "latency_p99_ms").value_or(0)) << " | ";
      if (const auto drain = figure(*latency, "drain_ms")) {
        out << ms(*drain);
      } else {
        out << "–";
      }
    }
    out << " | ";
    run_cell(out, find_run(results, stage, "idle" + suffix), [&](const Run& idle) {
      const double wall = *figure(idle, "seconds"), cpu = *figure(idle, "cpu_seconds");
      out << percent(wall > 0 ? cpu / wall : 0) << " (" << secs(cpu) << " in " << secs(wall) << ")";
    });
  };
  out << "\nA tail with nothing to read waits until inotify says its input changed (the default):\n\n"
      << "| stage | latency median | latency p99 | after the last line | idle CPU | whole small run | longest stall "
         "|\n|---|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& stage : results.stages) {
    out << "| " << stage;
    live_cells(stage, "");
    out << " | ";
    run_cell(out, find_run(results, stage, "small"), [&](const Run& small) { out << ms(small.wall_seconds * 1000); });
    out << " | ";
    run_cell(out, find_run(results, stage, "stall"), [&](const Run& stall) {
      if (const auto longest = figure(stall, "longest_stall_ms")) {
        out << ms(*longest);
      } else {
        out << "n/a (no event loop)";
      }
    });
    out << " |\n";
  }
  bool polled = false;
  for (const auto& run : results.runs) {
    polled = polled || run.kind == "latency-polling" || run.kind == "idle-polling";
  }
  if (polled) {
    out << "\nThe same runs with inotify off (`TAIL_MERGE_NO_INOTIFY=1`): a tail with nothing to read looks again "
           "every --interval, as every stage did before it waited for inotify:\n\n"
        << "| stage | latency median | latency p99 | after the last line | idle CPU |\n|---|---:|---:|---:|---:|\n";
    for (const auto& stage : results.stages) {
      out << "| " << stage;
      live_cells(stage, "-polling");
      out << " |\n";
    }
  }

  out << "\n## Build time\n\n";
  if (results.info.count("build_method") != 0) {
    out << results.info.at("build_method") << "\n\n";
  }
  out << "| step | time | target |\n|---|---:|---:|\n";
  for (const auto& step : build_steps) {
    for (const auto& build : results.builds) {
      if (build.step == step.step) {
        out << "| " << step.what << " | "
            << (build.status == Status::ok ? secs(build.seconds)
                                           : cell(outcome(build.status, build.seconds, build.message)))
            << " | ≤ " << secs(step.limit) << " |\n";
      }
    }
  }

  if (!results.slowest_steps.empty()) {
    out << "\nThe slowest steps of the clean build:\n\n";
    for (const auto& [seconds, name] : results.slowest_steps) {
      out << "- " << secs(seconds) << " `" << name << "`\n";
    }
  }

  out << "\n## How it was run\n\n";
  out << "Every stage ran as its own process, one after another";
  if (results.info.count("run_timeout") != 0) {
    out << ", each with a time limit of " << results.info.at("run_timeout") << " s";
  }
  out << ". The prefilled runs:\n\n";
  for (const auto& run : results.runs) {
    if (prefilled(run)) {
      out << "    STAGE " << run.args << " --stats FILE\n\n";
      break;
    }
  }
  if (results.info.count("cat_method") != 0) {
    out << "`cat`: " << results.info.at("cat_method") << "\n";
  }
  return out.str();
}

// ---------------------------------------------------------------------------
// The SVG plot: two log-log charts side by side, lines per second and peak
// threads against the number of input files, one line per stage and cat as
// a reference line on the throughput chart.

using common::escape_xml;
using common::px;
namespace colour = common::colour;

struct SeriesStyle {
  const char* colour;
  const char* marker; // circle, square, triangle, diamond, down
};

// Colour-blind-safe colours (Okabe and Ito) and a distinct marker per stage,
// so lines that lie on top of each other can still be told apart.
SeriesStyle style_of(std::size_t index) {
  static const SeriesStyle styles[] = {{colour::blue, "circle"},    {colour::orange, "square"},
                                       {colour::green, "triangle"}, {colour::purple, "diamond"},
                                       {colour::vermilion, "down"}, {colour::sky_blue, "circle"}};
  return styles[index % std::size(styles)];
}

std::string marker(const SeriesStyle& style, double x, double y, const std::string& title) {
  std::ostringstream out;
  const double r = 4.5;
  const std::string paint = "fill=\"" + std::string(style.colour) + "\" stroke=\"white\" stroke-width=\"1\"";
  const std::string marker_name = style.marker;
  if (marker_name == "circle") {
    out << "<circle cx=\"" << px(x) << "\" cy=\"" << px(y) << "\" r=\"" << px(r) << "\" " << paint << ">";
    out << "<title>" << escape_xml(title) << "</title></circle>";
    return out.str();
  }
  if (marker_name == "square") {
    out << "<rect x=\"" << px(x - r) << "\" y=\"" << px(y - r) << "\" width=\"" << px(2 * r) << "\" height=\""
        << px(2 * r) << "\" " << paint << ">";
    out << "<title>" << escape_xml(title) << "</title></rect>";
    return out.str();
  }
  std::vector<std::pair<double, double>> corners;
  const double s = r * 1.25;
  if (marker_name == "triangle") {
    corners = {{x, y - s}, {x + s, y + s * 0.8}, {x - s, y + s * 0.8}};
  } else if (marker_name == "down") {
    corners = {{x, y + s}, {x + s, y - s * 0.8}, {x - s, y - s * 0.8}};
  } else {
    corners = {{x, y - s}, {x + s, y}, {x, y + s}, {x - s, y}};
  }
  out << "<polygon points=\"";
  for (const auto& [cx, cy] : corners) {
    out << px(cx) << "," << px(cy) << " ";
  }
  out << "\" " << paint << "><title>" << escape_xml(title) << "</title></polygon>";
  return out.str();
}

// A logarithmic axis from 10^low to 10^high.
struct LogScale {
  int low = 0;
  int high = 1;
  double from = 0; // pixel of 10^low
  double to = 1;   // pixel of 10^high

  double operator()(double value) const {
    const double t = (std::log10(value) - low) / (high - low);
    return from + t * (to - from);
  }
};

LogScale log_scale(double min_value, double max_value, double from, double to) {
  LogScale scale;
  scale.low = static_cast<int>(std::floor(std::log10(min_value) + 1e-9));
  scale.high = static_cast<int>(std::ceil(std::log10(max_value) - 1e-9));
  if (scale.high <= scale.low) {
    scale.high = scale.low + 1;
  }
  scale.from = from;
  scale.to = to;
  return scale;
}

std::string decade_label(int exponent) {
  static const char* labels[] = {"1", "10", "100", "1k", "10k", "100k", "1M", "10M", "100M", "1G"};
  if (exponent >= 0 && exponent < static_cast<int>(std::size(labels))) {
    return labels[exponent];
  }
  return "1e" + std::to_string(exponent);
}

struct Point {
  long long files;
  double value;
};

struct Series {
  std::string name;
  SeriesStyle style;
  std::vector<Point> points;
  std::vector<long long> failed; // file counts whose run gave no figure
  bool reference = false;        // cat: a dashed line without markers
};

struct Chart {
  std::string id; // data-chart
  std::string title;
  std::string y_label;
  std::string unit; // in the points' tooltips
  std::vector<Series> series;
  std::optional<std::pair<double, std::string>> limit; // a dotted horizontal line and its label
};

constexpr double chart_width = 400, chart_height = 280;

void draw_chart(std::ostream& out, const Chart& chart, double left, double top, const LogScale& x_scale_template) {
  LogScale x = x_scale_template;
  x.from = left;
  x.to = left + chart_width;
  double lowest = 1e300, highest = 0;
  for (const auto& series : chart.series) {
    for (const auto& point : series.points) {
      lowest = std::min(lowest, point.value);
      highest = std::max(highest, point.value);
    }
  }
  if (chart.limit) {
    lowest = std::min(lowest, chart.limit->first);
    highest = std::max(highest, chart.limit->first);
  }
  if (highest <= 0) { // nothing to draw: a scale from 1 to 10
    lowest = 1;
    highest = 10;
  }
  const LogScale y = log_scale(std::max(lowest, 1e-3), std::max(highest, 1e-3), top + chart_height, top);
  const double bottom = top + chart_height, right = left + chart_width;

  out << "<g class=\"chart\" data-chart=\"" << chart.id << "\">\n";
  out << "<text x=\"" << px(left) << "\" y=\"" << px(top - 12) << "\" font-size=\"14\" font-weight=\"bold\">"
      << escape_xml(chart.title) << "</text>\n";
  out << "<rect x=\"" << px(left) << "\" y=\"" << px(top) << "\" width=\"" << px(chart_width) << "\" height=\""
      << px(chart_height) << "\" fill=\"#fcfcfc\" stroke=\"#999\"/>\n";

  // Grid lines and labels at every power of ten.
  out << "<g class=\"axis\" data-axis=\"x\" font-size=\"11\" fill=\"#444\" text-anchor=\"middle\">\n";
  for (int e = x.low; e <= x.high; ++e) {
    const double at = x(std::pow(10.0, e));
    out << "<line x1=\"" << px(at) << "\" y1=\"" << px(top) << "\" x2=\"" << px(at) << "\" y2=\"" << px(bottom)
        << "\" stroke=\"#e3e3e3\"/>";
    out << "<text x=\"" << px(at) << "\" y=\"" << px(bottom + 16) << "\">" << decade_label(e) << "</text>\n";
  }
  out << "<text x=\"" << px((left + right) / 2) << "\" y=\"" << px(bottom + 36)
      << "\" font-size=\"12\">input files (log scale)</text>\n</g>\n";
  out << "<g class=\"axis\" data-axis=\"y\" font-size=\"11\" fill=\"#444\" text-anchor=\"end\">\n";
  for (int e = y.low; e <= y.high; ++e) {
    const double at = y(std::pow(10.0, e));
    out << "<line x1=\"" << px(left) << "\" y1=\"" << px(at) << "\" x2=\"" << px(right) << "\" y2=\"" << px(at)
        << "\" stroke=\"#e3e3e3\"/>";
    out << "<text x=\"" << px(left - 6) << "\" y=\"" << px(at + 4) << "\">" << decade_label(e) << "</text>\n";
  }
  out << "<text transform=\"translate(" << px(left - 48) << "," << px((top + bottom) / 2)
      << ") rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">" << escape_xml(chart.y_label) << "</text>\n</g>\n";

  if (chart.limit) {
    const double at = y(chart.limit->first);
    out << "<g class=\"limit\"><line x1=\"" << px(left) << "\" y1=\"" << px(at) << "\" x2=\"" << px(right) << "\" y2=\""
        << px(at) << "\" stroke=\"#777\" stroke-width=\"1.2\" stroke-dasharray=\"2,3\"/>";
    out << "<text x=\"" << px(right - 4) << "\" y=\"" << px(at - 5) << "\" font-size=\"11\" fill=\"#555\" "
        << "text-anchor=\"end\">" << escape_xml(chart.limit->second) << "</text></g>\n";
  }

  for (const auto& series : chart.series) {
    out << "<g class=\"series\" data-series=\"" << escape_xml(series.name) << "\">\n";
    if (!series.points.empty()) {
      out << "<polyline class=\"line\" fill=\"none\" stroke=\"" << series.style.colour << "\" stroke-width=\""
          << (series.reference ? "2.5" : "2") << "\"" << (series.reference ? " stroke-dasharray=\"7,4\"" : "")
          << " points=\"";
      for (const auto& point : series.points) {
        out << px(x(static_cast<double>(point.files))) << "," << px(y(point.value)) << " ";
      }
      out << "\"/>\n";
    }
    for (const auto& point : series.points) {
      const std::string title =
          series.name + ", " + grouped(point.files) + " files: " + rate(point.value) + " " + chart.unit;
      const double px_x = x(static_cast<double>(point.files)), px_y = y(point.value);
      out << "<g class=\"point\" data-files=\"" << point.files << "\" data-value=\"" << format("%.6g", point.value)
          << "\">";
      if (series.reference) {
        out << "<circle cx=\"" << px(px_x) << "\" cy=\"" << px(px_y) << "\" r=\"2.5\" fill=\"" << series.style.colour
            << "\"><title>" << escape_xml(title) << "</title></circle>";
      } else {
        out << marker(series.style, px_x, px_y, title);
      }
      out << "</g>\n";
    }
    // A run that failed has no figure: an x on the bottom edge marks it.
    for (const long long files : series.failed) {
      const double at = x(static_cast<double>(files));
      out << "<g class=\"failed-point\" data-files=\"" << files << "\"><path d=\"M" << px(at - 5) << ","
          << px(bottom - 5) << " l10,10 m0,-10 l-10,10\" stroke=\"" << series.style.colour
          << "\" stroke-width=\"2.5\"><title>" << escape_xml(series.name + ", " + grouped(files) + " files: failed")
          << "</title></path></g>\n";
    }
    out << "</g>\n";
  }
  out << "</g>\n";
}

std::string render_svg(const Results& results) {
  // The sweep: its shapes by file count.
  const auto shapes = prefilled_shapes(results, true);
  long long fewest = 1, most = 10;
  if (!shapes.empty()) {
    fewest = shapes.front().first;
    most = shapes.back().first;
  }
  const LogScale x =
      log_scale(static_cast<double>(std::max(1LL, fewest)), static_cast<double>(std::max(1LL, most)), 0, 1);

  Chart throughput{"throughput", "Lines merged per second", "lines per second", "lines/s", {}, std::nullopt};
  Chart threads{"threads", "Peak threads", "peak threads (whole process)", "threads", {}, std::nullopt};
  for (std::size_t i = 0; i < results.stages.size(); ++i) {
    Series lines_per_second{results.stages[i], style_of(i), {}, {}, false};
    Series thread_count = lines_per_second;
    for (const auto& [files, lines] : shapes) {
      const Run* run = find_shape(results, results.stages[i], files, lines);
      if (!run) {
        continue;
      }
      if (run->status != Status::ok) {
        lines_per_second.failed.push_back(files);
        thread_count.failed.push_back(files);
        continue;
      }
      lines_per_second.points.push_back({files, *figure(*run, "lines_per_second")});
      thread_count.points.push_back({files, *figure(*run, "peak_threads")});
    }
    throughput.series.push_back(std::move(lines_per_second));
    threads.series.push_back(std::move(thread_count));
  }
  Series cat{"cat", {"#555555", "circle"}, {}, {}, true};
  for (const auto& [files, lines] : shapes) {
    if (const auto value = cat_rate(find_cat(results, files, lines))) {
      cat.points.push_back({files, *value});
    }
  }
  if (!cat.points.empty()) {
    throughput.series.insert(throughput.series.begin(), std::move(cat)); // drawn first, under the stages
  }
  if (const int pool = 2 * cores(results); pool > 0) {
    const int limit = pool + threads_above_pool;
    threads.limit = std::make_pair(static_cast<double>(limit), "pool size + 3 = " + std::to_string(limit));
  }

  const double width = 1000, height = 490, top = 92, left_chart = 80, right_chart = 570;
  std::ostringstream out;
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << px(width) << "\" height=\"" << px(height)
      << "\" viewBox=\"0 0 " << px(width) << " " << px(height) << "\" font-family=\"sans-serif\">\n";
  out << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  // "Prefilled inputs: 1,000,000 lines in total over 1 to 10,000 files"
  const auto lines_in_total = total_lines(results);
  std::string title = "Tail and merge, prefilled inputs: ";
  title += lines_in_total ? grouped(*lines_in_total) + " lines in total" : "the same lines";
  title += " over " + grouped(fewest) + " to " + grouped(most) + " files";
  out << "<text x=\"" << px(left_chart) << "\" y=\"30\" font-size=\"18\" font-weight=\"bold\">" << escape_xml(title)
      << "</text>\n";
  out << "<text x=\"" << px(left_chart) << "\" y=\"52\" font-size=\"12\" fill=\"#555\">"
      << escape_xml(info(results, "system") + ", " + info(results, "cpu") + ", " + info(results, "cores") + " cores, " +
                    info(results, "date"))
      << "</text>\n";
  draw_chart(out, throughput, left_chart, top, x);
  draw_chart(out, threads, right_chart, top, x);

  // The legend, under both charts: the stages in one row, cat and the marks
  // in the next.
  out << "<g class=\"legend\" font-size=\"12\">\n";
  const double legend_top = top + chart_height + 62;
  double at = left_chart;
  for (std::size_t i = 0; i < results.stages.size(); ++i) {
    const auto style = style_of(i);
    out << "<g class=\"legend-item\" data-series=\"" << escape_xml(results.stages[i]) << "\">";
    out << "<line x1=\"" << px(at) << "\" y1=\"" << px(legend_top) << "\" x2=\"" << px(at + 28) << "\" y2=\""
        << px(legend_top) << "\" stroke=\"" << style.colour << "\" stroke-width=\"2\"/>";
    out << marker(style, at + 14, legend_top, results.stages[i]);
    out << "<text x=\"" << px(at + 34) << "\" y=\"" << px(legend_top + 4) << "\">" << escape_xml(results.stages[i])
        << "</text></g>\n";
    at += 180;
  }
  const double second_row = legend_top + 24;
  out << "<g class=\"legend-item\" data-series=\"cat\"><line x1=\"" << px(left_chart) << "\" y1=\"" << px(second_row)
      << "\" x2=\"" << px(left_chart + 28) << "\" y2=\"" << px(second_row)
      << "\" stroke=\"#555555\" stroke-width=\"2.5\" stroke-dasharray=\"7,4\"/><text x=\"" << px(left_chart + 34)
      << "\" y=\"" << px(second_row + 4) << "\">cat of the same files: the copy floor</text></g>\n";
  out << "<g class=\"legend-item\" data-series=\"failed\"><path d=\"M" << px(left_chart + 365) << ","
      << px(second_row - 5) << " l10,10 m0,-10 l-10,10\" stroke=\"#333\" stroke-width=\"2.5\"/><text x=\""
      << px(left_chart + 382) << "\" y=\"" << px(second_row + 4)
      << "\">on the bottom edge: the run failed or timed out</text></g>\n";
  out << "</g>\n</svg>\n";
  return out.str();
}

// ---------------------------------------------------------------------------

// How the report links the picture: relative to the report's directory.
std::string link_to(const fs::path& svg, const fs::path& markdown) {
  std::error_code ec;
  const fs::path from = fs::absolute(markdown, ec).lexically_normal().parent_path();
  const fs::path to = fs::absolute(svg, ec).lexically_normal();
  const fs::path relative = to.lexically_relative(from);
  return relative.empty() ? svg.string() : relative.generic_string();
}

} // namespace

int main(int argc, char* argv[]) {
  const std::vector<std::string> args = common::arguments(argc, argv, usage);
  if (args.size() != 3) {
    std::cerr << usage;
    return 2;
  }
  return common::report_failures("bench_report", args[0], [&] {
    const Results results = ManifestReader(args[0]).read();
    const auto checks = check_targets(results);
    const std::string markdown = render_markdown(results, checks, link_to(args[2], args[1]));
    const std::string svg = render_svg(results);
    write_file(args[1], markdown);
    write_file(args[2], svg);
  });
}
