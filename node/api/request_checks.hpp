// The API's edge checks: every value a client sends is checked here, before anything reaches the
// scheduler, and answered with a Status that names the request and the field. The ranges agree
// with the scheduler's own validation (actors/scheduler/submit_validation.cpp), which still runs
// (it also knows each model's max_seq_len); the edge adds the limits only the API knows (model
// name sizes, absurd values) and keeps malformed input away from the actors altogether.
//
// Plain C++: no Cap'n Proto, no CAF.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "actors/types.hpp"

namespace troupe::api_edge {

struct edge_limits {
  uint64_t max_prompt_bytes = 1 << 20;  // larger prompts are prompt_too_long
  int32_t max_tokens = 1 << 20;         // more is invalid whatever the model (absurd)
  size_t max_model_bytes = 256;
  size_t max_stop_strings = 16;
  size_t max_stop_bytes = 256;
  size_t max_request_id_bytes = 256;
  size_t max_api_key_bytes = 4096;
};

std::string request_name(const job_spec& spec);
// "submit" or "submit (request 'ID')": how messages about a request without a job id name it.

status check_submit(const job_spec& spec, const edge_limits& limits);
// ok, or invalid_argument / prompt_too_long with a message naming the request and the field.

status check_model_name(std::string_view model, const edge_limits& limits, std::string_view what);
// A model name as a query argument: not empty, bounded, UTF-8 without control characters.

status check_limits_update(std::string_view model, int32_t max_active, int32_t max_queued,
                           const edge_limits& limits);
// setLimits: -1 keeps a value; max_active 1..1000000, max_queued 0..100000000.

bool keys_equal(std::string_view given, std::string_view expected);
// Compares an API key in time that depends only on the expected key's length, so the time a
// wrong key takes tells nothing about how much of it was right.

}  // namespace troupe::api_edge
