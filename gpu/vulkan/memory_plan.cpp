#include "gpu/vulkan/memory_plan.hpp"

#include <algorithm>
#include <cstdio>

namespace troupe::vk {

std::string byte_size(uint64_t bytes) {
  char buf[32];
  const double b = static_cast<double>(bytes);
  if (bytes >= (1ull << 30)) {
    std::snprintf(buf, sizeof buf, "%.2f GiB", b / (1ull << 30));
  } else if (bytes >= (1ull << 20)) {
    std::snprintf(buf, sizeof buf, "%.1f MiB", b / (1ull << 20));
  } else if (bytes >= (1ull << 10)) {
    std::snprintf(buf, sizeof buf, "%.1f KiB", b / (1ull << 10));
  } else {
    std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(bytes));
  }
  return buf;
}

namespace {

std::string exact(uint64_t bytes) {
  return std::to_string(bytes) + " bytes (" + byte_size(bytes) + ")";
}

// Where the limit comes from, for messages.
std::string available_clause(const memory_request& r, uint64_t available) {
  std::string s = exact(available) + " available: ";
  if (r.budget_bytes && r.budget_bytes <= r.device_free) {
    // The model's own device_memory_mb, or what the node's leaves it.
    return s + "the budget (device_memory_mb) is " + byte_size(r.budget_bytes) + ", device '" +
           r.device + "' has " + byte_size(r.device_free) + " free";
  }
  return s + "device '" + r.device + "' has " + byte_size(r.device_free) + " free";
}

}  // namespace

memory_plan plan_memory(const memory_request& r) {
  if (r.block_bytes == 0) throw std::invalid_argument("plan_memory: block_bytes is 0");
  const uint64_t available =
      r.budget_bytes ? std::min(r.budget_bytes, r.device_free) : r.device_free;
  const uint64_t fixed = r.weight_bytes + r.activation_bytes;
  const uint64_t kv_min =
      r.kv_bytes ? r.kv_bytes / r.block_bytes * r.block_bytes : r.sequence_blocks * r.block_bytes;
  if (r.kv_bytes && kv_min == 0) {
    throw memory_error("the configured KV cache (kv_memory_mb) of " + exact(r.kv_bytes) +
                       " holds no block of " + exact(r.block_bytes));
  }
  if (fixed + kv_min > available) {
    const std::string kv_what = r.kv_bytes
                                    ? "the configured KV cache (kv_memory_mb) " + byte_size(kv_min)
                                    : "KV cache for one full-length sequence " + byte_size(kv_min);
    throw memory_error("needs " + exact(fixed + kv_min) + " of device memory (weights " +
                       byte_size(r.weight_bytes) + ", step buffers " +
                       byte_size(r.activation_bytes) + ", " + kv_what + "), but only " +
                       available_clause(r, available));
  }
  memory_plan p;
  if (r.kv_bytes) {
    p.kv_blocks = r.kv_bytes / r.block_bytes;
  } else {
    uint64_t usable = r.device_free / 10 * 9;
    if (r.budget_bytes) usable = std::min(usable, r.budget_bytes);
    const uint64_t room = usable > fixed ? usable - fixed : 0;
    p.kv_blocks = std::max(r.sequence_blocks, std::min(r.wanted_blocks, room / r.block_bytes));
  }
  p.total_bytes = fixed + p.kv_blocks * r.block_bytes;
  return p;
}

}  // namespace troupe::vk
