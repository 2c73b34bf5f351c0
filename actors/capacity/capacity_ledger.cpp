#include "actors/capacity/capacity_ledger.hpp"

#include <algorithm>
#include <string>

namespace troupe {

uint32_t blocks_for_tokens(uint32_t tokens, uint32_t block_tokens) {
  if (block_tokens == 0) return 0;
  return (tokens + block_tokens - 1) / block_tokens;
}

void capacity_ledger::set_model(const model_limits& limits, uint32_t max_seq_len) {
  auto& m = models_[limits.model];
  m.limits = limits;
  m.max_seq_len = max_seq_len;
}

status capacity_ledger::add_device(const device_capacity& device) {
  if (!has_model(device.model))
    return make_status(errc::unknown_model, "device of batcher " + std::to_string(device.batcher) +
                                                " serves unknown model '" + device.model + "'");
  if (devices_.count(device.batcher))
    return make_status(errc::invalid_argument,
                       "batcher " + std::to_string(device.batcher) + " registered twice");
  devices_[device.batcher] = device_state{device, 0, 0};
  return {};
}

status capacity_ledger::admit(const admit_request& request) {
  auto job = "job " + std::to_string(request.job);
  auto m = models_.find(request.model);
  if (m == models_.end())
    return make_status(errc::unknown_model, job + ": unknown model '" + request.model + "'");
  auto& s = m->second;
  // A job accepted before a restart is never turned away now.
  if (!request.recovered) {
    if (auto st = kv_fit(request.job, request.model, request.kv_blocks); !st.ok()) return st;
    if (s.active + s.queued >= s.limits.max_active + s.limits.max_queued)
      return make_status(errc::queue_full, job + ": queue full for model '" + request.model +
                                               "' (" + std::to_string(s.active) + " active of " +
                                               std::to_string(s.limits.max_active) + ", " +
                                               std::to_string(s.queued) + " queued of " +
                                               std::to_string(s.limits.max_queued) + ")");
  }
  ++s.queued;
  s.peak_queued = std::max(s.peak_queued, s.queued);
  jobs_[request.job] = holding{request.model, false, 0, request.kv_blocks};
  return {};
}

void capacity_ledger::withdraw(job_id job) {
  auto h = jobs_.find(job);
  if (h == jobs_.end() || h->second.active) return;
  --models_[h->second.model].queued;
  jobs_.erase(h);
}

std::optional<batcher_id> capacity_ledger::try_acquire(const acquire_request& request) {
  auto h = jobs_.find(request.job);
  if (h == jobs_.end() || h->second.active) return std::nullopt;
  auto& m = models_[request.model];
  if (m.active >= m.limits.max_active) return std::nullopt;
  // A device's score: its free share of slots or blocks, whichever is scarcer, times its speed;
  // negative when it cannot take the job.
  auto score_of = [&](const device_state& d) {
    const auto& c = d.capacity;
    if (c.model != request.model || !d.accepting || d.slots_used >= c.max_batch_size) return -1.0;
    if (c.kv_blocks - d.blocks_used < request.kv_blocks) return -1.0;
    double free_slots = double(c.max_batch_size - d.slots_used) / c.max_batch_size;
    double free_blocks = c.kv_blocks ? double(c.kv_blocks - d.blocks_used) / c.kv_blocks : 0;
    return c.speed * std::min(free_slots, free_blocks);
  };
  device_state* best = nullptr;
  double best_score = -1;
  for (auto& [id, d] : devices_) {
    double score = score_of(d);
    if (score >= 0 && score > best_score) {
      best = &d;
      best_score = score;
    }
  }
  if (!best) return std::nullopt;
  for (batcher_id id : m.affinity.lookup(request.prefix)) {
    auto d = devices_.find(id);
    if (d == devices_.end()) continue;
    double score = score_of(d->second);
    if (score >= 0 && score >= affinity_share * best_score) {
      if (&d->second != best) ++m.prefix_routed;
      best = &d->second;
      break;
    }
  }
  m.affinity.record(request.prefix, best->capacity.batcher);
  ++best->slots_used;
  best->blocks_used += request.kv_blocks;
  --m.queued;
  ++m.active;
  m.peak_active = std::max(m.peak_active, m.active);
  h->second.active = true;
  h->second.batcher = best->capacity.batcher;
  h->second.blocks = request.kv_blocks;
  return best->capacity.batcher;
}

status capacity_ledger::kv_fit(job_id job, const std::string& model, uint32_t kv_blocks) const {
  uint32_t largest = 0;
  bool served = false;
  for (const auto& [id, d] : devices_) {
    if (d.capacity.model != model) continue;
    served = true;
    largest = std::max(largest, d.capacity.kv_blocks);
  }
  const auto name = "job " + std::to_string(job);
  if (!served)
    return make_status(errc::unavailable, name + ": no device serves model '" + model + "'");
  if (kv_blocks <= largest) return {};
  return make_status(errc::prompt_too_long, name + ": needs " + std::to_string(kv_blocks) +
                                                " KV blocks, the largest KV cache of model '" +
                                                model + "' has " + std::to_string(largest));
}

status capacity_ledger::could_ever_fit(const acquire_request& request) const {
  auto st = kv_fit(request.job, request.model, request.kv_blocks);
  return st.code == errc::prompt_too_long ? st : status{};
}

std::optional<std::string> capacity_ledger::model_of(job_id job) const {
  auto h = jobs_.find(job);
  if (h == jobs_.end()) return std::nullopt;
  return h->second.model;
}

void capacity_ledger::release(job_id job) {
  auto h = jobs_.find(job);
  if (h == jobs_.end()) return;
  if (h->second.active)
    return_active_units(h->second);
  else
    --models_[h->second.model].queued;
  jobs_.erase(h);
}

void capacity_ledger::requeue(job_id job) {
  auto h = jobs_.find(job);
  if (h == jobs_.end() || !h->second.active) return;
  return_active_units(h->second);
  ++models_[h->second.model].queued;
  h->second.active = false;
  h->second.batcher = 0;
}

void capacity_ledger::return_active_units(const holding& h) {
  --models_[h.model].active;
  auto d = devices_.find(h.batcher);
  if (d != devices_.end()) {
    --d->second.slots_used;
    d->second.blocks_used -= h.blocks;
  }
}

void capacity_ledger::remove_device(batcher_id batcher) {
  devices_.erase(batcher);
}

void capacity_ledger::set_accepting(batcher_id batcher, bool accepting) {
  auto d = devices_.find(batcher);
  if (d != devices_.end()) d->second.accepting = accepting;
}

model_limits capacity_ledger::update_limits(const model_limits& update) {
  auto m = models_.find(update.model);
  if (m == models_.end()) return model_limits{update.model, -1, -1};
  if (update.max_active >= 0) m->second.limits.max_active = update.max_active;
  if (update.max_queued >= 0) m->second.limits.max_queued = update.max_queued;
  return m->second.limits;
}

capacity_report capacity_ledger::report() const {
  capacity_report r;
  for (const auto& [name, m] : models_) {
    model_usage u;
    u.model = name;
    u.max_active = m.limits.max_active;
    u.max_queued = m.limits.max_queued;
    u.active = m.active;
    u.queued = m.queued;
    u.peak_active = m.peak_active;
    u.peak_queued = m.peak_queued;
    u.prefix_routed = m.prefix_routed;
    for (const auto& [id, d] : devices_) {
      if (d.capacity.model != name) continue;
      auto per_seq = blocks_for_tokens(m.max_seq_len, d.capacity.kv_block_tokens);
      auto fit = per_seq ? d.capacity.kv_blocks / per_seq : 0;
      u.recommended_parallel += static_cast<int32_t>(std::min(fit, d.capacity.max_batch_size));
    }
    u.recommended_parallel = std::max(u.recommended_parallel, 1);
    r.models.push_back(std::move(u));
  }
  for (const auto& [id, d] : devices_) {
    device_usage u;
    u.batcher = id;
    u.node = d.capacity.node;
    u.model = d.capacity.model;
    u.device = d.capacity.device;
    u.slots_total = d.capacity.max_batch_size;
    u.slots_used = d.slots_used;
    u.kv_blocks_total = d.capacity.kv_blocks;
    u.kv_blocks_used = d.blocks_used;
    r.devices.push_back(std::move(u));
  }
  return r;
}

}  // namespace troupe
