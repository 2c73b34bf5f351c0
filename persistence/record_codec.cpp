#include "persistence/record_codec.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>
#include <kj/io.h>

#include <array>
#include <cstring>
#include <optional>
#include <utility>

#include "schema/job_record.capnp.h"

namespace troupe::store_codec {

namespace {

// -- enumerations: explicit pairs, so a renumbering on either side cannot silently remap
// -----------

template <class A, class B, size_t N>
std::optional<B> map_enum(const std::array<std::pair<A, B>, N>& pairs, A value) {
  for (const auto& [a, b] : pairs)
    if (a == value) return b;
  return std::nullopt;
}

template <class A, class B, size_t N>
std::optional<A> unmap_enum(const std::array<std::pair<A, B>, N>& pairs, B value) {
  for (const auto& [a, b] : pairs)
    if (b == value) return a;
  return std::nullopt;
}

constexpr std::array<std::pair<priority, store::Priority>, 3> priorities{{
    {priority::low, store::Priority::LOW},
    {priority::normal, store::Priority::NORMAL},
    {priority::high, store::Priority::HIGH},
}};

constexpr std::array<std::pair<job_state, store::JobState>, 5> states{{
    {job_state::queued, store::JobState::QUEUED},
    {job_state::running, store::JobState::RUNNING},
    {job_state::done, store::JobState::DONE},
    {job_state::failed, store::JobState::FAILED},
    {job_state::cancelled, store::JobState::CANCELLED},
}};

constexpr std::array<std::pair<finish_reason, store::FinishReason>, 5> reasons{{
    {finish_reason::none, store::FinishReason::NONE},
    {finish_reason::eos, store::FinishReason::EOS},
    {finish_reason::max_tokens, store::FinishReason::MAX_TOKENS},
    {finish_reason::stop, store::FinishReason::STOP},
    {finish_reason::length, store::FinishReason::LENGTH},
}};

constexpr std::array<std::pair<errc, store::ErrorCode>, 10> error_codes{{
    {errc::ok, store::ErrorCode::OK},
    {errc::queue_full, store::ErrorCode::QUEUE_FULL},
    {errc::invalid_argument, store::ErrorCode::INVALID_ARGUMENT},
    {errc::unknown_model, store::ErrorCode::UNKNOWN_MODEL},
    {errc::prompt_too_long, store::ErrorCode::PROMPT_TOO_LONG},
    {errc::unauthorized, store::ErrorCode::UNAUTHORIZED},
    {errc::not_found, store::ErrorCode::NOT_FOUND},
    {errc::unavailable, store::ErrorCode::UNAVAILABLE},
    {errc::internal, store::ErrorCode::INTERNAL},
    {errc::cancelled, store::ErrorCode::CANCELLED},
}};

// -- encoding ---------------------------------------------------------------------------------

capnp::Text::Reader text(const std::string& s) {
  return capnp::Text::Reader(s.data(), s.size());
}

std::string to_string(capnp::Text::Reader t) {
  return std::string(t.begin(), t.size());
}

void set_tokens(capnp::List<int32_t>::Builder out, const std::vector<token_id>& tokens) {
  for (unsigned i = 0; i < tokens.size(); ++i) out.set(i, tokens[i]);
}

std::vector<token_id> get_tokens(capnp::List<int32_t>::Reader in) {
  std::vector<token_id> out;
  out.reserve(in.size());
  for (int32_t t : in) out.push_back(t);
  return out;
}

unsigned first_segment_words(size_t payload_bytes) {
  return static_cast<unsigned>(payload_bytes / sizeof(capnp::word) + 64);
}

std::string serialize(capnp::MessageBuilder& message) {
  std::string out(capnp::computeSerializedSizeInWords(message) * sizeof(capnp::word), '\0');
  kj::ArrayOutputStream stream(kj::arrayPtr(reinterpret_cast<kj::byte*>(out.data()), out.size()));
  capnp::writeMessage(stream, message);
  return out;
}

// -- decoding ---------------------------------------------------------------------------------

status unreadable(job_id id, std::string_view record, std::string_view why) {
  std::string message = "job " + std::to_string(id) + ": unreadable " + std::string(record) +
                        " record: " + std::string(why);
  return make_status(errc::internal, std::move(message));
}

template <class Root, class Fn>
status read_record(job_id id, std::string_view record, std::string_view value, Fn&& fn) {
  if (value.empty() || value.size() % sizeof(capnp::word) != 0)
    return unreadable(
        id, record,
        "size " + std::to_string(value.size()) + " is not a positive multiple of 8 bytes");
  // Cap'n Proto reads in place from word-aligned memory; RocksDB gives no alignment guarantee.
  kj::Array<capnp::word> copy;
  kj::ArrayPtr<const capnp::word> words;
  const size_t n = value.size() / sizeof(capnp::word);
  if (reinterpret_cast<uintptr_t>(value.data()) % alignof(capnp::word) == 0) {
    words = kj::arrayPtr(reinterpret_cast<const capnp::word*>(value.data()), n);
  } else {
    copy = kj::heapArray<capnp::word>(n);
    std::memcpy(copy.begin(), value.data(), value.size());
    words = copy.asPtr();
  }
  try {
    capnp::FlatArrayMessageReader message(words);
    if (message.getEnd() != words.end()) return unreadable(id, record, "trailing bytes");
    auto root = message.getRoot<Root>();
    if (root.getId() != id)
      return unreadable(id, record, "it holds job " + std::to_string(root.getId()));
    return fn(root);
  } catch (const kj::Exception& e) {
    return unreadable(id, record, e.getDescription().cStr());
  }
}

std::string unknown_enumerant(std::string_view field, uint16_t value) {
  return std::string(field) + " has an unknown value " + std::to_string(value) +
         " (written by a newer version?)";
}

}  // namespace

std::string encode_spec(const stored_job& job) {
  const job_spec& s = job.spec;
  size_t payload = s.model.size() + s.prompt.size() + s.client_request_id.size() +
                   4 * job.prompt.size() + 16 * s.stop.size();
  for (const auto& stop : s.stop) payload += stop.size();
  capnp::MallocMessageBuilder message(first_segment_words(payload));
  auto r = message.initRoot<store::JobSpec>();
  r.setId(job.id);
  r.setModel(text(s.model));
  r.setPrompt(text(s.prompt));
  set_tokens(r.initPromptTokens(static_cast<unsigned>(job.prompt.size())), job.prompt);
  r.setMaxTokens(s.max_tokens);
  r.setMaxNewTokens(job.max_new_tokens);
  r.setLengthLimited(job.length_limited);
  auto sampling = r.initSampling();
  sampling.setTemperature(s.sampling.temperature);
  sampling.setTopP(s.sampling.top_p);
  sampling.setTopK(s.sampling.top_k);
  sampling.setRepetitionPenalty(s.sampling.repetition_penalty);
  sampling.setSeed(s.sampling.seed);
  sampling.setMinP(s.sampling.min_p);
  sampling.setPresencePenalty(s.sampling.presence_penalty);
  sampling.setFrequencyPenalty(s.sampling.frequency_penalty);
  auto stop = r.initStop(static_cast<unsigned>(s.stop.size()));
  for (unsigned i = 0; i < s.stop.size(); ++i) stop.set(i, text(s.stop[i]));
  r.setPriority(map_enum(priorities, s.prio).value_or(store::Priority::NORMAL));
  r.setClientRequestId(text(s.client_request_id));
  r.setClientAddress(text(s.client_address));
  r.setKvBlocks(job.kv_blocks);
  r.setSubmittedUs(job.timings.submitted_us);
  return serialize(message);
}

status decode_spec(job_id id, std::string_view value, stored_job& out) {
  return read_record<store::JobSpec>(id, "spec (j/)", value, [&](store::JobSpec::Reader r) {
    auto prio = unmap_enum(priorities, r.getPriority());
    if (!prio)
      return unreadable(id, "spec (j/)",
                        unknown_enumerant("priority", static_cast<uint16_t>(r.getPriority())));
    stored_job job;
    job.id = id;
    job.spec.model = to_string(r.getModel());
    job.spec.prompt = to_string(r.getPrompt());
    job.prompt = get_tokens(r.getPromptTokens());
    job.spec.max_tokens = r.getMaxTokens();
    job.max_new_tokens = r.getMaxNewTokens();
    job.length_limited = r.getLengthLimited();
    auto sampling = r.getSampling();
    job.spec.sampling.temperature = sampling.getTemperature();
    job.spec.sampling.top_p = sampling.getTopP();
    job.spec.sampling.top_k = sampling.getTopK();
    job.spec.sampling.repetition_penalty = sampling.getRepetitionPenalty();
    job.spec.sampling.seed = sampling.getSeed();
    job.spec.sampling.min_p = sampling.getMinP();
    job.spec.sampling.presence_penalty = sampling.getPresencePenalty();
    job.spec.sampling.frequency_penalty = sampling.getFrequencyPenalty();
    for (auto stop : r.getStop()) job.spec.stop.push_back(to_string(stop));
    job.spec.prio = *prio;
    job.spec.client_request_id = to_string(r.getClientRequestId());
    job.spec.client_address = to_string(r.getClientAddress());
    job.kv_blocks = r.getKvBlocks();
    job.timings.submitted_us = r.getSubmittedUs();
    // Only the request part: keep whatever lifecycle and progress `out` already holds.
    out.id = job.id;
    out.spec = std::move(job.spec);
    out.prompt = std::move(job.prompt);
    out.kv_blocks = job.kv_blocks;
    out.max_new_tokens = job.max_new_tokens;
    out.length_limited = job.length_limited;
    out.timings.submitted_us = job.timings.submitted_us;
    return status{};
  });
}

status decode_request_id(job_id id, std::string_view spec_value, std::string& out) {
  return read_record<store::JobSpec>(id, "spec (j/)", spec_value, [&](store::JobSpec::Reader r) {
    out = to_string(r.getClientRequestId());
    return status{};
  });
}

std::string encode_status(job_id id, const job_lifecycle& lifecycle) {
  capnp::MallocMessageBuilder message(first_segment_words(
      lifecycle.node.size() + lifecycle.device.size() + lifecycle.error.message.size()));
  auto r = message.initRoot<store::JobStatus>();
  r.setId(id);
  r.setState(map_enum(states, lifecycle.state).value_or(store::JobState::QUEUED));
  r.setStartedUs(lifecycle.started_us);
  r.setFinishedUs(lifecycle.finished_us);
  r.setNode(text(lifecycle.node));
  r.setDevice(text(lifecycle.device));
  r.setFinishReason(map_enum(reasons, lifecycle.reason).value_or(store::FinishReason::NONE));
  r.setErrorCode(map_enum(error_codes, lifecycle.error.code).value_or(store::ErrorCode::INTERNAL));
  r.setErrorMessage(text(lifecycle.error.message));
  return serialize(message);
}

status decode_status(job_id id, std::string_view value, job_lifecycle& out) {
  return read_record<store::JobStatus>(id, "status (s/)", value, [&](store::JobStatus::Reader r) {
    auto state = unmap_enum(states, r.getState());
    auto reason = unmap_enum(reasons, r.getFinishReason());
    auto code = unmap_enum(error_codes, r.getErrorCode());
    if (!state)
      return unreadable(id, "status (s/)",
                        unknown_enumerant("state", static_cast<uint16_t>(r.getState())));
    if (!reason)
      return unreadable(
          id, "status (s/)",
          unknown_enumerant("finishReason", static_cast<uint16_t>(r.getFinishReason())));
    if (!code)
      return unreadable(id, "status (s/)",
                        unknown_enumerant("errorCode", static_cast<uint16_t>(r.getErrorCode())));
    job_lifecycle lifecycle;
    lifecycle.state = *state;
    lifecycle.started_us = r.getStartedUs();
    lifecycle.finished_us = r.getFinishedUs();
    lifecycle.node = to_string(r.getNode());
    lifecycle.device = to_string(r.getDevice());
    lifecycle.reason = *reason;
    lifecycle.error = status{*code, to_string(r.getErrorMessage())};
    out = std::move(lifecycle);
    return status{};
  });
}

std::string encode_progress(job_id id, const std::vector<token_id>& generated,
                            const std::string& text_so_far, int64_t first_token_us) {
  capnp::MallocMessageBuilder message(
      first_segment_words(4 * generated.size() + text_so_far.size()));
  auto r = message.initRoot<store::JobProgress>();
  r.setId(id);
  set_tokens(r.initGenerated(static_cast<unsigned>(generated.size())), generated);
  r.setText(text(text_so_far));
  r.setFirstTokenUs(first_token_us);
  return serialize(message);
}

status decode_progress(job_id id, std::string_view value, stored_job& out) {
  return read_record<store::JobProgress>(id, "progress (p/)", value,
                                         [&](store::JobProgress::Reader r) {
                                           auto generated = get_tokens(r.getGenerated());
                                           auto text_so_far = to_string(r.getText());
                                           out.generated = std::move(generated);
                                           out.text = std::move(text_so_far);
                                           out.timings.first_token_us = r.getFirstTokenUs();
                                           return status{};
                                         });
}

void apply_lifecycle(const job_lifecycle& lifecycle, stored_job& out) {
  out.state = lifecycle.state;
  out.timings.started_us = lifecycle.started_us;
  out.timings.finished_us = lifecycle.finished_us;
  out.node = lifecycle.node;
  out.device = lifecycle.device;
  out.reason = lifecycle.reason;
  out.error = lifecycle.error;
}

}  // namespace troupe::store_codec
