// What the head knows about every model of the cluster, beyond its limits: the model card read
// from its GGUF (architecture, size, quantization, context) and its chat template, parsed once at
// start. The HTTP front door describes models from it (/v1/models, /api/tags, /api/show) and
// renders chat requests with it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gpu/model/chat_template.hpp"
#include "gpu/model/model_card.hpp"
#include "node/config.hpp"

namespace troupe {

struct catalog_model {
  std::string name;  // the name clients ask for
  std::string path;  // its GGUF file
  model_card card;
  uint32_t max_seq_len = 0;                   // as the cluster runs it
  int64_t modified_s = 0;                     // the file's modification time (Unix seconds)
  std::shared_ptr<const chat_template> chat;  // null when the model has no usable template
  std::string chat_problem;                   // why not (for the 400 a chat request gets)
};

class model_catalog {
 public:
  model_catalog() = default;
  explicit model_catalog(std::vector<catalog_model> models) : models_(std::move(models)) {}

  static model_catalog load(const cluster_config& config);
  // Reads every [[model]]'s GGUF (paths already resolved). A model whose file cannot be read
  // throws std::runtime_error; a template that does not parse only disables chat for that model
  // (logged, and named in chat_problem).

  const catalog_model* find(std::string_view name) const;  // nullptr for an unknown model
  const std::vector<catalog_model>& models() const { return models_; }

 private:
  std::vector<catalog_model> models_;
};

}  // namespace troupe
