#include "gpu/model/testing/teacher_forcing.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace troupe::testing {

std::vector<position_scores> teacher_forced_logits(engine& e,
                                                   const std::vector<std::vector<token_id>>& seqs) {
  std::vector<position_scores> out(seqs.size());
  size_t longest = 0;
  for (const auto& s : seqs) longest = std::max(longest, s.size());
  for (size_t pos = 0; pos < longest; ++pos) {
    step_input in;
    std::vector<size_t> which;
    for (size_t k = 0; k < seqs.size(); ++k) {
      if (pos >= seqs[k].size()) continue;
      sequence_input x;
      x.seq = k + 1;
      x.tokens = {seqs[k][pos]};
      x.pos = static_cast<int32_t>(pos);
      x.sample = true;
      x.sample_index = static_cast<uint32_t>(pos);
      x.want_logits = true;
      in.seqs.push_back(std::move(x));
      which.push_back(k);
    }
    step_output r = e.step(in);
    if (r.logits.size() != in.seqs.size()) throw std::runtime_error("engine returned no logits");
    for (size_t i = 0; i < which.size(); ++i) out[which[i]].push_back(std::move(r.logits[i]));
  }
  for (size_t k = 0; k < seqs.size(); ++k) e.release(k + 1);
  return out;
}

std::string distribution_agreement::describe() const {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "top-1 %zu/%zu (%.2f%%), decided %zu/%zu (%.2f%%), KL mean %.3g max %.3g",
                top1_same, positions, 100.0 * top1_rate(), decided_same, decided,
                100.0 * decided_rate(), mean_kl, max_kl);
  return buf;
}

distribution_agreement compare_distributions(const std::vector<position_scores>& engine_logits,
                                             const std::vector<position_scores>& reference_probs,
                                             double margin) {
  if (engine_logits.size() != reference_probs.size())
    throw std::invalid_argument("different numbers of sequences");
  distribution_agreement a;
  double kl_sum = 0;
  for (size_t s = 0; s < engine_logits.size(); ++s) {
    if (engine_logits[s].size() != reference_probs[s].size())
      throw std::invalid_argument("sequence " + std::to_string(s) + ": different lengths");
    for (size_t i = 0; i < engine_logits[s].size(); ++i) {
      const auto& logit = engine_logits[s][i];
      const auto& p = reference_probs[s][i];
      if (logit.size() != p.size() || logit.empty())
        throw std::invalid_argument("different vocabulary sizes");
      const double top = *std::max_element(logit.begin(), logit.end());
      double z = 0;
      for (float l : logit) z += std::exp(double(l) - top);
      const double log_z = std::log(z) + top;
      double kl = 0;
      for (size_t t = 0; t < p.size(); ++t) {
        if (p[t] > 0) kl += double(p[t]) * (std::log(double(p[t])) - (double(logit[t]) - log_z));
      }
      kl = std::max(kl, 0.0);  // the reference's 7-digit rounding can take it just below 0
      kl_sum += kl;
      a.max_kl = std::max(a.max_kl, kl);
      const auto first = [](const std::vector<float>& v) {
        return std::max_element(v.begin(), v.end()) - v.begin();
      };
      const auto reference_first = first(p);
      const bool same = first(logit) == reference_first;
      a.top1_same += same;
      ++a.positions;
      float second = 0;
      for (size_t t = 0; t < p.size(); ++t) {
        if (static_cast<ptrdiff_t>(t) != reference_first) second = std::max(second, p[t]);
      }
      if (second == 0 ||
          std::log(double(p[reference_first])) - std::log(double(second)) >= margin) {
        ++a.decided;
        a.decided_same += same;
      }
    }
  }
  a.mean_kl = a.positions ? kl_sum / double(a.positions) : 0.0;
  return a;
}

}  // namespace troupe::testing
