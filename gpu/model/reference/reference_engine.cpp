#include "gpu/model/reference/reference_engine.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include "gpu/model/sampler.hpp"
#include "gpu/model/tokenizer_loader.hpp"

namespace troupe {
namespace {

int32_t context_of(const llama_model& m, const reference_engine_options& o) {
  const int32_t trained = m.hparams().context_length;
  return o.context_length > 0 ? std::min(o.context_length, trained) : trained;
}

}  // namespace

reference_engine::reference_engine(std::shared_ptr<const llama_model> model,
                                   std::shared_ptr<const tokenizer> tok,
                                   reference_engine_options options)
    : ref_(model, static_cast<uint32_t>(context_of(*model, options))), tok_(std::move(tok)) {
  const llama_model& m = ref_.model();
  const llama_hparams& h = m.hparams();
  info_.model = options.model_name;
  if (info_.model.empty()) {
    info_.model = m.file()
                      .get_string("general.name")
                      .value_or(std::filesystem::path(m.file().path()).stem().string());
  }
  info_.architecture = h.architecture;
  info_.vocab_size = h.vocab_size;
  info_.context_length = context_of(m, options);
  info_.kv_block_tokens = std::max<uint32_t>(1, options.kv_block_tokens);
  info_.kv_blocks =
      options.kv_blocks > 0 ? options.kv_blocks : 64 * blocks_for(info_.context_length);
  info_.kv_block_bytes = static_cast<uint64_t>(info_.kv_block_tokens) * h.n_layer * 2 *
                         static_cast<uint64_t>(h.kv_dim()) * sizeof(float);
  info_.weight_bytes = m.weight_bytes();
  info_.device.index = 0;
  info_.device.name = "CPU reference";
  info_.device.type = "cpu";
  info_.device.vendor = "troupe";
}

std::unique_ptr<reference_engine> reference_engine::open(const std::string& gguf_path,
                                                         reference_engine_options options) {
  auto file = open_gguf(gguf_path);
  auto model = std::make_shared<const llama_model>(file);
  return std::make_unique<reference_engine>(std::move(model), load_tokenizer(*file),
                                            std::move(options));
}

uint32_t reference_engine::blocks_for(int64_t positions) const {
  return static_cast<uint32_t>((positions + info_.kv_block_tokens - 1) / info_.kv_block_tokens);
}

uint32_t reference_engine::blocks_in_use() const {
  uint32_t n = 0;
  for (const auto& [id, s] : seqs_) n += blocks_for(s.kv.length);
  return n;
}

step_output reference_engine::step(const step_input& input) {
  // Validation: nothing changes unless the whole step is valid.
  std::set<uint64_t> ids;
  int64_t blocks = blocks_in_use();
  for (const sequence_input& s : input.seqs) {
    const std::string who = "sequence " + std::to_string(s.seq) + ": ";
    if (!ids.insert(s.seq).second) throw engine_error(who + "appears twice in the step");
    if (s.tokens.empty()) throw engine_error(who + "no tokens");
    auto it = seqs_.find(s.seq);
    const int32_t cached = it == seqs_.end() ? 0 : it->second.kv.length;
    if (s.pos < 0 || s.pos > cached) {
      throw engine_error(who + "position " + std::to_string(s.pos) + " but " +
                         std::to_string(cached) + " positions are cached");
    }
    const int64_t end = static_cast<int64_t>(s.pos) + static_cast<int64_t>(s.tokens.size());
    if (end > info_.context_length) {
      throw engine_error(who + "positions up to " + std::to_string(end) +
                         " exceed the context of " + std::to_string(info_.context_length));
    }
    for (token_id t : s.tokens) {
      if (t < 0 || t >= info_.vocab_size) {
        throw engine_error(who + "token " + std::to_string(t) + " outside the vocabulary");
      }
    }
    blocks += static_cast<int64_t>(blocks_for(end)) - blocks_for(cached);
  }
  if (blocks > static_cast<int64_t>(info_.kv_blocks)) {
    throw engine_error("KV cache full: the step needs " + std::to_string(blocks) + " of " +
                       std::to_string(info_.kv_blocks) + " blocks");
  }

  // Sequences new to this step get their state now; they are dropped again if the forward pass
  // fails (it can only fail by running out of memory after the validation above).
  std::vector<uint64_t> created;
  std::vector<reference::reference_model::chunk> chunks;
  std::vector<std::vector<float>> logits(input.seqs.size());
  for (size_t i = 0; i < input.seqs.size(); ++i) {
    const sequence_input& s = input.seqs[i];
    if (!seqs_.contains(s.seq)) created.push_back(s.seq);
    sequence& seq = seqs_[s.seq];
    if (s.sample) logits[i].resize(static_cast<size_t>(info_.vocab_size));
    chunks.push_back({s.tokens, s.pos, &seq.kv, s.sample ? logits[i].data() : nullptr});
  }
  try {
    ref_.forward(chunks);
  } catch (...) {
    for (uint64_t id : created) seqs_.erase(id);
    throw;
  }

  step_output out;
  out.tokens.reserve(input.seqs.size());
  for (size_t i = 0; i < input.seqs.size(); ++i) {
    const sequence_input& s = input.seqs[i];
    sequence& seq = seqs_[s.seq];
    seq.tokens.resize(static_cast<size_t>(s.pos));
    seq.tokens.insert(seq.tokens.end(), s.tokens.begin(), s.tokens.end());
    out.tokens.push_back(s.sample ? sample(logits[i], s.params, s.sample_index, seq.tokens) : -1);
    if (s.sample && s.want_logits) {
      out.logits.resize(input.seqs.size());
      out.logits[i] = std::move(logits[i]);
    }
  }
  return out;
}

void reference_engine::release(uint64_t seq) {
  seqs_.erase(seq);
}

}  // namespace troupe
