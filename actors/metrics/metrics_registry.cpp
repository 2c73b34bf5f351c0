#include "actors/metrics/metrics_registry.hpp"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

namespace troupe {
namespace {

using prometheus::Histogram;

const Histogram::BucketBoundaries ttft_buckets = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08,
                                                  0.1,   0.25,  0.5,  0.75, 1,    2.5,  5,
                                                  7.5,   10,    20,   40,   80,   160,  640};
const Histogram::BucketBoundaries tpot_buckets = {0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025,
                                                  0.05,  0.075,  0.1,   0.15,   0.2,  0.3,
                                                  0.4,   0.5,    0.75,  1,      2.5,  5};
const Histogram::BucketBoundaries request_buckets = {0.01, 0.025, 0.05, 0.1, 0.3, 0.5, 0.8,
                                                     1,    1.5,   2,    2.5, 5,   10,  15,
                                                     20,   30,    60,   120, 240, 480, 960};
const Histogram::BucketBoundaries step_buckets = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

prometheus::Family<prometheus::Counter>& counter(prometheus::Registry& r, const char* name,
                                                 const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}

prometheus::Family<Histogram>& histogram(prometheus::Registry& r, const char* name,
                                         const char* help) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(r);
}

prometheus::Labels model_label(const std::string& model) {
  return {{"model", model}};
}

prometheus::Labels device_labels(const step_stats& s) {
  return {{"model", s.model}, {"node", s.node}, {"device", s.device}};
}

const std::string* label_of(const prometheus::ClientMetric& m, const std::string& name) {
  for (const auto& l : m.label)
    if (l.name == name) return &l.value;
  return nullptr;
}

// The sum of a counter family's series for `model` (every series when null); with `by`, also
// the sums per value of that label.
template <class Family>
double total(const Family& f, const std::string* model, const char* by = nullptr,
             std::map<std::string, double>* per = nullptr) {
  double sum = 0;
  for (const auto& family : const_cast<Family&>(f).Collect()) {
    for (const auto& m : family.metric) {
      const auto* mm = label_of(m, "model");
      if (model && (!mm || *mm != *model)) continue;
      sum += m.counter.value;
      if (by && per)
        if (const auto* v = label_of(m, by)) (*per)[*v] += m.counter.value;
    }
  }
  return sum;
}

uint64_t as_count(double v) {
  return static_cast<uint64_t>(v + 0.5);
}

}  // namespace

metrics_registry::latency::latency()
    : summary_({{0.50, 0.005}, {0.95, 0.002}, {0.99, 0.001}}, std::chrono::hours(24 * 365 * 100),
               1) {}  // one window: the node's lifetime

void metrics_registry::latency::record(double us) {
  summary_.Observe(us);
  max_ = std::max(max_, us);
}

nlohmann::json metrics_registry::latency::to_json() const {
  const auto m = summary_.Collect().summary;
  nlohmann::json j = {{"count", m.sample_count},
                      {"p50", 0.0},
                      {"p95", 0.0},
                      {"p99", 0.0},
                      {"mean", m.sample_count ? m.sample_sum / double(m.sample_count) / 1000.0 : 0},
                      {"max", max_ / 1000.0}};
  double floor = 0;  // quantiles are monotone in rank; keep them so in value too
  for (const auto& q : m.quantile) {
    const char* key = q.quantile < 0.9 ? "p50" : q.quantile < 0.98 ? "p95" : "p99";
    const double v = m.sample_count ? std::clamp(q.value, floor, max_) : 0.0;
    floor = v;
    j[key] = v / 1000.0;
  }
  return j;
}

