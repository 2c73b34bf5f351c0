// What templates call by name: filters (`x | f`), tests (`x is t`), methods (`s.strip()`,
// `d.items()`) and globals (`range`, `namespace`, `raise_exception`, `strftime_now`).
// Implemented in filters.cpp, list_filters.cpp, is_tests.cpp, methods.cpp and globals.cpp;
// each fails by throwing value_error, and charges the work it does to the evaluator: a step
// per item, and per 16 bytes of text it reads or writes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gpu/text/jinja/evaluator.hpp"
#include "gpu/text/jinja/value.hpp"

namespace troupe::jinja::builtins {

value filter(evaluator& ev, const std::string& name, const value& operand, call_args& args,
             bool called);
// Applies filter `name`; `called` says it was written with parentheses (`int` and `float`
// differ then, as in the reference).

value list_filter(evaluator& ev, const std::string& name, const value& operand, call_args& args,
                  bool& found);
// The filters on lists (sort, map, select, join, unique, sum, ...); `found` is false when
// `name` is not one of them.

bool test(evaluator& ev, const std::string& name, const value& operand, const call_args& args);
// Applies test `name` (`x is name(args)`).

value method(evaluator& ev, const value& receiver, const std::string& name);
// `receiver.name` for a string, list or dict method (a callable bound to the receiver), or
// undefined.

value call_method(evaluator& ev, const value& receiver, const std::string& name, call_args& args);
// Calls method `name` of a string, or of a dict or namespace (get, items, keys, values,
// dictsort) directly.

value attribute(evaluator& ev, const value& item, std::string_view path);
// `attribute="a.b.0"` of map, sort, sum...: keys of dicts and namespaces, indices of lists;
// undefined where the path leads nowhere.

const value* join_separator(const call_args& args);
// The separator of the `join` filter (on a list or a string): the first argument,
// `separator=` or `d=`; throws unless it is a string.

void install_globals(scope& global);
// true, false, none (and True, False, None), range, raise_exception, strftime_now.

value namespace_function();
// namespace(...): visible in every scope unless a scope sets its own `namespace`.

}  // namespace troupe::jinja::builtins
