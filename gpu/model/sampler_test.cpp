#include "gpu/model/sampler.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <vector>

namespace troupe {
namespace {

sampling_params params(float temperature, int32_t top_k = 0, float top_p = 1.0f,
                       float penalty = 1.0f, uint64_t seed = 42) {
  sampling_params p;
  p.temperature = temperature;
  p.top_k = top_k;
  p.top_p = top_p;
  p.repetition_penalty = penalty;
  p.seed = seed;
  return p;
}

std::vector<float> log_probs(std::vector<double> probs) {
  std::vector<float> l;
  for (double x : probs) l.push_back(static_cast<float>(std::log(x)));
  return l;
}

// Frequencies of each token over `draws` consecutive sample indices.
std::map<token_id, double> frequencies(const std::vector<float>& l, const sampling_params& p,
                                       int draws = 20000) {
  std::map<token_id, double> f;
  for (int i = 0; i < draws; ++i) f[sample(l, p, static_cast<uint32_t>(i), {})] += 1.0 / draws;
  return f;
}

TEST(sampler, greedy_takes_the_lowest_id_among_the_best) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(sample(std::vector<float>{0.5f, 2.0f, -1.0f, 2.0f}, params(0), 0, {}), 1);
  EXPECT_EQ(sample(std::vector<float>{nan, -3.0f, nan}, params(0), 0, {}), 1);
  EXPECT_EQ(sample(std::vector<float>{1.0f}, params(0), 0, {}), 0);
  EXPECT_THROW(sample(std::vector<float>{}, params(0), 0, {}), std::invalid_argument);
}

TEST(sampler, repetition_penalty_over_the_last_64_tokens) {
  const std::vector<float> l{2.0f, 1.9f, -1.0f, -1.1f};
  const std::vector<token_id> hist{0};
  EXPECT_EQ(sample(l, params(0), 0, {}), 0);
  EXPECT_EQ(sample(l, params(0, 0, 1, 1.2f), 0, hist), 1);  // 2.0 / 1.2 < 1.9
  // Negative logits are multiplied: -1.0 * 1.2 = -1.2 falls below -1.1.
  const std::vector<float> neg{-1.0f, -1.1f};
  EXPECT_EQ(sample(neg, params(0, 0, 1, 1.2f), 0, std::vector<token_id>{0}), 1);
  // A token repeated in the window is penalized once.
  EXPECT_EQ(sample(l, params(0, 0, 1, 1.04f), 0, std::vector<token_id>{0, 0, 0}), 0);
  // Only the last 64 history tokens count.
  std::vector<token_id> old{0};
  old.resize(65, 3);
  EXPECT_EQ(sample(l, params(0, 0, 1, 1.2f), 0, old), 0);
  old.erase(old.begin() + 64);  // token 0 is now inside the window
  EXPECT_EQ(sample(l, params(0, 0, 1, 1.2f), 0, old), 1);
  // Out-of-range history ids are ignored.
  EXPECT_EQ(sample(l, params(0, 0, 1, 1.2f), 0, std::vector<token_id>{-1, 99}), 0);
}

TEST(sampler, presence_and_frequency_penalties) {
  const std::vector<float> l{2.0f, 1.5f, 0.0f};
  auto pf = [](float presence, float frequency) {
    sampling_params p;
    p.presence_penalty = presence;
    p.frequency_penalty = frequency;
    return p;
  };
  const std::vector<token_id> once{0}, thrice{0, 0, 0};
  EXPECT_EQ(sample(l, pf(0.4f, 0), 0, once), 0);  // 1.6 > 1.5
  EXPECT_EQ(sample(l, pf(0.6f, 0), 0, once), 1);  // 1.4 < 1.5
  // Presence counts once, frequency per occurrence: 2.0 - 3 * 0.2 = 1.4 < 1.5.
  EXPECT_EQ(sample(l, pf(0.4f, 0), 0, thrice), 0);
  EXPECT_EQ(sample(l, pf(0, 0.2f), 0, thrice), 1);
  EXPECT_EQ(sample(l, pf(0, 0.2f), 0, once), 0);
  // A negative penalty encourages repeats.
  EXPECT_EQ(sample(l, pf(-2.5f, 0), 0, std::vector<token_id>{2}), 2);  // 0 + 2.5 > 2
  // Only the last 64 tokens count, as for the repetition penalty.
  std::vector<token_id> old{0};
  old.resize(65, 2);
  EXPECT_EQ(sample(l, pf(1.0f, 0), 0, old), 0);
}

TEST(sampler, min_p_drops_unlikely_tokens) {
  const auto l = log_probs({0.5, 0.3, 0.15, 0.05});
  auto p = params(1.0f);
  p.min_p = 0.2f;  // keeps p >= 0.1: 0.5, 0.3, 0.15
  const auto f = frequencies(l, p);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_NEAR(f.at(0), 0.5 / 0.95, 0.015);
  p.min_p = 0.7f;  // keeps p >= 0.35: only the best
  EXPECT_EQ(frequencies(l, p, 200).size(), 1u);
  p.min_p = 1.0f;  // the best always stays
  EXPECT_EQ(frequencies(l, p, 200).begin()->first, 0);
}

TEST(sampler, draws_follow_the_distribution) {
  const auto l = log_probs({0.1, 0.2, 0.3, 0.4});
  const auto f = frequencies(l, params(1.0f));
  for (int t = 0; t < 4; ++t) EXPECT_NEAR(f.at(t), 0.1 * (t + 1), 0.015) << t;
}

TEST(sampler, temperature_sharpens_and_flattens) {
  const auto l = log_probs({0.1, 0.2, 0.3, 0.4});
  // T = 0.5 squares the probabilities: 1, 4, 9, 16 over 30.
  const auto sharp = frequencies(l, params(0.5f));
  EXPECT_NEAR(sharp.at(3), 16.0 / 30, 0.015);
  EXPECT_NEAR(sharp.at(0), 1.0 / 30, 0.01);
  const auto flat = frequencies(l, params(100.0f));
  for (int t = 0; t < 4; ++t) EXPECT_NEAR(flat.at(t), 0.25, 0.02) << t;
}

TEST(sampler, top_k_and_top_p_truncate) {
  const auto l = log_probs({0.05, 0.5, 0.15, 0.3});
  const auto k2 = frequencies(l, params(1.0f, 2));
  ASSERT_EQ(k2.size(), 2u);
  EXPECT_NEAR(k2.at(1), 0.5 / 0.8, 0.015);
  EXPECT_NEAR(k2.at(3), 0.3 / 0.8, 0.015);
  const auto k1 = frequencies(l, params(1.0f, 1), 200);
  EXPECT_EQ(k1.size(), 1u);
  EXPECT_EQ(k1.begin()->first, 1);
  // top_p 0.75: 0.5 alone is not enough, 0.5 + 0.3 is.
  const auto p75 = frequencies(l, params(1.0f, 0, 0.75f));
  ASSERT_EQ(p75.size(), 2u);
  EXPECT_NEAR(p75.at(1), 0.5 / 0.8, 0.015);
  // top_p 0 keeps only the best.
  EXPECT_EQ(frequencies(l, params(1.0f, 0, 0.0f), 200).size(), 1u);
  // Both: top_k 3 then top_p 0.9 of what remains (0.5, 0.3, 0.15 -> 0.8/0.95 < 0.9).
  EXPECT_EQ(frequencies(l, params(1.0f, 3, 0.9f)).size(), 3u);
}

TEST(sampler, top_p_over_a_large_vocabulary) {
  // A nucleus larger than the first prefix the sampler sorts (64 candidates).
  std::vector<float> l(5000, 0.0f);
  for (size_t i = 0; i < 200; ++i) l[i * 7] = 5.0f;  // 200 equally likely favourites
  const auto f = frequencies(l, params(1.0f, 0, 0.5f), 1000);
  for (const auto& [tok, freq] : f) {
    EXPECT_EQ(tok % 7, 0) << tok;
    EXPECT_LT(tok, 1400) << tok;
    (void)freq;
  }
  EXPECT_GT(f.size(), 50u);
}

TEST(sampler, a_pure_function_of_its_inputs) {
  const auto l = log_probs({0.25, 0.25, 0.25, 0.25});
  std::vector<token_id> a, b, c;
  for (uint32_t i = 0; i < 64; ++i) {
    a.push_back(sample(l, params(1.0f), i, {}));
    b.push_back(sample(l, params(1.0f), i, {}));
    c.push_back(sample(l, params(1.0f, 0, 1, 1, 43), i, {}));
  }
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);  // another seed, another stream
  // Pinned values: these must never change, or resumed jobs would diverge from their past.
  EXPECT_EQ(uniform(0, 0), uniform(0, 0));
  const std::vector<token_id> pinned(a.begin(), a.begin() + 16);
  EXPECT_EQ(pinned, (std::vector<token_id>{0, 2, 1, 3, 0, 2, 2, 0, 0, 0, 3, 0, 2, 0, 0, 2}));
  EXPECT_DOUBLE_EQ(uniform(42, 7), 0.15202315798826116);
  for (uint32_t i = 0; i < 1000; ++i) {
    const double u = uniform(i * 31, i);
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
  }
}

}  // namespace
}  // namespace troupe
