// Incremental detokenization for streaming: token ids in, whole UTF-8 characters out.
//
// A token may end in the middle of a multi-byte character (byte-fallback and byte-level BPE
// vocabularies do this routinely). `push` holds such bytes back until the character is complete,
// so every returned chunk is valid UTF-8 and the concatenation of all chunks equals the repaired
// decoding of the whole sequence. Bytes that can never form a character become U+FFFD.
#pragma once

#include <memory>
#include <string>

#include "gpu/text/tokenizer.hpp"

namespace troupe {

class detokenizer {
 public:
  explicit detokenizer(std::shared_ptr<const tokenizer> tok, token_id previous = -1);
  // `previous` is the token before the first one pushed (the prompt's last token, or -1).

  std::string push(token_id id);
  // Appends a token; returns the text that became complete (possibly empty).

  std::string flush();
  // Ends the stream: returns held-back bytes, repaired.

 private:
  std::shared_ptr<const tokenizer> tok_;
  token_id previous_;
  std::string pending_;  // bytes of an unfinished character
};

}  // namespace troupe
