// Typed reads of a JSON request body. Each getter names the field in its error ("'max_tokens'
// must be an integer"), so a client learns exactly what was wrong; JSON null counts as absent,
// as OpenAI and Ollama treat it. Unknown fields are never looked at, hence ignored.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "node/http/http_error.hpp"

namespace troupe::http {

class json_fields {
 public:
  json_fields(const nlohmann::json& object, std::string prefix = {});
  // `object` must outlive this. `prefix` qualifies field names in errors ("options.").

  bool has(const std::string& key) const;  // present and not null

  std::optional<std::string> string(const std::string& key) const;
  std::optional<bool> boolean(const std::string& key) const;
  std::optional<int64_t> integer(const std::string& key) const;
  // Integral numbers only (1.0 is accepted, 1.5 is not).
  std::optional<double> number(const std::string& key) const;
  std::optional<float> real(const std::string& key) const;
  // A number as a sampling parameter takes it (clamped to +-1e30; ranges are checked later).
  std::optional<int32_t> count(const std::string& key) const;
  // An integer in [0, 2^30] ("top_k").
  std::optional<std::vector<std::string>> string_or_strings(const std::string& key) const;
  // "stop": one string or an array of strings.
  const nlohmann::json* object(const std::string& key) const;
  const nlohmann::json* array(const std::string& key) const;
  // These throw http_error (400 naming the field) for a value of another type.

  std::string name(const std::string& key) const { return prefix_ + key; }

 private:
  const nlohmann::json* get(const std::string& key) const;
  [[noreturn]] void wrong(const std::string& key, const char* expected) const;

  const nlohmann::json& object_;
  std::string prefix_;
};

std::string dump(const nlohmann::json& value);
// Compact JSON; bytes that are not UTF-8 (which troupe never produces) become U+FFFD rather than
// an exception.

nlohmann::json parse_body(const std::string& body);
// The request body as a JSON object; throws http_error (400) for malformed JSON, invalid UTF-8
// or anything but an object.

}  // namespace troupe::http
