#include "gpu/model/model_card.hpp"

#include <array>
#include <cctype>
#include <cstdio>
#include <map>

#include "gpu/model/tokenizer_loader.hpp"

namespace troupe {

std::string parameter_size_label(uint64_t parameters) {
  char buf[32];
  const double n = static_cast<double>(parameters);
  if (n >= 1e9)
    std::snprintf(buf, sizeof(buf), "%.1fB", n / 1e9);
  else if (n >= 1e6)
    std::snprintf(buf, sizeof(buf), "%.0fM", n / 1e6);
  else if (n >= 1e3)
    std::snprintf(buf, sizeof(buf), "%.0fK", n / 1e3);
  else
    std::snprintf(buf, sizeof(buf), "%llu", static_cast<unsigned long long>(parameters));
  return buf;
}

std::string file_type_label(int64_t t) {
  // llama.cpp's enum llama_ftype (LLAMA_FTYPE_MOSTLY_*); 4-6 and 33+ are unused or removed.
  static const std::map<int64_t, const char*> names = {
      {0, "F32"},      {1, "F16"},      {2, "Q4_0"},    {3, "Q4_1"},    {7, "Q8_0"},
      {8, "Q5_0"},     {9, "Q5_1"},     {10, "Q2_K"},   {11, "Q3_K_S"}, {12, "Q3_K_M"},
      {13, "Q3_K_L"},  {14, "Q4_K_S"},  {15, "Q4_K_M"}, {16, "Q5_K_S"}, {17, "Q5_K_M"},
      {18, "Q6_K"},    {19, "IQ2_XXS"}, {20, "IQ2_XS"}, {21, "Q2_K_S"}, {22, "IQ3_XS"},
      {23, "IQ3_XXS"}, {24, "IQ1_S"},   {25, "IQ4_NL"}, {26, "IQ3_S"},  {27, "IQ3_M"},
      {28, "IQ2_S"},   {29, "IQ2_M"},   {30, "IQ4_XS"}, {31, "IQ1_M"},  {32, "BF16"},
  };
  auto it = names.find(t);
  return it == names.end() ? std::string() : std::string(it->second);
}

namespace {

// The element type holding most of the file's tensor bytes, upper-cased ("Q8_0").
std::string dominant_type(const gguf_file& file) {
  std::map<std::string, uint64_t> bytes;
  for (const auto& t : file.tensors()) {
    const auto* traits = find_type_traits(static_cast<uint32_t>(t.type));
    bytes[traits ? traits->name : "unknown"] += t.size;
  }
  std::string best;
  uint64_t most = 0;
  for (const auto& [name, n] : bytes)
    if (n > most) {
      most = n;
      best = name;
    }
  for (char& c : best) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return best;
}

}  // namespace

model_card read_model_card(const gguf_file& file) {
  model_card c;
  c.architecture = file.get_string("general.architecture").value_or("");
  c.name = file.get_string("general.name").value_or("");
  c.file_bytes = file.file_size();
  for (const auto& t : file.tensors()) c.parameters += static_cast<uint64_t>(t.elements());
  if (auto ft = file.get_int("general.file_type")) c.quantization = file_type_label(*ft);
  if (c.quantization.empty()) c.quantization = dominant_type(file);
  if (!c.architecture.empty())
    c.context_length = file.get_int(c.architecture + ".context_length").value_or(0);
  c.chat_template = file.get_string("tokenizer.chat_template");
  if (file.find("tokenizer.ggml.tokens")) {
    const auto vocab = read_vocab(file);
    auto text = [&](token_id id) {
      return id >= 0 && static_cast<size_t>(id) < vocab.tokens.size()
                 ? vocab.tokens[static_cast<size_t>(id)]
                 : std::string();
    };
    c.bos_token = text(vocab.bos);
    c.eos_token = text(vocab.eos);
    c.adds_bos = vocab.add_bos && vocab.bos >= 0;
  }
  return c;
}

}  // namespace troupe
