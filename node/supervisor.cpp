#include "node/supervisor.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>

namespace troupe {
namespace {

using clock_type = std::chrono::steady_clock;

// What ended a child, for the log, and the status the supervisor would exit with.
struct ending {
  std::string cause;
  int status = 0;
  bool restart = false;
};

ending ending_of(int wstatus) {
  if (WIFSIGNALED(wstatus)) {
    const int sig = WTERMSIG(wstatus);
    return {std::string("killed by signal ") + std::to_string(sig) + " (" + strsignal(sig) + ")",
            128 + sig, true};
  }
  const int code = WEXITSTATUS(wstatus);
  // 0: a clean stop; 2: a usage or config error, 126/127: the program could not be executed;
  // a restart would only repeat them.
  if (code == 126 || code == 127)
    return {"could not be executed (status " + std::to_string(code) + ")", 1, false};
  return {"exited with status " + std::to_string(code), code, code != 0 && code != 2};
}

pid_t start(const std::string& program, const std::vector<std::string>& args,
            const sigset_t& child_mask) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    // A supervisor that dies (even by SIGKILL) takes its node down cleanly: the node gets
    // SIGTERM and drains, rather than running on unsupervised.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(0);  // it died before the line above
    sigprocmask(SIG_SETMASK, &child_mask, nullptr);
    execv(program.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

}  // namespace

int supervise(const std::string& program, const std::vector<std::string>& args,
              const supervisor_section& policy) {
  // The supervisor takes its signals synchronously; the child gets the mask it had before.
  sigset_t handled, previous;
  sigemptyset(&handled);
  sigaddset(&handled, SIGTERM);
  sigaddset(&handled, SIGINT);
  sigaddset(&handled, SIGCHLD);
  sigprocmask(SIG_BLOCK, &handled, &previous);
  signal(SIGCHLD, SIG_DFL);  // an inherited SIG_IGN would reap the child before waitpid could

  std::deque<clock_type::time_point> restarts;  // within the window
  for (;;) {
    const pid_t child = start(program, args, previous);
    if (child < 0) {
      spdlog::error("supervisor: cannot start {}: {}", program, std::strerror(errno));
      return 1;
    }
    spdlog::info("supervisor: started troupe-node pid {}", child);

    int wstatus = 0;
    bool stopping = false;
    for (;;) {
      siginfo_t info{};
      const int sig = sigwaitinfo(&handled, &info);
      if (sig == SIGTERM || sig == SIGINT) {
        spdlog::info("supervisor: {}: passing it to pid {} and waiting for it to drain",
                     strsignal(sig), child);
        kill(child, sig);
        stopping = true;
        continue;
      }
      if (sig != SIGCHLD) continue;
      const pid_t r = waitpid(child, &wstatus, WNOHANG);
      if (r == child) break;
      if (r < 0 && errno == ECHILD) {  // reaped elsewhere: its status is lost
        wstatus = 0xff00;              // reads as "exited with status 255": restart
        break;
      }
    }
    const ending e = ending_of(wstatus);
    if (stopping || !e.restart) {
      spdlog::log(e.status == 0 ? spdlog::level::info : spdlog::level::err,
                  "supervisor: troupe-node pid {} {}{}", child, e.cause,
                  stopping || e.status == 0 ? "" : "; not restarting (a restart would repeat it)");
      return e.status;
    }

    const auto now = clock_type::now();
    while (!restarts.empty() &&
           now - restarts.front() > std::chrono::seconds(policy.restart_window_s))
      restarts.pop_front();
    if (restarts.size() >= policy.max_restarts) {
      spdlog::error("supervisor: troupe-node pid {} {}; {} restarts within {} s already: giving up",
                    child, e.cause, restarts.size(), policy.restart_window_s);
      return 1;
    }
    const auto delay =
        std::chrono::milliseconds(policy.restart_delay_ms << std::min<size_t>(restarts.size(), 16));
    restarts.push_back(now);
    spdlog::warn(
        "supervisor: troupe-node pid {} {}; restarting in {} ms (restart {} of {} within {} s)",
        child, e.cause, delay.count(), restarts.size(), policy.max_restarts,
        policy.restart_window_s);
    // Wait out the delay, unless told to stop meanwhile.
    const auto until = clock_type::now() + delay;
    for (;;) {
      const auto left = until - clock_type::now();
      if (left <= clock_type::duration::zero()) break;
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
      const int sig = sigtimedwait(&handled, nullptr, &ts);
      if (sig == SIGTERM || sig == SIGINT) {
        spdlog::info("supervisor: {} while waiting to restart: stopping", strsignal(sig));
        return 0;
      }
    }
  }
}

}  // namespace troupe
