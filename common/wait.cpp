#include "wait.hpp"

#include "common/input.hpp"
#include "common/probe/probe.hpp"

namespace common {

void wait_for_data(const std::shared_ptr<InputHandle>& handle, Seconds interval) {
  probe::Span span(probe::Event::wait);
  handle->wait_for_wake(handle->longest_wait(interval));
}

} // namespace common
