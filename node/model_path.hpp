// Where model files are found. A model's `path` is used as is when absolute; otherwise it is
// looked up, in order, in: the config's [cluster] model_dirs (relative entries are relative to
// the config file's directory), each directory of the TROUPE_MODEL_PATH environment variable
// (colon-separated), models/ and ../shared/models/ under the current directory, and the same two
// under the repository the config file lives in (the parent of cluster-configs/).
#pragma once

#include <string>
#include <vector>

#include "node/config.hpp"

namespace troupe {

std::vector<std::string> model_search_path(const cluster_config& config);
// The directories tried, in order (duplicates removed).

struct resolved_model {
  std::string path;                   // empty when not found
  std::vector<std::string> searched;  // what was tried, for the error message
};

resolved_model resolve_model_path(const cluster_config& config, const model_config& model);

}  // namespace troupe
