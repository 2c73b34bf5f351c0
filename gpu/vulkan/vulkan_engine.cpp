#include "gpu/vulkan/vulkan_engine.hpp"

#include <algorithm>
#include <span>
#include <unordered_map>
#include <unordered_set>

#include "gpu/model/llama_model.hpp"
#include "gpu/model/sampler.hpp"
#include "gpu/model/tokenizer_loader.hpp"
#include "gpu/vulkan/device_model.hpp"
#include "gpu/vulkan/forward.hpp"
#include "gpu/vulkan/kernels.hpp"
#include "gpu/vulkan/kv_blocks.hpp"
#include "gpu/vulkan/memory_plan.hpp"
#include "gpu/vulkan/vk_context.hpp"

namespace troupe {
namespace {

struct sequence_state {
  std::vector<token_id> tokens;  // positions whose KV is cached
  std::vector<uint32_t> blocks;  // one per block_tokens positions
  std::vector<uint64_t> hashes;  // chain hash of each full block
};

// A sequence's part of a step being planned; applied only when the step succeeds.
struct planned {
  size_t input = 0;       // index in step_input::seqs
  sequence_state next;    // the state after the step
  size_t first = 0;       // index of the first input token that is computed
  bool replaces = false;  // the sequence existed and restarts at position 0
};

uint64_t model_salt(const llama_model& m) {
  const auto& hp = m.hparams();
  uint64_t h = 1469598103934665603ull;
  auto add = [&](uint64_t v) { h = (h ^ v) * 1099511628211ull; };
  for (char c : m.file().path()) add(static_cast<unsigned char>(c));
  add(m.file().file_size());
  add(static_cast<uint64_t>(hp.n_layer) << 32 | static_cast<uint32_t>(hp.dim));
  add(static_cast<uint64_t>(hp.vocab_size));
  return h;
}

class vulkan_engine final : public engine {
 public:
  explicit vulkan_engine(const vulkan_engine_options& o) : opt_(o) {
    if (o.kv_block_tokens == 0 || o.max_seq_len == 0 || o.max_batch_size == 0 ||
        o.max_step_tokens == 0) {
      throw std::runtime_error("vulkan engine options must be positive");
    }
    model_ = load_llama_model(o.model_path);
    tok_ = load_tokenizer(model_->file());
    const auto& hp = model_->hparams();
    ctx_ = std::make_unique<vk::context>(o.device);

    const uint32_t bt = o.kv_block_tokens;
    const uint32_t per_seq = (o.max_seq_len + bt - 1) / bt;
    vk::forward_limits limits;
    limits.max_tokens = o.max_step_tokens;
    limits.max_samples = o.max_batch_size;
    limits.max_table = o.max_batch_size * per_seq;
    limits.block_tokens = bt;
    const uint64_t block_bytes = vk::forward_pass::block_bytes(hp, bt);
    vk::memory_request mr;
    mr.weight_bytes = vk::device_model::estimate_bytes(*model_, o.max_seq_len);
    mr.activation_bytes = vk::forward_pass::activation_bytes(hp, limits);
    mr.block_bytes = block_bytes;
    mr.sequence_blocks = per_seq;
    // Enough for every sequence at full length plus a quarter for the prefix cache.
    mr.wanted_blocks = uint64_t{o.max_batch_size} * per_seq * 5 / 4 + 1;
    mr.kv_bytes = o.kv_memory_bytes;
    mr.budget_bytes = o.memory_budget_bytes;
    mr.device_free = ctx_->available_device_bytes();
    mr.device = ctx_->device().name;
    const vk::memory_plan plan = vk::plan_memory(mr);  // refuses before anything is allocated

    dev_model_ = std::make_unique<vk::device_model>(*ctx_, *model_, o.max_seq_len);
    kernels_ = std::make_unique<vk::kernels>(*ctx_, std::vector<uint32_t>{uint32_t(hp.head_dim)},
                                             dev_model_->formats());
    uint64_t blocks = plan.kv_blocks;
    const auto& dev = ctx_->device();
    // One layer's keys (or values) live in one buffer, bound whole as a texel view and a storage
    // buffer.
    const uint64_t layer_block = block_bytes / (2 * hp.n_layer);
    const uint64_t layer_limit =
        std::min({dev.max_buffer_size, dev.max_memory_allocation_size, dev.max_storage_buffer_range,
                  dev.max_texel_buffer_elements * 16});
    blocks = std::min(blocks, layer_limit / layer_block);
    blocks = std::min<uint64_t>(blocks, UINT32_MAX / bt);
    if (blocks < per_seq) {
      throw vk::memory_error(
          "one layer's KV cache for a full-length sequence (" + std::to_string(o.max_seq_len) +
          " tokens) needs " + vk::byte_size(per_seq * layer_block) + ", over the largest buffer '" +
          dev.name + "' allows (" + vk::byte_size(layer_limit) + "): lower max_seq_len");
    }
    limits.n_blocks = static_cast<uint32_t>(blocks);
    forward_ = std::make_unique<vk::forward_pass>(*ctx_, *kernels_, *dev_model_, limits);
    blocks_ = std::make_unique<vk::kv_blocks>(limits.n_blocks, bt, model_salt(*model_));

    info_.model = o.model_name;
    info_.architecture = hp.architecture;
    info_.vocab_size = hp.vocab_size;
    info_.context_length = static_cast<int32_t>(o.max_seq_len);
    info_.kv_block_tokens = bt;
    info_.kv_blocks = limits.n_blocks;
    info_.kv_block_bytes = block_bytes;
    info_.weight_bytes = dev_model_->bytes();
    // Everything else the engine holds: the step's buffers and every allocation's rounding, so
    // that weights + KV cache + this is what was really allocated.
    const uint64_t allocated = ctx_->allocated_device_bytes();
    const uint64_t kv_bytes = uint64_t{limits.n_blocks} * block_bytes;
    info_.activation_bytes = std::max(
        mr.activation_bytes, allocated - std::min(allocated, info_.weight_bytes + kv_bytes));
    const uint64_t taken = info_.weight_bytes + kv_bytes + info_.activation_bytes;
    if (o.memory_budget_bytes && taken > o.memory_budget_bytes) {
      throw vk::memory_error("allocated " + vk::byte_size(taken) + " of device memory, over the " +
                             "budget of " + vk::byte_size(o.memory_budget_bytes) +
                             " (the plan's estimate was " + vk::byte_size(plan.total_bytes) + ")");
    }
    stats_.streamed_weight_bytes = dev_model_->streamed_bytes();
    info_.device = dev.summary();
    info_.device.memory_available = ctx_->available_device_bytes();
  }

