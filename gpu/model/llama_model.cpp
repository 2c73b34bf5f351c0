#include "gpu/model/llama_model.hpp"

#include <algorithm>
#include <cmath>

namespace troupe {

namespace {

// Generous bounds that no real model reaches; beyond them a value is corrupt, and trusting it
// would make a backend allocate absurd amounts.
constexpr int64_t max_layers = 4096;
constexpr int64_t max_width = int64_t{1} << 20;
constexpr int64_t max_vocab = int64_t{1} << 24;
constexpr int64_t max_context = int64_t{1} << 24;

}  // namespace

const std::vector<std::string>& supported_architectures() {
  static const std::vector<std::string> list = {"llama", "mistral", "qwen2", "qwen3", "phi3"};
  return list;
}

tensor_view tensor_view::rows(int64_t first, int64_t count, std::string view_name) const {
  tensor_view v = *this;
  v.name = std::move(view_name);
  v.ne1 = count;
  v.data = data + static_cast<uint64_t>(first) * row_bytes();
  v.bytes = static_cast<uint64_t>(count) * row_bytes();
  return v;
}

const char* to_string(rope_layout layout) {
  return layout == rope_layout::adjacent ? "adjacent" : "neox";
}

void llama_model::fail(const std::string& what) const {
  throw model_error(file_->path() + ": " + what);
}

llama_model::llama_model(std::shared_ptr<const gguf_file> file) : file_(std::move(file)) {
  read_hparams();
  const llama_hparams& h = hp_;

  token_embd_ = tensor("token_embd.weight", h.dim, -1, true);
  if (token_embd_.ne1 <= 0 || token_embd_.ne1 > max_vocab) {
    fail("token_embd.weight: vocabulary of " + std::to_string(token_embd_.ne1) + " tokens");
  }
  hp_.vocab_size = static_cast<int32_t>(token_embd_.ne1);
  if (auto v = file_->get_int(h.architecture + ".vocab_size"); v && *v != h.vocab_size) {
    fail(h.architecture + ".vocab_size is " + std::to_string(*v) + " but token_embd.weight has " +
         std::to_string(h.vocab_size) + " rows");
  }
  output_norm_ = tensor("output_norm.weight", h.dim, 1, true);
  output_ = tensor("output.weight", h.dim, h.vocab_size, false);
  hp_.tied_output = !output_.present();
  if (hp_.tied_output) output_ = token_embd_;
  for (auto [view, name] : {std::pair{&rope_freqs_, "rope_freqs.weight"},
                            {&rope_long_, "rope_factors_long.weight"},
                            {&rope_short_, "rope_factors_short.weight"}}) {
    *view = tensor(name, h.rope_dim / 2, 1, false);
    if (view->present() && view->type != ggml_type::f32)
      fail(std::string(name) + ": expected f32, got " + type_name(view->type));
  }
  if (rope_long_.present() != rope_short_.present())
    fail("LongRoPE needs both rope_factors_long.weight and rope_factors_short.weight");
  if (rope_freqs_.present() && rope_long_.present())
    fail("rope_freqs.weight and LongRoPE factors are exclusive");

  layers_.resize(static_cast<size_t>(h.n_layer));
  for (int32_t i = 0; i < h.n_layer; ++i) read_layer(i, layers_[static_cast<size_t>(i)]);
}

void llama_model::read_layer(int32_t i, llama_layer& l) {
  const llama_hparams& h = hp_;
  const std::string p = "blk." + std::to_string(i) + ".";
  l.attn_norm = tensor(p + "attn_norm.weight", h.dim, 1, true);
  if (h.architecture == "phi3") {
    // One matrix for Q, K and V (in that order) and one for the FFN's gate and up.
    const auto qkv = tensor(p + "attn_qkv.weight", h.dim, h.q_dim() + 2 * h.kv_dim(), true);
    l.wq = qkv.rows(0, h.q_dim(), p + "attn_qkv.weight[q]");
    l.wk = qkv.rows(h.q_dim(), h.kv_dim(), p + "attn_qkv.weight[k]");
    l.wv = qkv.rows(h.q_dim() + h.kv_dim(), h.kv_dim(), p + "attn_qkv.weight[v]");
  } else {
    l.wq = tensor(p + "attn_q.weight", h.dim, h.q_dim(), true);
    l.wk = tensor(p + "attn_k.weight", h.dim, h.kv_dim(), true);
    l.wv = tensor(p + "attn_v.weight", h.dim, h.kv_dim(), true);
  }
  l.wo = tensor(p + "attn_output.weight", h.q_dim(), h.dim, true);
  const bool need_bias = h.architecture == "qwen2";
  l.bq = tensor(p + "attn_q.bias", h.q_dim(), 1, need_bias);
  l.bk = tensor(p + "attn_k.bias", h.kv_dim(), 1, need_bias);
  l.bv = tensor(p + "attn_v.bias", h.kv_dim(), 1, need_bias);
  const bool has_bias = l.bq.present() || l.bk.present() || l.bv.present();
  if (has_bias && !(l.bq.present() && l.bk.present() && l.bv.present())) {
    fail(p + "attn_{q,k,v}.bias: either all three biases or none");
  }
  if (i == 0) hp_.qkv_bias = has_bias;
  if (has_bias != hp_.qkv_bias) fail(p + "attn_q.bias: present in some layers only");
  const bool need_norm = h.architecture == "qwen3";
  l.q_norm = tensor(p + "attn_q_norm.weight", h.head_dim, 1, need_norm);
  l.k_norm = tensor(p + "attn_k_norm.weight", h.head_dim, 1, need_norm);
  if (l.q_norm.present() != l.k_norm.present()) {
    fail(p + "attn_{q,k}_norm.weight: either both or none");
  }
  if (i == 0) hp_.qk_norm = l.q_norm.present();
  if (l.q_norm.present() != hp_.qk_norm) fail(p + "attn_q_norm.weight: in some layers only");
  l.ffn_norm = tensor(p + "ffn_norm.weight", h.dim, 1, true);
  if (h.architecture == "phi3") {
    const auto gate_up = tensor(p + "ffn_up.weight", h.dim, 2 * h.ffn_dim, true);
    l.ffn_gate = gate_up.rows(0, h.ffn_dim, p + "ffn_up.weight[gate]");
    l.ffn_up = gate_up.rows(h.ffn_dim, h.ffn_dim, p + "ffn_up.weight[up]");
  } else {
    l.ffn_gate = tensor(p + "ffn_gate.weight", h.dim, h.ffn_dim, true);
    l.ffn_up = tensor(p + "ffn_up.weight", h.dim, h.ffn_dim, true);
  }
  l.ffn_down = tensor(p + "ffn_down.weight", h.ffn_dim, h.dim, true);
}

void llama_model::read_hparams() {
  const gguf_file& f = *file_;
  const std::string arch = f.get_string("general.architecture").value_or("");
  if (arch.empty()) fail("missing metadata key 'general.architecture'");
  const auto& known = supported_architectures();
  if (std::find(known.begin(), known.end(), arch) == known.end()) {
    std::string list;
    for (const auto& a : known) list += (list.empty() ? "" : ", ") + a;
    fail("architecture '" + arch + "' is not supported (" + list + ")");
  }
  hp_.architecture = arch;
  hp_.rope = arch == "llama" || arch == "mistral" ? rope_layout::adjacent : rope_layout::neox;
  const std::string p = arch + ".";

  auto required = [&](const std::string& key, int64_t lo, int64_t hi) {
    auto v = f.get_int(p + key);
    if (!v) fail("missing metadata key '" + p + key + "'");
    if (*v < lo || *v > hi) fail(p + key + " is " + std::to_string(*v) + ", out of range");
    return static_cast<int32_t>(*v);
  };
  auto optional = [&](const std::string& key, int64_t lo, int64_t hi, int64_t def) {
    auto v = f.get_int(p + key);
    if (v && (*v < lo || *v > hi)) fail(p + key + " is " + std::to_string(*v) + ", out of range");
    return static_cast<int32_t>(v.value_or(def));
  };

  hp_.n_layer = required("block_count", 1, max_layers);
  hp_.dim = required("embedding_length", 1, max_width);
  hp_.n_head = required("attention.head_count", 1, max_width);
  hp_.n_head_kv = optional("attention.head_count_kv", 1, max_width, hp_.n_head);
  hp_.ffn_dim = required("feed_forward_length", 1, max_width);
  hp_.context_length = optional("context_length", 1, max_context, 2048);
  if (hp_.n_head % hp_.n_head_kv != 0) {
    fail("attention.head_count " + std::to_string(hp_.n_head) +
         " is not a multiple of attention.head_count_kv " + std::to_string(hp_.n_head_kv));
  }
  if (auto k = f.get_int(p + "attention.key_length")) {
    hp_.head_dim = optional("attention.key_length", 1, max_width, 0);
    const auto v = f.get_int(p + "attention.value_length").value_or(*k);
    if (v != *k) fail("attention.value_length differs from attention.key_length");
  } else {
    if (hp_.dim % hp_.n_head != 0) {
      fail("embedding_length " + std::to_string(hp_.dim) + " is not a multiple of head_count " +
           std::to_string(hp_.n_head));
    }
    hp_.head_dim = hp_.dim / hp_.n_head;
  }
  if (static_cast<int64_t>(hp_.n_head) * hp_.head_dim > max_width) {
    fail("attention.head_count x head size is out of range");
  }
  hp_.rope_dim = optional("rope.dimension_count", 2, hp_.head_dim, hp_.head_dim);
  if (hp_.rope_dim % 2 != 0) fail(p + "rope.dimension_count must be even");

  auto positive_float = [&](const std::string& key, double def) {
    const double v = f.get_float(p + key).value_or(def);
    if (!(v > 0.0) || !std::isfinite(v)) fail(p + key + " must be positive");
    return static_cast<float>(v);
  };
  hp_.rope_base = positive_float("rope.freq_base", 10000.0);
  hp_.rms_eps = positive_float("attention.layer_norm_rms_epsilon", 1e-5);

  // Linear RoPE scaling: positions are divided by the factor. Llama 3.1's scaling and Phi-3's
  // LongRoPE arrive as per-pair factor tensors instead (rope_factors); YaRN is not implemented.
  const std::string scaling = f.get_string(p + "rope.scaling.type").value_or("none");
  if (scaling == "linear") {
    hp_.rope_freq_scale = 1.0f / positive_float("rope.scaling.factor", 1.0);
  } else if (scaling != "none" && scaling != "llama3" && scaling != "longrope") {
    fail("rope scaling '" + scaling + "' is not supported (none, linear, llama3, longrope)");
  } else if (auto legacy = f.get_float(p + "rope.scale_linear")) {
    hp_.rope_freq_scale = 1.0f / positive_float("rope.scale_linear", 1.0);
  }
  hp_.rope_attn_factor = positive_float("rope.scaling.attn_factor", 1.0);
  hp_.rope_original_context = optional("rope.scaling.original_context_length", 1, max_context, 0);
}

tensor_view llama_model::tensor(const std::string& name, int64_t ne0, int64_t ne1,
                                bool required) const {
  const gguf_tensor_info* t = file_->find_tensor(name);
  if (t == nullptr) {
    if (required) fail(name + ": tensor missing");
    return tensor_view{name, ggml_type::f32, 0, 0, nullptr, 0};
  }
  // ne1 < 0 accepts any row count (the vocabulary is read from token_embd itself).
  const int64_t rows = ne1 < 0 ? t->ne[1] : ne1;
  const bool shape_ok =
      t->ne[0] == ne0 && t->ne[1] == rows && t->ne[2] == 1 && t->ne[3] == 1 && rows > 0;
  if (!shape_ok) {
    const std::string want =
        rows == 1 ? std::to_string(ne0) : std::to_string(ne0) + "x" + std::to_string(rows);
    fail(name + ": expected " + want + ", got " + t->shape_string());
  }
  if (!is_dequantizable(t->type)) {
    fail(name + ": element type " + type_name(t->type) + " is not supported");
  }
  return tensor_view{name, t->type, t->ne[0], rows, t->data, t->size};
}

const tensor_view& llama_model::rope_factors(uint32_t max_seq_len) const {
  if (rope_long_.present()) {
    const int64_t original =
        hp_.rope_original_context ? hp_.rope_original_context : hp_.context_length;
    return int64_t{max_seq_len} > original ? rope_long_ : rope_short_;
  }
  return rope_freqs_;
}

uint64_t llama_model::weight_bytes() const {
  uint64_t n = token_embd_.bytes + output_norm_.bytes + rope_freqs_.bytes + rope_long_.bytes +
               rope_short_.bytes;
  if (!hp_.tied_output) n += output_.bytes;
  for (const auto& l : layers_) {
    for (const tensor_view* t :
         {&l.attn_norm, &l.wq, &l.wk, &l.wv, &l.wo, &l.bq, &l.bk, &l.bv, &l.q_norm, &l.k_norm,
          &l.ffn_norm, &l.ffn_gate, &l.ffn_up, &l.ffn_down}) {
      n += t->bytes;
    }
  }
  return n;
}

std::shared_ptr<const llama_model> load_llama_model(const std::string& path) {
  return std::make_shared<const llama_model>(open_gguf(path));
}

}  // namespace troupe
