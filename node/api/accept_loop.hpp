// What the Cap'n Proto API and the HTTP front door share about their sockets: an accept loop that
// survives accept() failing, and a TaskSet error handler that logs.
#pragma once

#include <kj/async-io.h>
#include <kj/function.h>
#include <kj/timer.h>

namespace troupe::api_kj {

kj::Promise<void> accept_forever(kj::ConnectionReceiver& listener, kj::Timer& timer,
                                 const char* what,
                                 kj::Function<void(kj::Own<kj::AsyncIoStream>)> on_connection);
// Accepts connections until the promise is dropped. A failed accept (out of file descriptors:
// EMFILE, ENFILE; a connection reset before it was accepted) is logged and retried after a
// short pause, so that it never stops the server: connections that close free descriptors.

class log_task_errors final : public kj::TaskSet::ErrorHandler {
 public:
  explicit log_task_errors(const char* what) : what_(what) {}
  void taskFailed(kj::Exception&& e) override;  // at debug level: clients leaving is normal

 private:
  const char* what_;
};

}  // namespace troupe::api_kj
