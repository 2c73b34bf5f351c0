#include "node/http/throughput_sampler.hpp"

#include <chrono>

#include "node/api/cross_thread.hpp"

namespace troupe::http {

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

kj::Promise<void> sample_throughput(const api_kj::api_context& api, throughput_history& history) {
  auto members = api_kj::make_cross_thread<outcome<std::vector<node_status>>>();
  api.bridge.nodes(members.deliver);
  return members.promise
      .then([&history](outcome<std::vector<node_status>> nodes) {
        if (!nodes.st.ok()) return;
        std::map<std::string, uint64_t> counters;
        for (const auto& n : nodes.value)
          for (const auto& d : n.devices)
            counters[n.name + "/" + std::to_string(d.batcher)] = d.load.generated_tokens;
        history.record(wall_ms(), counters);
      })
      .catch_([](kj::Exception&&) {})  // no answer (the bridge dropped it): no sample
      .then([&api, &history] {
        return api.timer.afterDelay(history.interval_ms() * kj::MILLISECONDS);
      })
      .then([&api, &history] { return sample_throughput(api, history); });
}

}  // namespace troupe::http
