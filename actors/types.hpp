// The data that travels between troupe's actors, inside a node and between nodes.
//
// Everything here is plain data: values, strings and vectors, no pointers or process-local
// handles, so that any of it can be serialized and sent to another node. Each type has an
// `inspect` overload (CAF's serialization hook) and is registered under its name in
// actors/type_registry.cpp; the interfaces that exchange these types are in actors/interfaces.hpp.
//
// Only caf/meta/type_name.hpp is included here (a few lines), so this header is cheap to include
// from code that has nothing to do with actors.
#pragma once

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gpu/engine.hpp"

namespace troupe {

using job_id = uint64_t;
using batcher_id = uint32_t;

// -- enumerations -----------------------------------------------------------------------------

enum class priority : uint8_t { low = 0, normal = 1, high = 2 };

enum class job_state : uint8_t { queued, running, done, failed, cancelled };

enum class node_state : uint8_t { up, draining, down };

enum class finish_reason : uint8_t {
  none,        // not finished, or did not finish normally
  eos,         // the model produced an end-of-generation token
  max_tokens,  // the job's max_tokens were generated
  stop,        // a stop string appeared in the output
  length,      // the sequence reached the model's max_seq_len
};

enum class errc : uint8_t {
  ok,
  queue_full,        // admission: max_active running and max_queued waiting already
  invalid_argument,  // a malformed request: bad parameter values, empty prompt, invalid UTF-8
  unknown_model,     // no node serves the model
  prompt_too_long,   // the prompt (plus one generated token) exceeds max_seq_len or any KV cache
  unauthorized,      // missing or wrong API key
  not_found,         // no such job
  unavailable,       // the cluster cannot take or run the job now (shutting down, no node up)
  internal,          // a bug or an unrecoverable engine failure
  cancelled,         // the job was cancelled by a client
};

std::string_view to_string(priority p);
std::string_view to_string(job_state s);
std::string_view to_string(finish_reason r);
std::string_view to_string(errc c);
std::string_view to_string(node_state s);
bool parse(std::string_view text, priority& out);  // "high" | "normal" | "low"
bool is_terminal(job_state s);

// -- results ----------------------------------------------------------------------------------

struct status {
  errc code = errc::ok;
  std::string message;  // for people: names the job and the problem

