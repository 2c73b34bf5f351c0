// Deterministic, realistic jobs for the job store's benchmarks and tests.
//
// A job is a pure function of (id, seed): a process that was killed and the test that checks what
// it left behind derive the same job independently, so "intact" means "equal to sample_job()".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "persistence/job_store.hpp"

namespace troupe::samples {

stored_job sample_job(job_id id, uint64_t seed, int prompt_tokens = 200);
// A queued job with every stored field set, most to non-default values: one of three models, a
// prompt of about 4 bytes per token (with some non-ASCII text), `prompt_tokens` token ids,
// sampling parameters, stop strings, a priority, a client_request_id for three jobs in four
// ("req-<seed>-<id>"), kv_blocks and a submission time.

std::vector<token_id> sample_output(job_id id, uint64_t seed, size_t n);
// The first `n` tokens the job "generates": sample_output(.., n) is a prefix of (.., n + 1), as
// with deterministic sampling.

std::string sample_text(const std::vector<token_id>& tokens);
// The text of those tokens (a fixed rendering of each id).

std::string diff_jobs(const stored_job& a, const stored_job& b);
// The first field where `a` and `b` differ, by name; empty when they are equal.

}  // namespace troupe::samples
