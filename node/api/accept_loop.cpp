#include "node/api/accept_loop.hpp"

#include <spdlog/spdlog.h>

#include <memory>

namespace troupe::api_kj {
namespace {

struct loop_state {
  kj::ConnectionReceiver& listener;
  kj::Timer& timer;
  const char* what;
  kj::Function<void(kj::Own<kj::AsyncIoStream>)> on_connection;
  uint64_t failures = 0;
};

kj::Promise<void> next(loop_state& s) {
  // accept() may throw at once (EMFILE) rather than return a rejected promise.
  return kj::evalNow([&s]() { return s.listener.accept(); })
      .then(
          [&s](kj::Own<kj::AsyncIoStream>&& stream) -> kj::Promise<void> {
            s.failures = 0;
            s.on_connection(kj::mv(stream));
            return next(s);
          },
          [&s](kj::Exception&& e) -> kj::Promise<void> {
            // Logged once per run of failures, then every thousandth, to keep the log readable.
            if (s.failures++ % 1000 == 0)
              spdlog::error("{}: accepting a connection failed ({} in a row): {}", s.what,
                            s.failures, e.getDescription().cStr());
            return s.timer.afterDelay(100 * kj::MILLISECONDS).then([&s]() { return next(s); });
          });
}

}  // namespace

kj::Promise<void> accept_forever(kj::ConnectionReceiver& listener, kj::Timer& timer,
                                 const char* what,
                                 kj::Function<void(kj::Own<kj::AsyncIoStream>)> on_connection) {
  auto state = kj::heap<loop_state>(loop_state{listener, timer, what, kj::mv(on_connection)});
  auto loop = next(*state);
  return loop.attach(kj::mv(state));
}

void log_task_errors::taskFailed(kj::Exception&& e) {
  spdlog::debug("{} ended: {}", what_, e.getDescription().cStr());
}

}  // namespace troupe::api_kj
