#include "gpu/model/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace troupe {

namespace {

uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

constexpr float neg_inf = -std::numeric_limits<float>::infinity();

bool active(float penalty, float neutral) {
  return std::isfinite(penalty) && penalty != neutral;
}

// The repetition, presence and frequency penalties over the last repetition_window tokens.
void apply_penalties(std::vector<float>& l, const sampling_params& p,
                     std::span<const token_id> history) {
  const bool repetition = p.repetition_penalty > 0.0f && active(p.repetition_penalty, 1.0f);
  const bool presence = active(p.presence_penalty, 0.0f);
  const bool frequency = active(p.frequency_penalty, 0.0f);
  if (!repetition && !presence && !frequency) return;
  const size_t from = history.size() > repetition_window ? history.size() - repetition_window : 0;
  std::vector<token_id> seen(history.begin() + static_cast<std::ptrdiff_t>(from), history.end());
  std::sort(seen.begin(), seen.end());
  for (size_t i = 0; i < seen.size();) {
    const token_id id = seen[i];
    size_t count = 1;
    while (i + count < seen.size() && seen[i + count] == id) ++count;
    i += count;
    if (id < 0 || static_cast<size_t>(id) >= l.size()) continue;
    float& x = l[static_cast<size_t>(id)];
    if (repetition) x = x > 0.0f ? x / p.repetition_penalty : x * p.repetition_penalty;
    if (presence) x -= p.presence_penalty;
    if (frequency) x -= static_cast<float>(count) * p.frequency_penalty;
  }
}

token_id argmax(const std::vector<float>& l) {
  size_t best = 0;
  for (size_t i = 1; i < l.size(); ++i) {
    if (l[i] > l[best]) best = i;  // strict: the lowest id wins ties
  }
  return static_cast<token_id>(best);
}

}  // namespace

double uniform(uint64_t seed, uint32_t sample_index) {
  const uint64_t x =
      mix(mix(seed) ^ ((static_cast<uint64_t>(sample_index) + 1) * 0x9e3779b97f4a7c15ull));
  return static_cast<double>(x >> 11) * 0x1.0p-53;
}

token_id sample(std::span<const float> logits, const sampling_params& p, uint32_t sample_index,
                std::span<const token_id> history) {
  if (logits.empty()) throw std::invalid_argument("sample: no logits");
  const size_t n = logits.size();
  std::vector<float> l(logits.begin(), logits.end());
  for (float& x : l) {
    if (std::isnan(x)) x = neg_inf;
  }
  apply_penalties(l, p, history);
  if (!(p.temperature > 0.0f)) return argmax(l);

  for (float& x : l) x /= p.temperature;
  auto before = [&](uint32_t a, uint32_t b) { return l[a] > l[b] || (l[a] == l[b] && a < b); };
  std::vector<uint32_t> kept(n);
  for (size_t i = 0; i < n; ++i) kept[i] = static_cast<uint32_t>(i);
  if (p.top_k > 0 && static_cast<size_t>(p.top_k) < n) {
    std::nth_element(kept.begin(), kept.begin() + p.top_k - 1, kept.end(), before);
    kept.resize(static_cast<size_t>(p.top_k));
  }
  // Weights relative to the best candidate, in double; the total is summed in id order.
  std::sort(kept.begin(), kept.end());
  const float best = l[*std::min_element(kept.begin(), kept.end(), before)];
  if (best == neg_inf) return static_cast<token_id>(kept.front());  // nothing is possible
  std::vector<double> w(n, 0.0);
  double total = 0.0;
  for (uint32_t i : kept) {
    w[i] = std::exp(static_cast<double>(l[i]) - static_cast<double>(best));
    total += w[i];
  }
  if (p.top_p < 1.0f) {
    // The smallest best-first prefix reaching top_p of the total. Sorting a growing prefix
    // keeps this cheap for large vocabularies, where the nucleus is usually small.
    const double target = std::max(0.0, static_cast<double>(p.top_p)) * total;
    std::vector<uint32_t> order = kept;
    size_t cut = order.size();
    for (size_t m = std::min<size_t>(order.size(), 64);; m = std::min(order.size(), m * 8)) {
      std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(m), order.end(),
                        before);
      double cum = 0.0;
      size_t j = 0;
      for (; j < m; ++j) {
        cum += w[order[j]];
        if (cum >= target) break;
      }
      if (j < m) {
        cut = j + 1;
        break;
      }
      if (m == order.size()) break;
    }
    order.resize(cut);
    std::sort(order.begin(), order.end());
    kept.swap(order);
    total = 0.0;
    for (uint32_t i : kept) total += w[i];
  }
  if (p.min_p > 0.0f) {
    // Weights are relative to the best candidate: w = p_i / p_max. The best always stays.
    const double floor = static_cast<double>(p.min_p);
    std::erase_if(kept, [&](uint32_t i) { return w[i] < floor; });
    total = 0.0;
    for (uint32_t i : kept) total += w[i];
  }
  const double target = uniform(p.seed, sample_index) * total;
  double acc = 0.0;
  for (uint32_t i : kept) {
    acc += w[i];
    if (acc > target) return static_cast<token_id>(i);
  }
  return static_cast<token_id>(kept.back());
}

}  // namespace troupe
