// An error answered at the HTTP edge: the HTTP status, a message for people, the request field at
// fault, and troupe's error code (which decides the machine-readable `type`/`code` strings of the
// OpenAI error body). Every rejection of the front door is one of these; nothing is dropped.
#pragma once

#include <string>

#include "actors/types.hpp"

namespace troupe::http {

struct http_error {
  int status = 400;
  errc code = errc::invalid_argument;
  std::string message;
  std::string param;  // the offending field ("messages[1].content"); empty when none applies
  job_id job = 0;     // set when the request got a job id (queue_full): x-troupe-job-id
  std::string kind;   // overrides the OpenAI `code` string ("body_too_large", ...); else by `code`
  std::string allow;  // 405: the methods the path takes (the Allow header)
};

http_error bad_request(std::string message, std::string param = {});
// 400 invalid_argument.

http_error from_status(const status& st, job_id job = 0);
// troupe's answer as HTTP: invalid_argument and prompt_too_long 400, unauthorized 401,
// unknown_model and not_found 404, cancelled 409, queue_full and unavailable 503, internal 500.

http_error unknown_model(const std::string& name);
// 404 unknown_model naming the model, param "model".

int http_status_of(errc code);

const char* openai_type(const http_error& e);  // "invalid_request_error", "authentication_error",
                                               // "server_error"
std::string openai_code(const http_error& e);  // "queue_full", "model_not_found", ...

}  // namespace troupe::http
