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

// Index 0 is the default device: a GPU goes before llvmpipe whatever the loader's order, and a
// device the engine cannot run on goes last.
TEST(VulkanDevices, OrdersGpusBeforeCpuDevices) {
  instance inst;
  auto real = enumerate_devices(inst.get());
  ASSERT_FALSE(real.empty());
  const physical_device usable = real[0];  // lavapipe here: supported, type cpu
  ASSERT_EQ(usable.unsupported_reason(), "");
  auto as = [&](const std::string& name, const std::string& type) {
    physical_device d = usable;
    d.name = name;
    d.type = type;
    return d;
  };
  physical_device broken = as("old gpu", "discrete");
  broken.has_compute_queue = false;
  ASSERT_NE(broken.unsupported_reason(), "");
  std::vector<physical_device> devices = {as("llvmpipe", "cpu"),    broken,
                                          as("iGPU", "integrated"), as("H200", "discrete"),
                                          as("llvmpipe 2", "cpu"),  as("A100", "discrete")};
  order_devices(devices);
  std::vector<std::string> names;
  for (const auto& d : devices) names.push_back(d.name);
  EXPECT_EQ(names, (std::vector<std::string>{"H200", "A100", "iGPU", "llvmpipe", "llvmpipe 2",
                                             "old gpu"}));
  for (size_t i = 0; i < devices.size(); ++i) EXPECT_EQ(devices[i].index, i);
  EXPECT_EQ(select_device(devices, "0").name, "H200");
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
