#include "gpu/model/synthetic_model.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

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

int32_t file_type_of(ggml_type t) {  // llama.cpp's general.file_type values
  switch (t) {
    case ggml_type::f16:
      return 1;
    case ggml_type::q4_0:
      return 2;
    case ggml_type::q8_0:
      return 7;
    default:
      return 0;
  }
}

void check(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument("synthetic model: " + what);
}

}  // namespace

void write_synthetic_model(const synthetic_model_options& o, const std::string& path) {
  check(o.layers >= 1 && o.dim >= 2 && o.heads >= 1 && o.kv_heads >= 1 && o.ffn >= 1,
        "layers, dim, heads, kv-heads and ffn must be positive");
  check(o.dim % o.heads == 0, "dim must be a multiple of heads");
  check(o.heads % o.kv_heads == 0, "heads must be a multiple of kv-heads");
  check((o.dim / o.heads) % 2 == 0, "the head size (dim / heads) must be even for RoPE");
  check(o.type == ggml_type::f32 || o.type == ggml_type::f16 || o.type == ggml_type::q8_0 ||
            o.type == ggml_type::q4_0,
        "type must be f32, f16, q8_0 or q4_0");
  const int64_t block = traits_of(o.type).block_size;
  check(o.dim % block == 0 && o.ffn % block == 0,
        "dim and ffn must be multiples of " + std::to_string(block) + " for " + type_name(o.type));
  check(o.context_length >= 1, "context must be positive");

  const bool spm = o.vocab_from.empty();
  const vocab_data vocab =
      spm ? synthetic_spm_vocab(o.vocab) : vocab_from_tokenizer_json(o.vocab_from);
  const int64_t n_vocab = static_cast<int64_t>(vocab.tokens.size());
  const int64_t head_dim = o.dim / o.heads;
  const int64_t q_dim = o.dim;
  const int64_t kv_dim = head_dim * o.kv_heads;

  gguf_writer w;
  w.set_string("general.architecture", "llama");
  w.set_string("general.name", o.name);
  w.set_u32("general.file_type", static_cast<uint32_t>(file_type_of(o.type)));
  w.set_u32("llama.context_length", static_cast<uint32_t>(o.context_length));
  w.set_u32("llama.embedding_length", static_cast<uint32_t>(o.dim));
  w.set_u32("llama.block_count", static_cast<uint32_t>(o.layers));
  w.set_u32("llama.feed_forward_length", static_cast<uint32_t>(o.ffn));
  w.set_u32("llama.attention.head_count", static_cast<uint32_t>(o.heads));
  w.set_u32("llama.attention.head_count_kv", static_cast<uint32_t>(o.kv_heads));
  w.set_u32("llama.rope.dimension_count", static_cast<uint32_t>(head_dim));
  w.set_f32("llama.rope.freq_base", o.rope_base);
  w.set_f32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
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
  auto norm = [&](const std::string& name, int64_t n) {
    std::vector<float> v(static_cast<size_t>(n));
    for (float& x : v) x = static_cast<float>(1.0 + 0.1 * rng.next());
    w.add_tensor_f32(name, ggml_type::f32, {n}, v);
  };
  auto inv_sqrt = [](int64_t n) { return 1.0 / std::sqrt(static_cast<double>(n)); };
  // The constant model: every position's hidden state is the same positive vector (the
  // embedding, with nothing added by attention or FFN), and only one output row sees it.
  auto filled = [&](const std::string& name, int64_t in, int64_t out, float value, int64_t row) {
    std::vector<float> v(static_cast<size_t>(in * out), row < 0 ? value : 0.0f);
    if (row >= 0) std::fill_n(v.begin() + row * in, in, value);
    w.add_tensor_f32(name, o.type, {in, out}, v);
  };

  if (constant) {
    filled("token_embd.weight", o.dim, n_vocab, 1.0f, -1);
    norm("output_norm.weight", o.dim);
    filled("output.weight", o.dim, n_vocab, 1.0f, o.constant_token);
  } else {
    matrix("token_embd.weight", o.dim, n_vocab, 1.0, o.type);
    norm("output_norm.weight", o.dim);
    matrix("output.weight", o.dim, n_vocab, inv_sqrt(o.dim), o.type);
  }
  for (int32_t i = 0; i < o.layers; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    norm(p + "attn_norm.weight", o.dim);
    matrix(p + "attn_q.weight", o.dim, q_dim, inv_sqrt(o.dim), o.type);
    matrix(p + "attn_k.weight", o.dim, kv_dim, inv_sqrt(o.dim), o.type);
    matrix(p + "attn_v.weight", o.dim, kv_dim, inv_sqrt(o.dim), o.type);
    if (constant)
      filled(p + "attn_output.weight", q_dim, o.dim, 0.0f, -1);
    else
      matrix(p + "attn_output.weight", q_dim, o.dim, inv_sqrt(q_dim), o.type);
    norm(p + "ffn_norm.weight", o.dim);
    matrix(p + "ffn_gate.weight", o.dim, o.ffn, inv_sqrt(o.dim), o.type);
    matrix(p + "ffn_up.weight", o.dim, o.ffn, inv_sqrt(o.dim), o.type);
    if (constant)
      filled(p + "ffn_down.weight", o.ffn, o.dim, 0.0f, -1);
    else
      matrix(p + "ffn_down.weight", o.ffn, o.dim, inv_sqrt(o.ffn), o.type);
  }
  w.write(path);
}

