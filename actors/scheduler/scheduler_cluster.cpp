// The scheduler's view of the cluster: batchers join (from any node), answer a ping every
// heartbeat, and are lost when they stop answering within the failure timeout or their node
// disconnects. A lost batcher's jobs go back to their queues with every token streamed so far and
// resume on another device; anything the lost batcher still sends afterwards is ignored, and it is
// told to rejoin as a new batcher. A worker node leaving (SIGTERM) drains: its devices take no new
// jobs, running ones finish, and at the deadline whatever is left resumes elsewhere.
#include <caf/actor_system.hpp>

#include <spdlog/spdlog.h>

#include "actors/scheduler/scheduler_state.hpp"

namespace troupe {

batcher_id join(scheduler_ptr self, batcher_registration& reg, const batcher_actor& handle) {
  auto& s = self->state;
  auto id = s.next_batcher++;
  spdlog::info("batcher {} joined: node {}, device '{}', model {}, {} KV blocks, {:.1f} tok/s", id,
               reg.node, reg.engine.device.name, reg.model, reg.engine.kv_blocks, reg.speed);
  device_capacity cap;
  cap.batcher = id;
  cap.node = reg.node;
  cap.model = reg.model;
  cap.device = reg.engine.device;
  cap.max_batch_size = reg.limits.max_batch_size;
  cap.kv_blocks = reg.engine.kv_blocks;
  cap.kv_block_tokens = reg.engine.kv_block_tokens;
  cap.kv_block_bytes = reg.engine.kv_block_bytes;
  cap.speed = reg.speed > 0 ? reg.speed : 1.0;
  s.lost_nodes.erase(reg.node);
  self->monitor(handle);
  batcher_entry entry;
  entry.handle = handle;
  entry.registration = std::move(reg);
  entry.last_seen_us = wall_us();
  s.batchers[id] = std::move(entry);
  self->request(s.setup.capacity, caf::infinite, register_atom::value, cap)
      .then([id](const status& st) {
        if (!st.ok()) spdlog::error("batcher {} rejected by capacity: {}", id, st.message);
      });
  return id;
}

void batcher_lost(scheduler_ptr self, batcher_id id, const std::string& why) {
  auto& s = self->state;
  auto b = s.batchers.find(id);
  if (b == s.batchers.end()) return;
  auto node = b->second.registration.node;
  s.batchers.erase(b);
  s.lost_nodes[node] = wall_us();
  for (const auto& [other, e] : s.batchers)
    if (e.registration.node == node) s.lost_nodes.erase(node);  // the node still has devices
  self->send(s.setup.capacity, unregister_atom::value, id);
  std::vector<std::string> models;
  for (auto& [jid, r] : s.jobs) {
    if (r.batcher != id) continue;
    r.batcher = 0;
    --s.on_device;
    if (is_terminal(r.state)) {  // cancelled, its removal never confirmed
      self->send(s.setup.capacity, release_atom::value, jid);
      continue;
    }
    // Back to its queue, keeping everything streamed so far: it resumes from exactly there, so
    // its clients see no token twice and none missing. Its original age keeps its place.
    r.state = job_state::queued;
    self->send(s.setup.capacity, requeue_atom::value, jid);
    self->send(s.setup.metrics,
               job_summary{r.spec.model, job_event::requeued, errc::ok, 0, 0, r.timings});
    journal_requeued(self, r);
    auto age = std::chrono::microseconds(std::max<int64_t>(0, wall_us() - r.timings.submitted_us));
    s.models.at(r.spec.model).queue.push_front(jid, r.spec.prio, s.setup.now() - age);
    models.push_back(r.spec.model);
  }
  spdlog::warn("batcher {} on node {} lost ({}): {} running job(s) resume elsewhere", id, node, why,
               models.size());
  for (const auto& m : models) dispatch(self, m);
  check_leaving(self);
}

void batcher_down(scheduler_ptr self, const caf::actor_addr& who, const caf::error& reason) {
  for (const auto& [id, b] : self->state.batchers) {
    if (b.handle.address() != who) continue;
    batcher_lost(self, id, "down: " + to_string(reason));
    return;
  }
}

void heartbeat(scheduler_ptr self) {
  auto& s = self->state;
  for (auto& [id, b] : s.batchers) {
    if (b.ping_in_flight) continue;
    b.ping_in_flight = true;
    self->request(b.handle, s.setup.failure_timeout, ping_atom::value)
        .then(
            [self, id = id](const batcher_load& load) {
              auto it = self->state.batchers.find(id);
              if (it == self->state.batchers.end()) return;
              it->second.ping_in_flight = false;
              it->second.load = load;
              it->second.last_seen_us = wall_us();
            },
            [self, id = id](caf::error& err) {
              batcher_lost(self, id, "no answer within the failure timeout: " + to_string(err));
            });
  }
  check_leaving(self);
  self->delayed_send(self, s.setup.heartbeat, heartbeat_atom::value);
}

caf::result<status> leave(scheduler_ptr self, const std::string& node, int64_t grace_ms) {
  auto& s = self->state;
  size_t devices = 0;
  for (auto& [id, b] : s.batchers) {
    if (b.registration.node != node) continue;
    ++devices;
    b.draining = true;
    self->send(s.setup.capacity, accepting_atom::value, id, false);
  }
  if (devices == 0) return make_status(errc::ok, "node " + node + " has no devices here");
  spdlog::info("node {} is leaving: draining {} device(s), grace {} ms", node, devices, grace_ms);
  auto promise = self->make_response_promise<status>();
  s.leaving[node] =
      leaving_node{promise, std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms)};
  check_leaving(self);
  return promise;
}

