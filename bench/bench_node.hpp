// troupe-node processes for the benchmarks that run real nodes (cluster, http): a child with its
// output in a log file, stopped (SIGTERM, then SIGKILL) when the handle goes away.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace troupe::bench {

class node_child {
 public:
  node_child(const std::string& config, const std::string& node, const std::string& log);
  // Starts the troupe-node next to this executable. LP_NUM_THREADS is cleared so that the
  // config's cpu_threads decides.
  ~node_child();
  node_child(const node_child&) = delete;
  node_child& operator=(const node_child&) = delete;

 private:
  pid_t pid_ = -1;
};

uint16_t free_port();  // a TCP port on 127.0.0.1 that nothing listens on now

}  // namespace troupe::bench
