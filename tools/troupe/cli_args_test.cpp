#include "tools/troupe/cli_args.hpp"

#include <gtest/gtest.h>

namespace troupe::cli {
namespace {

command parse_ok(std::vector<std::string> args) {
  auto r = parse_command_line(args);
  if (auto* e = std::get_if<usage_error>(&r)) ADD_FAILURE() << e->message;
  if (!std::holds_alternative<command>(r)) return {};
  return std::get<command>(r);
}

std::string parse_error(std::vector<std::string> args) {
  auto r = parse_command_line(args);
  auto* e = std::get_if<usage_error>(&r);
  return e ? e->message : "";
}

TEST(CliArgs, SubmitWithEveryOption) {
  auto c = parse_ok({"--connect",
                     "h:1",
                     "submit",
                     "--model",
                     "m",
                     "--prompt=hi there",
                     "--max-tokens",
                     "9",
                     "--temperature",
                     "0.5",
                     "--top-p",
                     "0.9",
                     "--top-k",
                     "4",
                     "--seed",
                     "77",
                     "--stop",
                     "a",
                     "--stop",
                     "b",
                     "--priority",
                     "high",
                     "--request-id",
                     "r1",
                     "--detach",
                     "--api-key",
                     "k"});
  EXPECT_EQ(c.name, "submit");
  EXPECT_EQ(c.connect, "h:1");
  EXPECT_EQ(c.api_key, "k");
  EXPECT_TRUE(c.detach);
  EXPECT_EQ(c.request.model, "m");
  EXPECT_EQ(c.request.prompt, "hi there");
  EXPECT_EQ(c.request.max_tokens, 9);
  EXPECT_FLOAT_EQ(c.request.temperature, 0.5f);
  EXPECT_FLOAT_EQ(c.request.top_p, 0.9f);
  EXPECT_EQ(c.request.top_k, 4);
  EXPECT_EQ(c.request.seed, 77u);
  EXPECT_EQ(c.request.stop, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c.request.priority, api::Priority::HIGH);
  EXPECT_EQ(c.request.request_id, "r1");
}

TEST(CliArgs, JobCommands) {
  EXPECT_EQ(parse_ok({"attach", "12"}).job, 12u);
  auto s = parse_ok({"status", "18446744073709551615", "--json"});
  EXPECT_EQ(s.job, 18446744073709551615ull);
  EXPECT_TRUE(s.json);
  EXPECT_EQ(parse_ok({"cancel", "3"}).name, "cancel");
}

TEST(CliArgs, Limits) {
  auto l = parse_ok({"limits", "--model", "m", "--max-active", "2"});
  EXPECT_EQ(l.model, "m");
  EXPECT_EQ(l.max_active, 2);
  EXPECT_EQ(l.max_queued, -1);
  EXPECT_FALSE(parse_ok({"limits"}).model.has_value());
}

TEST(CliArgs, Top) {
  auto t = parse_ok({"top"});
  EXPECT_EQ(t.interval_ms, 1000u);
  EXPECT_EQ(t.iterations, 0u);
  t = parse_ok({"top", "--interval", "250", "--iterations", "3"});
  EXPECT_EQ(t.interval_ms, 250u);
  EXPECT_EQ(t.iterations, 3u);
  EXPECT_NE(parse_error({"top", "--interval", "5"}), "");
  EXPECT_NE(parse_error({"top", "--iterations", "-1"}), "");
}

TEST(CliArgs, UsageErrors) {
  EXPECT_NE(parse_error({}), "");
  EXPECT_NE(parse_error({"frobnicate"}).find("unknown command"), std::string::npos);
  EXPECT_NE(parse_error({"submit", "--prompt", "x"}).find("--model"), std::string::npos);
  EXPECT_NE(parse_error({"submit", "--model", "m"}).find("--prompt"), std::string::npos);
  EXPECT_NE(parse_error({"submit", "--model", "m", "--prompt", "x", "--priority", "urgent"}), "");
  EXPECT_NE(parse_error({"submit", "--model", "m", "--prompt", "x", "--max-tokens", "ten"}), "");
  EXPECT_NE(parse_error({"submit", "--model", "m", "--prompt", "x", "--temperature", "nan"}), "");
  EXPECT_NE(parse_error({"submit", "--model", "m", "--prompt", "x", "--bogus", "1"}), "");
  EXPECT_NE(parse_error({"attach"}), "");
  EXPECT_NE(parse_error({"attach", "-1"}), "");
  EXPECT_NE(parse_error({"attach", "12x"}), "");
  EXPECT_NE(parse_error({"status", "1", "2"}), "");
  EXPECT_NE(parse_error({"status", "1", "--connect"}), "");
  EXPECT_NE(parse_error({"limits", "--max-active", "2"}), "");
  EXPECT_NE(parse_error({"stats", "--json=yes"}), "");
}

TEST(CliArgs, HelpAndVersion) {
  const auto text = [](std::vector<std::string> args) {
    auto r = parse_command_line(args);
    auto* h = std::get_if<help_request>(&r);
    return h ? h->text : std::string("(not help)");
  };
  EXPECT_NE(text({"--help"}).find("submit"), std::string::npos);
  EXPECT_NE(text({"help"}).find("exit codes"), std::string::npos);
  EXPECT_NE(text({"submit", "--help"}).find("--max-tokens"), std::string::npos);
  EXPECT_NE(text({"--version"}).find("troupe 0."), std::string::npos);
}

}  // namespace
}  // namespace troupe::cli