metrics_registry::metrics_registry(std::shared_ptr<prometheus::Registry> registry)
    : registry_(std::move(registry)),
      accepted_(counter(*registry_, "troupe_requests_accepted_total",
                        "Jobs accepted (stored durably and acknowledged).")),
      success_(counter(*registry_, "troupe_request_success_total",
                       "Jobs that completed, by finish_reason (eos, stop, max_tokens, length).")),
      rejected_(counter(*registry_, "troupe_requests_rejected_total",
                        "Submits refused, by reason (queue_full, prompt_too_long, ...).")),
      failed_(counter(*registry_, "troupe_requests_failed_total", "Jobs that failed, by reason.")),
      cancelled_(counter(*registry_, "troupe_requests_cancelled_total", "Jobs cancelled.")),
      requeued_(counter(*registry_, "troupe_requests_requeued_total",
                        "Running jobs put back in their queue (their device was lost).")),
      prompt_tokens_(
          counter(*registry_, "troupe_prompt_tokens_total", "Prompt tokens of finished jobs.")),
      generation_tokens_(counter(*registry_, "troupe_generation_tokens_total",
                                 "Tokens generated by finished jobs.")),
      step_failures_(counter(*registry_, "troupe_engine_step_failures_total",
                             "Engine steps that failed (each is retried in halves).")),
      steps_(counter(*registry_, "troupe_engine_steps_total", "Engine steps computed.")),
      step_sequences_(counter(*registry_, "troupe_engine_step_sequences_total",
                              "Sequences in engine steps (summed over steps).")),
      step_slots_(counter(*registry_, "troupe_engine_step_slots_total",
                          "Batch slots offered by engine steps (summed over steps).")),
      step_tokens_(counter(*registry_, "troupe_engine_step_tokens_total",
                           "Tokens computed by engine steps (prefill and decode).")),
      prefix_queries_(counter(*registry_, "troupe_prefix_cache_queries_total",
                              "Prompt tokens looked up in the engines' prefix caches.")),
      prefix_hits_(counter(*registry_, "troupe_prefix_cache_hits_total",
                           "Prompt tokens found in the engines' prefix caches.")),
      ttft_(histogram(*registry_, "troupe_time_to_first_token_seconds",
                      "Submit to first token, completed jobs.")),
      tpot_(histogram(*registry_, "troupe_time_per_output_token_seconds",
                      "Mean time between output tokens after the first, completed jobs.")),
      e2e_(histogram(*registry_, "troupe_e2e_request_latency_seconds",
                     "Submit to finish, completed jobs.")),
      queue_time_(histogram(*registry_, "troupe_request_queue_time_seconds",
                            "Submit to start on a device, completed jobs.")),
      step_time_(histogram(*registry_, "troupe_engine_step_seconds",
                           "Time inside the engine per step.")) {}

void metrics_registry::record(const job_summary& s) {
  const auto labels = model_label(s.model);
  if (!models_.count(s.model)) {
    // A model's series exist from its first event on, at 0, so that rates and alerts over them
    // work before the first rejection or requeue.
    for (auto* f : {&accepted_, &cancelled_, &requeued_, &prompt_tokens_, &generation_tokens_})
      f->Add(labels);
    for (auto r : {finish_reason::eos, finish_reason::stop, finish_reason::max_tokens,
                   finish_reason::length})
      success_.Add({{"model", s.model}, {"finish_reason", std::string(to_string(r))}});
    rejected_.Add({{"model", s.model}, {"reason", std::string(to_string(errc::queue_full))}});
  }
  const auto& t = s.timings;
  switch (s.event) {
    case job_event::accepted:
      accepted_.Add(labels).Increment();
      break;
    case job_event::rejected:
      rejected_.Add({{"model", s.model}, {"reason", std::string(to_string(s.error))}}).Increment();
      break;
    case job_event::done:
      success_.Add({{"model", s.model}, {"finish_reason", std::string(to_string(s.reason))}})
          .Increment();
      if (t.first_token_us && t.submitted_us)
        ttft_.Add(labels, ttft_buckets).Observe(double(t.first_token_us - t.submitted_us) / 1e6);
      if (t.finished_us && t.first_token_us && s.generated_tokens > 1)
        tpot_.Add(labels, tpot_buckets)
            .Observe(double(t.finished_us - t.first_token_us) / 1e6 /
                     double(s.generated_tokens - 1));
      if (t.finished_us && t.submitted_us)
        e2e_.Add(labels, request_buckets).Observe(double(t.finished_us - t.submitted_us) / 1e6);
      if (t.started_us && t.submitted_us)
        queue_time_.Add(labels, request_buckets)
            .Observe(double(t.started_us - t.submitted_us) / 1e6);
      break;
    case job_event::failed:
      failed_.Add({{"model", s.model}, {"reason", std::string(to_string(s.error))}}).Increment();
      break;
    case job_event::cancelled:
      cancelled_.Add(labels).Increment();
      break;
    case job_event::requeued:
      requeued_.Add(labels).Increment();
      return;
  }
  if (s.event == job_event::done || s.event == job_event::failed ||
      s.event == job_event::cancelled) {
    prompt_tokens_.Add(labels).Increment(s.prompt_tokens);
    generation_tokens_.Add(labels).Increment(s.generated_tokens);
  }
  add(overall_, s);
  add(models_[s.model], s);
}

