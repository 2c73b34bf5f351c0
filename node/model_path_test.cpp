#include "node/model_path.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace troupe {
namespace {

namespace fs = std::filesystem;

struct temp_tree {
  fs::path root = fs::temp_directory_path() / ("troupe-model-path-" + std::to_string(::getpid()));
  temp_tree() {
    fs::remove_all(root);
    fs::create_directories(root / "repo" / "cluster-configs");
    fs::create_directories(root / "repo" / "models");
    fs::create_directories(root / "elsewhere");
  }
  ~temp_tree() { fs::remove_all(root); }
  void touch(const fs::path& p) { std::ofstream(p) << "x"; }
};

cluster_config config_in(const fs::path& file) {
  cluster_config c;
  c.file = file.string();
  return c;
}

TEST(ModelPath, FindsModelsNextToTheRepositoryOfTheConfig) {
  temp_tree t;
  t.touch(t.root / "repo" / "models" / "m.gguf");
  auto c = config_in(t.root / "repo" / "cluster-configs" / "local.toml");
  model_config m;
  m.path = "m.gguf";
  auto r = resolve_model_path(c, m);
  EXPECT_EQ(r.path, (t.root / "repo" / "models" / "m.gguf").string());
}

TEST(ModelPath, ConfigDirsComeFirstThenTheEnvironment) {
  temp_tree t;
  t.touch(t.root / "repo" / "models" / "m.gguf");
  t.touch(t.root / "elsewhere" / "m.gguf");
  auto c = config_in(t.root / "repo" / "cluster-configs" / "local.toml");
  model_config m;
  m.path = "m.gguf";
  ::setenv("TROUPE_MODEL_PATH",
           (t.root / "nothing:").string().append((t.root / "elsewhere").string()).c_str(), 1);
  EXPECT_EQ(resolve_model_path(c, m).path, (t.root / "elsewhere" / "m.gguf").string());
  c.cluster.model_dirs = {"../models"};
  EXPECT_EQ(resolve_model_path(c, m).path, (t.root / "repo" / "models" / "m.gguf").string());
  ::unsetenv("TROUPE_MODEL_PATH");
}

TEST(ModelPath, ReportsWhereItLookedWhenMissing) {
  temp_tree t;
  auto c = config_in(t.root / "repo" / "cluster-configs" / "local.toml");
  model_config m;
  m.path = "absent.gguf";
  auto r = resolve_model_path(c, m);
  EXPECT_TRUE(r.path.empty());
  EXPECT_GE(r.searched.size(), 2u);
  m.path = (t.root / "absent.gguf").string();
  r = resolve_model_path(c, m);
  EXPECT_TRUE(r.path.empty());
  EXPECT_EQ(r.searched.size(), 1u);
}

}  // namespace
}  // namespace troupe
