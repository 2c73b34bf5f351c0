#include "node/http/disconnect_watch.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace troupe::http {

disconnect_watch::disconnect_watch(kj::UnixEventPort& port, int fd) {
  if (fd < 0) return;
  fd_ = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (fd_ < 0) return;
  observer_ = kj::heap<kj::UnixEventPort::FdObserver>(port, fd_,
                                                      kj::UnixEventPort::FdObserver::OBSERVE_READ);
}

disconnect_watch::~disconnect_watch() {
  observer_ = nullptr;  // before its descriptor
  if (fd_ >= 0) ::close(fd_);
}

kj::Promise<void> disconnect_watch::closed() {
  if (observer_ == nullptr) return kj::NEVER_DONE;
  return wait();
}

kj::Promise<void> disconnect_watch::wait() {
  char byte;
  ssize_t n = ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return kj::READY_NOW;  // orderly close
  if (n > 0) return kj::NEVER_DONE;  // a pipelined request: leave it be
  if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return kj::READY_NOW;  // reset
  KJ_IF_MAYBE (o, observer_) {
    return (*o)->whenBecomesReadable().then([this]() { return wait(); });
  }
  return kj::NEVER_DONE;
}

}  // namespace troupe::http
