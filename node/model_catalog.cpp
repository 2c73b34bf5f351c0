#include "node/model_catalog.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <stdexcept>

#include "gpu/model/gguf_file.hpp"

namespace troupe {

model_catalog model_catalog::load(const cluster_config& config) {
  std::vector<catalog_model> out;
  for (const auto& m : config.models) {
    catalog_model c;
    c.name = m.name;
    c.path = m.path;
    c.max_seq_len = m.max_seq_len;
    try {
      gguf_file file(m.path);
      c.card = read_model_card(file);
    } catch (const std::exception& e) {
      throw std::runtime_error("model '" + m.name + "' (" + m.path + "): " + e.what());
    }
    struct stat st {};
    if (::stat(m.path.c_str(), &st) == 0) c.modified_s = st.st_mtime;
    const bool overridden = !m.chat_template.empty();
    const std::string source = overridden ? m.chat_template : c.card.chat_template.value_or("");
    if (source.empty()) {
      c.chat_problem = "model '" + m.name +
                       "' has no chat template (no tokenizer.chat_template in its GGUF and no "
                       "chat_template in the cluster config); use /v1/completions";
    } else {
      try {
        c.chat = std::make_shared<chat_template>(source, c.card.bos_token, c.card.eos_token,
                                                 c.card.adds_bos);
      } catch (const chat_template_error& e) {
        c.chat_problem = "the chat template of model '" + m.name + "' (" +
                         (overridden ? "from the cluster config" : "from its GGUF") +
                         ") cannot be used: " + e.what();
        spdlog::warn("{}", c.chat_problem);
      }
    }
    out.push_back(std::move(c));
  }
  return model_catalog(std::move(out));
}

const catalog_model* model_catalog::find(std::string_view name) const {
  for (const auto& m : models_)
    if (m.name == name) return &m;
  return nullptr;
}

}  // namespace troupe
