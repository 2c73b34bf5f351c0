// Finds stop strings in streamed text without ever streaming part of one.
//
// Text that could be the beginning of a stop string is held back until it is clear either way:
// when a stop string completes, the text before it is released and the stream ends; otherwise the
// held text is released once it can no longer start one. The output therefore never contains a
// stop string or a piece of one, and chunk boundaries do not matter.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace troupe {

class stop_matcher {
 public:
  explicit stop_matcher(std::vector<std::string> stops);

  struct result {
    std::string text;      // text safe to stream now
    bool matched = false;  // a stop string completed: `text` is everything before it
  };

  result push(std::string_view text);
  // Appends generated text. After a match, further pushes return nothing.

  std::string flush();
  // The stream ended without a match: releases the held-back text.

 private:
  std::vector<std::string> stops_;
  std::string held_;
  bool matched_ = false;
};

}  // namespace troupe