  const engine_info& info() const override { return info_; }
  std::shared_ptr<const tokenizer> tokens() const override { return tok_; }

  step_output step(const step_input& input) override {
    validate(input);
    std::vector<planned> plan;
    std::vector<uint32_t> acquired;
    try {
      vk::step_batch batch;
      std::vector<int> sampled;  // plan index of each sampled row
      for (size_t i = 0; i < input.seqs.size(); ++i) {
        plan.push_back(prepare(input.seqs[i], i, acquired));
        const planned& p = plan.back();
        const auto& in = input.seqs[i];
        const uint32_t table_base = static_cast<uint32_t>(batch.table.size());
        batch.table.insert(batch.table.end(), p.next.blocks.begin(), p.next.blocks.end());
        for (size_t t = p.first; t < in.tokens.size(); ++t) {
          batch.tokens.push_back(in.tokens[t]);
          batch.meta.push_back(static_cast<uint32_t>(in.pos + t));
          batch.meta.push_back(table_base);
        }
        if (in.sample) {
          batch.sample_rows.push_back(static_cast<uint32_t>(batch.tokens.size() - 1));
          sampled.push_back(static_cast<int>(i));
        }
      }
      if (batch.tokens.size() > opt_.max_step_tokens) {
        throw engine_error("step has " + std::to_string(batch.tokens.size()) +
                           " tokens to compute; the engine takes at most " +
                           std::to_string(opt_.max_step_tokens));
      }
      forward_->run(batch, logits_);

      // Success: commit every sequence, publish full blocks, sample.
      step_output out;
      out.tokens.assign(input.seqs.size(), -1);
      const size_t vocab = static_cast<size_t>(info_.vocab_size);
      for (size_t r = 0; r < sampled.size(); ++r) {
        const auto& in = input.seqs[sampled[r]];
        std::span<const float> row(logits_.data() + r * vocab, vocab);
        out.tokens[sampled[r]] =
            sample(row, in.params, in.sample_index, plan[sampled[r]].next.tokens);
        if (in.want_logits) {
          out.logits.resize(input.seqs.size());
          out.logits[sampled[r]].assign(row.begin(), row.end());
        }
      }
      for (auto& p : plan) {
        const auto& in = input.seqs[p.input];
        auto it = seqs_.find(in.seq);
        if (p.replaces && it != seqs_.end()) {
          for (uint32_t b : it->second.blocks) blocks_->release(b);
        }
        publish_full_blocks(p.next);
        stats_.computed_tokens += in.tokens.size() - p.first;
        stats_.reused_tokens += p.first;
        if (in.pos == 0) {
          out.prefix_queried += static_cast<uint32_t>(in.tokens.size());
          out.prefix_hits += static_cast<uint32_t>(p.first);
        }
        seqs_[in.seq] = std::move(p.next);
      }
      ++stats_.steps;
      return out;
    } catch (const engine_error&) {
      for (uint32_t b : acquired) blocks_->release(b);
      throw;
    } catch (const std::exception& e) {
      for (uint32_t b : acquired) blocks_->release(b);
      throw engine_error(std::string("vulkan step failed: ") + e.what());
    }
  }

