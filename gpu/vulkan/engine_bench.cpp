#include "gpu/vulkan/engine_bench.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "gpu/vulkan/kernels.hpp"
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

}  // namespace

double measure_copy_bandwidth(const std::string& device, uint64_t bytes) {
  vk::context ctx(device);
  vk::kernels k(ctx, {});
  bytes &= ~uint64_t{15};
  vk::buffer a(ctx, bytes, vk::memory_kind::device, "bandwidth source");
  vk::buffer b(ctx, bytes, vk::memory_kind::device, "bandwidth destination");
  a.fill_zero();
  b.fill_zero();
  auto run = [&](int reps) {
    VkCommandBuffer cmd = ctx.begin();
    for (int i = 0; i < reps; ++i) {
      k.copy(cmd, a.address(), b.address(), bytes);
      k.barrier(cmd);
    }
    ctx.submit_and_wait();
  };
  run(1);
  const int reps = 5;
  const auto t0 = clock_type::now();
  run(reps);
  return static_cast<double>(bytes) * reps / seconds_since(t0) / 1e9;
}

void run_engine_bench(const engine_bench_options& o, std::ostream& out) {
  const double bw = measure_copy_bandwidth(o.device, o.bandwidth_bytes);
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
  out << "{\"bench\":\"bandwidth\",\"device\":\"" << json_escape(info.device.name)
      << "\",\"gb_s\":" << num(bw) << "}\n";

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
    for (const auto& s : decode.seqs) engine->release(s.seq);

    const double weight_gb_s =
        static_cast<double>(info.weight_bytes) * o.gen_tokens / decode_s / 1e9;
    out << "{\"bench\":\"engine\",\"batch\":" << B << ",\"prompt_tokens\":" << o.prompt_tokens
        << ",\"gen_tokens\":" << o.gen_tokens
        << ",\"prefill_tok_s\":" << num(B * o.prompt_tokens / prefill_s)
        << ",\"decode_tok_s\":" << num(B * o.gen_tokens / decode_s)
        << ",\"weight_gb_s\":" << num(weight_gb_s)
        << ",\"bandwidth_fraction\":" << num(bw > 0 ? weight_gb_s / bw : 0) << "}\n";
    out.flush();
  }
}

}  // namespace troupe