// Answers leaving nodes whose devices are idle; at a node's deadline its remaining jobs resume
// elsewhere (its batchers are dropped as if lost).
void check_leaving(scheduler_ptr self) {
  auto& s = self->state;
  auto now = std::chrono::steady_clock::now();
  for (auto it = s.leaving.begin(); it != s.leaving.end();) {
    const auto& node = it->first;
    std::vector<batcher_id> mine;
    for (const auto& [id, b] : s.batchers)
      if (b.registration.node == node) mine.push_back(id);
    size_t busy = 0;
    for (const auto& [jid, r] : s.jobs)
      for (auto id : mine) busy += r.batcher == id;
    if (busy > 0 && now < it->second.deadline) {
      ++it;
      continue;
    }
    auto promise = it->second.promise;
    it = s.leaving.erase(it);
    for (auto id : mine) batcher_lost(self, id, "node left");
    promise.deliver(make_status(
        errc::ok, "node " + node + " drained" +
                      (busy ? ": " + std::to_string(busy) + " jobs handed to other nodes" : "")));
  }
}

std::vector<node_status> nodes(scheduler_ptr self) {
  auto& s = self->state;
  std::map<std::string, node_status> by_name;
  for (const auto& [id, b] : s.batchers) {
    auto& n = by_name[b.registration.node];
    n.name = b.registration.node;
    n.last_seen_us = std::max(n.last_seen_us, b.last_seen_us);
    node_device d;
    d.batcher = id;
    d.model = b.registration.model;
    d.device = b.registration.engine.device;
    d.slots = b.registration.limits.max_batch_size;
    d.kv_blocks = b.registration.engine.kv_blocks;
    d.speed = b.registration.speed;
    d.draining = b.draining;
    d.load = b.load;
    n.devices.push_back(std::move(d));
  }
  std::vector<node_status> out;
  for (auto& [name, n] : by_name) {
    bool all_draining = std::all_of(n.devices.begin(), n.devices.end(),
                                    [](const node_device& d) { return d.draining; });
    n.state = all_draining ? node_state::draining : node_state::up;
    out.push_back(std::move(n));
  }
  for (const auto& [name, seen] : s.lost_nodes) {
    if (by_name.count(name)) continue;
    node_status n;
    n.name = name;
    n.state = node_state::down;
    n.last_seen_us = seen;
    out.push_back(std::move(n));
  }
  return out;
}

}  // namespace troupe
