#include "gpu/vulkan/vk_devices.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "gpu/vulkan/vk_context.hpp"
#include "gpu/vulkan/vk_instance.hpp"

namespace troupe::vk {
namespace {

TEST(VulkanDevices, EnumeratesEveryDeviceWithLimits) {
  instance inst;
  auto devices = enumerate_devices(inst.get());
  ASSERT_FALSE(devices.empty());
  for (const auto& d : devices) {
    EXPECT_FALSE(d.name.empty());
    EXPECT_FALSE(d.type.empty());
    EXPECT_FALSE(d.vendor.empty());
    EXPECT_GT(d.max_storage_buffer_range, 0u);
    EXPECT_GT(d.max_workgroup_invocations, 0u);
    EXPECT_GT(d.subgroup_size, 0u);
    EXPECT_FALSE(d.heaps.empty());
    auto summary = d.summary();
    EXPECT_EQ(summary.name, d.name);
    EXPECT_GT(summary.memory_total, 0u);
  }
}

TEST(VulkanDevices, SelectsByIndexAndNameFragment) {
  instance inst;
  auto devices = enumerate_devices(inst.get());
  ASSERT_FALSE(devices.empty());
  EXPECT_EQ(select_device(devices, "0").handle, devices[0].handle);
  std::string fragment = devices[0].name.substr(0, 4);
  for (char& c : fragment) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (devices.size() == 1) {
    EXPECT_EQ(select_device(devices, fragment).handle, devices[0].handle);
  }
  EXPECT_THROW(select_device(devices, "99"), std::runtime_error);
  EXPECT_THROW(select_device(devices, "no-such-device-xyz"), std::runtime_error);
}

TEST(VulkanDevices, VendorNamesFromIds) {
  EXPECT_EQ(vendor_name(0x10DE), "nvidia");
  EXPECT_EQ(vendor_name(0x1002), "amd");
  EXPECT_EQ(vendor_name(0x8086), "intel");
  EXPECT_EQ(vendor_name(0x10005), "mesa");
  EXPECT_EQ(vendor_name(0x1234), "0x1234");
}

TEST(VulkanContext, CreatesDeviceAndPinsSubgroupSize) {
  context ctx("0");
  EXPECT_NE(ctx.handle(), VK_NULL_HANDLE);
  EXPECT_GE(ctx.subgroup_size(), 4u);
  EXPECT_GT(ctx.available_device_bytes(), 0u);
  const char* env = std::getenv("TROUPE_VULKAN_VALIDATION");
  if (env && std::string(env) == "1") {
    EXPECT_TRUE(ctx.vk_instance().validation());
  }
  EXPECT_EQ(ctx.vk_instance().validation_errors(), 0u);
}

}  // namespace
}  // namespace troupe::vk
