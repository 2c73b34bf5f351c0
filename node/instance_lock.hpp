// One troupe-node per data directory: the node holds an exclusive lock on
// <data_dir>/troupe-node.lock for as long as it runs, with its pid written inside, so a second
// node started on the same directory is refused at once, naming the directory and the holder,
// rather than failing deep inside RocksDB. The lock is the kernel's (flock), so it goes with the
// process however that ends: a node killed with -9 leaves no stale lock behind.
#pragma once

#include <sys/types.h>
#include <optional>
#include <stdexcept>
#include <string>

namespace troupe {

class data_dir_in_use : public std::runtime_error {
 public:
  data_dir_in_use(const std::string& dir, std::optional<pid_t> holder);
  // what(): "data_dir D is in use by troupe-node pid P (one node per data_dir)"
  std::optional<pid_t> holder;  // the holder's pid, when it could be read
};

class instance_lock {
 public:
  static instance_lock acquire(const std::string& data_dir);
  // Creates data_dir if needed and takes its lock. Throws data_dir_in_use when another process
  // holds it, std::runtime_error (with errno's text) when the directory or file cannot be made.

  instance_lock(instance_lock&& other) noexcept;
  instance_lock& operator=(instance_lock&&) = delete;
  ~instance_lock();  // releases the lock and closes the file (the file stays)

 private:
  explicit instance_lock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace troupe