  bool ok() const { return code == errc::ok; }
};

status make_status(errc code, std::string message);

// -- client-facing job data --------------------------------------------------------------------

struct job_spec {
  std::string model;
  std::string prompt;             // UTF-8 text; the model's tokenizer turns it into tokens
  int32_t max_tokens = 128;       // tokens to generate at most
  sampling_params sampling;       // temperature 0 = greedy
  std::vector<std::string> stop;  // generation ends when the output contains one of these
  priority prio = priority::normal;
  std::string client_request_id;  // optional; idempotent submits (same id, same job)
  std::string client_address;     // who sent it ("127.0.0.1:40312"), set by the API edge; "" when
                                  // submitted in process. Not part of the request's identity.
};

struct submit_reply {
  status st;
  job_id job = 0;               // set whenever the request got as far as an id (also on queue_full)
  uint32_t queue_position = 0;  // jobs ahead of this one in its model's queue (an estimate)
};

struct job_timings {  // wall-clock microseconds since the Unix epoch; 0 = not reached
  int64_t submitted_us = 0;
  int64_t started_us = 0;
  int64_t first_token_us = 0;
  int64_t finished_us = 0;
};

struct token_chunk {  // streamed to a job's sinks as tokens are produced
  job_id job = 0;
  uint32_t first_index = 0;  // index of tokens[0] among the job's generated tokens
  std::vector<token_id> tokens;
  std::string text;  // whole UTF-8 characters; may lag the tokens (see detokenizer)
};

struct job_result {  // the terminal event of a job that completed
  job_id job = 0;
  finish_reason reason = finish_reason::none;
  uint32_t prompt_tokens = 0;
  uint32_t generated_tokens = 0;
  std::string text;  // the complete generated text
  job_timings timings;
};

struct job_error {  // the terminal event of a job that failed or was cancelled
  job_id job = 0;
  status error;
};

struct job_info {  // answer to a status query
  job_id job = 0;
  std::string model;
  job_state state = job_state::queued;
  priority prio = priority::normal;
  uint32_t queue_position = 0;  // while queued
  std::string node;             // node running (or that ran) the job
  std::string device;
  uint32_t prompt_tokens = 0;
  uint32_t generated_tokens = 0;
  finish_reason reason = finish_reason::none;
  status error;
  job_timings timings;
};

// -- capacity ---------------------------------------------------------------------------------

struct model_limits {
  std::string model;
  int32_t max_active = 0;  // jobs generating at once (cluster-wide)
  int32_t max_queued = 0;  // jobs admitted and waiting
};

struct device_capacity {  // one batcher's device, as the capacity actor accounts it
  batcher_id batcher = 0;
  std::string node;
  std::string model;
  device_info device;
  uint32_t max_batch_size = 0;  // sequence slots
  uint32_t kv_blocks = 0;
  uint32_t kv_block_tokens = 0;
  uint64_t kv_block_bytes = 0;
  double speed = 1.0;  // relative decode speed; routing weight
};

struct admit_request {
  job_id job = 0;
  std::string model;
  uint32_t kv_blocks = 0;  // blocks the job needs: prompt plus its generation budget
  bool recovered = false;  // accepted before a restart: admitted whatever the queue limits
};

struct acquire_request {
  job_id job = 0;
  std::string model;
  uint32_t kv_blocks = 0;
  std::vector<uint64_t> prefix;  // the prompt's prefix keys (prefix_affinity.hpp), longest first
};

struct grant {  // answer to an acquire
  status st;    // not ok when the job holds no admission (not admitted, withdrawn)
  job_id job = 0;
  bool granted = false;  // the job may run on `batcher`; false: no units now (a wake follows)
  batcher_id batcher = 0;
};

struct model_usage {
  std::string model;
  int32_t max_active = 0;
  int32_t max_queued = 0;
  int32_t active = 0;
  int32_t queued = 0;
  int32_t peak_active = 0;
  int32_t peak_queued = 0;
  bool waiting = false;              // an acquire found no units: a wake is due when units return
  int32_t recommended_parallel = 0;  // sequences of max_seq_len that fit the model's KV caches
  int64_t prefix_routed = 0;  // jobs sent where their prompt's prefix ran rather than to the freest
                              // device (prefix affinity)
};

struct device_usage {
  batcher_id batcher = 0;
  std::string node;
  std::string model;
  device_info device;
  uint32_t slots_total = 0;
  uint32_t slots_used = 0;
  uint32_t kv_blocks_total = 0;
  uint32_t kv_blocks_used = 0;
};

struct capacity_report {
  std::vector<model_usage> models;
  std::vector<device_usage> devices;
};

// -- scheduler <-> batcher ------------------------------------------------------------------------

struct batcher_limits {
  uint32_t max_batch_size = 16;    // sequences per step
  uint32_t max_step_tokens = 512;  // tokens per step (decode tokens plus prefill chunks)
  uint32_t max_seq_len = 2048;     // prompt plus generated tokens
  uint32_t max_step_retries = 3;   // failures of a sequence in isolation before it fails
};

struct batcher_registration {  // a batcher announcing itself to the scheduler
  std::string node;
  std::string model;
  engine_info engine;
  batcher_limits limits;
  double speed = 1.0;  // measured decode tokens/s of one sequence: the routing weight
};

struct batcher_load {      // a batcher's answer to a ping
  uint32_t sequences = 0;  // running now
  uint64_t steps = 0;      // since it started
  uint64_t generated_tokens = 0;
  double tokens_per_s = 0;  // generated tokens per second over the last few seconds
};

struct node_device {  // one batcher of a node, as `troupe nodes` shows it
  batcher_id batcher = 0;
  std::string model;
  device_info device;
  uint32_t slots = 0;
  uint32_t kv_blocks = 0;
  double speed = 0;
  bool draining = false;
  batcher_load load;
};

struct node_status {
  std::string name;
  node_state state = node_state::up;
  int64_t last_seen_us = 0;
  std::vector<node_device> devices;
};

struct sequence_job {  // a job handed to a batcher
  job_id job = 0;
  std::vector<token_id> prompt;
  std::vector<token_id> generated;  // tokens produced before (resuming from a checkpoint)
  int32_t max_new_tokens = 0;       // total generation budget, `generated` included
  bool length_limited = false;      // max_new_tokens was cut to fit max_seq_len
  sampling_params sampling;
  std::vector<std::string> stop;
};

struct job_progress {  // new output of one job during one step
  job_id job = 0;
  std::vector<token_id> tokens;
  std::string text;
};

struct job_finish {  // a job left its batcher
  job_id job = 0;
  finish_reason reason = finish_reason::none;
  status error;  // not ok when the job failed in the engine or was cancelled
};

struct step_stats {  // one engine step, batcher -> metrics
  std::string model;
  batcher_id batcher = 0;
  std::string node;    // where the step ran: set by the scheduler from the batcher's
  std::string device;  // registration, not sent over the network with every step
  uint32_t device_index = 0;
  uint32_t batch_size = 0;
  uint32_t max_batch_size = 0;
  uint32_t tokens = 0;   // input tokens computed
  uint32_t sampled = 0;  // tokens generated
  int64_t host_us = 0;   // batcher time composing the step and handling its result
  int64_t engine_us = 0;
  bool failed = false;
  uint32_t prefix_queried = 0;  // prompt tokens looked up in the engine's prefix cache
  uint32_t prefix_hits = 0;     // ... and found there
};

struct step_report {  // what one step (or a cancellation) changed, batcher -> scheduler
  batcher_id batcher = 0;
  std::vector<job_progress> progress;
  std::vector<job_finish> finished;
  std::vector<step_stats> stats;  // the step's statistics (none for a cancellation)
};

// -- batcher <-> worker -----------------------------------------------------------------------

struct step_reply {
  status st;  // not ok when the engine failed the step
  step_output output;
  int64_t engine_us = 0;  // time spent inside the engine
};

// -- metrics ----------------------------------------------------------------------------------

enum class job_event : uint8_t { accepted, rejected, done, failed, cancelled, requeued };
// requeued: a running job went back to its queue (its device was lost or drained away).

struct job_summary {  // a job accepted, rejected or reaching a terminal state, scheduler -> metrics
  std::string model;
  job_event event = job_event::done;
  errc error = errc::ok;  // the rejection or failure code
  uint32_t prompt_tokens = 0;
  uint32_t generated_tokens = 0;
  job_timings timings;
  finish_reason reason = finish_reason::none;  // for done
  job_id id = 0;                               // for terminal events (the activity log's)
  std::string node = {};                       // where it ran last ("" if it never ran)
  std::string device = {};
  std::string client_request_id = {};
  std::string client_address = {};
};

// -- inspect overloads ------------------------------------------------------------------------

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sampling_params& x) {
  return f(caf::meta::type_name("sampling_params"), x.temperature, x.top_p, x.top_k,
           x.repetition_penalty, x.seed, x.min_p, x.presence_penalty, x.frequency_penalty);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sequence_input& x) {
  return f(caf::meta::type_name("sequence_input"), x.seq, x.tokens, x.pos, x.sample, x.sample_index,
           x.params, x.want_logits);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, step_input& x) {
  return f(caf::meta::type_name("step_input"), x.seqs);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, step_output& x) {
  return f(caf::meta::type_name("step_output"), x.tokens, x.prefix_queried, x.prefix_hits,
           x.logits);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, device_info& x) {
  return f(caf::meta::type_name("device_info"), x.index, x.name, x.type, x.vendor, x.memory_total,
           x.memory_available);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, engine_info& x) {
  return f(caf::meta::type_name("engine_info"), x.model, x.architecture, x.vocab_size,
           x.context_length, x.kv_block_tokens, x.kv_blocks, x.kv_block_bytes, x.weight_bytes,
           x.activation_bytes, x.device);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, status& x) {
  return f(caf::meta::type_name("status"), x.code, x.message);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_spec& x) {
  return f(caf::meta::type_name("job_spec"), x.model, x.prompt, x.max_tokens, x.sampling, x.stop,
           x.prio, x.client_request_id, x.client_address);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, submit_reply& x) {
  return f(caf::meta::type_name("submit_reply"), x.st, x.job, x.queue_position);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_timings& x) {
  return f(caf::meta::type_name("job_timings"), x.submitted_us, x.started_us, x.first_token_us,
           x.finished_us);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, token_chunk& x) {
  return f(caf::meta::type_name("token_chunk"), x.job, x.first_index, x.tokens, x.text);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_result& x) {
  return f(caf::meta::type_name("job_result"), x.job, x.reason, x.prompt_tokens, x.generated_tokens,
           x.text, x.timings);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_error& x) {
  return f(caf::meta::type_name("job_error"), x.job, x.error);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_info& x) {
  return f(caf::meta::type_name("job_info"), x.job, x.model, x.state, x.prio, x.queue_position,
           x.node, x.device, x.prompt_tokens, x.generated_tokens, x.reason, x.error, x.timings);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, model_limits& x) {
  return f(caf::meta::type_name("model_limits"), x.model, x.max_active, x.max_queued);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, device_capacity& x) {
  return f(caf::meta::type_name("device_capacity"), x.batcher, x.node, x.model, x.device,
           x.max_batch_size, x.kv_blocks, x.kv_block_tokens, x.kv_block_bytes, x.speed);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, admit_request& x) {
  return f(caf::meta::type_name("admit_request"), x.job, x.model, x.kv_blocks, x.recovered);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, acquire_request& x) {
  return f(caf::meta::type_name("acquire_request"), x.job, x.model, x.kv_blocks, x.prefix);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, grant& x) {
  return f(caf::meta::type_name("grant"), x.st, x.job, x.granted, x.batcher);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, model_usage& x) {
  return f(caf::meta::type_name("model_usage"), x.model, x.max_active, x.max_queued, x.active,
           x.queued, x.peak_active, x.peak_queued, x.waiting, x.recommended_parallel,
           x.prefix_routed);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, device_usage& x) {
  return f(caf::meta::type_name("device_usage"), x.batcher, x.node, x.model, x.device,
           x.slots_total, x.slots_used, x.kv_blocks_total, x.kv_blocks_used);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, capacity_report& x) {
  return f(caf::meta::type_name("capacity_report"), x.models, x.devices);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, batcher_limits& x) {
  return f(caf::meta::type_name("batcher_limits"), x.max_batch_size, x.max_step_tokens,
           x.max_seq_len, x.max_step_retries);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, batcher_registration& x) {
  return f(caf::meta::type_name("batcher_registration"), x.node, x.model, x.engine, x.limits,
           x.speed);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, batcher_load& x) {
  return f(caf::meta::type_name("batcher_load"), x.sequences, x.steps, x.generated_tokens,
           x.tokens_per_s);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_device& x) {
  return f(caf::meta::type_name("node_device"), x.batcher, x.model, x.device, x.slots, x.kv_blocks,
           x.speed, x.draining, x.load);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_status& x) {
  return f(caf::meta::type_name("node_status"), x.name, x.state, x.last_seen_us, x.devices);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sequence_job& x) {
  return f(caf::meta::type_name("sequence_job"), x.job, x.prompt, x.generated, x.max_new_tokens,
           x.length_limited, x.sampling, x.stop);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_progress& x) {
  return f(caf::meta::type_name("job_progress"), x.job, x.tokens, x.text);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_finish& x) {
  return f(caf::meta::type_name("job_finish"), x.job, x.reason, x.error);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, step_report& x) {
  return f(caf::meta::type_name("step_report"), x.batcher, x.progress, x.finished, x.stats);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, step_reply& x) {
  return f(caf::meta::type_name("step_reply"), x.st, x.output, x.engine_us);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, step_stats& x) {
  return f(caf::meta::type_name("step_stats"), x.model, x.batcher, x.node, x.device, x.device_index,
           x.batch_size, x.max_batch_size, x.tokens, x.sampled, x.host_us, x.engine_us, x.failed,
           x.prefix_queried, x.prefix_hits);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_summary& x) {
  return f(caf::meta::type_name("job_summary"), x.model, x.event, x.error, x.prompt_tokens,
           x.generated_tokens, x.timings, x.reason, x.id, x.node, x.device, x.client_request_id,
           x.client_address);
}

}  // namespace troupe
