// A generation request as the HTTP front door runs it, whatever protocol it came in (OpenAI,
// Ollama), and the shape of its answer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "actors/types.hpp"
#include "node/http/http_error.hpp"

namespace troupe::http {

struct generation_request {
  job_spec spec;  // a chat request's messages are already rendered into spec.prompt
  bool stream = false;
  bool include_usage = false;  // OpenAI: stream_options.include_usage
};

class response_format {
  // One protocol's response to one generation: the whole body at once, or a stream of pieces.
  // Each method returns bytes to write; the front door calls them in order: start, text..., then
  // finish or fail.
 public:
  virtual ~response_format() = default;

  virtual const char* content_type(bool stream) const = 0;

  virtual std::string start(job_id job) = 0;
  // A stream's first piece, once the job is accepted (the job id is known from here on).
  virtual std::string text(std::string_view text) = 0;
  virtual std::string finish(const job_result& result) = 0;
  // The last piece of a stream that ended normally.
  virtual std::string fail(const http_error& error) = 0;
  // The last piece of a stream whose job failed after it had begun.

  virtual std::string whole(const job_result& result) = 0;
  // The complete body of a request that does not stream.
};

const char* stop_or_length(finish_reason reason);
// How OpenAI and Ollama name why a job ended: eos and stop strings are "stop"; max_tokens and
// the end of the context are "length".

uint64_t request_seed(const std::string& idempotency_key);
// The seed of a request that names none: a fresh random one, or, for a request with an
// Idempotency-Key, one derived from the key, so that sending it again is the same request.

}  // namespace troupe::http
