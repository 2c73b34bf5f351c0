#include "gpu/vulkan/engine_bench.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "gpu/model/gguf_file.hpp"
#include "gpu/vulkan/kernels.hpp"
#include "gpu/vulkan/vk_devices.hpp"
#include "gpu/vulkan/vk_instance.hpp"
#include "gpu/vulkan/vulkan_engine.hpp"

namespace troupe {
namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out;
}

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

struct bandwidths {
  double read = 0;         // texel fetches
  double copy_texels = 0;  // texel fetches in, storage buffer stores out
  double copy_buffer = 0;  // storage buffers both ways
};

// Bytes read per second by each probe (a copy writes as many as it reads).
bandwidths measure_bandwidths(const std::string& device, uint64_t bytes) {
  vk::context ctx(device);
  vk::kernels k(ctx, {}, {});
  bytes &= ~uint64_t{15};
  // Copies write through a storage buffer binding, which devices may limit to 128 MiB.
  const uint64_t copy_bytes =
      std::min(bytes, ctx.device().max_storage_buffer_range & ~uint64_t{15});
  vk::buffer a(ctx, bytes, vk::memory_kind::device, "bandwidth source");
  vk::buffer c(ctx, copy_bytes, vk::memory_kind::device, "copy source");
  vk::buffer b(ctx, copy_bytes, vk::memory_kind::device, "bandwidth destination");
  a.fill_zero();
  b.fill_zero();
  c.fill_zero();
  auto measure = [&](vk::copy_path path) {
    const uint64_t n = path == vk::copy_path::read ? bytes : copy_bytes;
    auto run = [&](int reps) {
      VkCommandBuffer cmd = ctx.begin();
      for (int i = 0; i < reps; ++i) {
        k.copy(cmd, path == vk::copy_path::read ? a : c, b, n, path);
        k.barrier(cmd);
      }
      ctx.submit_and_wait();
    };
    run(1);
    const int reps = 5;
    const auto t0 = clock_type::now();
    run(reps);
    return static_cast<double>(n) * reps / seconds_since(t0) / 1e9;
  };
  bandwidths out;
  out.read = measure(vk::copy_path::read);
  out.copy_texels = measure(vk::copy_path::copy_texels);
  out.copy_buffer = measure(vk::copy_path::copy_buffer);
  return out;
}

}  // namespace

double measure_copy_bandwidth(const std::string& device, uint64_t bytes) {
  return measure_bandwidths(device, bytes).read;
}