  void release(uint64_t seq) override {
    auto it = seqs_.find(seq);
    if (it == seqs_.end()) return;
    for (uint32_t b : it->second.blocks) blocks_->release(b);
    seqs_.erase(it);
  }

  vulkan_engine_stats stats() const {
    auto s = stats_;
    s.submits = ctx_->submits();
    s.dispatches = ctx_->dispatches();
    return s;
  }

 private:
  void validate(const step_input& input) const {
    if (input.seqs.size() > opt_.max_batch_size) {
      throw engine_error("step has " + std::to_string(input.seqs.size()) +
                         " sequences; the engine takes at most " +
                         std::to_string(opt_.max_batch_size));
    }
    std::unordered_set<uint64_t> ids;
    for (const auto& s : input.seqs) {
      if (!ids.insert(s.seq).second) {
        throw engine_error("sequence " + std::to_string(s.seq) + " appears twice in a step");
      }
      if (s.tokens.empty()) {
        throw engine_error("sequence " + std::to_string(s.seq) + " has no tokens in the step");
      }
      for (token_id t : s.tokens) {
        if (t < 0 || t >= info_.vocab_size) {
          throw engine_error("token id " + std::to_string(t) + " is outside the vocabulary");
        }
      }
      auto it = seqs_.find(s.seq);
      const size_t cached = it == seqs_.end() ? 0 : it->second.tokens.size();
      if (s.pos != 0 && static_cast<size_t>(s.pos) != cached) {
        throw engine_error("sequence " + std::to_string(s.seq) + " continues at position " +
                           std::to_string(s.pos) + " but has " + std::to_string(cached) +
                           " positions cached");
      }
      if (s.pos + s.tokens.size() > opt_.max_seq_len) {
        throw engine_error("sequence " + std::to_string(s.seq) + " would exceed " +
                           std::to_string(opt_.max_seq_len) + " positions");
      }
    }
  }

