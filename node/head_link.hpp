// A worker node's connection to its cluster's head, on a thread of its own: connects through the
// CAF middleman (retrying with backoff, and logging why while the head cannot be reached), spawns
// the node's batchers against the head's scheduler, watches the head, and when the head goes
// away stops those batchers and connects again, so a restarted head gets its devices back by
// itself. The node's engines and workers outlive connections; batchers are per connection.
#pragma once

#include <caf/fwd.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "actors/interfaces.hpp"

namespace troupe {

class head_link {
 public:
  using spawn_batchers = std::function<std::vector<batcher_actor>(const scheduler_actor& head)>;

  head_link(caf::actor_system& sys, std::string host, uint16_t port,
            std::chrono::milliseconds retry, spawn_batchers spawn);
  ~head_link();  // disconnects; the node's batchers stop

  head_link(const head_link&) = delete;
  head_link& operator=(const head_link&) = delete;

  std::optional<scheduler_actor> head() const;  // the head while connected

 private:
  void run();
  void pause(std::chrono::milliseconds d);  // sleeps unless stopping

  caf::actor_system& sys_;
  std::string host_;
  uint16_t port_;
  std::chrono::milliseconds retry_;
  spawn_batchers spawn_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<scheduler_actor> head_;
  std::thread thread_;
};

}  // namespace troupe
