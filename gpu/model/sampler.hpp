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
// 1. Repetition penalty (when != 1): each distinct token among the last 64 of `history` has its
//    logit divided by the penalty when positive, multiplied when not (llama.cpp's rule).
// 2. temperature <= 0: the highest logit, lowest id on ties (NaN logits never win).
// 3. Otherwise logits / temperature; candidates ordered by logit (then id); keep the top_k
//    (when > 0); softmax; keep the smallest prefix whose probability reaches top_p (when < 1,
//    at least one token); draw u = uniform(seed, sample_index) and return the first kept token,
//    in id order, at which the cumulative weight exceeds u times the total.
// Throws std::invalid_argument for empty logits.

double uniform(uint64_t seed, uint32_t sample_index);
// A number in [0, 1) that depends only on its arguments (splitmix64 mixing, 53 bits).

}  // namespace troupe
