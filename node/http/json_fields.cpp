#include "node/http/json_fields.hpp"

#include <algorithm>
#include <cmath>

#include "gpu/text/utf8.hpp"

namespace troupe::http {

json_fields::json_fields(const nlohmann::json& object, std::string prefix)
    : object_(object), prefix_(std::move(prefix)) {}

const nlohmann::json* json_fields::get(const std::string& key) const {
  if (!object_.is_object()) return nullptr;
  auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

bool json_fields::has(const std::string& key) const {
  return get(key) != nullptr;
}

void json_fields::wrong(const std::string& key, const char* expected) const {
  throw bad_request("'" + name(key) + "' must be " + expected, name(key));
}

std::optional<std::string> json_fields::string(const std::string& key) const {
  auto v = get(key);
  if (!v) return std::nullopt;
  if (!v->is_string()) wrong(key, "a string");
  return v->get<std::string>();
}

std::optional<bool> json_fields::boolean(const std::string& key) const {
  auto v = get(key);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) wrong(key, "a boolean");
  return v->get<bool>();
}

std::optional<int64_t> json_fields::integer(const std::string& key) const {
  auto v = get(key);
  if (!v) return std::nullopt;
  if (v->is_number_integer()) {
    if (v->is_number_unsigned() && v->get<uint64_t>() > uint64_t(INT64_MAX))
      wrong(key, "an integer within 64 bits");
    return v->get<int64_t>();
  }
  if (v->is_number_float()) {
    double d = v->get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.2e18)
      return static_cast<int64_t>(d);
  }
  wrong(key, "an integer");
}

std::optional<double> json_fields::number(const std::string& key) const {
  auto v = get(key);
  if (!v) return std::nullopt;
  if (!v->is_number()) wrong(key, "a number");
  return v->get<double>();
}

std::optional<float> json_fields::real(const std::string& key) const {
  auto v = number(key);
  if (!v) return std::nullopt;
  return static_cast<float>(std::clamp(*v, -1e30, 1e30));
}

std::optional<int32_t> json_fields::count(const std::string& key) const {
  auto v = integer(key);
  if (!v) return std::nullopt;
  if (*v < 0 || *v > (1 << 30))
    throw bad_request(
        "'" + name(key) + "' must be within [0, 1073741824] (got " + std::to_string(*v) + ")",
        name(key));
  return static_cast<int32_t>(*v);
}

std::optional<std::vector<std::string>> json_fields::string_or_strings(
    const std::string& key) const {
  auto v = get(key);
  if (!v) return std::nullopt;
  if (v->is_string()) return std::vector<std::string>{v->get<std::string>()};
  if (!v->is_array()) wrong(key, "a string or an array of strings");
  std::vector<std::string> out;
  for (const auto& e : *v) {
    if (!e.is_string()) wrong(key, "a string or an array of strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

const nlohmann::json* json_fields::object(const std::string& key) const {
  auto v = get(key);
  if (v && !v->is_object()) wrong(key, "an object");
  return v;
}

const nlohmann::json* json_fields::array(const std::string& key) const {
  auto v = get(key);
  if (v && !v->is_array()) wrong(key, "an array");
  return v;
}

std::string dump(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json parse_body(const std::string& body) {
  if (body.empty()) throw bad_request("the request body is empty; a JSON object was expected");
  if (!utf8::is_valid(body)) throw bad_request("the request body is not valid UTF-8");
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) throw bad_request("the request body is not valid JSON");
  if (!j.is_object()) throw bad_request("the request body must be a JSON object");
  return j;
}

}  // namespace troupe::http
