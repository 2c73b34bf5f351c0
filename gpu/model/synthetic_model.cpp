#include "gpu/model/synthetic_model.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "gpu/model/gguf_writer.hpp"
#include "gpu/model/synthetic_vocab.hpp"

namespace troupe {

namespace {

// Deterministic normal numbers: splitmix64 and Box-Muller, in explicit double arithmetic.
class normal_stream {
 public:
  explicit normal_stream(uint64_t seed) : state_(seed) {}

  double uniform() {  // (0, 1)
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (static_cast<double>(z >> 11) + 0.5) * 0x1.0p-53;
  }

  double next() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double r = std::sqrt(-2.0 * std::log(uniform()));
    const double t = 6.283185307179586 * uniform();
    spare_ = r * std::sin(t);
    has_spare_ = true;
    return r * std::cos(t);
  }

 private:
  uint64_t state_;
  double spare_ = 0;
  bool has_spare_ = false;
};

// llama.cpp's general.file_type (LLAMA_FTYPE_MOSTLY_*) of a file whose matrices are `t`: pure
// K-quant files are the _S variants, the Q4_K_M mix is 15.
int32_t file_type_of(ggml_type t, bool k_quant_mix) {
  if (k_quant_mix) return 15;
  switch (t) {
    case ggml_type::f16:
      return 1;
    case ggml_type::q4_0:
      return 2;
    case ggml_type::q4_1:
      return 3;
    case ggml_type::q8_0:
      return 7;
    case ggml_type::q5_0:
      return 8;
    case ggml_type::q5_1:
      return 9;
    case ggml_type::q3_k:
      return 11;
    case ggml_type::q4_k:
      return 14;
    case ggml_type::q5_k:
      return 16;
    case ggml_type::q6_k:
      return 18;
    default:
      return 0;
  }
}

bool quantizable(ggml_type t) {
  const auto& traits = traits_of(t);
  std::vector<float> row(traits.block_size, 0.0f);
  std::vector<uint8_t> out(traits.type_size);
  try {
    quantize_row(t, row.data(), out.data(), traits.block_size);
    return true;
  } catch (const std::invalid_argument&) {
    return false;
  }
}

void check(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument("synthetic model: " + what);
}

}  // namespace

