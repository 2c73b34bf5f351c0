// Whether a macro (or a call block's caller) reads `kwargs` or `varargs`: only then does it
// accept extra keyword or positional arguments, as in the reference, which finds out by walking
// the body for those names before they are assigned.
#pragma once

#include <vector>

#include "gpu/text/jinja/ast.hpp"

namespace troupe::jinja {

struct special_args {
  bool kwargs = false;
  bool varargs = false;
};

special_args find_special_args(const std::vector<param>& params, const block& body);

}  // namespace troupe::jinja
