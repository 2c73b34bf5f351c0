// `overloaded{lambdas...}`: one visitor for std::visit from a lambda per alternative.
#pragma once

namespace troupe::jinja {

template <typename... Ts>
struct overloaded : Ts... {
  using Ts::operator()...;
};
template <typename... Ts>
overloaded(Ts...) -> overloaded<Ts...>;

}  // namespace troupe::jinja
