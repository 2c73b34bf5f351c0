#include "actors/capacity/prefix_affinity.hpp"

#include <gtest/gtest.h>

#include <numeric>

#include "actors/capacity/capacity_ledger.hpp"

namespace troupe {
namespace {

std::vector<token_id> tokens(size_t n, token_id first) {
  std::vector<token_id> v(n);
  std::iota(v.begin(), v.end(), first);
  return v;
}

// `shared` tokens from 1000 on, then `own` tokens unique to `tag`.
std::vector<token_id> prompt(size_t shared, size_t own, token_id tag) {
  auto p = tokens(shared, 1000);
  auto rest = tokens(own, 100000 * tag);
  p.insert(p.end(), rest.begin(), rest.end());
  return p;
}

TEST(PrefixKeys, OneKeyPerPowerOfTwoFullBlocksLongestFirst) {
  EXPECT_TRUE(prefix_keys(tokens(15, 1), 16).empty());  // no full block
  EXPECT_TRUE(prefix_keys(tokens(64, 1), 0).empty());
  EXPECT_EQ(prefix_keys(tokens(16, 1), 16).size(), 1u);
  EXPECT_EQ(prefix_keys(tokens(63, 1), 16).size(), 2u);   // 3 full blocks: prefixes of 1 and 2
  EXPECT_EQ(prefix_keys(tokens(128, 1), 16).size(), 4u);  // 1, 2, 4, 8
  // Prompts sharing their first 2 blocks (and not the 3rd) share the 1- and 2-block keys only.
  auto a = prefix_keys(prompt(32, 40, 1), 16);
  auto b = prefix_keys(prompt(32, 40, 2), 16);
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_NE(a[0], b[0]);
  EXPECT_EQ(a[1], b[1]);
  EXPECT_EQ(a[2], b[2]);
  // The key depends on the block size and on every token of the prefix.
  EXPECT_NE(prefix_keys(tokens(32, 1), 16).back(), prefix_keys(tokens(32, 1), 32).back());
  auto c = tokens(32, 1);
  c[5] = 99;
  EXPECT_NE(prefix_keys(c, 16).back(), prefix_keys(tokens(32, 1), 16).back());
}

TEST(PrefixAffinity, LooksUpLongestFirstAndForgetsTheLeastRecentlyUsed) {
  prefix_affinity a(3);
  a.record({10, 11}, 1);
  a.record({20, 11}, 2);  // key 11 now points to device 2
  EXPECT_EQ(a.lookup({10, 11}), (std::vector<batcher_id>{1, 2}));
  EXPECT_EQ(a.lookup({20, 11}), (std::vector<batcher_id>{2}));
  EXPECT_TRUE(a.lookup({30}).empty());
  a.record({30}, 3);  // 4 keys: the least recently recorded (10) goes
  EXPECT_EQ(a.size(), 3u);
  EXPECT_TRUE(a.lookup({10}).empty());
  EXPECT_EQ(a.lookup({30, 20}), (std::vector<batcher_id>{3, 2}));
}

device_capacity device(batcher_id id, uint32_t slots, double speed = 1.0) {
  device_capacity d;
  d.batcher = id;
  d.node = "n" + std::to_string(id);
  d.model = "m";
  d.max_batch_size = slots;
  d.kv_blocks = 1000;
  d.kv_block_tokens = 16;
  d.speed = speed;
  return d;
}

struct two_devices : ::testing::Test {
  capacity_ledger l;
  job_id next = 1;
  void SetUp() override {
    l.set_model(model_limits{"m", 100, 100}, 2048);
    ASSERT_TRUE(l.add_device(device(1, 8)).ok());
    ASSERT_TRUE(l.add_device(device(2, 8)).ok());
  }
  batcher_id run(const std::vector<token_id>& p) {
    job_id j = next++;
    EXPECT_TRUE(l.admit({j, "m", 1}).ok());
    auto b = l.try_acquire({j, "m", 1, prefix_keys(p, 16)});
    EXPECT_TRUE(b.has_value());
    return b.value_or(0);
  }
};

TEST_F(two_devices, JobsSharingAPrefixFollowIt) {
  // Without affinity equal devices alternate; with it, every prompt of one system prompt goes
  // where the first went while that device has at least half the best free capacity.
  auto first = run(prompt(64, 10, 1));
  for (token_id t = 2; t <= 4; ++t) EXPECT_EQ(run(prompt(64, 10, t)), first);
  // A prompt with nothing in common goes to the freer device.
  auto other = run(prompt(0, 70, 9));
  EXPECT_NE(other, first);
  EXPECT_EQ(l.report().models[0].prefix_routed, 3);
}

TEST_F(two_devices, AffinityYieldsWhenItsDeviceIsMuchBusier) {
  auto first = run(prompt(64, 10, 1));  // 7 of 8 slots free there, 8 on the other
  // Followers stack up on `first` while its free share is at least half the other's: 7, 6, 5
  // and 4 free of 8 against 8 of 8.
  for (token_id t = 2; t <= 5; ++t) EXPECT_EQ(run(prompt(64, 10, t)), first);
  // With 3 of 8 free the next one goes to the other device, which now holds the prefix too and,
  // having run it last, is where the followers go next.
  auto spill = run(prompt(64, 10, 6));
  EXPECT_NE(spill, first);
  EXPECT_EQ(run(prompt(64, 10, 7)), spill);
  EXPECT_EQ(l.report().models[0].prefix_routed, 4);  // the 4 followers that stayed on `first`
}

TEST_F(two_devices, TheLongestSharedPrefixWins) {
  // Two families of prompts: both start with the same 1-block preamble; each has its own
  // 3-block document after it.
  auto doc = [](token_id family, token_id q) {
    auto p = tokens(16, 7);
    auto d = tokens(48, 5000 * family);
    p.insert(p.end(), d.begin(), d.end());
    auto rest = tokens(20, 900000 + q);
    p.insert(p.end(), rest.begin(), rest.end());
    return p;
  };
  auto a = run(doc(1, 0));
  l.set_accepting(a, false);  // family 2 starts on the other device...
  auto b = run(doc(2, 0));
  ASSERT_NE(a, b);
  l.set_accepting(a, true);  // ... which the shared 1-block preamble now points to
  // Two unrelated jobs make `a` the busier device (5 of 8 free against 7), so load alone, or the
  // preamble's key, would pick `b`; family 1's longer key must win.
  l.set_accepting(b, false);
  run(prompt(0, 40, 50));
  run(prompt(0, 40, 51));
  l.set_accepting(b, true);
  for (token_id q = 1; q <= 3; ++q) {
    EXPECT_EQ(run(doc(1, q)), a);
    EXPECT_EQ(run(doc(2, q)), b);
  }
}

TEST_F(two_devices, ALostDeviceIsNotPreferred) {
  auto first = run(prompt(64, 10, 1));
  l.remove_device(first);
  ASSERT_TRUE(l.add_device(device(3, 8)).ok());  // a third device, busier than the second
  auto second = first == 1 ? batcher_id{2} : batcher_id{1};
  l.set_accepting(3, false);
  EXPECT_EQ(run(prompt(0, 40, 50)), second);  // 7 of 8 free there now, 8 on device 3
  l.set_accepting(3, true);
  EXPECT_EQ(run(prompt(64, 10, 2)), 3u);  // the freest; never the lost `first`
  EXPECT_EQ(l.report().models[0].prefix_routed, 0);
}

}  // namespace
}  // namespace troupe
