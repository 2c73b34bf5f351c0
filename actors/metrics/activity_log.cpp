#include "actors/metrics/activity_log.hpp"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace troupe {
namespace {

bool terminal(job_event e) {
  return e == job_event::done || e == job_event::failed || e == job_event::cancelled;
}

std::string_view state_of(job_event e) {
  return e == job_event::done ? "done" : e == job_event::failed ? "failed" : "cancelled";
}

// Milliseconds from `from` to `to`, or null when either was not reached.
nlohmann::json span_ms(int64_t from, int64_t to) {
  if (from == 0 || to == 0 || to < from) return nullptr;
  return static_cast<double>(to - from) / 1000.0;
}

std::string utc_now() {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

}  // namespace

activity_log::activity_log(const std::string& path, activity_log_options options) {
  try {
    auto sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
        path, static_cast<size_t>(options.max_file_bytes), options.max_files);
    logger_ = std::make_shared<spdlog::logger>("activity", std::move(sink));
    logger_->set_pattern("%v");
    logger_->set_level(spdlog::level::info);
    logger_->flush_on(spdlog::level::info);
    logger_->set_error_handler([dropped = dropped_, path](const std::string& what) {
      if (dropped->fetch_add(1) == 0)
        spdlog::warn("activity log {}: a line could not be written ({}); dropping such lines", path,
                     what);
    });
  } catch (const spdlog::spdlog_ex& e) {
    throw std::runtime_error("activity log " + path + ": " + e.what());
  }
}

activity_log::~activity_log() = default;

std::string activity_log::line(const job_summary& s) {
  const job_timings& t = s.timings;
  nlohmann::json j = {
      {"time", utc_now()},
      {"id", s.id},
      {"model", s.model},
      {"node", s.node},
      {"device", s.device},
      {"state", state_of(s.event)},
      {"finish_reason",
       s.event == job_event::done ? nlohmann::json(to_string(s.reason)) : nlohmann::json(nullptr)},
      {"error",
       s.event == job_event::done ? nlohmann::json(nullptr) : nlohmann::json(to_string(s.error))},
      {"prompt_tokens", s.prompt_tokens},
      {"generated_tokens", s.generated_tokens},
      {"queue_wait_ms", span_ms(t.submitted_us, t.started_us)},
      {"ttft_ms", span_ms(t.submitted_us, t.first_token_us)},
      {"duration_ms", span_ms(t.submitted_us, t.finished_us)},
      {"client_request_id",
       s.client_request_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.client_request_id)},
      {"client",
       s.client_address.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.client_address)},
  };
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void activity_log::record(const job_summary& s) {
  if (!terminal(s.event)) return;
  logger_->info(line(s));
}

}  // namespace troupe