void metrics_registry::record(const step_stats& s) {
  const auto labels = device_labels(s);
  if (s.failed) {
    step_failures_.Add(labels).Increment();
    return;
  }
  steps_.Add(labels).Increment();
  step_sequences_.Add(labels).Increment(s.batch_size);
  step_slots_.Add(labels).Increment(s.max_batch_size);
  step_tokens_.Add(labels).Increment(s.tokens);
  prefix_queries_.Add(labels).Increment(s.prefix_queried);
  prefix_hits_.Add(labels).Increment(s.prefix_hits);
  step_time_.Add(labels, step_buckets).Observe(double(s.engine_us) / 1e6);
  add(overall_, s);
  add(models_[s.model], s);
}

void metrics_registry::add(series& s, const job_summary& j) {
  const auto& t = j.timings;
  if (j.event == job_event::accepted) {
    if (s.first_accept_us == 0 || t.submitted_us < s.first_accept_us)
      s.first_accept_us = t.submitted_us;
    return;
  }
  if (j.event == job_event::rejected) return;
  s.last_finish_us = std::max(s.last_finish_us, t.finished_us);
  if (j.event != job_event::done) return;
  if (t.finished_us && t.submitted_us) s.latency_us.record(double(t.finished_us - t.submitted_us));
  if (t.first_token_us && t.submitted_us)
    s.ttft_us.record(double(t.first_token_us - t.submitted_us));
  if (t.started_us && t.submitted_us) s.queue_wait_us.record(double(t.started_us - t.submitted_us));
}

void metrics_registry::add(series& s, const step_stats& st) {
  s.batch_max = std::max<uint64_t>(s.batch_max, st.batch_size);
  s.step_host_us.record(double(st.host_us));
  s.step_engine_us.record(double(st.engine_us));
}

nlohmann::json metrics_registry::render(const series& s, const std::string* model) const {
  double window_s = 0;
  if (s.last_finish_us > s.first_accept_us && s.first_accept_us > 0)
    window_s = double(s.last_finish_us - s.first_accept_us) / 1e6;
  auto rate = [&](double n) { return window_s > 0 ? n / window_s : 0.0; };
  std::map<std::string, double> rejected_by, failed_by;
  const uint64_t accepted = as_count(total(accepted_, model));
  const uint64_t processed = as_count(total(success_, model));
  const uint64_t rejected = as_count(total(rejected_, model, "reason", &rejected_by));
  const uint64_t failed = as_count(total(failed_, model, "reason", &failed_by));
  const uint64_t cancelled = as_count(total(cancelled_, model));
  const uint64_t finished = processed + failed + cancelled;
  const uint64_t generated = as_count(total(generation_tokens_, model));
  nlohmann::json errors = nlohmann::json::object();
  for (const auto& by : {rejected_by, failed_by})
    for (const auto& [code, n] : by) errors[code] = errors.value(code, uint64_t{0}) + as_count(n);
  if (const uint64_t n = as_count(total(step_failures_, model))) errors["engine_step"] = n;
  const double steps = total(steps_, model);
  const double sequences = total(step_sequences_, model);
  const double slots = total(step_slots_, model);
  return {
      {"requests",
       {{"accepted", accepted},
        {"processed", processed},
        {"rejected", rejected},
        {"failed", failed},
        {"cancelled", cancelled},
        {"requeued", as_count(total(requeued_, model))},
        {"in_flight", accepted >= finished ? accepted - finished : 0}}},
      {"errors", errors},
      {"requests_per_s", rate(double(processed))},
      {"prompt_tokens", as_count(total(prompt_tokens_, model))},
      {"generated_tokens", generated},
      {"generated_tokens_per_s", rate(double(generated))},
      {"latency_ms", s.latency_us.to_json()},
      {"time_to_first_token_ms", s.ttft_us.to_json()},
      {"queue_wait_ms", s.queue_wait_us.to_json()},
      {"prefix_cache",
       {{"queried_tokens", as_count(total(prefix_queries_, model))},
        {"hit_tokens", as_count(total(prefix_hits_, model))}}},
      {"batch",
       {{"steps", as_count(steps)},
        {"max_size", s.batch_max},
        {"avg_size", steps > 0 ? sequences / steps : 0.0},
        {"utilization", slots > 0 ? sequences / slots : 0.0},
        {"avg_tokens", steps > 0 ? total(step_tokens_, model) / steps : 0.0},
        {"host_ms", s.step_host_us.to_json()},
        {"engine_ms", s.step_engine_us.to_json()}}},
  };
}

nlohmann::json metrics_registry::to_json() const {
  nlohmann::json models = nlohmann::json::object();
  for (const auto& [name, s] : models_) models[name] = render(s, &name);
  return {{"overall", render(overall_, nullptr)}, {"models", models}};
}

}  // namespace troupe
