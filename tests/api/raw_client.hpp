// Raw Cap'n Proto access to the API, for tests that need what the client library does not do on
// purpose: sinks that never return, values no well-behaved client sends, dropping a connection in
// the middle of a stream. Runs on the calling thread's KJ event loop (EzRpcClient).
#pragma once

#include <capnp/ez-rpc.h>
#include <kj/async.h>
#include <kj/timer.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "schema/troupe.capnp.h"

namespace troupe::testing {

struct sink_record {
  std::vector<int32_t> tokens;
  std::string text;
  size_t chunks = 0;
  bool contiguous = true;
  bool done = false;
  bool failed = false;
  api::ErrorCode error = api::ErrorCode::OK;
  std::string error_message;
  std::string result_text;
};

class recording_sink final : public api::TokenSink::Server {
 public:
  recording_sink(std::shared_ptr<sink_record> record, bool hang,
                 kj::Own<kj::PromiseFulfiller<void>> first_chunk);
  // hang: `chunk` never returns (a client that never takes its output).

 protected:
  kj::Promise<void> chunk(ChunkContext context) override;
  kj::Promise<void> done(DoneContext context) override;
  kj::Promise<void> failed(FailedContext context) override;

 private:
  std::shared_ptr<sink_record> record_;
  bool hang_;
  kj::Own<kj::PromiseFulfiller<void>> first_chunk_;
};

class raw_session {
 public:
  explicit raw_session(const std::string& address, const std::string& api_key = "");
  // Connects and opens a session; fails the test (throws) when the session is refused.

  api::Session::Client& session() { return session_; }
  api::Troupe::Client bootstrap() { return rpc_.getMain<api::Troupe>(); }
  kj::WaitScope& wait_scope() { return rpc_.getWaitScope(); }

  template <class T>
  T wait(kj::Promise<T> promise, std::chrono::milliseconds limit = std::chrono::seconds(30)) {
    return promise
        .exclusiveJoin(timer().afterDelay(limit.count() * kj::MILLISECONDS).then([]() -> T {
          KJ_FAIL_REQUIRE("timed out");
        }))
        .wait(wait_scope());
  }

  void pump(std::chrono::milliseconds how_long);
  // Runs the event loop for a while (delivers calls to this client's sinks).

  struct stream {
    std::shared_ptr<sink_record> record;
    kj::Promise<void> first_chunk;
  };
  stream make_sink(bool hang, api::TokenSink::Client& out);

 private:
  kj::Timer& timer();

  capnp::EzRpcClient rpc_;
  api::Session::Client session_ = nullptr;
};

}  // namespace troupe::testing