synthetic_model_options parse_synthetic_model_args(const std::vector<std::string>& args) {
  synthetic_model_options o;
  bool vocab_given = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (i + 1 >= args.size()) throw std::invalid_argument(a + ": missing value");
    const std::string& v = args[++i];
    auto number = [&](int64_t lo, int64_t hi) {
      size_t used = 0;
      int64_t n = 0;
      try {
        n = std::stoll(v, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != v.size() || v.empty() || n < lo || n > hi) {
        throw std::invalid_argument(a + ": '" + v + "' is not a number in [" + std::to_string(lo) +
                                    ", " + std::to_string(hi) + "]");
      }
      return n;
    };
    if (a == "--layers") {
      o.layers = static_cast<int32_t>(number(1, 4096));
    } else if (a == "--dim") {
      o.dim = static_cast<int32_t>(number(2, 1 << 16));
    } else if (a == "--heads") {
      o.heads = static_cast<int32_t>(number(1, 1024));
    } else if (a == "--kv-heads") {
      o.kv_heads = static_cast<int32_t>(number(1, 1024));
    } else if (a == "--ffn") {
      o.ffn = static_cast<int32_t>(number(1, 1 << 18));
    } else if (a == "--vocab") {
      o.vocab = static_cast<int32_t>(number(260, 1 << 20));
      vocab_given = true;
    } else if (a == "--vocab-from") {
      o.vocab_from = v;
    } else if (a == "--type") {
      if (v == "f32") {
        o.type = ggml_type::f32;
      } else if (v == "f16") {
        o.type = ggml_type::f16;
      } else if (v == "q8_0") {
        o.type = ggml_type::q8_0;
      } else if (v == "q4_0") {
        o.type = ggml_type::q4_0;
      } else {
        throw std::invalid_argument("--type: '" + v + "' is not one of f32, f16, q8_0, q4_0");
      }
    } else if (a == "--context") {
      o.context_length = static_cast<int32_t>(number(1, 1 << 24));
    } else if (a == "--seed") {
      o.seed = static_cast<uint64_t>(number(0, INT64_MAX));
    } else if (a == "--name") {
      o.name = v;
    } else if (a == "--chat-template") {
      std::ifstream in(v, std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      if (!in || text.str().empty())
        throw std::invalid_argument("--chat-template: cannot read '" + v + "'");
      o.chat_template = text.str();
    } else if (a == "--constant-token") {
      o.constant_token = static_cast<int32_t>(number(0, INT32_MAX));
    } else {
      throw std::invalid_argument("unknown option '" + a + "'");
    }
  }
  if (vocab_given && !o.vocab_from.empty()) {
    throw std::invalid_argument("--vocab and --vocab-from exclude each other");
  }
  return o;
}

const char* synthetic_model_usage() {
  return "  --layers L          transformer blocks (default 2)\n"
         "  --dim D             embedding width (default 64)\n"
         "  --heads H           attention heads (default 4)\n"
         "  --kv-heads K        key/value heads, dividing H (default 4)\n"
         "  --ffn F             feed-forward width (default 192)\n"
         "  --vocab N           generated SentencePiece vocabulary of N >= 260 tokens (default "
         "512)\n"
         "  --vocab-from FILE   take a byte-level BPE vocabulary from a tokenizer.json instead\n"
         "  --type T            2-D weight type: f32, f16, q8_0, q4_0 (default f32)\n"
         "  --context N         context length (default 2048)\n"
         "  --seed S            weight seed (default 1)\n"
         "  --name NAME         general.name (default synthetic)\n"
         "  --chat-template F   store the Jinja template in file F as tokenizer.chat_template\n"
         "  --constant-token ID a degenerate model that always predicts token ID (tests)\n";
}

}  // namespace troupe
