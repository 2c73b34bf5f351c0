#include "gpu/vulkan/memory_plan.hpp"

#include <gtest/gtest.h>

namespace troupe::vk {
namespace {

constexpr uint64_t MiB = 1ull << 20, GiB = 1ull << 30;

memory_request eight_gib_device() {
  memory_request r;
  r.weight_bytes = 4 * GiB + 700 * MiB;  // a Llama-3-8B Q4_K_M
  r.activation_bytes = 96 * MiB;
  r.block_bytes = 2 * MiB;  // 16 tokens x 32 layers x 2 x 1024 x 4 bytes
  r.sequence_blocks = 128;  // 2048 tokens
  r.wanted_blocks = 16 * 128 * 5 / 4 + 1;
  r.device_free = 8 * GiB;
  r.device = "GeForce";
  return r;
}

std::string refusal(const memory_request& r) {
  try {
    plan_memory(r);
  } catch (const memory_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no refusal";
  return "";
}

TEST(MemoryPlan, TheKvCacheGetsWhatTheWeightsLeaveWithinNinetyPercent) {
  const memory_plan p = plan_memory(eight_gib_device());
  // 90% of 8 GiB minus 4.78 GiB leaves 2.42 GiB: 1238 blocks of 2 MiB, fewer than the 2561 wanted.
  EXPECT_EQ(p.kv_blocks, (8 * GiB / 10 * 9 - (4 * GiB + 796 * MiB)) / (2 * MiB));
  EXPECT_EQ(p.total_bytes, 4 * GiB + 796 * MiB + p.kv_blocks * 2 * MiB);
  EXPECT_LE(p.total_bytes, 8 * GiB);
  memory_request big = eight_gib_device();
  big.device_free = 80 * GiB;  // room for everything wanted
  EXPECT_EQ(plan_memory(big).kv_blocks, big.wanted_blocks);
}

TEST(MemoryPlan, AModelLargerThanTheDeviceIsRefusedWithTheBytes) {
  memory_request r = eight_gib_device();
  r.weight_bytes = 15 * GiB;  // the same model widened to f16
  const std::string e = refusal(r);
  EXPECT_NE(e.find("needs 16475226112 bytes (15.34 GiB) of device memory"), std::string::npos) << e;
  EXPECT_NE(e.find("weights 15.00 GiB, step buffers 96.0 MiB, KV cache for one full-length "
                   "sequence 256.0 MiB"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("8589934592 bytes (8.00 GiB) available: device 'GeForce' has 8.00 GiB free"),
            std::string::npos)
      << e;
}

TEST(MemoryPlan, TheBudgetLimitsEverythingAndIsNamed) {
  memory_request r = eight_gib_device();
  r.budget_bytes = 4 * GiB;
  const std::string e = refusal(r);
  EXPECT_NE(e.find("4294967296 bytes (4.00 GiB) available: the budget "
                   "(device_memory_mb) is 4.00 GiB, device 'GeForce' has 8.00 GiB free"),
            std::string::npos)
      << e;
  r.budget_bytes = 6 * GiB;  // fits; the KV cache takes the rest of the budget, not of the device
  const memory_plan p = plan_memory(r);
  EXPECT_EQ(p.kv_blocks, (6 * GiB - (4 * GiB + 796 * MiB)) / (2 * MiB));
  EXPECT_LE(p.total_bytes, 6 * GiB);
  r.budget_bytes = 64 * GiB;  // a budget above the free memory: the device is the limit
  r.weight_bytes = 9 * GiB;
  EXPECT_NE(refusal(r).find("available: device 'GeForce' has 8.00 GiB free"), std::string::npos);
}

TEST(MemoryPlan, OneFullLengthSequenceIsTheLeastAndAConfiguredKvCacheMustFit) {
  memory_request r = eight_gib_device();
  r.device_free = 4 * GiB + 796 * MiB + 256 * MiB;  // exactly one sequence
  EXPECT_EQ(plan_memory(r).kv_blocks, 128u);        // more than the 90% rule gives
  r.device_free -= 1;
  EXPECT_NE(refusal(r).find("KV cache for one full-length sequence"), std::string::npos);

  r = eight_gib_device();
  r.kv_bytes = 4 * GiB + 1;  // configured: taken as whole blocks, and it must fit
  EXPECT_NE(refusal(r).find("the configured KV cache (kv_memory_mb) 4.00 GiB"), std::string::npos);
  r.kv_bytes = 1 * GiB + 1;
  EXPECT_EQ(plan_memory(r).kv_blocks, 512u);
  r.kv_bytes = 1 * MiB;  // not one block
  EXPECT_NE(refusal(r).find("holds no block"), std::string::npos);
}

TEST(MemoryPlan, ByteSizes) {
  EXPECT_EQ(byte_size(512), "512 bytes");
  EXPECT_EQ(byte_size(1536), "1.5 KiB");
  EXPECT_EQ(byte_size(96 * MiB), "96.0 MiB");
  EXPECT_EQ(byte_size(5 * GiB + GiB / 10), "5.10 GiB");
}

}  // namespace
}  // namespace troupe::vk
