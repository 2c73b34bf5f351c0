// Choosing the next token from logits: greedy, or repetition penalty, temperature, top-k, top-p
// and a draw from a counter-based random stream.
//
// The result is a pure function of the arguments: the random number for a draw is derived from
// (seed, sample_index) alone, so re-running a step, resuming a job from a checkpoint, or running
// it on another machine reproduces the same tokens for the same logits. All arithmetic is done
// explicitly in a fixed order (no standard-library distributions, whose algorithms vary between
// implementations).
#pragma once

#include <cstdint>
#include <span>

#include "gpu/engine.hpp"

namespace troupe {

constexpr size_t repetition_window = 64;  // history tokens the repetition penalty looks at

token_id sample(std::span<const float> logits, const sampling_params& p, uint32_t sample_index,
                std::span<const token_id> history);
// 1. Penalties over the last 64 tokens of `history` (llama.cpp's rules): the repetition penalty
//    (when != 1) divides the logit of each token present by the penalty when positive and
//    multiplies it when not; then each present token's logit loses presence_penalty once and
//    frequency_penalty times its number of occurrences (OpenAI's presence and frequency).
// 2. temperature <= 0: the highest logit, lowest id on ties (NaN logits never win).
// 3. Otherwise logits / temperature; candidates ordered by logit (then id); keep the top_k
//    (when > 0); softmax; keep the smallest prefix whose probability reaches top_p (when < 1,
//    at least one token); keep those at least min_p times as likely as the best (when > 0);
//    draw u = uniform(seed, sample_index) and return the first kept token, in id order, at
//    which the cumulative weight exceeds u times the total.
// Throws std::invalid_argument for empty logits.

double uniform(uint64_t seed, uint32_t sample_index);
// A number in [0, 1) that depends only on its arguments (splitmix64 mixing, 53 bits).

}  // namespace troupe
