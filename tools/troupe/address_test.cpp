#include "tools/troupe/address.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tests/support/test_files.hpp"

namespace troupe::cli {
namespace {

TEST(Address, Validity) {
  EXPECT_TRUE(valid_address("127.0.0.1:7433"));
  EXPECT_TRUE(valid_address("head.example:1"));
  EXPECT_TRUE(valid_address("[::1]:65535"));
  EXPECT_FALSE(valid_address("127.0.0.1"));
  EXPECT_FALSE(valid_address(":80"));
  EXPECT_FALSE(valid_address("h:0"));
  EXPECT_FALSE(valid_address("h:65536"));
  EXPECT_FALSE(valid_address("h:12ab"));
}

TEST(Address, HeadOfTheRepositoryConfig) {
  auto path = testing::source_dir() + "/cluster-configs/local.toml";
  auto found = head_address_from_config(path);
  ASSERT_TRUE(found.address) << found.problem;
  EXPECT_EQ(*found.address, "127.0.0.1:7433");
}

TEST(Address, ProblemsNameTheFile) {
  auto path = (std::filesystem::temp_directory_path() / "troupe-address-test.toml").string();
  std::ofstream(path) << "[cluster]\nhead = \"h\"\n[[node]]\nname = \"other\"\n";
  auto found = head_address_from_config(path);
  EXPECT_FALSE(found.address);
  EXPECT_NE(found.problem.find(path), std::string::npos) << found.problem;
  EXPECT_NE(found.problem.find("'h'"), std::string::npos) << found.problem;
  std::remove(path.c_str());
}

TEST(Address, EnvironmentComesFirst) {
  ::setenv("TROUPE_ADDR", "10.0.0.1:99", 1);
  auto found = default_address();
  ::unsetenv("TROUPE_ADDR");
  ASSERT_TRUE(found.address);
  EXPECT_EQ(*found.address, "10.0.0.1:99");
}

}  // namespace
}  // namespace troupe::cli
