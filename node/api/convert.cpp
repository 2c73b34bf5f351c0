#include "node/api/convert.hpp"

namespace troupe::api_wire {

static_assert(static_cast<int>(api::ErrorCode::CANCELLED) == static_cast<int>(errc::cancelled),
              "ErrorCode and errc must keep the same ordinals");
static_assert(static_cast<int>(api::ErrorCode::INTERNAL) == static_cast<int>(errc::internal));
static_assert(static_cast<int>(api::ErrorCode::QUEUE_FULL) == static_cast<int>(errc::queue_full));

api::ErrorCode to_wire(errc code) {
  return static_cast<api::ErrorCode>(code);
}

errc from_wire(api::ErrorCode code) {
  auto n = static_cast<int>(code);
  if (n < 0 || n > static_cast<int>(errc::cancelled)) return errc::internal;
  return static_cast<errc>(n);
}

api::Priority to_wire(priority p) {
  switch (p) {
    case priority::high:
      return api::Priority::HIGH;
    case priority::low:
      return api::Priority::LOW;
    case priority::normal:
      break;
  }
  return api::Priority::NORMAL;
}

api::JobState to_wire(job_state s) {
  switch (s) {
    case job_state::queued:
      return api::JobState::QUEUED;
    case job_state::running:
      return api::JobState::RUNNING;
    case job_state::done:
      return api::JobState::DONE;
    case job_state::failed:
      return api::JobState::FAILED;
    case job_state::cancelled:
      return api::JobState::CANCELLED;
  }
  return api::JobState::FAILED;
}

api::FinishReason to_wire(finish_reason r) {
  switch (r) {
    case finish_reason::none:
      return api::FinishReason::NONE;
    case finish_reason::eos:
      return api::FinishReason::EOS;
    case finish_reason::max_tokens:
      return api::FinishReason::MAX_TOKENS;
    case finish_reason::stop:
      return api::FinishReason::STOP;
    case finish_reason::length:
      return api::FinishReason::LENGTH;
  }
  return api::FinishReason::NONE;
}

void fill(api::Status::Builder out, const status& st) {
  out.setCode(to_wire(st.code));
  out.setMessage(st.message);
}

void fill(api::Timings::Builder out, const job_timings& t) {
  out.setSubmittedUs(t.submitted_us);
  out.setStartedUs(t.started_us);
  out.setFirstTokenUs(t.first_token_us);
  out.setFinishedUs(t.finished_us);
}

void fill(api::JobInfo::Builder out, const job_info& info) {
  out.setJobId(info.job);
  out.setModel(info.model);
  out.setState(to_wire(info.state));
  out.setPriority(to_wire(info.prio));
  out.setQueuePosition(info.queue_position);
  out.setNode(info.node);
  out.setDevice(info.device);
  out.setPromptTokens(info.prompt_tokens);
  out.setGeneratedTokens(info.generated_tokens);
  out.setFinishReason(to_wire(info.reason));
  fill(out.initError(), info.error);
  fill(out.initTimings(), info.timings);
}

void fill(api::JobResult::Builder out, const job_result& r) {
  out.setJobId(r.job);
  out.setFinishReason(to_wire(r.reason));
  out.setPromptTokens(r.prompt_tokens);
  out.setGeneratedTokens(r.generated_tokens);
  out.setText(r.text);
  fill(out.initTimings(), r.timings);
}

void fill(api::Limits::Builder out, const model_limits& l) {
  out.setModel(l.model);
  out.setMaxActive(l.max_active);
  out.setMaxQueued(l.max_queued);
}

std::string to_std(capnp::Text::Reader text) {
  return std::string(text.cStr(), text.size());
}

status read_spec(api::JobSpec::Reader in, job_spec& out) {
  out.model = to_std(in.getModel());
  out.prompt = to_std(in.getPrompt());
  out.max_tokens = in.getMaxTokens();
  out.sampling.temperature = in.getTemperature();
  out.sampling.top_p = in.getTopP();
  out.sampling.top_k = in.getTopK();
  out.sampling.repetition_penalty = in.getRepetitionPenalty();
  out.sampling.seed = in.getSeed();
  out.sampling.min_p = in.getMinP();
  out.sampling.presence_penalty = in.getPresencePenalty();
  out.sampling.frequency_penalty = in.getFrequencyPenalty();
  auto stop = in.getStop();
  out.stop.clear();
  if (stop.size() > 1024)  // far beyond any limit: do not copy it to reject it later
    return make_status(errc::invalid_argument,
                       "submit: " + std::to_string(stop.size()) + " stop strings (at most 16)");
  for (auto s : stop) out.stop.push_back(to_std(s));
  out.client_request_id = to_std(in.getClientRequestId());
  switch (in.getPriority()) {
    case api::Priority::HIGH:
      out.prio = priority::high;
      break;
    case api::Priority::NORMAL:
      out.prio = priority::normal;
      break;
    case api::Priority::LOW:
      out.prio = priority::low;
      break;
    default:
      return make_status(errc::invalid_argument,
                         "submit: unknown priority " +
                             std::to_string(static_cast<int>(in.getPriority())) +
                             " (high, normal or low)");
  }
  return {};
}

}  // namespace troupe::api_wire
