// UTF-8 validation and repair.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace troupe::utf8 {

size_t sequence_length(unsigned char lead);
// Length of the sequence a lead byte starts (1-4), or 0 when it cannot start one.

size_t valid_prefix(std::string_view bytes, bool* incomplete_tail);
// Length of the longest prefix made of whole, valid sequences. `*incomplete_tail` (when given) is
// set when the rest is a valid but unfinished sequence (more bytes may complete it).

bool is_valid(std::string_view bytes);

std::string repair(std::string_view bytes);
// `bytes` with every byte that is not part of a valid sequence replaced by U+FFFD.

}  // namespace troupe::utf8
