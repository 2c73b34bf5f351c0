// troupe-node as a process: usage and config errors exit 2 with a message naming the file, the
// key and the problem; a model that cannot load exits 1; SIGTERM and SIGINT stop it cleanly (0);
// a second node on a data_dir another one holds exits 2. troupe-bench's command line too.
#include <gtest/gtest.h>

#include <csignal>
#include <memory>
#include <tuple>

#include "tests/support/process.hpp"

namespace troupe::testing {
namespace {

using namespace std::chrono_literals;

std::string config(uint16_t rpc, uint16_t actor, const std::string& model_path,
                   const std::string& extra_model = "") {
  return "[cluster]\nname = \"t\"\nhead = \"solo\"\n\n"
         "[[node]]\nname = \"solo\"\nhost = \"127.0.0.1\"\nrpc_port = " +
         std::to_string(rpc) + "\nactor_port = " + std::to_string(actor) +
         "\ndata_dir = \"data\"\ndevices = [0]\nmodels = [\"stories\"]\n\n"
         "[[model]]\nname = \"stories\"\npath = \"" +
         model_path + "\"\nmax_active = 4\nmax_queued = 16\n" + extra_model;
}

std::string stories_path() {
  auto path = find_test_model("stories260K.gguf");
  EXPECT_FALSE(path.empty())
      << "stories260K.gguf not found (../shared/models or TROUPE_MODEL_PATH)";
  return path;
}

struct result {
  int code;
  std::string err;
};

result run_node(std::vector<std::string> args) {
  args.insert(args.begin(), binary_path("troupe-node"));
  child_process p(args);
  auto code = p.wait(60s);
  EXPECT_TRUE(code.has_value()) << "troupe-node did not exit";
  return {code.value_or(-1), p.err()};
}

TEST(NodeCli, UsageErrorsExitTwo) {
  auto r = run_node({});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--config is required"), std::string::npos) << r.err;
  r = run_node({"--config", "x.toml", "--bogus", "1"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("were not expected"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--bogus"), std::string::npos) << r.err;
  r = run_node({"--config", "x.toml", "--log-level", "loud"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--log-level: loud not in"), std::string::npos) << r.err;
  r = run_node({"--config", "/nonexistent/x.toml"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("/nonexistent/x.toml: cannot read the file"), std::string::npos) << r.err;
}

TEST(NodeCli, HelpAndVersionExitZero) {
  for (const char* flag : {"--help", "--version"}) {
    child_process p({binary_path("troupe-node"), flag});
    ASSERT_EQ(p.wait(30s), 0) << flag << ": " << p.err();
    const std::string want = std::string(flag) == "--help" ? "--data-dir" : "troupe-node 0.";
    EXPECT_NE(p.out().find(want), std::string::npos) << flag << ": " << p.out();
  }
}

// troupe-bench's command line: help for everyone, usage errors exit 2, the model maker works.
TEST(BenchCli, HelpVersionUsageErrorsAndMakeModel) {
  const auto bench = [](std::vector<std::string> args) {
    args.insert(args.begin(), binary_path("troupe-bench"));
    child_process p(args);
    auto code = p.wait(60s);
    return std::make_tuple(code.value_or(-1), p.out(), p.err());
  };
  auto [code, out, err] = bench({"--help"});
  EXPECT_EQ(code, 0) << err;
  for (const char* b : {"scheduler", "engine", "make-model", "store", "cluster", "http"})
    EXPECT_NE(out.find(b), std::string::npos) << out;
  std::tie(code, out, err) = bench({"--version"});
  EXPECT_EQ(code, 0);
  EXPECT_NE(out.find("troupe-bench 0."), std::string::npos) << out;
  std::tie(code, out, err) = bench({"make-model", "--help"});
  EXPECT_EQ(code, 0);
  EXPECT_NE(out.find("--kv-heads"), std::string::npos) << out;  // the model's own options too
  for (const auto& args : std::vector<std::vector<std::string>>{
           {}, {"no-such-bench"}, {"engine"}, {"engine", "--model", "m", "--batch", "x"}}) {
    std::tie(code, out, err) = bench(args);
    EXPECT_EQ(code, 2) << err;
  }
  temp_dir dir;
  std::tie(code, out, err) = bench({"make-model", "--out", dir.file("m.gguf"), "--type", "q9"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("'q9' is not one of"), std::string::npos) << err;
  std::tie(code, out, err) =
      bench({"make-model", "--out", dir.file("m.gguf"), "--layers", "1", "--dim", "64", "--heads",
             "2", "--kv-heads", "2", "--ffn", "64", "--type", "q8_0"});
  EXPECT_EQ(code, 0) << err;
  EXPECT_FALSE(read_file(dir.file("m.gguf")).empty());
}

// troupe top against a real node: every frame shows the model, the node and its device.
TEST(NodeCli, TroupeTopDrawsTheClusterFrameAfterFrame) {
  temp_dir dir;
  const uint16_t rpc = free_port();
  auto file = dir.write("c.toml", config(rpc, free_port(), stories_path()));
  child_process node(
      {binary_path("troupe-node"), "--config", file, "--data-dir", dir.file("data")});
  ASSERT_TRUE(node.wait_for_output("ready", 60s)) << node.err();
  child_process top({binary_path("troupe"), "--connect", "127.0.0.1:" + std::to_string(rpc), "top",
                     "--iterations", "3", "--interval", "100"});
  ASSERT_EQ(top.wait(30s), 0) << top.err();
  const std::string out = top.out();
  size_t frames = 0;
  for (size_t at = out.find("troupe top"); at != std::string::npos;
       at = out.find("troupe top", at + 1))
    ++frames;
  EXPECT_EQ(frames, 3u) << out;
  EXPECT_NE(out.find("stories"), std::string::npos) << out;       // the model's row
  EXPECT_NE(out.find("solo"), std::string::npos) << out;          // the node's row
  EXPECT_NE(out.find("1/1 nodes up"), std::string::npos) << out;  // the summary line
  node.signal(SIGTERM);
  EXPECT_EQ(node.wait(30s), 0);

  // With the node gone, top says so and exits 5 (cannot reach the cluster).
  child_process gone({binary_path("troupe"), "--connect", "127.0.0.1:" + std::to_string(rpc), "top",
                      "--iterations", "1"});
  EXPECT_EQ(gone.wait(30s), 5) << gone.out() << gone.err();
}

TEST(NodeCli, InvalidConfigsNameTheFileTheKeyAndTheProblem) {
  temp_dir dir;
  struct bad {
    std::string text;
    std::string expected;
  };
  std::vector<bad> cases = {
      {config(7000, 7001, stories_path(), "max_batch_size = 0\n"),
       "model[0].max_batch_size: must be within [1, 4096] (got 0)"},
      {config(7000, 7001, stories_path(), "colour = \"red\"\n"), "model[0].colour: unknown key"},
      {config(7000, 7000, stories_path()), "node[0].actor_port: port 7000 on 127.0.0.1"},
      {config(7000, 7001, stories_path()) + "[scheduler]\naging_ms = -1\n",
       "scheduler.aging_ms: must be within"},
      {"[cluster]\nname = \"t\"\nhead = \n", ":3:"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    auto file = dir.write("bad" + std::to_string(i) + ".toml", cases[i].text);
    auto r = run_node({"--config", file});
    EXPECT_EQ(r.code, 2) << cases[i].expected;
    EXPECT_NE(r.err.find(file), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(cases[i].expected), std::string::npos) << r.err;
  }
}

TEST(NodeCli, UnknownNodeAndMissingModelExitTwo) {
  temp_dir dir;
  auto file = dir.write("c.toml", config(7000, 7001, stories_path()));
  auto r = run_node({"--config", file, "--node", "ghost"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("no [[node]] named 'ghost'"), std::string::npos) << r.err;
  file = dir.write("m.toml", config(7000, 7001, "no-such-model.gguf"));
  r = run_node({"--config", file});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("'no-such-model.gguf': file not found; tried:"), std::string::npos) << r.err;
}

TEST(NodeCli, ACorruptModelFailsTheStartWithExitOne) {
  temp_dir dir;
  auto model = dir.write("broken.gguf", "GGUF this is not a model");
  auto file = dir.write("c.toml", config(free_port(), free_port(), model));
  auto r = run_node({"--config", file, "--data-dir", dir.file("data")});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("cannot start"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("broken.gguf"), std::string::npos) << r.err;
}

TEST(NodeCli, SigtermAndSigintStopTheNodeCleanly) {
  for (int sig : {SIGTERM, SIGINT}) {
    temp_dir dir;
    auto file = dir.write("c.toml", config(free_port(), free_port(), stories_path()));
    child_process node({binary_path("troupe-node"), "--config", file, "--data-dir", dir.path()});
    ASSERT_TRUE(node.wait_for_output("ready", 60s)) << node.err();
    node.signal(sig);
    auto code = node.wait(30s);
    ASSERT_TRUE(code.has_value()) << "did not stop on signal " << sig;
    EXPECT_EQ(*code, 0) << node.err();
    EXPECT_NE(node.err().find("stopped"), std::string::npos) << node.err();
  }
}

TEST(NodeCli, ASecondNodeOnTheSameDataDirExitsTwoNamingTheHolder) {
  temp_dir dir;
  auto first_file = dir.write("a.toml", config(free_port(), free_port(), stories_path()));
  auto second_file = dir.write("b.toml", config(free_port(), free_port(), stories_path()));
  auto first = std::make_unique<child_process>(std::vector<std::string>{
      binary_path("troupe-node"), "--config", first_file, "--data-dir", dir.file("data")});
  ASSERT_TRUE(first->wait_for_output("ready", 60s)) << first->err();

  auto r = run_node({"--config", second_file, "--data-dir", dir.file("data")});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("data_dir " + dir.file("data") + " is in use by troupe-node pid " +
                       std::to_string(first->pid())),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("RocksDB"), std::string::npos) << r.err;

  // The lock goes with its holder, even one killed with -9: the next node starts.
  first->signal(SIGKILL);
  ASSERT_TRUE(first->wait(30s).has_value());
  first.reset();
  child_process second(
      {binary_path("troupe-node"), "--config", second_file, "--data-dir", dir.file("data")});
  EXPECT_TRUE(second.wait_for_output("ready", 60s)) << second.err();
}

}  // namespace
}  // namespace troupe::testing
