#include "tests/api/raw_client.hpp"

#include <kj/async-io.h>
#include <kj/debug.h>

#include <stdexcept>

namespace troupe::testing {

recording_sink::recording_sink(std::shared_ptr<sink_record> record, bool hang,
                               kj::Own<kj::PromiseFulfiller<void>> first_chunk)
    : record_(std::move(record)), hang_(hang), first_chunk_(kj::mv(first_chunk)) {}

kj::Promise<void> recording_sink::chunk(ChunkContext context) {
  auto p = context.getParams();
  if (p.getFirstIndex() != record_->tokens.size()) record_->contiguous = false;
  for (auto t : p.getTokens()) record_->tokens.push_back(t);
  record_->text += p.getText().cStr();
  ++record_->chunks;
  if (first_chunk_->isWaiting()) first_chunk_->fulfill();
  if (hang_) return kj::NEVER_DONE;
  return kj::READY_NOW;
}

kj::Promise<void> recording_sink::done(DoneContext context) {
  record_->done = true;
  record_->result_text = context.getParams().getResult().getText().cStr();
  return kj::READY_NOW;
}

kj::Promise<void> recording_sink::failed(FailedContext context) {
  record_->failed = true;
  record_->error = context.getParams().getStatus().getCode();
  record_->error_message = context.getParams().getStatus().getMessage().cStr();
  return kj::READY_NOW;
}

raw_session::raw_session(const std::string& address, const std::string& api_key)
    : rpc_(address.c_str()) {
  auto req = bootstrap().connectRequest();
  req.setApiKey(api_key);
  req.setClientVersion(api::API_VERSION);
  auto reply = wait(req.send());
  if (reply.getStatus().getCode() != api::ErrorCode::OK)
    throw std::runtime_error(std::string("session refused: ") +
                             reply.getStatus().getMessage().cStr());
  session_ = reply.getSession();
}

kj::Timer& raw_session::timer() {
  return rpc_.getIoProvider().getTimer();
}

void raw_session::pump(std::chrono::milliseconds how_long) {
  timer().afterDelay(how_long.count() * kj::MILLISECONDS).wait(wait_scope());
}

raw_session::stream raw_session::make_sink(bool hang, api::TokenSink::Client& out) {
  auto record = std::make_shared<sink_record>();
  auto paf = kj::newPromiseAndFulfiller<void>();
  out = kj::heap<recording_sink>(record, hang, kj::mv(paf.fulfiller));
  return {record, kj::mv(paf.promise)};
}

}  // namespace troupe::testing
