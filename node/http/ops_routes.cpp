// The operations endpoints of seeds 003 and 004: GET /health, GET /queue/stats[?model=M],
// GET /queue/memory, POST /admin/queue/update. (GET /metrics is metrics_route.cpp.)
#include <map>
#include <set>

#include "node/api/cross_thread.hpp"
#include "node/http/cluster_view.hpp"
#include "node/http/json_fields.hpp"
#include "node/http/routes.hpp"

namespace troupe::http {
namespace {

using api_kj::make_cross_thread;
using nlohmann::json;

constexpr double gib = 1024.0 * 1024.0 * 1024.0;

// The defaults a [[model]] gets when it sets no limits (node/config.hpp).
const model_config default_model{};

json memory_of(uint64_t total, uint64_t available) {
  const uint64_t used = total > available ? total - available : 0;
  return {{"total_gb", double(total) / gib},
          {"available_gb", double(available) / gib},
          {"used_gb", double(used) / gib},
          {"percent", total ? 100.0 * double(used) / double(total) : 0.0}};
}

// The physical devices of a report (a device serving two models has two entries there).
std::vector<const device_usage*> physical_devices(const capacity_report& r) {
  std::set<std::pair<std::string, uint32_t>> seen;
  std::vector<const device_usage*> out;
  for (const auto& d : r.devices)
    if (seen.insert({d.node, d.device.index}).second) out.push_back(&d);
  return out;
}

// Memory per physical device and in total.
json memory_report(const capacity_report& r) {
  json devices = json::array();
  uint64_t total = 0, available = 0;
  for (const auto* dp : physical_devices(r)) {
    const auto& d = *dp;
    json entry = memory_of(d.device.memory_total, d.device.memory_available);
    entry["node"] = d.node;
    entry["device"] = d.device.name;
    entry["index"] = d.device.index;
    entry["type"] = d.device.type;
    devices.push_back(std::move(entry));
    total += d.device.memory_total;
    available += d.device.memory_available;
  }
  int64_t recommended = 0;
  for (const auto& m : r.models) recommended += m.recommended_parallel;
  json out = memory_of(total, available);
  out["recommended_parallel"] = recommended;
  out["devices"] = std::move(devices);
  return out;
}

kj::Promise<void> health(exchange& ex) {
  return ask_cluster_view(ex.ctx().api.bridge).then([&ex](cluster_view v) -> kj::Promise<void> {
    const auto& cap = v.capacity;
    const auto& nodes = v.nodes;
    std::string problem;
    if (!ex.ctx().api.accepting.load())
      problem = "the node is shutting down";
    else if (!cap.st.ok())
      problem = cap.st.message;
    else if (cap.value.devices.empty())
      problem = "no device is up";
    json models = json::object();
    for (const auto& m : cap.value.models)
      models[m.model] = {{"active", m.active},
                         {"parallel_limit", m.max_active},
                         {"queued", m.queued},
                         {"queue_limit", m.max_queued}};
    json node_list = json::array();
    int up = 0, down = 0;
    for (const auto& n : nodes.value) {
      (n.state == node_state::down ? down : up) += 1;
      node_list.push_back(
          {{"name", n.name}, {"state", to_string(n.state)}, {"devices", n.devices.size()}});
    }
    json body = {{"status", problem.empty() ? "healthy" : "unavailable"},
                 {"serving", problem.empty()},
                 {"devices_up", physical_devices(cap.value).size()},
                 {"concurrency",
                  {{"default_parallel", default_model.max_active},
                   {"default_queue_limit", default_model.max_queued},
                   {"total_models", cap.value.models.size()},
                   {"models", models},
                   {"memory", memory_report(cap.value)}}},
                 {"nodes", {{"up", up}, {"down", down}, {"list", node_list}}}};
    if (!problem.empty()) body["reason"] = problem;
    return ex.send_json(problem.empty() ? 200 : 503, body);
  });
}

// Per model: seed 004's fields, from the metrics document (which carries capacity's usage).
kj::Promise<void> queue_stats(exchange& ex) {
  auto only = ex.query("model");
  auto stats = make_cross_thread<outcome<std::string>>();
  ex.ctx().api.bridge.stats(stats.deliver);
  return stats.promise.then([&ex, only](outcome<std::string> out) -> kj::Promise<void> {
    if (!out.st.ok()) return ex.send_error(from_status(out.st));
    const json doc = json::parse(out.value, nullptr, false);
    const json& capacity = doc.contains("capacity") && doc["capacity"].is_object()
                               ? doc["capacity"]["models"]
                               : json::object();
    json models = json::object();
    for (const auto& m : ex.ctx().models.models()) {
      if (only && *only != m.name) continue;
      const json cap = capacity.value(m.name, json::object());
      const json series =
          doc.contains("models") ? doc["models"].value(m.name, json::object()) : json::object();
      const json requests = series.value("requests", json::object());
      const json wait = series.value("queue_wait_ms", json::object());
      const json latency = series.value("latency_ms", json::object());
      models[m.name] = {{"active_requests", cap.value("active", 0)},
                        {"parallel_limit", cap.value("max_active", 0)},
                        {"queued_requests", cap.value("queued", 0)},
                        {"queue_limit", cap.value("max_queued", 0)},
                        {"total_processed", requests.value("processed", 0)},
                        {"total_rejected", requests.value("rejected", 0)},
                        {"total_failed", requests.value("failed", 0)},
                        {"total_cancelled", requests.value("cancelled", 0)},
                        {"avg_wait_time_ms", wait.value("mean", 0.0)},
                        {"avg_processing_time_ms",
                         std::max(0.0, latency.value("mean", 0.0) - wait.value("mean", 0.0))}};
    }
    if (only && models.empty()) {
      http_error e;
      e.status = 404;
      e.code = errc::unknown_model;
      e.message = "the model '" + *only + "' does not exist";
      e.param = "model";
      return ex.send_error(e);
    }
    return ex.send_json(200, {{"default_parallel", default_model.max_active},
                              {"default_queue_limit", default_model.max_queued},
                              {"models", models}});
  });
}

kj::Promise<void> queue_memory(exchange& ex) {
  auto usage = make_cross_thread<outcome<capacity_report>>();
  ex.ctx().api.bridge.usage(usage.deliver);
  return usage.promise.then([&ex](outcome<capacity_report> out) -> kj::Promise<void> {
    if (!out.st.ok()) return ex.send_error(from_status(out.st));
    return ex.send_json(200, memory_report(out.value));
  });
}

// {"model", "parallel_limit", "queue_limit"}: either limit may be left out (kept).
kj::Promise<void> update_limits(exchange& ex) {
  auto body = parse_body(ex.take_body());
  json_fields f(body);
  auto model = f.string("model");
  if (!model) throw bad_request("'model' is required", "model");
  auto limit = [&](const char* key, int64_t lo, int64_t hi) -> int32_t {
    auto v = f.integer(key);
    if (!v) return -1;
    if (*v < lo || *v > hi)
      throw bad_request(std::string("'") + key + "' must be within [" + std::to_string(lo) + ", " +
                            std::to_string(hi) + "] (got " + std::to_string(*v) + ")",
                        key);
    return static_cast<int32_t>(*v);
  };
  const int32_t active = limit("parallel_limit", 1, 1'000'000);
  const int32_t queued = limit("queue_limit", 0, 100'000'000);
  if (active == -1 && queued == -1)
    throw bad_request("give 'parallel_limit', 'queue_limit' or both", "parallel_limit");
  auto st = api_edge::check_limits_update(*model, active, queued, ex.ctx().api.limits);
  if (!st.ok()) throw from_status(st);
  if (!ex.ctx().models.find(*model)) {
    http_error e = from_status(make_status(errc::unknown_model, "no model '" + *model + "'"));
    e.param = "model";
    throw e;
  }
  auto reply = make_cross_thread<outcome<model_limits>>();
  ex.ctx().api.bridge.limits(model_limits{*model, active, queued}, reply.deliver);
  return reply.promise.then([&ex, name = *model](outcome<model_limits> out) -> kj::Promise<void> {
    auto result = out.st;
    if (result.ok() && out.value.max_active < 0)  // capacity's answer for an unknown model
      result = make_status(errc::unknown_model, "no model '" + name + "'");
    if (!result.ok()) return ex.send_error(from_status(result));
    return ex.send_json(200, {{"status", "updated"},
                              {"model", name},
                              {"parallel_limit", out.value.max_active},
                              {"queue_limit", out.value.max_queued}});
  });
}

}  // namespace

std::vector<route> ops_routes() {
  return {
      {kj::HttpMethod::GET, "/health", false, true, health},
      {kj::HttpMethod::GET, "/queue/stats", false, false, queue_stats},
      {kj::HttpMethod::GET, "/queue/memory", false, false, queue_memory},
      {kj::HttpMethod::POST, "/admin/queue/update", false, false, update_limits},
  };
}

}  // namespace troupe::http
