#include "node/model_path.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace troupe {

namespace fs = std::filesystem;

std::vector<std::string> model_search_path(const cluster_config& config) {
  std::vector<std::string> dirs;
  auto add = [&](const fs::path& p) {
    auto s = p.lexically_normal().string();
    if (!s.empty() && std::find(dirs.begin(), dirs.end(), s) == dirs.end()) dirs.push_back(s);
  };
  fs::path config_dir = fs::absolute(fs::path(config.file)).parent_path();
  for (const auto& d : config.cluster.model_dirs) {
    fs::path p(d);
    add(p.is_absolute() ? p : config_dir / p);
  }
  if (const char* env = std::getenv("TROUPE_MODEL_PATH")) {
    std::string s(env);
    size_t start = 0;
    while (start <= s.size()) {
      auto end = s.find(':', start);
      auto item = s.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (!item.empty()) add(fs::absolute(item));
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  auto cwd = fs::current_path();
  add(cwd / "models");
  add(cwd / ".." / "shared" / "models");
  auto repo = config_dir.parent_path();
  add(repo / "models");
  add(repo / ".." / "shared" / "models");
  return dirs;
}

resolved_model resolve_model_path(const cluster_config& config, const model_config& model) {
  resolved_model r;
  fs::path p(model.path);
  if (p.is_absolute()) {
    r.searched.push_back(p.string());
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) r.path = p.string();
    return r;
  }
  for (const auto& dir : model_search_path(config)) {
    auto candidate = fs::path(dir) / p;
    r.searched.push_back(candidate.string());
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) {
      r.path = candidate.lexically_normal().string();
      return r;
    }
  }
  return r;
}

}  // namespace troupe
