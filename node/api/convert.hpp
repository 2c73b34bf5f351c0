// Translation between the wire types of schema/troupe.capnp and troupe's own types
// (actors/types.hpp). Enumerations map 1:1 (ErrorCode <-> errc by ordinal); a value the wire
// enum does not define (a newer or malicious client) is reported, never cast blindly.
#pragma once

#include <string>

#include "actors/types.hpp"
#include "schema/troupe.capnp.h"

namespace troupe::api_wire {

api::ErrorCode to_wire(errc code);
errc from_wire(api::ErrorCode code);  // unknown codes become internal
api::Priority to_wire(priority p);
api::JobState to_wire(job_state s);
api::FinishReason to_wire(finish_reason r);

void fill(api::Status::Builder out, const status& st);
void fill(api::Timings::Builder out, const job_timings& t);
void fill(api::JobInfo::Builder out, const job_info& info);
void fill(api::JobResult::Builder out, const job_result& r);
void fill(api::Limits::Builder out, const model_limits& l);

status read_spec(api::JobSpec::Reader in, job_spec& out);
// Copies a wire JobSpec. invalid_argument when an enumerant is unknown; everything else is left
// to the edge checks (node/api/request_checks.hpp).

std::string to_std(capnp::Text::Reader text);

}  // namespace troupe::api_wire
