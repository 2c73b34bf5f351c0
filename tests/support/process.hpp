// Child processes for multi-process tests: spawned with their output captured to files, signalled,
// waited for with a timeout, and always killed and reaped when the handle goes away, so a failing
// test never leaves a process behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/test_files.hpp"

namespace troupe::testing {

class child_process {
 public:
  child_process(std::vector<std::string> argv, std::map<std::string, std::string> env = {});
  // Starts argv[0] (a path) with the current environment plus `env`; stdout and stderr go to
  // temporary files (see out() / err()).

  ~child_process();  // SIGKILL and reap if still running; removes the output files
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig);
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // Exit code (128 + signal when killed by one); nullopt on timeout.
  bool running();

  std::string out() const;  // everything written to stdout so far
  std::string err() const;

  bool wait_for_output(const std::string& needle, std::chrono::milliseconds timeout,
                       bool stderr_too = true);
  // Waits until stdout (or stderr) contains `needle`; false on timeout or exit.

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string out_path_, err_path_;
};

std::string binary_path(const std::string& name);
// <build>/bin/<name> (see test_files.hpp for where the build is).

uint16_t free_port();
// A TCP port on 127.0.0.1 that nothing listens on right now.

}  // namespace troupe::testing
