// Checks a job specification before anything is spent on it: every value a client can send is
// either accepted or rejected here with invalid_argument (or prompt_too_long) and a message that
// names the job and the field.
#pragma once

#include <cstdint>
#include <string>

#include "actors/types.hpp"

namespace troupe {

struct submit_limits {
  uint64_t max_prompt_bytes = 1 << 20;  // larger prompts are prompt_too_long before tokenizing
  uint32_t max_seq_len = 2048;          // max_tokens beyond this is invalid (the model's context)
  size_t max_stop_strings = 16;
  size_t max_stop_bytes = 256;
  size_t max_request_id_bytes = 256;
};

status validate_job_spec(const job_spec& spec, const std::string& name,
                         const submit_limits& limits);
// The checks every submit gets, wherever it comes from (the API's edge, the scheduler); `name`
// starts each message ("job 42", "submit (request 'r1')").

status validate_submit(const job_spec& spec, job_id job, const submit_limits& limits);
// validate_job_spec naming the job.

std::string request_difference(const job_spec& a, const job_spec& b);
// The first field in which two requests differ ("prompt", "sampling.seed"), or "" when they ask
// for the same job: a submit that repeats a client_request_id must repeat its request too.

}  // namespace troupe