void run_engine_bench(const engine_bench_options& o, std::ostream& out) {
  const bandwidths bws = measure_bandwidths(o.device, o.bandwidth_bytes);
  const double bw = bws.read;
  const uint32_t max_batch = std::max<uint32_t>(
      1, o.batches.empty() ? 1 : *std::max_element(o.batches.begin(), o.batches.end()));

  vulkan_engine_options eo;
  eo.model_name = "bench";
  eo.model_path = o.model_path;
  eo.device = o.device;
  eo.max_batch_size = max_batch;
  eo.max_seq_len = o.prompt_tokens + o.gen_tokens + 16;
  eo.max_step_tokens = std::max<uint32_t>(64, max_batch * o.prompt_tokens);
  auto engine = open_vulkan_engine(eo);
  const auto& info = engine->info();
  const uint64_t streamed = vulkan_engine_statistics(*engine).streamed_weight_bytes;
  // One throwaway sequence first, so the first measured batch pays no first-use costs.
  {
    step_input warm;
    warm.seqs.push_back({0, {1, 2, 3, 4}, 0, true, 0, {}});
    auto r = engine->step(warm);
    warm.seqs[0] = {0, {r.tokens[0]}, 4, true, 1, {}};
    engine->step(warm);
    engine->release(0);
  }
  out << "{\"bench\":\"bandwidth\",\"device\":\"" << json_escape(info.device.name)
      << "\",\"gb_s\":" << num(bw) << ",\"copy_texel_gb_s\":" << num(bws.copy_texels)
      << ",\"copy_buffer_gb_s\":" << num(bws.copy_buffer) << "}\n";
  uint64_t file_bytes = 0;
  for (const gguf_tensor_info& t : open_gguf(o.model_path)->tensors()) file_bytes += t.size;
  out << "{\"bench\":\"memory\",\"file_tensor_bytes\":" << file_bytes
      << ",\"weight_bytes\":" << info.weight_bytes
      << ",\"weight_to_file\":" << num(double(info.weight_bytes) / double(file_bytes))
      << ",\"kv_bytes\":" << uint64_t{info.kv_blocks} * info.kv_block_bytes
      << ",\"activation_bytes\":" << info.activation_bytes << "}\n";

  uint64_t next_seq = 1;
  for (uint32_t B : o.batches) {
    if (B == 0) continue;
    // Distinct prompts per sequence and run, so the prefix cache cannot skip any prefill.
    step_input prefill;
    for (uint32_t s = 0; s < B; ++s) {
      sequence_input in;
      in.seq = next_seq++;
      for (uint32_t t = 0; t < o.prompt_tokens; ++t) {
        in.tokens.push_back(static_cast<token_id>((in.seq * 7919 + t * 104729) %
                                                  static_cast<uint64_t>(info.vocab_size)));
      }
      in.sample = true;
      prefill.seqs.push_back(in);
    }
    auto t0 = clock_type::now();
    auto r = engine->step(prefill);
    const double prefill_s = seconds_since(t0);

    step_input decode = prefill;
    for (uint32_t s = 0; s < B; ++s) {
      decode.seqs[s].pos = static_cast<int32_t>(o.prompt_tokens);
      decode.seqs[s].tokens = {r.tokens[s]};
      decode.seqs[s].sample_index = 1;
    }
    const auto before = vulkan_engine_statistics(*engine);
    t0 = clock_type::now();
    for (uint32_t g = 0; g < o.gen_tokens; ++g) {
      r = engine->step(decode);
      for (uint32_t s = 0; s < B; ++s) {
        decode.seqs[s].pos += 1;
        decode.seqs[s].tokens = {r.tokens[s]};
        decode.seqs[s].sample_index += 1;
      }
    }
    const double decode_s = seconds_since(t0);
    const auto after = vulkan_engine_statistics(*engine);
    const double steps = o.gen_tokens;
    for (const auto& s : decode.seqs) engine->release(s.seq);

    const double weight_gb_s =
        static_cast<double>(info.weight_bytes) * o.gen_tokens / decode_s / 1e9;
    const double streamed_gb_s = static_cast<double>(streamed) * o.gen_tokens / decode_s / 1e9;
    out << "{\"bench\":\"engine\",\"batch\":" << B << ",\"prompt_tokens\":" << o.prompt_tokens
        << ",\"gen_tokens\":" << o.gen_tokens
        << ",\"prefill_tok_s\":" << num(B * o.prompt_tokens / prefill_s)
        << ",\"decode_tok_s\":" << num(B * o.gen_tokens / decode_s)
        << ",\"weight_gb_s\":" << num(weight_gb_s) << ",\"streamed_gb_s\":" << num(streamed_gb_s)
        << ",\"bandwidth_fraction\":" << num(bw > 0 ? streamed_gb_s / bw : 0)
        << ",\"submits_per_step\":" << num(double(after.submits - before.submits) / steps)
        << ",\"dispatches_per_step\":" << num(double(after.dispatches - before.dispatches) / steps)
        << "}\n";
    out.flush();
  }
}

void list_vulkan_devices(std::ostream& out) {
  vk::instance inst;
  for (const auto& d : vk::enumerate_devices(inst.get())) {
    const std::string why = d.unsupported_reason();
    out << "{\"bench\":\"device\",\"index\":" << d.index << ",\"name\":\"" << json_escape(d.name)
        << "\",\"type\":\"" << d.type << "\",\"vendor\":\"" << json_escape(d.vendor)
        << "\",\"driver\":\"" << json_escape(d.driver) << "\",\"api_version\":\""
        << VK_API_VERSION_MAJOR(d.api_version) << "." << VK_API_VERSION_MINOR(d.api_version) << "."
        << VK_API_VERSION_PATCH(d.api_version)
        << "\",\"device_local_bytes\":" << d.device_local_total()
        << ",\"subgroup_size\":" << d.subgroup_size
        << ",\"min_subgroup_size\":" << d.min_subgroup_size
        << ",\"max_subgroup_size\":" << d.max_subgroup_size
        << ",\"supported\":" << (why.empty() ? "true" : "false") << ",\"unsupported_reason\":\""
        << json_escape(why) << "\"}\n";
  }
}

}  // namespace troupe
