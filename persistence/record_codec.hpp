// The job store's records in and out of their Cap'n Proto encoding (schema/job_record.capnp).
// Internal to persistence/.
//
// Encoding writes every field. Decoding trusts nothing: a value that is not a well-formed message,
// holds another job's id, or carries an enumerant this version does not know gives a status naming
// the job and the record (errc::internal), never a crash or a half-filled job.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/types.hpp"
#include "persistence/job_store.hpp"

namespace troupe::store_codec {

struct job_lifecycle {  // the JobStatus record (s/<id>)
  job_state state = job_state::queued;
  int64_t started_us = 0;
  int64_t finished_us = 0;
  std::string node;
  std::string device;
  finish_reason reason = finish_reason::none;
  status error;
};

std::string encode_spec(const stored_job& job);
// The JobSpec record (j/<id>): the request part of `job`.

status decode_spec(job_id id, std::string_view value, stored_job& out);
// Fills the request part of `out` (id, spec, prompt, kv_blocks, max_new_tokens, length_limited,
// timings.submitted_us).

status decode_request_id(job_id id, std::string_view spec_value, std::string& out);
// Only the client_request_id of a JobSpec record (for the retention sweep).

std::string encode_status(job_id id, const job_lifecycle& lifecycle);
status decode_status(job_id id, std::string_view value, job_lifecycle& out);

std::string encode_progress(job_id id, const std::vector<token_id>& generated,
                            const std::string& text, int64_t first_token_us);
// The JobProgress record (p/<id>).

status decode_progress(job_id id, std::string_view value, stored_job& out);
// Fills generated, text and timings.first_token_us.

void apply_lifecycle(const job_lifecycle& lifecycle, stored_job& out);
// Copies the status record's fields into a stored_job.

}  // namespace troupe::store_codec
