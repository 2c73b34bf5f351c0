// Engine throughput measurement for `troupe-bench engine`: prefill and decode tokens per second
// at several batch sizes, the weight bytes streamed per second during decode, and the device's
// read bandwidth as the yardstick. One JSON object per line:
//   {"bench":"bandwidth","device":"...","gb_s":...,"copy_texel_gb_s":...,"copy_buffer_gb_s":...}
//   {"bench":"memory","file_tensor_bytes":...,"weight_bytes":...,"weight_to_file":...,
//    "kv_bytes":...,"activation_bytes":...}        device bytes beside the file's tensor bytes
//   {"bench":"engine","batch":B,"prompt_tokens":P,"gen_tokens":G,"prefill_tok_s":...,
//    "decode_tok_s":...,"weight_gb_s":...,"streamed_gb_s":...,"bandwidth_fraction":...}
// weight_gb_s = device weight bytes x decode steps / decode seconds; streamed_gb_s counts only the
// bytes a decode step reads (every matrix once, not the embedding table unless the output
// projection is tied to it); bandwidth_fraction = streamed_gb_s / gb_s, the device's read
// bandwidth through texel fetches (the path the kernels read weights by). The copy probes
// (texel fetches or storage buffer loads in, storage buffer stores out) are reported alongside,
// in bytes read per second. One throwaway sequence runs before the measured batches.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace troupe {

struct engine_bench_options {
  std::string model_path;
  std::string device = "0";
  std::vector<uint32_t> batches = {1, 4, 16};
  uint32_t prompt_tokens = 32;
  uint32_t gen_tokens = 16;
  uint64_t bandwidth_bytes = 256ull << 20;  // buffer size of the copy-bandwidth probe
};

void run_engine_bench(const engine_bench_options& options, std::ostream& out);
// Throws std::runtime_error when the engine cannot be opened.

void list_vulkan_devices(std::ostream& out);
// One JSON line per Vulkan device, in troupe's order (index 0 is the default device): name,
// type, vendor, driver, API version, device-local memory, subgroup sizes, and whether the engine
// can run on it (else why not).

double measure_copy_bandwidth(const std::string& device, uint64_t bytes = 256ull << 20);
// Read bandwidth in GB/s of a probe summing a buffer through texel fetches.

}  // namespace troupe
