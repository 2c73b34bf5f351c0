#include "node/http/cluster_view.hpp"

#include "node/api/cross_thread.hpp"

namespace troupe::http {

kj::Promise<cluster_view> ask_cluster_view(const cluster_bridge& bridge) {
  auto usage = api_kj::make_cross_thread<outcome<capacity_report>>();
  auto members = api_kj::make_cross_thread<outcome<std::vector<node_status>>>();
  bridge.usage(usage.deliver);
  bridge.nodes(members.deliver);
  return usage.promise.then(
      [answer = kj::mv(members.promise)](outcome<capacity_report> cap) mutable {
        return answer.then([cap = std::move(cap)](outcome<std::vector<node_status>> nodes) mutable {
          return cluster_view{std::move(cap), std::move(nodes)};
        });
      });
}

}  // namespace troupe::http
