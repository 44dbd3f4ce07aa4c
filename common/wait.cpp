#include "wait.hpp"

#include "common/instrument/probe.hpp"

#include <thread>

namespace common {

void sleep(Seconds interval) {
  probe::Span span(probe::Event::wait);
  std::this_thread::sleep_for(interval);
}

} // namespace common
