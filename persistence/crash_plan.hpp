// What the crash-test helper does with each job, shared by persistence_crash_helper and
// crash_test.cpp so the test can tell what a complete run of a job looks like (test-only).
//
// Odd ids stay queued. Even ids run: checkpoint every `checkpoint_every` tokens of
// samples::sample_output up to total_tokens(id); ids divisible by 4 then finish (done), the others
// stay running until a later run of the helper recovers and finishes them.
#pragma once

#include <cstddef>

#include "actors/types.hpp"

namespace troupe::crash_plan {

inline constexpr size_t checkpoint_every = 4;

inline bool runs(job_id id) {
  return id % 2 == 0;
}
inline bool finishes(job_id id) {
  return id % 4 == 0;
}
inline size_t total_tokens(job_id id) {
  return 8 + id % 40;
}
inline const char* node = "crash-node";
inline const char* device = "crash-gpu";

}  // namespace troupe::crash_plan
