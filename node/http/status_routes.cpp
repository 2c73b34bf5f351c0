// The status page (docs/http.md#status-page): GET / serves the page, open like /health because
// it holds no data (it asks for the API key itself when the cluster has one); GET /status is
// what it shows, refreshed every second: nodes and their devices, models with their running and
// queued jobs, and the cluster's tokens/s over the last minutes.
#include <chrono>

#include "node/api/cross_thread.hpp"
#include "node/http/routes.hpp"
#include "node/http/status_page.hpp"

namespace troupe::http {
namespace {

using api_kj::make_cross_thread;
using nlohmann::json;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

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
  const int64_t now = now_ms();
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
  auto usage = make_cross_thread<outcome<capacity_report>>();
  auto members = make_cross_thread<outcome<std::vector<node_status>>>();
  ex.ctx().api.bridge.usage(usage.deliver);  // both questions at once
  ex.ctx().api.bridge.nodes(members.deliver);
  return usage.promise.then(
      [&ex, answer = kj::mv(members.promise)](outcome<capacity_report> cap) mutable {
        return answer.then([&ex, cap = std::move(cap)](
                               outcome<std::vector<node_status>> nodes) -> kj::Promise<void> {
          if (!cap.st.ok()) return ex.send_error(from_status(cap.st));
          if (!nodes.st.ok()) return ex.send_error(from_status(nodes.st));
          return ex.send_json(200, status_document(ex.ctx(), cap.value, nodes.value));
        });
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
