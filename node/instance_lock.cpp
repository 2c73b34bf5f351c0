#include "node/instance_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace troupe {

data_dir_in_use::data_dir_in_use(const std::string& dir, std::optional<pid_t> pid)
    : std::runtime_error(
          "data_dir " + dir + " is in use by " +
          (pid ? "troupe-node pid " + std::to_string(*pid) : std::string("another troupe-node")) +
          " (one node per data_dir)"),
      holder(pid) {}

instance_lock instance_lock::acquire(const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) throw std::runtime_error("data_dir " + data_dir + ": cannot create: " + ec.message());
  const std::string path = data_dir + "/troupe-node.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    if (err != EWOULDBLOCK) throw std::runtime_error(path + ": " + std::strerror(err));
    std::optional<pid_t> holder;
    if (n > 0) {
      try {
        holder = static_cast<pid_t>(std::stol(std::string(buf, static_cast<size_t>(n))));
      } catch (const std::exception&) {  // being written right now: no pid to name
      }
    }
    throw data_dir_in_use(data_dir, holder);
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    const int err = errno;
    ::close(fd);
    throw std::runtime_error(path + ": " + std::strerror(err));
  }
  return instance_lock(fd);
}

instance_lock::instance_lock(instance_lock&& other) noexcept : fd_(other.fd_) {
  other.fd_ = -1;
}

instance_lock::~instance_lock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace troupe
