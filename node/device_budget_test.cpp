#include "node/device_budget.hpp"

#include <gtest/gtest.h>

namespace troupe {
namespace {

engine_info holding(uint64_t weights_mb, uint64_t kv_blocks, uint64_t act_mb) {
  engine_info i;
  i.weight_bytes = weights_mb << 20;
  i.activation_bytes = act_mb << 20;
  i.kv_blocks = static_cast<uint32_t>(kv_blocks);
  i.kv_block_bytes = 1 << 20;
  return i;
}

TEST(DeviceBudget, ModelsShareTheNodesBudgetInOrder) {
  device_budget b(4096);
  EXPECT_EQ(b.grant_mb("a", 0), 4096u);     // the first model may take it all
  EXPECT_EQ(b.grant_mb("a", 1000), 1000u);  // or its own budget, when smaller
  b.charge(holding(2048, 1000, 48));        // 3096 MiB held
  EXPECT_EQ(b.used_bytes(), 3096ull << 20);
  EXPECT_EQ(b.grant_mb("b", 0), 1000u);
  EXPECT_EQ(b.grant_mb("b", 2048), 1000u);
  b.charge(holding(900, 100, 0));
  try {
    b.grant_mb("c", 0);
    FAIL() << "granted memory that is used up";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("model 'c': the node's device_memory_mb (4096 MiB) is "
                                         "used up"),
              std::string::npos)
        << e.what();
  }
}

TEST(DeviceBudget, WithoutANodeBudgetEachModelKeepsItsOwn) {
  device_budget b(0);
  b.charge(holding(100000, 0, 0));
  EXPECT_EQ(b.grant_mb("a", 0), 0u);
  EXPECT_EQ(b.grant_mb("a", 512), 512u);
}

}  // namespace
}  // namespace troupe
