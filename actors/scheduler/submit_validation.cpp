#include "actors/scheduler/submit_validation.hpp"

#include <cmath>

#include "gpu/text/utf8.hpp"

namespace troupe {

status validate_submit(const job_spec& spec, job_id job, const submit_limits& limits) {
  return validate_job_spec(spec, "job " + std::to_string(job), limits);
}

status validate_job_spec(const job_spec& spec, const std::string& name,
                         const submit_limits& limits) {
  auto bad = [&](std::string what) {
    return make_status(errc::invalid_argument, name + ": " + std::move(what));
  };
  if (spec.prompt.empty()) return bad("the prompt is empty");
  if (spec.prompt.size() > limits.max_prompt_bytes)
    return make_status(errc::prompt_too_long,
                       name + ": the prompt has " + std::to_string(spec.prompt.size()) +
                           " bytes, the limit is " + std::to_string(limits.max_prompt_bytes));
  if (!utf8::is_valid(spec.prompt)) return bad("the prompt is not valid UTF-8");
  if (spec.max_tokens <= 0)
    return bad("max_tokens must be positive (got " + std::to_string(spec.max_tokens) + ")");
  if (static_cast<uint32_t>(spec.max_tokens) > limits.max_seq_len)
    return bad("max_tokens " + std::to_string(spec.max_tokens) + " exceeds the longest sequence (" +
               std::to_string(limits.max_seq_len) + " tokens) of model '" + spec.model + "'");
  const auto& p = spec.sampling;
  if (!std::isfinite(p.temperature) || p.temperature < 0 || p.temperature > 100)
    return bad("temperature must be within [0, 100]");
  if (!std::isfinite(p.top_p) || p.top_p <= 0 || p.top_p > 1)
    return bad("top_p must be within (0, 1]");
  if (p.top_k < 0) return bad("top_k must not be negative");
  if (!std::isfinite(p.repetition_penalty) || p.repetition_penalty <= 0 ||
      p.repetition_penalty > 10)
    return bad("repetition_penalty must be within (0, 10]");
  if (!std::isfinite(p.min_p) || p.min_p < 0 || p.min_p > 1)
    return bad("min_p must be within [0, 1]");
  if (!std::isfinite(p.presence_penalty) || p.presence_penalty < -2 || p.presence_penalty > 2)
    return bad("presence_penalty must be within [-2, 2]");
  if (!std::isfinite(p.frequency_penalty) || p.frequency_penalty < -2 || p.frequency_penalty > 2)
    return bad("frequency_penalty must be within [-2, 2]");
  if (spec.stop.size() > limits.max_stop_strings)
    return bad("at most " + std::to_string(limits.max_stop_strings) + " stop strings");
  for (const auto& s : spec.stop) {
    if (s.empty()) return bad("stop strings must not be empty");
    if (s.size() > limits.max_stop_bytes)
      return bad("stop strings are limited to " + std::to_string(limits.max_stop_bytes) + " bytes");
    if (!utf8::is_valid(s)) return bad("a stop string is not valid UTF-8");
  }
  if (spec.client_request_id.size() > limits.max_request_id_bytes)
    return bad("client_request_id is limited to " + std::to_string(limits.max_request_id_bytes) +
               " bytes");
  return {};
}

std::string request_difference(const job_spec& a, const job_spec& b) {
  const auto& x = a.sampling;
  const auto& y = b.sampling;
  if (a.model != b.model) return "model";
  if (a.prompt != b.prompt) return "prompt";
  if (a.max_tokens != b.max_tokens) return "max_tokens";
  if (x.temperature != y.temperature) return "sampling.temperature";
  if (x.top_p != y.top_p) return "sampling.top_p";
  if (x.top_k != y.top_k) return "sampling.top_k";
  if (x.min_p != y.min_p) return "sampling.min_p";
  if (x.repetition_penalty != y.repetition_penalty) return "sampling.repetition_penalty";
  if (x.presence_penalty != y.presence_penalty) return "sampling.presence_penalty";
  if (x.frequency_penalty != y.frequency_penalty) return "sampling.frequency_penalty";
  if (x.seed != y.seed) return "sampling.seed";
  if (a.stop != b.stop) return "stop";
  if (a.prio != b.prio) return "priority";
  return {};
}

}  // namespace troupe