  planned prepare(const sequence_input& in, size_t index, std::vector<uint32_t>& acquired) {
    planned p;
    p.input = index;
    const uint32_t bt = blocks_->block_tokens();
    auto it = seqs_.find(in.seq);
    if (in.pos == 0) {
      p.replaces = it != seqs_.end();
      // Prefix cache: reuse whole cached blocks of the prompt, leaving at least one token to
      // compute (its logits may be sampled).
      const size_t max_blocks = (in.tokens.size() - 1) / bt;
      uint64_t parent = 0;
      for (size_t b = 0; b < max_blocks; ++b) {
        std::span<const token_id> toks(in.tokens.data() + b * bt, bt);
        const uint64_t h = blocks_->chain_hash(parent, toks);
        auto found = blocks_->find_cached(h, toks);
        if (!found) break;
        acquired.push_back(*found);
        p.next.blocks.push_back(*found);
        p.next.hashes.push_back(h);
        parent = h;
      }
      p.first = p.next.blocks.size() * bt;
      p.next.tokens.assign(in.tokens.begin(), in.tokens.begin() + p.first);
    } else {
      p.next = it->second;
    }
    p.next.tokens.insert(p.next.tokens.end(), in.tokens.begin() + p.first, in.tokens.end());
    const size_t need = (p.next.tokens.size() + bt - 1) / bt;
    while (p.next.blocks.size() < need) {
      auto b = blocks_->allocate();
      if (!b) {
        throw engine_error("KV cache is full (" + std::to_string(blocks_->size()) + " blocks of " +
                           std::to_string(bt) + " tokens)");
      }
      acquired.push_back(*b);
      p.next.blocks.push_back(*b);
    }
    return p;
  }

  void publish_full_blocks(sequence_state& s) {
    const uint32_t bt = blocks_->block_tokens();
    const size_t full = s.tokens.size() / bt;
    for (size_t b = s.hashes.size(); b < full; ++b) {
      std::span<const token_id> toks(s.tokens.data() + b * bt, bt);
      const uint64_t h = blocks_->chain_hash(b == 0 ? 0 : s.hashes[b - 1], toks);
      blocks_->publish(s.blocks[b], h, toks);
      s.hashes.push_back(h);
    }
  }

  vulkan_engine_options opt_;
  std::shared_ptr<const llama_model> model_;
  std::shared_ptr<const tokenizer> tok_;
  std::unique_ptr<vk::context> ctx_;
  std::unique_ptr<vk::kernels> kernels_;
  std::unique_ptr<vk::device_model> dev_model_;
  std::unique_ptr<vk::forward_pass> forward_;
  std::unique_ptr<vk::kv_blocks> blocks_;
  std::unordered_map<uint64_t, sequence_state> seqs_;
  std::vector<float> logits_;
  engine_info info_;
  vulkan_engine_stats stats_;
};

}  // namespace

std::shared_ptr<engine> open_vulkan_engine(const vulkan_engine_options& options) {
  const auto what = [&](const std::exception& e) {
    return "cannot open the Vulkan engine for model '" + options.model_name + "' (" +
           options.model_path + "): " + e.what();
  };
  try {
    return std::make_shared<vulkan_engine>(options);
  } catch (const vk::memory_error& e) {
    throw vk::memory_error(what(e));
  } catch (const std::exception& e) {
    throw std::runtime_error(what(e));
  }
}

std::vector<device_info> list_vulkan_devices() {
  vk::instance inst;
  std::vector<device_info> out;
  for (const auto& d : vk::enumerate_devices(inst.get())) out.push_back(d.summary());
  return out;
}

vulkan_engine_stats vulkan_engine_statistics(const engine& e) {
  if (auto* v = dynamic_cast<const vulkan_engine*>(&e)) return v->stats();
  return {};
}

}  // namespace troupe
