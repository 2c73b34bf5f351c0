// The `troupe` CLI as a process against an in-process node with the API server: what each command
// prints on stdout and stderr, and its exit code for every class of outcome.
#include <gtest/gtest.h>

#include <csignal>
#include <nlohmann/json.hpp>

#include "tests/api/api_harness.hpp"
#include "tests/api/api_test_util.hpp"
#include "tests/support/process.hpp"

namespace troupe::testing {
namespace {

using namespace std::chrono_literals;

struct cli_run {
  int code = -1;
  std::string out;
  std::string err;
};

std::vector<std::string> argv_of(std::vector<std::string> args) {
  args.insert(args.begin(), binary_path("troupe"));
  return args;
}

cli_run run_cli(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  if (!env.count("TROUPE_ADDR")) env["TROUPE_ADDR"] = "";
  if (!env.count("TROUPE_API_KEY")) env["TROUPE_API_KEY"] = "";
  child_process p(argv_of(std::move(args)), env);
  auto code = p.wait(60s);
  EXPECT_TRUE(code.has_value()) << "troupe did not finish";
  return {code.value_or(-1), p.out(), p.err()};
}

// An error is one line on stderr.
void expect_one_error_line(const cli_run& r, const std::string& needle) {
  EXPECT_EQ(r.err.find("troupe: "), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}

TEST(Cli, SubmitStreamsOnlyTheGeneratedText) {
  api_harness h(api_config());
  auto r = run_cli({"--connect", h.address(), "submit", "--model", "test", "--prompt", "hello cli",
                    "--max-tokens", "30", "--seed", "5", "--temperature", "0.8"});
  EXPECT_EQ(r.code, 0) << r.err;
  sampling_params p;
  p.temperature = 0.8f;
  p.seed = 5;
  EXPECT_EQ(r.out, expected_text("hello cli", 30, p));
  EXPECT_EQ(r.err, "");
}

TEST(Cli, DetachThenAttachStatusAndResult) {
  api_harness h(api_config());
  auto sub = run_cli({"--connect", h.address(), "submit", "--model", "test", "--prompt",
                      "detach me", "--max-tokens", "25", "--detach", "--priority", "low"});
  ASSERT_EQ(sub.code, 0) << sub.err;
  auto job = sub.out.substr(0, sub.out.size() - 1);
  EXPECT_EQ(sub.out, job + "\n");
  EXPECT_EQ(std::to_string(std::stoull(job)), job);  // plain decimal
  auto expected = expected_text("detach me", 25, {});

  auto attach = run_cli({"--connect", h.address(), "attach", job});
  EXPECT_EQ(attach.code, 0) << attach.err;
  EXPECT_EQ(attach.out, expected);

  auto status = run_cli({"--connect", h.address(), "status", job, "--json"});
  ASSERT_EQ(status.code, 0) << status.err;
  auto j = nlohmann::json::parse(status.out);
  EXPECT_EQ(j["state"], "done");
  EXPECT_EQ(j["node"], "n1");
  EXPECT_EQ(j["priority"], "low");
  EXPECT_EQ(j["generated_tokens"], 25);
  EXPECT_EQ(j["job"], std::stoull(job));

  auto human = run_cli({"--connect", h.address(), "status", job});
  EXPECT_EQ(human.code, 0);
  EXPECT_NE(human.out.find("job " + job + ": done"), std::string::npos) << human.out;

  auto result = run_cli({"--connect", h.address(), "result", job});
  EXPECT_EQ(result.code, 0);
  EXPECT_EQ(result.out, expected);
}

TEST(Cli, CancelledJobsExitWithSix) {
  api_harness h(api_config(), slow(3ms));
  // A streaming submit that is cancelled while it runs (a fresh node numbers jobs from 1).
  child_process streaming(argv_of({"--connect", h.address(), "submit", "--model", "test",
                                   "--prompt", "to be cancelled", "--max-tokens", "3000"}));
  cli::client c(h.address());
  ASSERT_TRUE(
      wait_status(c, 1, [](const cli::job_status_info& i) { return i.generated_tokens > 3; }));
  // An attach of the same job, as a second process.
  child_process attached(argv_of({"--connect", h.address(), "attach", "1"}));
  ASSERT_TRUE(attached.wait_for_output(expected_text("to be cancelled", 3, {}), 30s, false));

  auto cancel = run_cli({"--connect", h.address(), "cancel", "1"});
  EXPECT_EQ(cancel.code, 0) << cancel.err;
  EXPECT_EQ(cancel.out, "job 1 cancelled\n");
  for (auto* p : {&streaming, &attached}) {
    auto code = p->wait(30s);
    ASSERT_TRUE(code.has_value());
    EXPECT_EQ(*code, 6);
    EXPECT_EQ(p->err(), "troupe: job 1 cancelled\n");
    EXPECT_EQ(p->out().rfind(expected_text("to be cancelled", 3, {}), 0), 0u);  // text so far
  }
  auto again = run_cli({"--connect", h.address(), "cancel", "1"});
  EXPECT_EQ(again.code, 4);
  expect_one_error_line(again, "already cancelled");
  auto result = run_cli({"--connect", h.address(), "result", "1"});
  EXPECT_EQ(result.code, 6);
  expect_one_error_line(result, "cancelled");
}

TEST(Cli, AdmissionRejectionExitsWithThree) {
  api_harness h(api_config(), slow(5ms));
  auto limits = run_cli({"--connect", h.address(), "limits", "--model", "test", "--max-active", "1",
                         "--max-queued", "0"});
  EXPECT_EQ(limits.code, 0) << limits.err;
  EXPECT_EQ(limits.out, "test: max_active 1, max_queued 0\n");
  cli::client c(h.address());
  auto busy = c.submit_detached(request("occupying", 2000));
  ASSERT_TRUE(busy.status.ok());
  auto r = run_cli({"--connect", h.address(), "submit", "--model", "test", "--prompt", "one more"});
  EXPECT_EQ(r.code, 3);
  EXPECT_EQ(r.out, "");
  expect_one_error_line(r, "queue full");
  EXPECT_NE(r.err.find("job " + std::to_string(busy.job + 1) + ":"), std::string::npos) << r.err;
  c.cancel(busy.job);
}

TEST(Cli, InvalidRequestsExitWithFour) {
  api_harness h(api_config());
  auto a = h.address();
  std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"submit", "--model", "test", "--prompt", ""}, "prompt is empty"},
      {{"submit", "--model", "nope", "--prompt", "x"}, "model 'nope'"},
      {{"submit", "--model", "test", "--prompt", "x", "--top-p", "1.5"}, "top_p"},
      {{"submit", "--model", "test", "--prompt", "x", "--max-tokens", "0"}, "max_tokens"},
      {{"submit", "--model", "test", "--prompt", "x", "--stop", ""}, "stop"},
      {{"status", "99999"}, "job 99999 not found"},
      {{"attach", "99999"}, "job 99999 not found"},
      {{"cancel", "99999"}, "job 99999 not found"},
      {{"limits", "--model", "nope"}, "no model 'nope'"},
      {{"limits", "--model", "test", "--max-active", "0"}, "maxActive"},
  };
  for (auto& [args, needle] : cases) {
    args.insert(args.begin(), {"--connect", a});
    auto r = run_cli(args);
    EXPECT_EQ(r.code, 4) << args[2] << " " << r.err;
    expect_one_error_line(r, needle);
    EXPECT_EQ(r.out, "");
  }
}

