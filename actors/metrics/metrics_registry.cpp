#include "actors/metrics/metrics_registry.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace troupe {
namespace {

nlohmann::json percentiles_ms(const histogram& h) {
  auto ms = [](int64_t us) { return double(us) / 1000.0; };
  return {{"count", h.count()},
          {"p50", ms(h.percentile(0.50))},
          {"p95", ms(h.percentile(0.95))},
          {"p99", ms(h.percentile(0.99))},
          {"mean", h.mean() / 1000.0},
          {"max", ms(h.max())}};
}

}  // namespace

void metrics_registry::record(const job_summary& s) {
  add(overall_, s);
  add(models_[s.model], s);
}

void metrics_registry::record(const step_stats& s) {
  add(overall_, s);
  add(models_[s.model], s);
}

void metrics_registry::add(series& s, const job_summary& j) {
  const auto& t = j.timings;
  switch (j.event) {
    case job_event::accepted:
      ++s.accepted;
      if (s.first_accept_us == 0 || t.submitted_us < s.first_accept_us)
        s.first_accept_us = t.submitted_us;
      return;
    case job_event::rejected:
      ++s.rejected;
      ++s.errors[std::string(to_string(j.error))];
      return;
    case job_event::done:
      ++s.processed;
      break;
    case job_event::failed:
      ++s.failed;
      ++s.errors[std::string(to_string(j.error))];
      break;
    case job_event::cancelled:
      ++s.cancelled;
      break;
  }
  s.prompt_tokens += j.prompt_tokens;
  s.generated_tokens += j.generated_tokens;
  s.last_finish_us = std::max(s.last_finish_us, t.finished_us);
  if (j.event != job_event::done) return;
  if (t.finished_us && t.submitted_us) s.latency_us.record(t.finished_us - t.submitted_us);
  if (t.first_token_us && t.submitted_us) s.ttft_us.record(t.first_token_us - t.submitted_us);
  if (t.started_us && t.submitted_us) s.queue_wait_us.record(t.started_us - t.submitted_us);
}

void metrics_registry::add(series& s, const step_stats& st) {
  if (st.failed) {
    ++s.errors["engine_step"];
    return;
  }
  ++s.steps;
  s.batch_sum += st.batch_size;
  s.batch_max = std::max<uint64_t>(s.batch_max, st.batch_size);
  s.slots_sum += st.max_batch_size;
  s.step_tokens += st.tokens;
  s.step_host_us.record(st.host_us);
  s.step_engine_us.record(st.engine_us);
}

nlohmann::json metrics_registry::render(const series& s) {
  double window_s = 0;
  if (s.last_finish_us > s.first_accept_us && s.first_accept_us > 0)
    window_s = double(s.last_finish_us - s.first_accept_us) / 1e6;
  auto rate = [&](uint64_t n) { return window_s > 0 ? double(n) / window_s : 0.0; };
  auto finished = s.processed + s.failed + s.cancelled;
  nlohmann::json errors = nlohmann::json::object();
  for (const auto& [k, v] : s.errors) errors[k] = v;
  return {
      {"requests",
       {{"accepted", s.accepted},
        {"processed", s.processed},
        {"rejected", s.rejected},
        {"failed", s.failed},
        {"cancelled", s.cancelled},
        {"in_flight", s.accepted >= finished ? s.accepted - finished : 0}}},
      {"errors", errors},
      {"requests_per_s", rate(s.processed)},
      {"prompt_tokens", s.prompt_tokens},
      {"generated_tokens", s.generated_tokens},
      {"generated_tokens_per_s", rate(s.generated_tokens)},
      {"latency_ms", percentiles_ms(s.latency_us)},
      {"time_to_first_token_ms", percentiles_ms(s.ttft_us)},
      {"queue_wait_ms", percentiles_ms(s.queue_wait_us)},
      {"batch",
       {{"steps", s.steps},
        {"max_size", s.batch_max},
        {"avg_size", s.steps ? double(s.batch_sum) / double(s.steps) : 0.0},
        {"utilization", s.slots_sum ? double(s.batch_sum) / double(s.slots_sum) : 0.0},
        {"avg_tokens", s.steps ? double(s.step_tokens) / double(s.steps) : 0.0},
        {"host_ms", percentiles_ms(s.step_host_us)},
        {"engine_ms", percentiles_ms(s.step_engine_us)}}},
  };
}

nlohmann::json metrics_registry::to_json() const {
  nlohmann::json models = nlohmann::json::object();
  for (const auto& [name, s] : models_) models[name] = render(s);
  return {{"overall", render(overall_)}, {"models", models}};
}

}  // namespace troupe
