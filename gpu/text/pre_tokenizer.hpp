// Pre-tokenization for byte-level BPE: splitting text into the words that BPE merges within.
//
// Each kind reproduces the Hugging Face pre-tokenizer of a model family — one regex, or a
// sequence of them where each splits the pieces the previous one left — hand-written (no regex
// engine) over Unicode general categories. llama.cpp applies the same sequences for the
// tokenizer.ggml.pre names below (llama-vocab.cpp):
//   gpt2:     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//   llama_default: llama.cpp's "default": [\p{P}\$\+<=>\^~\|]+, then gpt2, then \p{N}+, then
//             [0-9][0-9][0-9]
//   llama3:   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
//             ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//   qwen2:    llama3 with \p{N} (one digit per word) instead of \p{N}{1,3}
//   qwen35:   qwen2 with marks joining letters: [^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+ and
//             ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*
//   smollm:   \p{N}, then gpt2 (every digit on its own)
//   tekken:   [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|
//             [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}|
//             ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
//   gpt4o:    tekken with (?i:'s|'t|'re|'ve|'m|'ll|'d)? after each letter alternative and
//             \p{N}{1,3}
//   deepseek3: \p{N}{1,3}, then [一-龥぀-ゟ゠-ヿ]+, then
//             [!-/:-@\[-`{-~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+|
//             ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
// Bytes that are not valid UTF-8 count as single characters of no class (like punctuation).
// tekken and gpt4o use the real Unicode case categories, as Hugging Face does; llama.cpp
// approximates \p{Lu} by "a letter other than a-z" and \p{Ll} by "a letter other than A-Z", so
// for words with non-ASCII capitals (ÉCOLE) it splits differently from the model's tokenizer.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace troupe {

enum class pre_tokenizer_kind {
  gpt2,
  llama_default,
  llama3,
  qwen2,
  qwen35,
  smollm,
  tekken,
  gpt4o,
  deepseek3,
};

struct pre_tokenizer_spec {
  pre_tokenizer_kind kind;
  bool ignore_merges = false;  // a word that is itself a token is taken whole
  bool add_bos = false;        // llama.cpp's add_bos_token when the GGUF does not say
};

std::optional<pre_tokenizer_spec> pre_tokenizer_from_name(std::string_view gguf_pre);
// llama.cpp's tokenizer.ggml.pre names for the kinds above ("llama-bpe", "qwen2", "tekken",
// "deepseek-v3", "default", "gpt-2", ...); nullopt for names with no implementation here.

const std::string& supported_pre_tokenizers();
// The names pre_tokenizer_from_name knows, comma-separated, for error messages.

std::vector<std::string_view> pre_tokenize(pre_tokenizer_kind kind, std::string_view text);
// The words of `text`, in order; they concatenate to `text`.

}  // namespace troupe