void write_synthetic_model(const synthetic_model_options& o, const std::string& path) {
  check(o.arch == "llama" || o.arch == "qwen2" || o.arch == "qwen3" || o.arch == "phi3",
        "arch must be llama, qwen2, qwen3 or phi3 (got '" + o.arch + "')");
  check(o.layers >= 1 && o.dim >= 2 && o.heads >= 1 && o.kv_heads >= 1 && o.ffn >= 1,
        "layers, dim, heads, kv-heads and ffn must be positive");
  check(o.dim % o.heads == 0, "dim must be a multiple of heads");
  check(o.heads % o.kv_heads == 0, "heads must be a multiple of kv-heads");
  check((o.dim / o.heads) % 2 == 0, "the head size (dim / heads) must be even for RoPE");
  check(quantizable(o.type), "type " + type_name(o.type) + " cannot be written");
  check(!o.k_quant_mix || o.type == ggml_type::q4_k, "the Q4_K_M mix takes type q4_k");
  // llama.cpp's Q4_K_M recipe (llama_tensor_get_type): Q6_K for the output (and for a tied
  // embedding, which is the output), and for attn_v and ffn_down in the layers use_more_bits
  // picks (the first and last eighth, every third between); Q5_K for a fused attn_qkv.
  const ggml_type big = o.k_quant_mix ? ggml_type::q6_k : o.type;
  const auto more_bits = [&](int32_t i) {
    const int32_t n = o.layers;
    return o.k_quant_mix && (i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2);
  };
  const auto layer_big = [&](int32_t i) { return more_bits(i) ? ggml_type::q6_k : o.type; };
  const ggml_type fused_qkv = o.k_quant_mix ? ggml_type::q5_k : o.type;
  const int64_t block = std::max(traits_of(o.type).block_size, traits_of(big).block_size);
  check(o.dim % block == 0 && o.ffn % block == 0,
        "dim and ffn must be multiples of " + std::to_string(block) + " for " + type_name(o.type));
  check(o.context_length >= 1, "context must be positive");
  check(o.long_rope_context >= 0 && o.long_rope_context <= o.context_length,
        "long-rope must lie between 0 and the context length");
  check(o.long_rope_context == 0 || o.arch == "phi3", "LongRoPE factors are phi3's");
  check(!o.rope_freqs || o.arch == "llama", "rope_freqs.weight is llama's");

  const bool spm = o.vocab_from.empty();
  const vocab_data vocab =
      spm ? synthetic_spm_vocab(o.vocab) : vocab_from_tokenizer_json(o.vocab_from);
  const int64_t n_vocab = static_cast<int64_t>(vocab.tokens.size());
  const int64_t head_dim = o.dim / o.heads;
  const int64_t q_dim = o.dim;
  const int64_t kv_dim = head_dim * o.kv_heads;
  const std::string a = o.arch + ".";

  gguf_writer w;
  w.set_string("general.architecture", o.arch);
  w.set_string("general.name", o.name);
  w.set_u32("general.file_type", static_cast<uint32_t>(file_type_of(o.type, o.k_quant_mix)));
  w.set_u32(a + "context_length", static_cast<uint32_t>(o.context_length));
  w.set_u32(a + "embedding_length", static_cast<uint32_t>(o.dim));
  w.set_u32(a + "block_count", static_cast<uint32_t>(o.layers));
  w.set_u32(a + "feed_forward_length", static_cast<uint32_t>(o.ffn));
  w.set_u32(a + "attention.head_count", static_cast<uint32_t>(o.heads));
  w.set_u32(a + "attention.head_count_kv", static_cast<uint32_t>(o.kv_heads));
  w.set_u32(a + "rope.dimension_count", static_cast<uint32_t>(head_dim));
  w.set_f32(a + "rope.freq_base", o.rope_base);
  w.set_f32(a + "attention.layer_norm_rms_epsilon", 1e-5f);
  write_vocab(w, vocab, spm);
  if (!o.chat_template.empty()) w.set_string("tokenizer.chat_template", o.chat_template);
  const bool constant = o.constant_token >= 0;
  check(!constant || o.constant_token < n_vocab, "constant-token is outside the vocabulary");

  normal_stream rng(o.seed);
  auto matrix = [&](const std::string& name, int64_t in, int64_t out, double scale, ggml_type t) {
    std::vector<float> v(static_cast<size_t>(in * out));
    for (float& x : v) x = static_cast<float>(rng.next() * scale);
    w.add_tensor_f32(name, t, {in, out}, v);
  };
  auto vector = [&](const std::string& name, int64_t n, double mean, double spread) {
    std::vector<float> v(static_cast<size_t>(n));
    for (float& x : v) x = static_cast<float>(mean + spread * rng.next());
    w.add_tensor_f32(name, ggml_type::f32, {n}, v);
  };
  auto norm = [&](const std::string& name, int64_t n) { vector(name, n, 1.0, 0.1); };
  auto inv_sqrt = [](int64_t n) { return 1.0 / std::sqrt(static_cast<double>(n)); };
  // The constant model: every position's hidden state is the same positive vector (the
  // embedding, with nothing added by attention or FFN), and only one output row sees it.
  auto filled = [&](const std::string& name, int64_t in, int64_t out, float value, int64_t row,
                    ggml_type t) {
    std::vector<float> v(static_cast<size_t>(in * out), row < 0 ? value : 0.0f);
    if (row >= 0) std::fill_n(v.begin() + row * in, in, value);
    w.add_tensor_f32(name, t, {in, out}, v);
  };

  if (constant) {
    filled("token_embd.weight", o.dim, n_vocab, 1.0f, -1, o.type);
    norm("output_norm.weight", o.dim);
    if (!o.tied) filled("output.weight", o.dim, n_vocab, 1.0f, o.constant_token, big);
  } else {
    // Tied, the embedding is also the output projection: scaled like one, so that the logits are
    // spread as an untied model's rather than dominated by the input token's own row.
    matrix("token_embd.weight", o.dim, n_vocab, o.tied ? inv_sqrt(o.dim) : 1.0,
           o.tied ? big : o.type);
    norm("output_norm.weight", o.dim);
    if (!o.tied) matrix("output.weight", o.dim, n_vocab, inv_sqrt(o.dim), big);
  }
  if (o.rope_freqs) {
    // Llama 3.1's recipe for its 8192-token original context (factor 8, low 1, high 4).
    std::vector<float> f(static_cast<size_t>(head_dim / 2));
    for (size_t i = 0; i < f.size(); ++i) {
      const double freq = std::pow(o.rope_base, -2.0 * double(i) / double(head_dim));
      const double wavelen = 2 * M_PI / freq, low = 8192.0 / 1.0, high = 8192.0 / 4.0;
      if (wavelen < high) {
        f[i] = 1.0f;
      } else if (wavelen > low) {
        f[i] = 8.0f;
      } else {
        const double smooth = (8192.0 / wavelen - 1.0) / (4.0 - 1.0);
        f[i] = static_cast<float>(1.0 / ((1 - smooth) / 8.0 + smooth));
      }
    }
    w.add_tensor_f32("rope_freqs.weight", ggml_type::f32, {head_dim / 2}, f);
  }
  if (o.long_rope_context > 0) {
    // Phi-3's LongRoPE: per-pair divisors for sequences up to the original context (near 1) and
    // beyond it (growing to 32 for the slowest pairs), and its magnitude correction.
    std::vector<float> short_f(static_cast<size_t>(head_dim / 2)), long_f(short_f.size());
    for (size_t i = 0; i < short_f.size(); ++i) {
      const double x = double(i) / double(short_f.size());
      short_f[i] = static_cast<float>(1.0 + 0.2 * x);
      long_f[i] = static_cast<float>(std::pow(32.0, x));
    }
    w.add_tensor_f32("rope_factors_long.weight", ggml_type::f32, {head_dim / 2}, long_f);
    w.add_tensor_f32("rope_factors_short.weight", ggml_type::f32, {head_dim / 2}, short_f);
    const double scale = double(o.context_length) / o.long_rope_context;
    w.set_u32(a + "rope.scaling.original_context_length",
              static_cast<uint32_t>(o.long_rope_context));
    w.set_f32(a + "rope.scaling.attn_factor",
              static_cast<float>(std::sqrt(1.0 + std::log(scale) / std::log(o.long_rope_context))));
  }
  for (int32_t i = 0; i < o.layers; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    norm(p + "attn_norm.weight", o.dim);
    if (o.arch == "phi3") {
      matrix(p + "attn_qkv.weight", o.dim, q_dim + 2 * kv_dim, inv_sqrt(o.dim), fused_qkv);
    } else {
      matrix(p + "attn_q.weight", o.dim, q_dim, inv_sqrt(o.dim), o.type);
      matrix(p + "attn_k.weight", o.dim, kv_dim, inv_sqrt(o.dim), o.type);
      matrix(p + "attn_v.weight", o.dim, kv_dim, inv_sqrt(o.dim), layer_big(i));
    }
    if (o.arch == "qwen2") {
      vector(p + "attn_q.bias", q_dim, 0.0, 0.1);
      vector(p + "attn_k.bias", kv_dim, 0.0, 0.1);
      vector(p + "attn_v.bias", kv_dim, 0.0, 0.1);
    }
    if (o.arch == "qwen3") {
      norm(p + "attn_q_norm.weight", head_dim);
      norm(p + "attn_k_norm.weight", head_dim);
    }
    if (constant)
      filled(p + "attn_output.weight", q_dim, o.dim, 0.0f, -1, o.type);
    else
      matrix(p + "attn_output.weight", q_dim, o.dim, inv_sqrt(q_dim), o.type);
    norm(p + "ffn_norm.weight", o.dim);
    if (o.arch == "phi3") {
      matrix(p + "ffn_up.weight", o.dim, 2 * o.ffn, inv_sqrt(o.dim), o.type);  // gate, then up
    } else {
      matrix(p + "ffn_gate.weight", o.dim, o.ffn, inv_sqrt(o.dim), o.type);
      matrix(p + "ffn_up.weight", o.dim, o.ffn, inv_sqrt(o.dim), o.type);
    }
    if (constant)
      filled(p + "ffn_down.weight", o.ffn, o.dim, 0.0f, -1, layer_big(i));
    else
      matrix(p + "ffn_down.weight", o.ffn, o.dim, inv_sqrt(o.ffn), layer_big(i));
  }
  w.write(path);
}

}  // namespace troupe
