#include "bench/synthetic_model_cli.hpp"

#include <CLI/CLI.hpp>

#include <cctype>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace troupe::bench {

namespace {

// A quantizable ggml type by its name, case-insensitively ("q4_k" is ggml's "q4_K").
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

template <class T>
void number(CLI::App& app, const std::string& name, T& value, int64_t lo, int64_t hi,
            const std::string& what) {
  app.add_option(name, value, what)->check(CLI::Range(lo, hi))->capture_default_str();
}

}  // namespace

void add_synthetic_model_options(CLI::App& app, synthetic_model_options& o) {
  app.add_option("--arch", o.arch, "architecture")
      ->check(CLI::IsMember({"llama", "qwen2", "qwen3", "phi3"}))
      ->capture_default_str();
  number(app, "--layers", o.layers, 1, 4096, "transformer blocks");
  number(app, "--dim", o.dim, 2, 1 << 16, "embedding width");
  number(app, "--heads", o.heads, 1, 1024, "attention heads");
  number(app, "--kv-heads", o.kv_heads, 1, 1024, "key/value heads, dividing --heads");
  number(app, "--ffn", o.ffn, 1, 1 << 18, "feed-forward width");
  auto* vocab =
      app.add_option("--vocab", o.vocab, "a generated SentencePiece vocabulary of N tokens")
          ->check(CLI::Range(260, 1 << 20))
          ->capture_default_str();
  app.add_option("--vocab-from", o.vocab_from,
                 "take a byte-level BPE vocabulary from a tokenizer.json instead")
      ->excludes(vocab);
  app.add_option_function<std::string>(
         "--type",
         [&o](const std::string& v) {
           if (v == "q4_k_m") {
             o.type = ggml_type::q4_k;
             o.k_quant_mix = true;
           } else if (auto t = type_named(v)) {
             o.type = *t;
             o.k_quant_mix = false;
           } else {
             throw CLI::ValidationError("--type", "'" + v +
                                                      "' is not one of f32, f16, q8_0, q4_0, q4_1, "
                                                      "q5_0, q5_1, q2_k, q3_k, q4_k, q5_k, q6_k, "
                                                      "q4_k_m");
           }
         },
         "2-D weight type: f32, f16, q8_0, q4_0, q4_1, q5_0, q5_1, q2_k, q3_k, q4_k, q5_k, q6_k, "
         "or q4_k_m (Q4_K with Q6_K output, attn_v and ffn_down) (default f32)")
      ->type_name("TYPE");
  app.add_option("--tied", o.tied, "no output.weight: tied embeddings (1/0)")
      ->capture_default_str();
  app.add_option("--rope-freqs", o.rope_freqs, "Llama 3.1 rope scaling (a rope_freqs.weight) (1/0)")
      ->capture_default_str();
  number(app, "--long-rope", o.long_rope_context, 0, 1 << 24,
         "phi3: LongRoPE factors for an original context of N");
  number(app, "--context", o.context_length, 1, 1 << 24, "context length");
  number(app, "--seed", o.seed, 0, INT64_MAX, "weight seed");
  app.add_option("--name", o.name, "general.name")->capture_default_str();
  app.add_option_function<std::string>(
         "--chat-template",
         [&o](const std::string& path) {
           std::ifstream in(path, std::ios::binary);
           std::stringstream text;
           text << in.rdbuf();
           if (!in || text.str().empty())
             throw CLI::ValidationError("--chat-template", "cannot read '" + path + "'");
           o.chat_template = text.str();
         },
         "store the Jinja template in FILE as tokenizer.chat_template")
      ->type_name("FILE");
  number(app, "--constant-token", o.constant_token, 0, INT32_MAX,
         "a degenerate model that always predicts token ID (tests)");
}

synthetic_model_options parse_synthetic_model_args(const std::vector<std::string>& args) {
  synthetic_model_options o;
  CLI::App app{"synthetic model options"};
  add_synthetic_model_options(app, o);
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 parses from the back
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    throw std::invalid_argument(e.what());
  }
  return o;
}

}  // namespace troupe::bench
