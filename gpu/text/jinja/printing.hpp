// How values become text: printed by `{{ }}`, concatenated by `~` and `+`, joined, and
// serialized by `tojson`, each exactly as the reference renderer does it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "gpu/text/jinja/value.hpp"

namespace troupe::jinja {

// Each charges the bytes it writes to `cost`, and throws limit_error when the text would exceed
// its max_bytes().

std::string display(const value& v, budget& cost);
// What `{{ v }}` prints (none and undefined print nothing there, but "undefined" when a list
// is concatenated; `null` in JSON). Floats print as "1.0"; lists, dicts and namespaces as JSON
// (`[1, "a"]`, `{"k": true}`); booleans as "true"/"false"; callables as "function".

std::string js_string(const value& v, budget& cost);
// The string JavaScript makes of the underlying value (what `~` and `+` concatenate): floats
// without ".0", a list as its items' display() joined by ",", a dict as "[object Map]".

std::string join_item(const value& v, budget& cost);
// One item as Array.prototype.join writes it (the `join` filter): none and undefined are "".

struct json_options {
  int64_t indent = 0;         // 0: one line
  bool ensure_ascii = false;  // escape everything from U+007F as \uXXXX
  bool sort_keys = false;     // keys in (approximately) the locale's collation order
  std::optional<std::pair<std::string, std::string>> separators;  // item, key
  bool undefined_as_null = true;  // false: undefined is written `undefined` (for display)
};

std::string to_json(const value& v, const json_options& options, budget& cost);
// The reference's toJSON: `[1, 2]` and `{"a": 1}` on one line, or indented with "," and ": ";
// strings as JSON.stringify writes them (only quotes, backslashes and control characters are
// escaped). Throws value_error for callables.

std::string json_quote(std::string_view s, bool ensure_ascii);
// JSON.stringify of a string.

}  // namespace troupe::jinja
