#include "actors/capacity/capacity_ledger.hpp"

#include <gtest/gtest.h>

namespace troupe {
namespace {

device_capacity device(batcher_id id, const std::string& model, uint32_t slots, uint32_t blocks,
                       double speed = 1.0) {
  device_capacity d;
  d.batcher = id;
  d.node = "n";
  d.model = model;
  d.max_batch_size = slots;
  d.kv_blocks = blocks;
  d.kv_block_tokens = 16;
  d.speed = speed;
  return d;
}

capacity_ledger ledger(int max_active, int max_queued) {
  capacity_ledger l;
  l.set_model(model_limits{"m", max_active, max_queued}, 256);
  EXPECT_TRUE(l.add_device(device(1, "m", 8, 100)).ok());
  return l;
}

TEST(CapacityLedger, ActiveOneQueuedOneRejectsTheThird) {
  auto l = ledger(1, 1);
  EXPECT_TRUE(l.admit({1, "m", 1}).ok());
  EXPECT_TRUE(l.admit({2, "m", 1}).ok());
  auto third = l.admit({3, "m", 1});
  EXPECT_EQ(third.code, errc::queue_full);
  EXPECT_NE(third.message.find("job 3"), std::string::npos) << third.message;
  // The first runs; the second cannot (max_active 1) and stays queued; still no room for a third.
  EXPECT_EQ(l.try_acquire({1, "m", 1, {}}), batcher_id{1});
  EXPECT_FALSE(l.try_acquire({2, "m", 1, {}}).has_value());
  EXPECT_EQ(l.admit({3, "m", 1}).code, errc::queue_full);
  l.release(1);
  EXPECT_EQ(l.try_acquire({2, "m", 1, {}}), batcher_id{1});
  EXPECT_TRUE(l.admit({3, "m", 1}).ok());
}

TEST(CapacityLedger, UnknownModelUnservedModelAndOversizedJob) {
  capacity_ledger l;
  l.set_model(model_limits{"m", 4, 4}, 256);
  l.set_model(model_limits{"idle", 4, 4}, 256);
  ASSERT_TRUE(l.add_device(device(1, "m", 8, 10)).ok());
  EXPECT_EQ(l.admit({1, "nope", 1}).code, errc::unknown_model);
  EXPECT_EQ(l.admit({2, "idle", 1}).code, errc::unavailable);
  EXPECT_EQ(l.admit({3, "m", 11}).code, errc::prompt_too_long);
  EXPECT_TRUE(l.admit({4, "m", 10}).ok());
  EXPECT_EQ(l.add_device(device(2, "nope", 1, 1)).code, errc::unknown_model);
  EXPECT_EQ(l.add_device(device(1, "m", 1, 1)).code, errc::invalid_argument);
}

TEST(CapacityLedger, BlocksAndSlotsBoundConcurrency) {
  auto l = ledger(100, 100);
  // 8 slots, 100 blocks: jobs of 30 blocks fit three at a time.
  for (job_id j = 1; j <= 5; ++j) ASSERT_TRUE(l.admit({j, "m", 30}).ok());
  EXPECT_TRUE(l.try_acquire({1, "m", 30, {}}));
  EXPECT_TRUE(l.try_acquire({2, "m", 30, {}}));
  EXPECT_TRUE(l.try_acquire({3, "m", 30, {}}));
  EXPECT_FALSE(l.try_acquire({4, "m", 30, {}}));
  l.release(2);
  EXPECT_TRUE(l.try_acquire({4, "m", 30, {}}));
  auto r = l.report();
  ASSERT_EQ(r.devices.size(), 1u);
  EXPECT_EQ(r.devices[0].kv_blocks_used, 90u);
  EXPECT_EQ(r.devices[0].slots_used, 3u);
  EXPECT_EQ(r.models[0].active, 3);
  EXPECT_EQ(r.models[0].queued, 1);
}

TEST(CapacityLedger, WithdrawAndReleaseReturnEverything) {
  auto l = ledger(2, 2);
  ASSERT_TRUE(l.admit({1, "m", 5}).ok());
  ASSERT_TRUE(l.admit({2, "m", 5}).ok());
  ASSERT_TRUE(l.try_acquire({1, "m", 5, {}}));
  l.withdraw(2);
  l.withdraw(1);  // active jobs are not withdrawn, only released
  EXPECT_EQ(l.report().models[0].active, 1);
  l.release(1);
  l.release(1);  // idempotent
  auto r = l.report();
  EXPECT_EQ(r.models[0].active, 0);
  EXPECT_EQ(r.models[0].queued, 0);
  EXPECT_EQ(r.devices[0].kv_blocks_used, 0u);
  EXPECT_EQ(r.devices[0].slots_used, 0u);
  EXPECT_EQ(r.models[0].peak_active, 1);
  EXPECT_EQ(r.models[0].peak_queued, 2);
}

TEST(CapacityLedger, PrefersTheFasterFreerDevice) {
  capacity_ledger l;
  l.set_model(model_limits{"m", 100, 100}, 256);
  ASSERT_TRUE(l.add_device(device(1, "m", 4, 100, 1.0)).ok());
  ASSERT_TRUE(l.add_device(device(2, "m", 4, 100, 3.0)).ok());
  int on_fast = 0;
  for (job_id j = 1; j <= 8; ++j) {
    ASSERT_TRUE(l.admit({j, "m", 1}).ok());
    auto b = l.try_acquire({j, "m", 1, {}});
    ASSERT_TRUE(b);
    on_fast += *b == 2;
  }
  EXPECT_EQ(on_fast, 4);  // both fill up, the fast one first
  ASSERT_TRUE(l.admit({9, "m", 1}).ok());
  EXPECT_FALSE(l.try_acquire({9, "m", 1, {}}));
}

TEST(CapacityLedger, UpdateLimitsAppliesToNextDecisions) {
  auto l = ledger(1, 0);
  ASSERT_TRUE(l.admit({1, "m", 1}).ok());
  EXPECT_EQ(l.admit({2, "m", 1}).code, errc::queue_full);
  auto updated = l.update_limits({"m", 3, -1});
  EXPECT_EQ(updated.max_active, 3);
  EXPECT_EQ(updated.max_queued, 0);
  EXPECT_TRUE(l.admit({2, "m", 1}).ok());
  EXPECT_EQ(l.update_limits({"zzz", 1, 1}).max_active, -1);
}

TEST(CapacityLedger, RecommendedParallelFromKvMemory) {
  capacity_ledger l;
  l.set_model(model_limits{"m", 100, 100}, 256);  // 256 tokens = 16 blocks of 16
  ASSERT_TRUE(l.add_device(device(1, "m", 64, 100)).ok());
  EXPECT_EQ(l.report().models[0].recommended_parallel, 6);  // 100 / 16
  ASSERT_TRUE(l.add_device(device(2, "m", 2, 1000)).ok());
  EXPECT_EQ(l.report().models[0].recommended_parallel, 8);  // + min(62, 2 slots)
}

TEST(CapacityLedger, RequeueKeepsTheAdmissionAndFreesTheDevice) {
  auto l = ledger(1, 0);
  ASSERT_TRUE(l.admit({1, "m", 10}).ok());
  ASSERT_TRUE(l.try_acquire({1, "m", 10, {}}));
  l.requeue(1);
  auto r = l.report();
  EXPECT_EQ(r.models[0].active, 0);
  EXPECT_EQ(r.models[0].queued, 1);
  EXPECT_EQ(r.devices[0].kv_blocks_used, 0u);
  EXPECT_EQ(l.admit({2, "m", 1}).code, errc::queue_full);  // still admitted: 1 of 1
  EXPECT_EQ(l.try_acquire({1, "m", 10, {}}), batcher_id{1});
}

TEST(CapacityLedger, LostAndDrainingDevicesTakeNoJobs) {
  capacity_ledger l;
  l.set_model(model_limits{"m", 10, 10}, 256);
  ASSERT_TRUE(l.add_device(device(1, "m", 4, 100)).ok());
  ASSERT_TRUE(l.add_device(device(2, "m", 4, 100)).ok());
  l.set_accepting(1, false);
  for (job_id j = 1; j <= 3; ++j) {
    ASSERT_TRUE(l.admit({j, "m", 1}).ok());
    EXPECT_EQ(l.try_acquire({j, "m", 1, {}}), batcher_id{2});
  }
  l.remove_device(2);
  ASSERT_TRUE(l.admit({4, "m", 1}).ok());
  EXPECT_FALSE(l.try_acquire({4, "m", 1, {}}));
  for (job_id j = 1; j <= 3; ++j) l.requeue(j);  // their device is gone: nothing to give back
  EXPECT_EQ(l.report().models[0].active, 0);
  l.set_accepting(1, true);
  EXPECT_EQ(l.try_acquire({4, "m", 1, {}}), batcher_id{1});
}

TEST(CapacityLedger, BlocksForTokens) {
  EXPECT_EQ(blocks_for_tokens(0, 16), 0u);
  EXPECT_EQ(blocks_for_tokens(1, 16), 1u);
  EXPECT_EQ(blocks_for_tokens(16, 16), 1u);
  EXPECT_EQ(blocks_for_tokens(17, 16), 2u);
}

}  // namespace
}  // namespace troupe
