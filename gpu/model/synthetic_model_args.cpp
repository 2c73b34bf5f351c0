// The command line of make-model (and troupe-bench make-model): synthetic_model_options from
// arguments.
#include <cctype>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "gpu/model/synthetic_model.hpp"

namespace troupe {

namespace {

const char* const type_names =
    "f32, f16, q8_0, q4_0, q4_1, q5_0, q5_1, q2_k, q3_k, q4_k, q5_k, q6_k, q4_k_m";

// A ggml type by its name, case-insensitively ("q4_k" is ggml's "q4_K").
std::optional<ggml_type> type_named(const std::string& name) {
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  for (uint32_t id = 0; id < 64; ++id) {
    const auto* t = find_type_traits(id);
    if (t && t->quantizable && lower(t->name) == lower(name)) return t->type;
  }
  return std::nullopt;
}

}  // namespace

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
      if (v == "q4_k_m") {
        o.type = ggml_type::q4_k;
        o.k_quant_mix = true;
      } else if (auto t = type_named(v)) {
        o.type = *t;
        o.k_quant_mix = false;
      } else {
        throw std::invalid_argument("--type: '" + v + "' is not one of " + type_names);
      }
    } else if (a == "--arch") {
      if (v != "llama" && v != "qwen2" && v != "qwen3" && v != "phi3") {
        throw std::invalid_argument("--arch: '" + v + "' is not one of llama, qwen2, qwen3, phi3");
      }
      o.arch = v;
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
    } else if (a == "--long-rope") {
      o.long_rope_context = static_cast<int32_t>(number(0, 1 << 24));
    } else if (a == "--tied" || a == "--rope-freqs") {
      (a == "--tied" ? o.tied : o.rope_freqs) = v == "1" || v == "true" || v == "yes";
      if (v != "1" && v != "0" && v != "true" && v != "false" && v != "yes" && v != "no")
        throw std::invalid_argument(a + ": '" + v + "' is not a boolean (1/0, true/false)");
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
  return "  --arch A            llama, qwen2, qwen3 or phi3 (default llama)\n"
         "  --layers L          transformer blocks (default 2)\n"
         "  --dim D             embedding width (default 64)\n"
         "  --heads H           attention heads (default 4)\n"
         "  --kv-heads K        key/value heads, dividing H (default 4)\n"
         "  --ffn F             feed-forward width (default 192)\n"
         "  --vocab N           generated SentencePiece vocabulary of N >= 260 tokens (default "
         "512)\n"
         "  --vocab-from FILE   take a byte-level BPE vocabulary from a tokenizer.json instead\n"
         "  --type T            2-D weight type: f32, f16, q8_0, q4_0, q4_1, q5_0, q5_1, q2_k,\n"
         "                      q3_k, q4_k, q5_k, q6_k, or q4_k_m (Q4_K with Q6_K output, attn_v,\n"
         "                      ffn_down) (default f32)\n"
         "  --tied B            no output.weight: tied embeddings (default 0)\n"
         "  --rope-freqs B      Llama 3.1 rope scaling (a rope_freqs.weight) (default 0)\n"
         "  --long-rope N       phi3: LongRoPE factors for an original context of N (default 0)\n"
         "  --context N         context length (default 2048)\n"
         "  --seed S            weight seed (default 1)\n"
         "  --name NAME         general.name (default synthetic)\n"
         "  --chat-template F   store the Jinja template in file F as tokenizer.chat_template\n"
         "  --constant-token ID a degenerate model that always predicts token ID (tests)\n";
}

}  // namespace troupe
