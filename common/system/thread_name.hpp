// A readable name for each thread (main, pool-1, tail-3, writer, sim-0), for
// the debug report and the trace. The probe (probe.cpp) names a thread when
// it first shows its role, so neither the stages nor the lesson's files carry
// any bookkeeping:
//   main      the shared main()
//   sim-N     the simulated writer of input N
//   pool-N    a thread of a pool, when it first runs a call of run_in_executor
//   loop-N    a thread that runs an event loop without being any of the above
//   tail-X    a thread that reads input X without being any of the above
//   writer    a thread that writes the output without being any of the above
#pragma once

#include <string>

namespace common {

void set_thread_name(std::string name);
bool thread_has_name();
// Names a pool thread "pool-N" (numbered in order of first use), if unnamed.
void name_pool_thread();
// Names a thread that runs an event loop "loop-N", if unnamed.
void name_loop_thread();
// The thread's name, or "thread-N" (numbered on first ask) if it has none.
const std::string& thread_name();

} // namespace common
