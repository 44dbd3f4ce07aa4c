// common/instrument/trace.hpp: --trace writes a Chrome trace that Perfetto can load.
#include "common/instrument/trace.hpp"
#include "common/probe/probe.hpp"
#include "common/system/thread_name.hpp"
#include "support/files.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

namespace {

boost::json::value read_json(const std::filesystem::path& path) {
  return boost::json::parse(tests::read_file(path));
}

} // namespace

TEST_CASE("trace: one named track per thread, duration, async and instant events") {
  const auto file = std::filesystem::temp_directory_path() / "tail-merge-test-trace.json";
  common::trace::start();
  std::thread([] {
    common::set_thread_name("tail-7");
    common::probe::Span read(common::probe::Event::readline);
  }).join();
  {
    common::set_thread_name("main");
    common::probe::Span wait(common::probe::Event::wait, common::probe::Span::Mode::suspends);
    common::trace::instant("line merged");
  }
  common::trace::write(file, "stage_test");
  CHECK_FALSE(common::trace::enabled());

  const auto json = read_json(file);
  std::filesystem::remove(file);
  const auto& events = json.at("traceEvents").as_array();
  std::map<std::int64_t, std::string> threads;
  std::multimap<std::string, std::pair<std::string, std::int64_t>> seen; // name -> (ph, tid)
  for (const auto& value : events) {
    const auto& event = value.as_object();
    for (const char* key : {"name", "ph", "ts", "pid", "tid"}) {
      CHECK_MESSAGE(event.contains(key), key);
    }
    const std::string name(event.at("name").as_string());
    const std::string ph(event.at("ph").as_string());
    if (name == "thread_name") {
      threads[event.at("tid").as_int64()] = event.at("args").at("name").as_string().c_str();
    } else if (ph != "M") {
      seen.emplace(name, std::make_pair(ph, event.at("tid").as_int64()));
    }
  }
  // main sorts first, whatever thread recorded first.
  CHECK(threads == std::map<std::int64_t, std::string>{{1, "main"}, {2, "tail-7"}});
  REQUIRE(seen.count("readline") == 1);
  CHECK(seen.find("readline")->second == std::make_pair(std::string("X"), std::int64_t{2}));
  CHECK(seen.count("waiting for data") == 2); // a "b" and an "e"
  REQUIRE(seen.count("line merged") == 1);
  CHECK(seen.find("line merged")->second == std::make_pair(std::string("i"), std::int64_t{1}));
}

TEST_CASE("trace: an unwritable file is an error naming it") {
  common::trace::start();
  CHECK_THROWS_WITH(common::trace::write("/nonexistent/dir/t.json", "stage_test"),
                    doctest::Contains("/nonexistent/dir/t.json: cannot write the trace"));
}
