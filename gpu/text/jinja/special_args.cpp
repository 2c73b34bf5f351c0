#include "gpu/text/jinja/special_args.hpp"

#include <set>
#include <string>

#include "gpu/text/jinja/overloaded.hpp"

namespace troupe::jinja {

namespace {

bool is_special(const std::string& name) {
  return name == "kwargs" || name == "varargs";
}

// The reference's findAccessedSpecialMacroArguments, in the same order.
class finder {
 public:
  std::set<std::string> declared, accessed;

  void declare(const std::string& name) {
    if (is_special(name)) declared.insert(name);
  }

  void declare_target(const expr_ptr& target) {
    if (!target) return;
    if (const auto* id = std::get_if<identifier_expr>(&target->node)) {
      declare(id->name);
    } else if (const auto* l = std::get_if<list_expr>(&target->node); l && l->tuple) {
      for (const auto& item : l->items) declare_target(item);
    }
  }

  void params(const std::vector<param>& ps) {
    for (const auto& p : ps) declare(p.name);
    for (const auto& p : ps) visit(p.default_value);
  }

  void visit(const block& b) {
    for (const auto& s : b) visit(*s);
  }

  void visit(const stmt& s) {
    std::visit(overloaded{
                   [](const text_stmt&) {},
                   [&](const output_stmt& n) { visit(n.value); },
                   [&](const if_stmt& n) {
                     visit(n.condition);
                     visit(n.body);
                     visit(n.alternate);
                   },
                   [&](const for_stmt& n) {
                     declare_target(n.target);
                     visit(n.iterable);
                     visit(n.body);
                     visit(n.otherwise);
                     visit(n.condition);
                   },
                   [&](const set_stmt& n) {
                     declare_target(n.target);
                     visit(n.value);
                     visit(n.body);
                   },
                   [&](const macro_stmt& n) {
                     params(n.params);
                     visit(n.body);
                   },
                   [&](const call_stmt& n) {
                     visit(n.call);
                     params(n.caller_params);
                     visit(n.body);
                   },
                   [&](const filter_stmt& n) {
                     visit(n.body);
                     for (const auto& a : n.filter.args) visit(a);
                   },
                   [](const break_stmt&) {},
                   [](const continue_stmt&) {},
               },
               s.node);
  }

  void visit(const expr_ptr& e) {
    if (!e) return;
    std::visit(
        overloaded{
            [](const literal_expr&) {},
            [&](const identifier_expr& n) {
              if (is_special(n.name) && !declared.count(n.name)) accessed.insert(n.name);
            },
            [&](const list_expr& n) {
              for (const auto& i : n.items) visit(i);
            },
            [&](const dict_expr& n) {
              for (const auto& [k, v] : n.entries) visit(k), visit(v);
            },
            [&](const member_expr& n) {
              visit(n.object);
              if (n.computed) visit(n.property);
            },
            [&](const slice_expr& n) {
              visit(n.object), visit(n.start), visit(n.stop), visit(n.step);
            },
            [&](const call_expr& n) {
              visit(n.callee);
              for (const auto& a : n.args) visit(a);
            },
            [&](const keyword_expr& n) { visit(n.value); },
            [&](const spread_expr& n) { visit(n.operand); },
            [&](const unary_expr& n) { visit(n.operand); },
            [&](const binary_expr& n) { visit(n.left), visit(n.right); },
            [&](const filter_expr& n) {
              visit(n.operand);
              for (const auto& a : n.args) visit(a);
            },
            [&](const test_expr& n) { visit(n.operand); },
            [&](const select_expr& n) { visit(n.condition), visit(n.value); },
            [&](const ternary_expr& n) { visit(n.condition), visit(n.if_true), visit(n.if_false); },
        },
        e->node);
  }
};

}  // namespace

special_args find_special_args(const std::vector<param>& params, const block& body) {
  finder f;
  for (const auto& p : params) f.declare(p.name);
  f.visit(body);
  return {f.accessed.count("kwargs") > 0, f.accessed.count("varargs") > 0};
}

}  // namespace troupe::jinja
