// A synchronous client of the troupe API (schema/troupe.capnp), for the `troupe` CLI, tests and
// benchmarks: one connection, one session, calls that return when answered.
//
// Each client runs Cap'n Proto's EzRpcClient on the calling thread's KJ event loop (one per
// thread), so a client must be used from the thread that made it; concurrent jobs need a client
// per thread. No CAF anywhere.
//
// Errors: a call the cluster answers carries its Status (`call_status`); failing to reach the
// cluster, losing the connection or a call that gets no answer within the timeout throws
// connection_error. A session the server refuses (wrong API key) throws session_refused.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "schema/troupe.capnp.h"

namespace troupe::cli {

struct call_status {
  api::ErrorCode code = api::ErrorCode::OK;
  std::string message;

  bool ok() const { return code == api::ErrorCode::OK; }
};

class connection_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class session_refused : public std::runtime_error {
 public:
  explicit session_refused(call_status st)
      : std::runtime_error(st.message), status(std::move(st)) {}
  call_status status;
};

struct job_request {
  std::string model;
  std::string prompt;
  int32_t max_tokens = 128;
  float temperature = 0.0f;
  float top_p = 1.0f;
  int32_t top_k = 0;
  float repetition_penalty = 1.0f;
  uint64_t seed = 0;
  std::vector<std::string> stop;
  api::Priority priority = api::Priority::NORMAL;
  std::string request_id;
};

struct job_timing {  // microseconds since the Unix epoch; 0 = not reached
  int64_t submitted_us = 0, started_us = 0, first_token_us = 0, finished_us = 0;
};

struct job_result_info {
  uint64_t job = 0;
  api::FinishReason reason = api::FinishReason::NONE;
  uint32_t prompt_tokens = 0;
  uint32_t generated_tokens = 0;
  std::string text;
  job_timing timings;
};

struct job_status_info {
  uint64_t job = 0;
  std::string model;
  api::JobState state = api::JobState::QUEUED;
  api::Priority priority = api::Priority::NORMAL;
  uint32_t queue_position = 0;
  std::string node;
  std::string device;
  uint32_t prompt_tokens = 0;
  uint32_t generated_tokens = 0;
  api::FinishReason reason = api::FinishReason::NONE;
  call_status error;
  job_timing timings;
};

struct submit_reply {
  call_status status;
  uint64_t job = 0;
  uint32_t queue_position = 0;
};

struct stream_outcome {  // how a submitted or attached stream ended
  call_status status;    // the submit/attach call itself (not ok: nothing was streamed)
  uint64_t job = 0;
  uint32_t queue_position = 0;
  bool done = false;    // `done` arrived: `result` is set
  bool failed = false;  // `failed` arrived: `error` is the job's error
  bool lost = false;    // the stream ended without a terminal call (`lost_reason`)
  std::string lost_reason;
  call_status error;
  job_result_info result;
  std::vector<int32_t> tokens;  // everything streamed
  std::string text;
  bool contiguous = true;  // every chunk started where the previous one ended
};

using text_callback = std::function<void(const std::string& text)>;

struct model_row {
  std::string name;
  int32_t max_active = 0, max_queued = 0, active = 0, queued = 0;
  int32_t peak_active = 0, peak_queued = 0, recommended_parallel = 0;
  uint32_t devices = 0;
};

struct device_row {
  std::string node, model, name;
  uint32_t slots_total = 0, slots_used = 0, kv_blocks_total = 0, kv_blocks_used = 0;
};

struct health_info {
  call_status status;
  bool serving = false;
  uint32_t devices_up = 0;
  std::vector<device_row> devices;
};

struct node_device_row {
  uint32_t batcher = 0;
  std::string model, name, type;
  uint64_t memory_total = 0, memory_available = 0;
  uint32_t slots = 0, kv_blocks = 0, sequences = 0;
  double speed = 0, tokens_per_s = 0;
  bool draining = false;
  uint64_t generated_tokens = 0;
};

struct node_row {
  std::string name;
  std::string state;  // up, draining, down
  int64_t last_seen_us = 0;
  std::vector<node_device_row> devices;
};

struct limits_info {
  call_status status;
  std::string model;
  int32_t max_active = 0;
  int32_t max_queued = 0;
};

class client {
 public:
  explicit client(const std::string& address, const std::string& api_key = "",
                  std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Connects to HOST:PORT and opens a session.

  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  uint32_t server_version() const;

  submit_reply submit_detached(const job_request& request);
  stream_outcome submit(const job_request& request, const text_callback& on_text = {});
  // Streams the job's text to `on_text` as it arrives; returns at its end.
  stream_outcome attach(uint64_t job, const text_callback& on_text = {});

  std::pair<call_status, job_status_info> status(uint64_t job);
  call_status cancel(uint64_t job);
  std::pair<call_status, job_result_info> result(uint64_t job);
  std::pair<call_status, std::string> stats();
  std::pair<call_status, std::vector<model_row>> models();
  health_info health();
  std::pair<call_status, std::vector<node_row>> nodes();
  limits_info get_limits(const std::string& model);
  limits_info set_limits(const std::string& model, int32_t max_active, int32_t max_queued);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

std::string_view to_string(api::ErrorCode code);       // "queue_full", ... as in troupe::errc
std::string_view to_string(api::JobState state);       // "queued", "running", ...
std::string_view to_string(api::FinishReason reason);  // "eos", "max_tokens", ...
std::string_view to_string(api::Priority priority);    // "high", "normal", "low"

}  // namespace troupe::cli
