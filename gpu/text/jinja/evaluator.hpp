// The evaluator: runs a parsed template against a context, with the reference renderer's
// semantics (scopes, loops, macros with their call-site scope, break/continue), counting steps,
// depth, output and memory against render_limits.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "gpu/text/jinja/ast.hpp"
#include "gpu/text/jinja/budget.hpp"
#include "gpu/text/jinja/printing.hpp"
#include "gpu/text/jinja/template.hpp"
#include "gpu/text/jinja/value.hpp"

namespace troupe::jinja {

class scope : public std::enable_shared_from_this<scope> {
 public:
  explicit scope(std::shared_ptr<scope> parent) : parent_(std::move(parent)) {}
  const value* find(const std::string& name) const;  // here or in an enclosing scope
  const value* find_own(const std::string& name) const;
  void set(const std::string& name, value v) { vars_[name] = std::move(v); }

 private:
  std::shared_ptr<scope> parent_;
  std::unordered_map<std::string, value> vars_;
};

struct raise_request {
  std::string message;
};
// Thrown by raise_exception(); the evaluator turns it into a template_raise at the call.

class evaluator {
 public:
  evaluator(std::string_view source, const render_limits& limits);
  ~evaluator();  // empties the namespaces created, which may hold each other in cycles
  evaluator(const evaluator&) = delete;
  evaluator& operator=(const evaluator&) = delete;

  std::string render(const block& program, const nlohmann::ordered_json& context);

  // For builtins (they report failures by throwing value_error, limit_error for a bound):
  value call(const value& callee, call_args& args, scope& call_site);
  void charge(size_t steps) { budget_.steps(steps); }                 // counts work (see budget)
  void charge_bytes(size_t n) { budget_.bytes(n); }                   // work on n bytes of text
  void check_size(size_t bytes) const { budget_.check_size(bytes); }  // not charged
  void append(std::string& out, std::string_view piece) { budget_.append(out, piece); }
  budget& costs() { return budget_; }  // for the comparisons and printing of value.hpp
  std::string printable(const value& v) { return display(v, budget_); }
  value new_namespace(dict_data d);  // a namespace, emptied when the render ends
  const render_limits& limits() const { return budget_.limits(); }

 private:
  enum class flow { normal, break_loop, continue_loop };
  struct loop_control {  // break/continue leaving a macro body, caught by the loop
    flow f;
  };
  class depth_guard {  // one level of evaluation nesting, bounded by max_depth
   public:
    explicit depth_guard(evaluator& e);
    ~depth_guard() { --e_.depth_; }
    depth_guard(const depth_guard&) = delete;
    depth_guard& operator=(const depth_guard&) = delete;

   private:
    evaluator& e_;
  };

  template_error error_at(uint32_t offset, const std::string& message) const;
  [[noreturn]] void fail_at(uint32_t offset, const value_error& e) const;  // template_limit for
                                                                           // a limit_error
  void emit(std::string& out, std::string_view text);
  void print(std::string& out, const value& v);  // what {{ v }} writes

  // Statements (evaluator.cpp).
  flow exec_block(const block& b, scope& s, std::string& out);
  flow exec(const stmt& st, scope& s, std::string& out);
  flow exec_for(const for_stmt& f, scope& s, std::string& out);
  flow exec_set(const set_stmt& st, scope& s);
  void exec_call_block(const call_stmt& c, scope& s, std::string& out);
  void assign(const expr& target, const value& v, scope& s, bool loop);
  static void check_unpack(const value& v, size_t names, bool loop);
  value call_macro(const std::string& name, const std::vector<param>& params, bool kwargs,
                   bool varargs, const block& body, scope& parent, call_args& args);

  // Expressions (expressions.cpp).
  value eval(const expr& e, scope& s);
  value eval_node(const expr& e, scope& s);
  value lookup(const std::string& name, scope& s) const;
  value eval_member(const member_expr& m, scope& s);
  value member_named(const value& object, const std::string& name);
  value slice_string(const value& object, int64_t start, int64_t step, size_t count);
  value eval_slice(const slice_expr& m, scope& s);
  value eval_binary(const binary_expr& b, scope& s);
  value eval_unary(const unary_expr& u, scope& s);
  call_args eval_args(const std::vector<expr_ptr>& args, scope& s);
  value apply_filter(const filter_expr& f, const value& operand, scope& s);

  std::string_view source_;
  budget budget_;
  int depth_ = 0;
  value namespace_builtin_;
  std::vector<value> namespaces_;  // every namespace created, emptied at the end
};

}  // namespace troupe::jinja
