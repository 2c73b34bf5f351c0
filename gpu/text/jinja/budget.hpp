// What one render may spend (render_limits): steps of work, the bytes of any one string, and
// memory. The evaluator owns the budget; builtins charge the work they do to it (a step per
// node, per item, per 16 bytes of a string read or written), and every string, list, dict,
// namespace and callable created while a render runs holds its size against the budget active
// on the thread (budget::activation) until it is destroyed, so that no path that creates values
// can forget to.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include "gpu/text/jinja/template.hpp"

namespace troupe::jinja {

struct value_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A failure in a computation on values; the evaluator turns it into a template_error naming the
// line of the expression it was evaluating.

struct limit_error : value_error {
  using value_error::value_error;
};
// A bound of render_limits was reached (or values nest too deeply); the evaluator turns it into
// a template_limit.

class budget {
 public:
  explicit budget(const render_limits& limits) : limits_(limits) {}
  budget(const budget&) = delete;
  budget& operator=(const budget&) = delete;

  const render_limits& limits() const { return limits_; }
  size_t max_bytes() const { return limits_.max_output_bytes; }

  void steps(size_t n);
  // n steps of work; throws limit_error past max_steps.

  void bytes(size_t n);
  // Work on n bytes of text, read or written: a step per 16 bytes (remainders add up).

  void check_size(size_t n) const;
  // A string of n bytes is about to be built: throws limit_error past max_output_bytes. Charges
  // nothing (the bytes are charged as they are written).

  void append(std::string& out, std::string_view piece);
  void append(std::string& out, size_t count, char c);
  // Appends within max_output_bytes, charging the bytes appended (never what `out` holds).

  void acquire(size_t n);
  void release(size_t n) noexcept;
  // n bytes allocated and freed: throws limit_error when more than max_memory_bytes would be
  // held at once.

  static budget* active();  // the budget of the render running on this thread, if any

  class activation {  // while alive, values created on this thread hold memory against `b`
   public:
    explicit activation(budget& b);
    ~activation();
    activation(const activation&) = delete;
    activation& operator=(const activation&) = delete;

   private:
    budget* previous_;
  };

 private:
  [[noreturn]] void too_large() const;
  void check_growth(size_t have, size_t more) const;  // have + more, without overflow

  render_limits limits_;
  size_t steps_ = 0, pending_bytes_ = 0, memory_ = 0;
};

}  // namespace troupe::jinja
