#include "gpu/vulkan/kv_blocks.hpp"

#include <gtest/gtest.h>

namespace troupe::vk {
namespace {

TEST(KvBlocks, AllocatesUntilFullAndFreesOnRelease) {
  kv_blocks kv(3, 4, 42);
  auto a = kv.allocate(), b = kv.allocate(), c = kv.allocate();
  ASSERT_TRUE(a && b && c);
  EXPECT_FALSE(kv.allocate());
  EXPECT_EQ(kv.available(), 0u);
  kv.release(*b);
  EXPECT_EQ(kv.available(), 1u);
  EXPECT_EQ(kv.allocate(), b);
}

TEST(KvBlocks, PublishedBlocksAreFoundByContentAndSharedByRefcount) {
  kv_blocks kv(4, 2, 7);
  std::vector<token_id> t1 = {1, 2}, t2 = {3, 4};
  const uint64_t h1 = kv.chain_hash(0, t1), h2 = kv.chain_hash(h1, t2);
  EXPECT_NE(h1, kv.chain_hash(0, t2));
  EXPECT_NE(h2, kv.chain_hash(kv.chain_hash(0, t2), t2));  // the chain covers the prefix
  auto a = *kv.allocate();
  kv.publish(a, h1, t1);
  auto found = kv.find_cached(h1, t1);
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, a);
  EXPECT_EQ(kv.refcount(a), 2u);
  EXPECT_FALSE(kv.find_cached(h1, t2));  // same hash, other tokens: never served
  kv.release(a);
  kv.release(a);
  EXPECT_EQ(kv.available(), 4u);  // cached but evictable
  auto again = kv.find_cached(h1, t1);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, a);
  kv.release(a);
}

TEST(KvBlocks, EvictsLeastRecentlyReleasedCachedBlockWhenFreeRunsOut) {
  kv_blocks kv(2, 1, 1);
  std::vector<token_id> x = {5}, y = {6};
  auto a = *kv.allocate(), b = *kv.allocate();
  kv.publish(a, kv.chain_hash(0, x), x);
  kv.publish(b, kv.chain_hash(0, y), y);
  kv.release(a);
  kv.release(b);
  auto c = kv.allocate();
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, a);  // released first, evicted first
  EXPECT_FALSE(kv.find_cached(kv.chain_hash(0, x), x));
  EXPECT_TRUE(kv.find_cached(kv.chain_hash(0, y), y));
}

}  // namespace
}  // namespace troupe::vk
