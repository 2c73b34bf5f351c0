// Pre-tokenization for byte-level BPE: splitting text into the words that BPE merges within.
//
// Each kind reproduces one Hugging Face pre-tokenizer regex, hand-written (no regex engine) over
// Unicode character classes:
//   gpt2:   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//   llama3: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
//           ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//   qwen2:  llama3 with \p{N} (one digit per word) instead of \p{N}{1,3}
//   smollm: every digit on its own, then gpt2 on the text between digits
// Bytes that are not valid UTF-8 count as single characters of no class (like punctuation).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace troupe {

enum class pre_tokenizer_kind { gpt2, llama3, qwen2, smollm };

std::optional<pre_tokenizer_kind> pre_tokenizer_from_name(std::string_view gguf_pre);
// Maps GGUF's tokenizer.ggml.pre ("llama-bpe", "qwen2", "smollm", "default", "gpt-2", ...);
// nullopt for names with no implementation here.

std::vector<std::string_view> pre_tokenize(pre_tokenizer_kind kind, std::string_view text);
// The words of `text`, in order; they concatenate to `text`.

}  // namespace troupe
