#include "node/api/request_checks.hpp"

#include "actors/scheduler/submit_validation.hpp"
#include "gpu/text/utf8.hpp"

namespace troupe::api_edge {
namespace {

constexpr int32_t max_active_limit = 1000000;
constexpr int32_t max_queued_limit = 100000000;

bool has_control_chars(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

// Short, printable rendering of a client-supplied name for messages (never the raw bytes).
std::string quoted(std::string_view s) {
  std::string out = "'";
  for (unsigned char c : s.substr(0, 64)) out += (c >= 0x20 && c < 0x7f) ? char(c) : '?';
  if (s.size() > 64) out += "...";
  return out + "'";
}

}  // namespace

std::string request_name(const job_spec& spec) {
  if (spec.client_request_id.empty()) return "submit";
  return "submit (request " + quoted(spec.client_request_id) + ")";
}

status check_model_name(std::string_view model, const edge_limits& limits, std::string_view what) {
  auto bad = [&](const std::string& problem) {
    return make_status(errc::invalid_argument, std::string(what) + ": " + problem);
  };
  if (model.empty()) return bad("the model name is empty");
  if (model.size() > limits.max_model_bytes)
    return bad("the model name is longer than " + std::to_string(limits.max_model_bytes) +
               " bytes");
  if (!utf8::is_valid(model) || has_control_chars(model))
    return bad("the model name is not printable UTF-8");
  return {};
}

status check_submit(const job_spec& spec, const edge_limits& limits) {
  auto name = request_name(spec);
  auto bad = [&](const std::string& problem) {
    return make_status(errc::invalid_argument, name + ": " + problem);
  };
  if (spec.client_request_id.size() > limits.max_request_id_bytes)
    return bad("clientRequestId is longer than " + std::to_string(limits.max_request_id_bytes) +
               " bytes");
  if (!utf8::is_valid(spec.client_request_id) || has_control_chars(spec.client_request_id))
    return bad("clientRequestId is not printable UTF-8");
  if (auto st = check_model_name(spec.model, limits, name); !st.ok()) return st;
  // The rest are the scheduler's own rules, checked here already so that a bad request costs
  // the cluster nothing (the model's own max_seq_len is checked once the scheduler has it).
  submit_limits shared;
  shared.max_prompt_bytes = limits.max_prompt_bytes;
  shared.max_seq_len = static_cast<uint32_t>(limits.max_tokens);
  shared.max_stop_strings = limits.max_stop_strings;
  shared.max_stop_bytes = limits.max_stop_bytes;
  shared.max_request_id_bytes = limits.max_request_id_bytes;
  return validate_job_spec(spec, name, shared);
}

status check_limits_update(std::string_view model, int32_t max_active, int32_t max_queued,
                           const edge_limits& limits) {
  if (auto st = check_model_name(model, limits, "setLimits"); !st.ok()) return st;
  auto bad = [&](const std::string& problem) {
    return make_status(errc::invalid_argument, "setLimits " + quoted(model) + ": " + problem);
  };
  if (max_active != -1 && (max_active < 1 || max_active > max_active_limit))
    return bad("maxActive must be -1 (keep) or within [1, " + std::to_string(max_active_limit) +
               "] (got " + std::to_string(max_active) + ")");
  if (max_queued != -1 && (max_queued < 0 || max_queued > max_queued_limit))
    return bad("maxQueued must be -1 (keep) or within [0, " + std::to_string(max_queued_limit) +
               "] (got " + std::to_string(max_queued) + ")");
  return {};
}

bool keys_equal(std::string_view given, std::string_view expected) {
  // Every byte of `expected` is compared against something, whatever `given` is.
  volatile unsigned char diff = given.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size(); ++i) {
    unsigned char g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    diff = diff | (g ^ static_cast<unsigned char>(expected[i]));
  }
  return diff == 0;
}

}  // namespace troupe::api_edge
