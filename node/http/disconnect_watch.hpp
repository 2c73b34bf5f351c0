// Learns when an HTTP client goes away while its request is being answered, without writing to
// it and without taking bytes the HTTP server has not read yet.
//
// KJ's HttpServer (0.9) does not cancel a request when its client disconnects, and a socket whose
// peer closed only reports it on the next write. While a response waits for tokens nothing is
// written, so the watch observes a duplicate of the connection's descriptor and, each time it
// becomes readable, asks poll() for POLLRDHUP / POLLHUP / POLLERR: the peer closed its side or
// reset the connection. Bytes that arrive (a pipelined request) are never read here, and a close
// after them is still seen. A client that only half-closes (shutdown(SHUT_WR) after its request)
// counts as gone: HTTP clients do not do that while they wait for an answer.
#pragma once

#include <kj/async-unix.h>
#include <kj/async.h>

namespace troupe::http {

class disconnect_watch {
 public:
  disconnect_watch(kj::UnixEventPort& port, int fd);
  // `fd` is the connection's socket; the watch keeps a duplicate of its own. fd < 0: a
  // connection without a descriptor, which is never reported as closed.
  ~disconnect_watch();

  disconnect_watch(const disconnect_watch&) = delete;
  disconnect_watch& operator=(const disconnect_watch&) = delete;

  kj::Promise<void> closed();
  // Resolves when the client has closed or reset the connection.

  void abort();
  // Shuts the connection down in both directions (pending and later writes fail, the client sees
  // its response cut off): for a client that stopped reading.

 private:
  kj::Promise<void> wait();

  int fd_ = -1;
  kj::Maybe<kj::Own<kj::UnixEventPort::FdObserver>> observer_;
};

}  // namespace troupe::http
