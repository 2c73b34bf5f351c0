#include "node/head_link.hpp"

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <spdlog/spdlog.h>

namespace troupe {

head_link::head_link(caf::actor_system& sys, std::string host, uint16_t port,
                     std::chrono::milliseconds retry, spawn_batchers spawn)
    : sys_(sys), host_(std::move(host)), port_(port), retry_(retry), spawn_(std::move(spawn)) {
  thread_ = std::thread([this] { run(); });
}

head_link::~head_link() {
  stop_ = true;
  wake_.notify_all();
  thread_.join();
}

std::optional<scheduler_actor> head_link::head() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return head_;
}

void head_link::pause(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(mutex_);
  wake_.wait_for(lock, d, [this] { return stop_.load(); });
}

void head_link::run() {
  auto delay = retry_;
  while (!stop_) {
    auto head = sys_.middleman().remote_actor<scheduler_actor>(host_, port_);
    if (!head) {
      spdlog::warn("cannot reach the head at {}:{} ({}); retrying in {} ms", host_, port_,
                   to_string(head.error()), delay.count());
      pause(delay);
      delay = std::min(delay * 2, retry_ * 8);
      continue;
    }
    delay = retry_;
    spdlog::info("connected to the head at {}:{}", host_, port_);
    auto batchers = spawn_(*head);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      head_ = *head;
    }
    caf::scoped_actor self{sys_};
    self->monitor(*head);
    bool lost = false;
    while (!stop_ && !lost) {
      self->receive([&](const caf::down_msg&) { lost = true; },
                    caf::after(std::chrono::milliseconds(100)) >> [] {});
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      head_.reset();
    }
    for (auto& b : batchers) caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
    if (lost) spdlog::warn("lost the head at {}:{}; reconnecting", host_, port_);
  }
}

}  // namespace troupe
