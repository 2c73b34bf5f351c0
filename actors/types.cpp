#include "actors/types.hpp"

namespace troupe {

std::string_view to_string(priority p) {
  switch (p) {
    case priority::low:
      return "low";
    case priority::normal:
      return "normal";
    case priority::high:
      return "high";
  }
  return "?";
}

std::string_view to_string(job_state s) {
  switch (s) {
    case job_state::queued:
      return "queued";
    case job_state::running:
      return "running";
    case job_state::done:
      return "done";
    case job_state::failed:
      return "failed";
    case job_state::cancelled:
      return "cancelled";
  }
  return "?";
}

std::string_view to_string(finish_reason r) {
  switch (r) {
    case finish_reason::none:
      return "none";
    case finish_reason::eos:
      return "eos";
    case finish_reason::max_tokens:
      return "max_tokens";
    case finish_reason::stop:
      return "stop";
    case finish_reason::length:
      return "length";
  }
  return "?";
}

std::string_view to_string(errc c) {
  switch (c) {
    case errc::ok:
      return "ok";
    case errc::queue_full:
      return "queue_full";
    case errc::invalid_argument:
      return "invalid_argument";
    case errc::unknown_model:
      return "unknown_model";
    case errc::prompt_too_long:
      return "prompt_too_long";
    case errc::unauthorized:
      return "unauthorized";
    case errc::not_found:
      return "not_found";
    case errc::unavailable:
      return "unavailable";
    case errc::internal:
      return "internal";
    case errc::cancelled:
      return "cancelled";
  }
  return "?";
}

std::string_view to_string(node_state s) {
  switch (s) {
    case node_state::up:
      return "up";
    case node_state::draining:
      return "draining";
    case node_state::down:
      return "down";
  }
  return "?";
}

bool parse(std::string_view text, priority& out) {
  for (auto p : {priority::low, priority::normal, priority::high}) {
    if (text == to_string(p)) {
      out = p;
      return true;
    }
  }
  return false;
}

bool is_terminal(job_state s) {
  return s == job_state::done || s == job_state::failed || s == job_state::cancelled;
}

status make_status(errc code, std::string message) {
  return status{code, std::move(message)};
}

}  // namespace troupe
