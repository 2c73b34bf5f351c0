#include "gpu/text/jinja/budget.hpp"

#include <algorithm>

namespace troupe::jinja {

namespace {

thread_local budget* active_budget = nullptr;

constexpr size_t bytes_per_step = 16;

}  // namespace

void budget::steps(size_t n) {
  if (n > limits_.max_steps - steps_) {
    steps_ = limits_.max_steps;
    throw limit_error("the template ran too long (more than " + std::to_string(limits_.max_steps) +
                      " steps)");
  }
  steps_ += n;
}

void budget::bytes(size_t n) {
  pending_bytes_ += n % bytes_per_step;
  steps(n / bytes_per_step + pending_bytes_ / bytes_per_step);
  pending_bytes_ %= bytes_per_step;
}

void budget::too_large() const {
  throw limit_error("a string would exceed " + std::to_string(limits_.max_output_bytes) + " bytes");
}

void budget::check_size(size_t n) const {
  if (n > limits_.max_output_bytes) too_large();
}

void budget::check_growth(size_t have, size_t more) const {
  if (more > limits_.max_output_bytes - std::min(have, limits_.max_output_bytes)) too_large();
}

void budget::append(std::string& out, std::string_view piece) {
  check_growth(out.size(), piece.size());
  bytes(piece.size());
  out.append(piece);
}

void budget::append(std::string& out, size_t count, char c) {
  check_growth(out.size(), count);
  bytes(count);
  out.append(count, c);
}

void budget::acquire(size_t n) {
  if (n > limits_.max_memory_bytes - memory_) {
    throw limit_error("the template needs more than " + std::to_string(limits_.max_memory_bytes) +
                      " bytes of memory");
  }
  memory_ += n;
}

budget::activation::activation(budget& b) : previous_(active_budget) {
  active_budget = &b;
}

budget::activation::~activation() {
  active_budget = previous_;
}

void budget::release(size_t n) noexcept {
  memory_ -= std::min(n, memory_);
}

budget* budget::active() {
  return active_budget;
}

}  // namespace troupe::jinja
