#include "node/http/http_error.hpp"

namespace troupe::http {

http_error bad_request(std::string message, std::string param) {
  http_error e;
  e.message = std::move(message);
  e.param = std::move(param);
  return e;
}

int http_status_of(errc code) {
  switch (code) {
    case errc::ok:
      return 200;
    case errc::invalid_argument:
    case errc::prompt_too_long:
      return 400;
    case errc::unauthorized:
      return 401;
    case errc::unknown_model:
    case errc::not_found:
      return 404;
    case errc::cancelled:
      return 409;
    case errc::queue_full:
    case errc::unavailable:
      return 503;
    case errc::internal:
      return 500;
  }
  return 500;
}

http_error from_status(const status& st, job_id job) {
  http_error e;
  e.status = http_status_of(st.code);
  e.code = st.code;
  e.message = st.message;
  e.job = job;
  return e;
}

http_error unknown_model(const std::string& name) {
  http_error e;
  e.status = 404;
  e.code = errc::unknown_model;
  e.message = "the model '" + name + "' does not exist";
  e.param = "model";
  return e;
}

const char* openai_type(const http_error& e) {
  if (e.status == 401) return "authentication_error";
  if (e.status >= 500) return "server_error";
  return "invalid_request_error";
}

std::string openai_code(const http_error& e) {
  if (!e.kind.empty()) return e.kind;
  switch (e.code) {
    case errc::unknown_model:
      return "model_not_found";
    case errc::unauthorized:
      return "invalid_api_key";
    case errc::prompt_too_long:
      return "context_length_exceeded";
    default:
      return std::string(to_string(e.code));
  }
}

}  // namespace troupe::http
