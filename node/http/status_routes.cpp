// The status page (docs/http.md#status-page): GET / serves the page, open like /health because
// it holds no data (it asks for the API key itself when the cluster has one); GET /status is
// what it shows, refreshed every second: nodes and their devices, models with their running and
// queued jobs, and the cluster's tokens/s over the last minutes.
#include <chrono>

#include "node/http/cluster_view.hpp"
#include "node/http/routes.hpp"
#include "node/http/status_page.hpp"
#include "node/http/throughput_sampler.hpp"

namespace troupe::http {
namespace {

using nlohmann::json;

kj::Promise<void> page(exchange& ex) {
  return ex.send_page(std::string(status_page_html()));
}

json devices_of(const node_status& n) {
  json out = json::array();
  for (const auto& d : n.devices)
    out.push_back({{"batcher", d.batcher},
                   {"model", d.model},
                   {"device", d.device.name},
                   {"vendor", d.device.vendor},
                   {"type", d.device.type},
                   {"memory_total", d.device.memory_total},
                   {"memory_available", d.device.memory_available},
                   {"slots", d.slots},
                   {"sequences", d.load.sequences},
                   {"draining", d.draining},
                   {"tokens_per_s", d.load.tokens_per_s},
                   {"generated_tokens", d.load.generated_tokens}});
  return out;
}

json status_document(const front_door_context& ctx, const capacity_report& cap,
                     const std::vector<node_status>& nodes) {
  const int64_t now = wall_ms();  // the history's clock
  json node_list = json::array();
  for (const auto& n : nodes)
    node_list.push_back(
        {{"name", n.name},
         {"state", to_string(n.state)},
         {"last_seen_ms_ago", n.last_seen_us > 0 ? now - n.last_seen_us / 1000 : -1},
         {"devices", devices_of(n)}});
  json models = json::array();
  for (const auto& m : cap.models) {
    size_t devices = 0;
    for (const auto& d : cap.devices) devices += d.model == m.model;
    models.push_back({{"name", m.model},
                      {"active", m.active},
                      {"max_active", m.max_active},
                      {"queued", m.queued},
                      {"max_queued", m.max_queued},
                      {"devices", devices}});
  }
  json points = json::array();
  for (const auto& p : ctx.throughput.points()) points.push_back({p.at_ms, p.tokens_per_s});
  return {{"cluster", ctx.identity.cluster},
          {"head", ctx.identity.node},
          {"version", TROUPE_VERSION},
          {"time_ms", now},
          {"nodes", node_list},
          {"models", models},
          {"history_span_ms", ctx.throughput.span_ms()},
          {"throughput", points}};
}

kj::Promise<void> status(exchange& ex) {
  return ask_cluster_view(ex.ctx().api.bridge).then([&ex](cluster_view v) -> kj::Promise<void> {
    if (!v.capacity.st.ok()) return ex.send_error(from_status(v.capacity.st));
    if (!v.nodes.st.ok()) return ex.send_error(from_status(v.nodes.st));
    return ex.send_json(200, status_document(ex.ctx(), v.capacity.value, v.nodes.value));
  });
}

}  // namespace

std::vector<route> status_routes() {
  return {
      {kj::HttpMethod::GET, "/", false, true, page},
      {kj::HttpMethod::GET, "/status", false, false, status},
  };
}

}  // namespace troupe::http
