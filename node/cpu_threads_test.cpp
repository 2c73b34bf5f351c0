#include "node/cpu_threads.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace troupe {
namespace {

struct CpuThreads : ::testing::Test {
  void SetUp() override { ::unsetenv("LP_NUM_THREADS"); }
  void TearDown() override { ::unsetenv("LP_NUM_THREADS"); }
  static std::string env() {
    const char* v = std::getenv("LP_NUM_THREADS");
    return v ? v : "<unset>";
  }
};

TEST_F(CpuThreads, TheConfiguredCountIsApplied) {
  auto said = apply_cpu_threads(0u);
  EXPECT_EQ(env(), "0");
  EXPECT_NE(said.find("submitting thread"), std::string::npos) << said;
  ::unsetenv("LP_NUM_THREADS");
  apply_cpu_threads(3u);
  EXPECT_EQ(env(), "3");
}

TEST_F(CpuThreads, WithoutTheKeyLavapipeKeepsItsDefault) {
  auto said = apply_cpu_threads(std::nullopt);
  EXPECT_EQ(env(), "<unset>");
  EXPECT_NE(said.find("default"), std::string::npos) << said;
}

TEST_F(CpuThreads, TheEnvironmentWins) {
  ::setenv("LP_NUM_THREADS", "2", 1);
  auto said = apply_cpu_threads(0u);
  EXPECT_EQ(env(), "2");
  EXPECT_NE(said.find("not applied"), std::string::npos) << said;
}

}  // namespace
}  // namespace troupe
