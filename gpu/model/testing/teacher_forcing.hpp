// Teacher forcing: an engine's next-token scores at every position of given sequences, and how
// close they are to another implementation's distributions.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "gpu/engine.hpp"

namespace troupe::testing {

using position_scores = std::vector<std::vector<float>>;  // per position: one value per token

std::vector<position_scores> teacher_forced_logits(engine& e,
                                                   const std::vector<std::vector<token_id>>& seqs);
// Per sequence, per position i: `e`'s logits after tokens [0, i]. The sequences advance together,
// one token a step, each step sampling (greedily) every one of them; they are released after.

struct distribution_agreement {
  size_t positions = 0;
  size_t top1_same = 0;     // positions where both put the same token first
  size_t decided = 0;       // positions where the reference's first token leads its second by at
                            // least `margin` nats of log-probability
  size_t decided_same = 0;  // ... of which the engine puts the same token first
  double mean_kl = 0;       // mean KL(reference || engine) in nats
  double max_kl = 0;
  double top1_rate() const { return positions ? double(top1_same) / double(positions) : 0.0; }
  double decided_rate() const { return decided ? double(decided_same) / double(decided) : 0.0; }
  std::string describe() const;
  // "top-1 511/512 (99.80%), decided 400/400 (100.00%), KL mean 1.2e-05 max 3.4e-04"
};

distribution_agreement compare_distributions(const std::vector<position_scores>& engine_logits,
                                             const std::vector<position_scores>& reference_probs,
                                             double margin = 0.1);
// The engine's logits (softmax taken here) against the reference's probabilities, position by
// position. Throws std::invalid_argument when the shapes differ.

}  // namespace troupe::testing
