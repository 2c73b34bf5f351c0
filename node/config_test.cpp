#include "node/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <variant>

namespace troupe {
namespace {

const std::string valid = R"(
[cluster]
name = "lab"
head = "a"
model_dirs = ["/models"]

[scheduler]
aging_ms = 500

[[node]]
name = "a"
host = "127.0.0.1"
rpc_port = 7000
actor_port = 7001
data_dir = "/var/lib/troupe/a"
devices = [0, "llvmpipe"]
models = ["m"]

[[model]]
name = "m"
path = "m.gguf"
max_active = 4
max_queued = 8
)";

config_error error_of(const std::string& text) {
  auto r = parse_config(text, "x.toml");
  if (auto* e = std::get_if<config_error>(&r)) return *e;
  ADD_FAILURE() << "expected an error";
  return {};
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

TEST(Config, ParsesAValidFileWithDefaults) {
  auto r = parse_config(valid, "x.toml");
  ASSERT_TRUE(std::holds_alternative<cluster_config>(r)) << std::get<config_error>(r).message();
  const auto& c = std::get<cluster_config>(r);
  EXPECT_EQ(c.cluster.name, "lab");
  EXPECT_EQ(c.cluster.model_dirs, std::vector<std::string>{"/models"});
  EXPECT_EQ(c.scheduler.aging_ms, 500);
  EXPECT_EQ(c.scheduler.max_step_retries, 3u);
  ASSERT_EQ(c.nodes.size(), 1u);
  EXPECT_EQ(c.nodes[0].devices, (std::vector<std::string>{"0", "llvmpipe"}));
  EXPECT_EQ(c.nodes[0].rpc_port, 7000);
  EXPECT_FALSE(c.nodes[0].cpu_threads.has_value());
  ASSERT_NE(c.model("m"), nullptr);
  EXPECT_EQ(c.model("m")->max_batch_size, 16u);
  EXPECT_EQ(c.model("m")->kv_block_tokens, 16u);
  EXPECT_EQ(c.model("nope"), nullptr);
}

TEST(Config, ErrorsNameTheFileTheKeyAndTheProblem) {
  auto e = error_of(replace(valid, "max_active = 4", "max_active = 0"));
  EXPECT_EQ(e.key, "model[0].max_active");
  EXPECT_EQ(e.message(), "x.toml: model[0].max_active: must be within [1, 1000000] (got 0)");

  e = error_of(replace(valid, "aging_ms = 500", "aging_ms = 500\nagin_ms = 1"));
  EXPECT_EQ(e.key, "scheduler.agin_ms");
  EXPECT_EQ(e.problem, "unknown key");

  e = error_of(replace(valid, "rpc_port = 7000", "rpc_port = \"7000\""));
  EXPECT_EQ(e.key, "node[0].rpc_port");
  EXPECT_EQ(e.problem, "must be an integer");

  e = error_of(replace(valid, "head = \"a\"", "head = \"zz\""));
  EXPECT_EQ(e.key, "cluster.head");

  e = error_of(replace(valid, "models = [\"m\"]", "models = [\"m\", \"other\"]"));
  EXPECT_EQ(e.key, "node[0].models");

  e = error_of(replace(valid, "actor_port = 7001", "actor_port = 7000"));
  EXPECT_EQ(e.key, "node[0].actor_port");

  e = error_of(replace(valid, "path = \"m.gguf\"\n", ""));
  EXPECT_EQ(e.key, "model[0].path");
  EXPECT_EQ(e.problem, "required key is missing");

  e = error_of(replace(valid, "max_queued = 8",
                       "max_queued = 8\nmax_batch_size = 64\n"
                       "max_step_tokens = 32"));
  EXPECT_EQ(e.key, "model[0].max_step_tokens");

  e = error_of(replace(valid, "models = [\"m\"]", "models = [\"m\"]\ncpu_threads = -1"));
  EXPECT_EQ(e.key, "node[0].cpu_threads");

  e = error_of(replace(valid, "[cluster]", "[clustr]"));
  EXPECT_EQ(e.key, "cluster");

  e = error_of("[cluster\nname=1");
  EXPECT_EQ(e.key, "");
  EXPECT_NE(e.message().find("x.toml:1:"), std::string::npos) << e.message();
}

TEST(Config, DeviceMemoryBudgets) {
  auto r = parse_config(
      replace(replace(valid, "models = [\"m\"]", "models = [\"m\"]\ndevice_memory_mb = 8192"),
              "max_queued = 8", "max_queued = 8\ndevice_memory_mb = 4096"),
      "x.toml");
  ASSERT_TRUE(std::holds_alternative<cluster_config>(r)) << std::get<config_error>(r).message();
  EXPECT_EQ(std::get<cluster_config>(r).nodes[0].device_memory_mb, 8192u);
  EXPECT_EQ(std::get<cluster_config>(r).model("m")->device_memory_mb, 4096u);
  auto e = error_of(replace(valid, "models = [\"m\"]", "models = [\"m\"]\ndevice_memory_mb = 0"));
  EXPECT_EQ(e.key, "node[0].device_memory_mb");
  e = error_of(replace(valid, "max_queued = 8", "max_queued = 8\ndevice_memory_mb = -1"));
  EXPECT_EQ(e.key, "model[0].device_memory_mb");
}

TEST(Config, SupervisorSection) {
  auto r = parse_config(valid, "x.toml");
  ASSERT_TRUE(std::holds_alternative<cluster_config>(r));
  EXPECT_EQ(std::get<cluster_config>(r).supervisor.max_restarts, 5u);
  r = parse_config(valid +
                       "\n[supervisor]\nrestart_delay_ms = 50\nmax_restarts = 2\n"
                       "restart_window_s = 10\n",
                   "x.toml");
  ASSERT_TRUE(std::holds_alternative<cluster_config>(r)) << std::get<config_error>(r).message();
  const auto& s = std::get<cluster_config>(r).supervisor;
  EXPECT_EQ(s.restart_delay_ms, 50);
  EXPECT_EQ(s.max_restarts, 2u);
  EXPECT_EQ(s.restart_window_s, 10);
  EXPECT_EQ(error_of(valid + "\n[supervisor]\nrestart_window_s = 0\n").key,
            "supervisor.restart_window_s");
  EXPECT_EQ(error_of(valid + "\n[supervisor]\nrestarts = 1\n").key, "supervisor.restarts");
}

TEST(Config, CpuThreadsIsANodeSetting) {
  auto r = parse_config(replace(valid, "models = [\"m\"]", "models = [\"m\"]\ncpu_threads = 0"),
                        "x.toml");
  ASSERT_TRUE(std::holds_alternative<cluster_config>(r)) << std::get<config_error>(r).message();
  EXPECT_EQ(std::get<cluster_config>(r).nodes[0].cpu_threads, 0u);
}

TEST(Config, HttpPortLimitsAndDefaults) {
  auto r = parse_config(valid, "x.toml");
  ASSERT_TRUE(std::holds_alternative<cluster_config>(r));
  EXPECT_EQ(std::get<cluster_config>(r).nodes[0].http_port, 0);  // off unless set
  EXPECT_EQ(std::get<cluster_config>(r).http.max_connections, 1024u);

  auto text = replace(valid, "actor_port = 7001", "actor_port = 7001\nhttp_port = 7002");
  text += "\n[http]\nmax_body_bytes = 4096\nheader_timeout_ms = 250\nmax_connections = 8\n";
  r = parse_config(text, "x.toml");
  ASSERT_TRUE(std::holds_alternative<cluster_config>(r)) << std::get<config_error>(r).message();
  const auto& c = std::get<cluster_config>(r);
  EXPECT_EQ(c.nodes[0].http_port, 7002);
  EXPECT_EQ(c.http.max_body_bytes, 4096u);
  EXPECT_EQ(c.http.header_timeout_ms, 250);
  EXPECT_EQ(c.http.body_timeout_ms, 30000);
  EXPECT_EQ(c.http.max_connections, 8u);

  auto e = error_of(replace(valid, "actor_port = 7001", "actor_port = 7001\nhttp_port = 7000"));
  EXPECT_EQ(e.key, "node[0].http_port");
  e = error_of(valid + "\n[http]\nmax_conections = 8\n");
  EXPECT_EQ(e.key, "http.max_conections");
  EXPECT_EQ(e.problem, "unknown key");
}

TEST(Config, ModelLimitsDefaultAndChatTemplateOverride) {
  auto r = parse_config(replace(replace(valid, "max_active = 4\n", ""), "max_queued = 8",
                                "chat_template = \"{{ messages[0].content }}\""),
                        "x.toml");
  ASSERT_TRUE(std::holds_alternative<cluster_config>(r)) << std::get<config_error>(r).message();
  const auto* m = std::get<cluster_config>(r).model("m");
  EXPECT_EQ(m->max_active, 16);
  EXPECT_EQ(m->max_queued, 1024);
  EXPECT_EQ(m->chat_template, "{{ messages[0].content }}");

  // "@file" reads a template beside the config.
  const std::string dir = ::testing::TempDir() + "/troupe-config-test";
  std::filesystem::create_directories(dir);
  { std::ofstream(dir + "/t.jinja") << "{{ bos_token }}{{ messages[0].content }}"; }
  std::ofstream(dir + "/c.toml") << replace(valid, "max_queued = 8",
                                            "max_queued = 8\nchat_template = \"@t.jinja\"");
  auto loaded = load_config_file(dir + "/c.toml");
  ASSERT_TRUE(std::holds_alternative<cluster_config>(loaded))
      << std::get<config_error>(loaded).message();
  EXPECT_EQ(std::get<cluster_config>(loaded).model("m")->chat_template,
            "{{ bos_token }}{{ messages[0].content }}");
  auto e = error_of(replace(valid, "max_queued = 8", "chat_template = \"@missing.jinja\""));
  EXPECT_EQ(e.key, "model[0].chat_template");
  std::filesystem::remove_all(dir);
}

TEST(Config, MissingFileIsAnError) {
  auto r = load_config_file("/nonexistent/troupe.toml");
  ASSERT_TRUE(std::holds_alternative<config_error>(r));
  EXPECT_EQ(std::get<config_error>(r).message(), "/nonexistent/troupe.toml: cannot read the file");
}

}  // namespace
}  // namespace troupe