TEST(Cli, UsageErrorsExitWithTwo) {
  for (std::vector<std::string> args :
       {std::vector<std::string>{},
        {"frobnicate"},
        {"submit", "--model", "m"},
        {"submit", "--model", "m", "--prompt", "x", "--priority", "urgent"},
        {"status", "abc"},
        {"status"},
        {"stats", "--bogus"},
        {"--connect", "no-port", "health"}}) {
    auto r = run_cli(args);
    EXPECT_EQ(r.code, 2) << (args.empty() ? "(none)" : args[0]);
    EXPECT_EQ(r.out, "");
    expect_one_error_line(r, "troupe");
  }
  auto help = run_cli({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("usage: troupe"), std::string::npos);
}

TEST(Cli, UnreachableClusterExitsWithFive) {
  auto address = "127.0.0.1:" + std::to_string(free_port());
  for (std::string cmd : {"health", "stats", "models"}) {
    auto r = run_cli({"--connect", address, cmd});
    EXPECT_EQ(r.code, 5) << cmd;
    expect_one_error_line(r, "cannot reach the cluster at " + address);
  }
  auto r = run_cli({"submit", "--model", "test", "--prompt", "x"}, {{"TROUPE_ADDR", address}});
  EXPECT_EQ(r.code, 5);
}

TEST(Cli, StatsModelsHealthAndLimits) {
  api_harness h(api_config(4, 64, 4));
  auto a = h.address();
  auto stats = run_cli({"stats", "--json"}, {{"TROUPE_ADDR", a}});  // the address from the env
  ASSERT_EQ(stats.code, 0) << stats.err;
  auto doc = nlohmann::json::parse(stats.out);
  EXPECT_TRUE(doc.contains("overall"));
  EXPECT_EQ(doc["capacity"]["models"]["test"]["max_active"], 4);
  auto models = run_cli({"--connect", a, "models"});
  EXPECT_EQ(models.code, 0);
  EXPECT_NE(models.out.find("test"), std::string::npos) << models.out;
  EXPECT_NE(models.out.find("0/4"), std::string::npos) << models.out;
  auto models_json = run_cli({"--connect", a, "models", "--json"});
  EXPECT_EQ(nlohmann::json::parse(models_json.out)[0]["max_queued"], 64);
  auto health = run_cli({"--connect", a, "health"});
  EXPECT_EQ(health.code, 0);
  EXPECT_EQ(health.out, "serving: 1 device(s) up\n");
  auto limits = run_cli({"--connect", a, "limits"});
  EXPECT_EQ(limits.out, "test: max_active 4, max_queued 64\n");
  auto one = run_cli({"--connect", a, "limits", "--model", "test"});
  EXPECT_EQ(one.out, "test: max_active 4, max_queued 64\n");
  auto set = run_cli({"--connect", a, "limits", "--model", "test", "--max-queued", "9"});
  EXPECT_EQ(set.out, "test: max_active 4, max_queued 9\n");
  h.server().begin_shutdown();
  auto down = run_cli({"--connect", a, "health"});
  EXPECT_EQ(down.code, 5);
  expect_one_error_line(down, "not serving");
}

TEST(Cli, ApiKey) {
  api_server_options options;
  options.api_key = "cli-key";
  api_harness h(api_config(), {}, options);
  auto none = run_cli({"--connect", h.address(), "health"});
  EXPECT_EQ(none.code, 4);
  expect_one_error_line(none, "API key");
  auto wrong = run_cli({"--connect", h.address(), "--api-key", "nope", "health"});
  EXPECT_EQ(wrong.code, 4);
  auto flag = run_cli({"--connect", h.address(), "--api-key", "cli-key", "health"});
  EXPECT_EQ(flag.code, 0) << flag.err;
  auto env = run_cli({"--connect", h.address(), "health"}, {{"TROUPE_API_KEY", "cli-key"}});
  EXPECT_EQ(env.code, 0) << env.err;
}

}  // namespace
}  // namespace troupe::testing
