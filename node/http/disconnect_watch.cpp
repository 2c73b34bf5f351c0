#include "node/http/disconnect_watch.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

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
  pollfd p{fd_, POLLRDHUP, 0};
  if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0)
    return kj::READY_NOW;
  KJ_IF_MAYBE (o, observer_) {
    return (*o)->whenBecomesReadable().then([this]() { return wait(); });
  }
  return kj::NEVER_DONE;
}

void disconnect_watch::abort() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
}

}  // namespace troupe::http
