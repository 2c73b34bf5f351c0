#include "gpu/text/jinja/evaluator.hpp"

#include <nlohmann/json.hpp>

#include "gpu/text/jinja/builtins.hpp"
#include "gpu/text/jinja/overloaded.hpp"
#include "gpu/text/jinja/printing.hpp"
#include "gpu/text/jinja/source.hpp"
#include "gpu/text/jinja/unicode.hpp"

namespace troupe::jinja {

const value* scope::find(const std::string& name) const {
  for (const scope* s = this; s != nullptr; s = s->parent_.get()) {
    auto it = s->vars_.find(name);
    if (it != s->vars_.end()) return &it->second;
  }
  return nullptr;
}

const value* scope::find_own(const std::string& name) const {
  auto it = vars_.find(name);
  return it == vars_.end() ? nullptr : &it->second;
}

evaluator::depth_guard::depth_guard(evaluator& e) : e_(e) {
  if (++e_.depth_ > e_.limits().max_depth) {
    --e_.depth_;
    throw limit_error("the template nests too deeply (max_depth " +
                      std::to_string(e_.limits().max_depth) + ")");
  }
}

evaluator::evaluator(std::string_view source, const render_limits& limits)
    : source_(source), budget_(limits), namespace_builtin_(builtins::namespace_function()) {}

evaluator::~evaluator() {
  for (const value& ns : namespaces_) ns.namespace_data().clear();
}

template_error evaluator::error_at(uint32_t offset, const std::string& message) const {
  const location loc = locate(source_, offset);
  return template_error(message, loc.line, loc.column);
}

void evaluator::fail_at(uint32_t offset, const value_error& e) const {
  const location loc = locate(source_, offset);
  if (dynamic_cast<const limit_error*>(&e)) throw template_limit(e.what(), loc.line, loc.column);
  throw template_error(e.what(), loc.line, loc.column);
}

void evaluator::emit(std::string& out, std::string_view text) {
  const size_t max = limits().max_output_bytes;
  if (text.size() > max - std::min(out.size(), max))
    throw limit_error("the output would exceed " + std::to_string(max) + " bytes");
  budget_.bytes(text.size());
  out.append(text);
}

void evaluator::print(std::string& out, const value& v) {
  if (v.is_string()) {
    emit(out, v.as_string());
  } else if (!v.is_none() && !v.is_undefined()) {
    emit(out, printable(v));
  }
}

value evaluator::new_namespace(dict_data d) {
  charge(1 + d.size());
  value ns = value::make_namespace(std::move(d));
  namespaces_.push_back(ns);
  return ns;
}

value evaluator::call(const value& callee, call_args& args, scope& call_site) {
  if (!callee.is(kind::callable)) throw value_error("cannot call " + described(callee));
  charge(1);
  return callee.as_callable().fn(*this, call_site, args);
}

std::string evaluator::render(const block& program, const nlohmann::ordered_json& context) {
  const budget::activation charging(budget_);
  auto global = std::make_shared<scope>(nullptr);
  builtins::install_globals(*global);
  try {
    if (context.is_object()) {
      for (auto it = context.begin(); it != context.end(); ++it) {
        if (it.key() == "namespace" || global->find_own(it.key()))
          throw value_error("the context variable '" + it.key() + "' is already declared");
        global->set(it.key(), from_json(it.value()));
      }
    } else if (!context.is_null()) {
      throw value_error("the context must be a JSON object");
    }
  } catch (const value_error& e) {
    fail_at(0, e);
  }
  std::string out;
  flow f = flow::normal;
  try {
    f = exec_block(program, *global, out);
  } catch (const loop_control& c) {
    f = c.f;
  }
  if (f != flow::normal) {
    throw error_at(
        0, f == flow::break_loop ? "'break' outside of a loop" : "'continue' outside of a loop");
  }
  return out;
}

evaluator::flow evaluator::exec_block(const block& b, scope& s, std::string& out) {
  for (const stmt_ptr& st : b) {
    const flow f = exec(*st, s, out);
    if (f != flow::normal) return f;
  }
  return flow::normal;
}

evaluator::flow evaluator::exec(const stmt& st, scope& s, std::string& out) {
  try {
    depth_guard guard(*this);
    charge(1);
    return std::visit(
        overloaded{
            [&](const text_stmt& t) {
              emit(out, t.text);
              return flow::normal;
            },
            [&](const output_stmt& o) {
              print(out, eval(*o.value, s));
              return flow::normal;
            },
            [&](const if_stmt& i) {
              return exec_block(truthy(eval(*i.condition, s)) ? i.body : i.alternate, s, out);
            },
            [&](const for_stmt& f) { return exec_for(f, s, out); },
            [&](const set_stmt& set) { return exec_set(set, s); },
            [&](const macro_stmt& m) {
              s.set(m.name,
                    value::function(m.name, [&m](evaluator& ev, scope& site, call_args& args) {
                      return ev.call_macro(m.name, m.params, m.uses_kwargs, m.uses_varargs, m.body,
                                           site, args);
                    }));
              return flow::normal;
            },
            [&](const call_stmt& c) {
              exec_call_block(c, s, out);
              return flow::normal;
            },
            [&](const filter_stmt& f) {
              std::string body;
              const flow fl = exec_block(f.body, s, body);
              if (fl != flow::normal) return fl;
              print(out, apply_filter(f.filter, value::string(std::move(body)), s));
              return flow::normal;
            },
            [](const break_stmt&) { return flow::break_loop; },
            [](const continue_stmt&) { return flow::continue_loop; },
        },
        st.node);
  } catch (const value_error& e) {
    fail_at(st.offset, e);
  } catch (const raise_request& r) {
    const location loc = locate(source_, st.offset);
    throw template_raise(r.message, loc.line, loc.column);
  }
}

void evaluator::check_unpack(const value& v, size_t names, bool loop) {
  if (!v.is_list()) throw value_error("cannot unpack " + described(v));
  const size_t items = v.as_list().items.size();
  if (items != names) {
    throw value_error(std::string("too ") + (names > items ? "few" : "many") + " items to unpack" +
                      (loop ? "" : " in set"));
  }
}

void evaluator::assign(const expr& target, const value& v, scope& s, bool loop) {
  if (const auto* id = std::get_if<identifier_expr>(&target.node)) {
    s.set(id->name, v);
    return;
  }
  const auto& names = std::get<list_expr>(target.node).items;
  check_unpack(v, names.size(), loop);
  const auto& items = v.as_list().items;
  for (size_t i = 0; i < names.size(); ++i) {
    const auto* id = std::get_if<identifier_expr>(&names[i]->node);
    if (!id) throw value_error("can only unpack into names");
    s.set(id->name, items[i]);
  }
}

evaluator::flow evaluator::exec_for(const for_stmt& f, scope& s, std::string& out) {
  auto loop_scope = std::make_shared<scope>(s.shared_from_this());
  const value iterable = eval(*f.iterable, *loop_scope);
  // A list is iterated in place; a dict's keys and a string's characters are made once.
  std::vector<value> made;
  const std::vector<value>* all = &made;
  if (iterable.is_list()) {
    all = &iterable.as_list().items;
    charge(all->size());
  } else if (iterable.is_dict()) {
    charge(iterable.as_dict().size());
    charge_bytes(iterable.as_dict().key_bytes());  // the keys are copied
    made.reserve(iterable.as_dict().size());
    for (const auto& [k, v] : iterable.as_dict().entries()) made.push_back(value::string(k));
  } else if (iterable.is_string()) {
    const std::string& text = iterable.as_string();
    const size_t n = iterable.string_info().measure(budget_).code_points;
    charge(n);
    made.reserve(n);
    for (size_t i = 0; i < text.size();) {
      const size_t len = unicode::decode(text, i).len;
      made.push_back(value::string(text.substr(i, len)));
      i += len;
    }
  } else {
    throw value_error("cannot loop over " + described(iterable));
  }
  // The reference checks every item's shape (and its `if`) before the first iteration.
  const auto* tuple = std::get_if<list_expr>(&f.target->node);
  std::vector<value> kept;  // the items that pass `if`
  if (tuple || f.condition) {
    for (const value& item : *all) {
      if (tuple) check_unpack(item, tuple->items.size(), true);
      if (f.condition) {
        auto item_scope = std::make_shared<scope>(loop_scope);
        assign(*f.target, item, *item_scope, true);
        if (truthy(eval(*f.condition, *item_scope))) kept.push_back(item);
      }
    }
    if (f.condition) all = &kept;
  }
  const std::vector<value>& items = *all;
  const auto n = static_cast<int64_t>(items.size());
  bool ran = false;
  for (int64_t i = 0; i < n; ++i) {
    charge(1);
    dict_data loop;
    loop.set("index", value::integer(i + 1));
    loop.set("index0", value::integer(i));
    loop.set("revindex", value::integer(n - i));
    loop.set("revindex0", value::integer(n - i - 1));
    loop.set("first", value::boolean(i == 0));
    loop.set("last", value::boolean(i == n - 1));
    loop.set("length", value::integer(n));
    loop.set("previtem", i > 0 ? items[static_cast<size_t>(i - 1)] : value());
    loop.set("nextitem", i < n - 1 ? items[static_cast<size_t>(i + 1)] : value());
    loop_scope->set("loop", value::dict(std::move(loop)));
    assign(*f.target, items[static_cast<size_t>(i)], *loop_scope, true);
    // An iteration left by break or continue contributes nothing, as in the reference.
    const size_t mark = out.size();
    flow fl = flow::normal;
    try {
      fl = exec_block(f.body, *loop_scope, out);
    } catch (const loop_control& c) {
      fl = c.f;
    }
    if (fl != flow::normal) out.resize(mark);
    if (fl == flow::continue_loop) continue;
    if (fl == flow::break_loop) break;
    ran = true;
  }
  if (!ran) return exec_block(f.otherwise, *loop_scope, out);
  return flow::normal;
}

evaluator::flow evaluator::exec_set(const set_stmt& st, scope& s) {
  value rhs;
  if (st.value) {
    rhs = eval(*st.value, s);
  } else {
    std::string body;
    const flow f = exec_block(st.body, s, body);
    if (f != flow::normal) return f;
    rhs = value::string(std::move(body));
  }
  const expr& target = *st.target;
  const auto* tuple = std::get_if<list_expr>(&target.node);
  if (std::holds_alternative<identifier_expr>(target.node) || (tuple && tuple->tuple)) {
    assign(target, rhs, s, false);
    return flow::normal;
  }
  if (const auto* m = std::get_if<member_expr>(&target.node)) {
    const value object = eval(*m->object, s);
    if (!object.is(kind::ns))
      throw value_error("cannot assign an attribute of a value that is not a namespace");
    const auto* name = std::get_if<identifier_expr>(&m->property->node);
    if (m->computed || !name) throw value_error("can only assign a namespace attribute by name");
    object.namespace_data().set(name->name, std::move(rhs));
    return flow::normal;
  }
  throw value_error("invalid target of set");
}

value evaluator::call_macro(const std::string& name, const std::vector<param>& params, bool kwargs,
                            bool varargs, const block& body, scope& parent, call_args& args) {
  depth_guard guard(*this);
  auto ms = std::make_shared<scope>(parent.shared_from_this());
  auto keywords = args.keywords;
  std::vector<const param*> pending;
  for (size_t i = 0; i < params.size(); ++i) {
    const param& p = params[i];
    value v;
    bool given = i < args.positional.size();
    if (given) v = args.positional[i];
    for (auto it = keywords.begin(); !given && it != keywords.end(); ++it) {
      if (it->first == p.name) {
        v = it->second;
        keywords.erase(it);
        given = true;
        break;
      }
    }
    if (!given && p.default_value) pending.push_back(&p);
    ms->set(p.name, v);
  }
  if (kwargs) {
    dict_data d;
    for (auto& [k, v] : keywords) d.set(k, v);
    ms->set("kwargs", value::dict(std::move(d)));
  } else if (!keywords.empty()) {
    throw value_error("macro '" + name + "' takes no keyword argument '" + keywords[0].first + "'");
  }
  if (varargs) {
    std::vector<value> rest;
    for (size_t i = params.size(); i < args.positional.size(); ++i)
      rest.push_back(args.positional[i]);
    ms->set("varargs", value::list(std::move(rest)));
  } else if (args.positional.size() > params.size()) {
    throw value_error("macro '" + name + "' takes not more than " + std::to_string(params.size()) +
                      " argument(s)");
  }
  for (const param* p : pending) ms->set(p->name, eval(*p->default_value, *ms));
  std::string out;
  const flow f = exec_block(body, *ms, out);
  if (f != flow::normal) throw loop_control{f};
  return value::string(std::move(out));
}

void evaluator::exec_call_block(const call_stmt& c, scope& s, std::string& out) {
  std::weak_ptr<scope> env = s.weak_from_this();
  value caller = value::function("caller", [&c, env](evaluator& ev, scope&, call_args& args) {
    const auto home = env.lock();
    if (!home) throw value_error("caller() is no longer available");
    return ev.call_macro("caller", c.caller_params, c.uses_kwargs, c.uses_varargs, c.body, *home,
                         args);
  });
  const auto& call = std::get<call_expr>(c.call->node);
  call_args args = eval_args(call.args, s);
  const value fn = eval(*call.callee, s);
  auto call_scope = std::make_shared<scope>(s.shared_from_this());
  call_scope->set("caller", caller);
  print(out, this->call(fn, args, *call_scope));
}

}  // namespace troupe::jinja
