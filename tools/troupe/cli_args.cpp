#include "tools/troupe/cli_args.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

#include "troupe_version.hpp"

namespace troupe::cli {

const char* const usage_text =
    "usage: troupe [--connect HOST:PORT] [--api-key KEY] COMMAND [ARGS]\n"
    "commands:\n"
    "  submit --model M --prompt TEXT [--max-tokens N] [--temperature T] [--top-p P]\n"
    "         [--top-k K] [--seed S] [--stop STR]... [--priority high|normal|low]\n"
    "         [--request-id ID] [--detach]\n"
    "                      stream the generated text to stdout (--detach: print the job id)\n"
    "  attach JOB          print the job's whole text, live until it ends\n"
    "  status JOB [--json] the job's state, node, progress\n"
    "  result JOB          the complete text of a finished job\n"
    "  cancel JOB\n"
    "  stats [--json]      the metrics document\n"
    "  models [--json]     models with their limits and usage\n"
    "  health              exit 0 when the cluster serves\n"
    "  nodes [--json]      every node: devices, state (up/draining/down), load, throughput\n"
    "  limits [--model M [--max-active N] [--max-queued N]]\n"
    "                      show, or change at run time, a model's admission limits\n"
    "  top [--interval MS] [--iterations N]\n"
    "                      a live view: nodes, devices, each model's running and queued jobs,\n"
    "                      tokens/s (refreshed every second; Ctrl-C ends it)\n"
    "--connect defaults to $TROUPE_ADDR, else the head of cluster-configs/local.toml;\n"
    "--api-key defaults to $TROUPE_API_KEY.\n"
    "exit codes: 0 done, 2 usage, 3 rejected by admission (queue full), 4 invalid request,\n"
    "            5 cannot reach the cluster, 6 job failed or cancelled\n";

namespace {

const char* const command_names[] = {"submit", "attach", "status", "result", "cancel", "stats",
                                     "models", "health", "nodes",  "limits", "top"};

template <class T>
bool parse_number(const std::string& text, T& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

bool parse_float(const std::string& text, float& out) {
  if (!parse_number(text, out)) return false;
  return std::isfinite(out);
}

// What CLI11 collects; converted and checked below, with troupe's own messages.
struct raw_args {
  std::string job;
  std::optional<std::string> model, prompt, max_tokens, temperature, top_p, top_k, seed, priority,
      request_id, max_active, max_queued, interval, iterations;
  std::vector<std::string> stop;
};

CLI::Option* single(CLI::App* app, const std::string& name, std::optional<std::string>& into,
                    const std::string& what) {
  return app
      ->add_option_function<std::string>(
          name, [&into](const std::string& v) { into = v; }, what)
      ->multi_option_policy(CLI::MultiOptionPolicy::Throw);
}

}  // namespace

std::variant<command, usage_error, help_request> parse_command_line(
    const std::vector<std::string>& args) {
  if (args.size() == 1 && args[0] == "help") return help_request{usage_text};
  // A first word that is no command (and no option) gets troupe's message, not CLI11's.
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--connect" || a == "--api-key") {
      ++i;  // its value
      continue;
    }
    if (a.rfind("-", 0) == 0) continue;
    if (std::find(std::begin(command_names), std::end(command_names), a) == std::end(command_names))
      return usage_error{"unknown command '" + a + "'"};
    break;
  }

  command cmd;
  raw_args raw;
  std::string api_key;
  CLI::App app{"troupe: the command-line client of a troupe cluster (docs/api.md)", "troupe"};
  app.set_version_flag("--version", std::string("troupe ") + TROUPE_VERSION);
  app.add_option("--connect", cmd.connect,
                 "HOST:PORT of the head (default: $TROUPE_ADDR, else "
                 "cluster-configs/local.toml's head)");
  auto* key = app.add_option("--api-key", api_key, "the cluster's key (default: $TROUPE_API_KEY)");
  app.require_subcommand(1, 1);
  app.footer(usage_text);

  auto* submit = app.add_subcommand("submit", "stream the generated text to stdout");
  single(submit, "--model", raw.model, "the model")->required();
  single(submit, "--prompt", raw.prompt, "the prompt text")->required();
  single(submit, "--max-tokens", raw.max_tokens, "tokens to generate at most");
  single(submit, "--temperature", raw.temperature, "0: greedy");
  single(submit, "--top-p", raw.top_p, "nucleus sampling threshold");
  single(submit, "--top-k", raw.top_k, "keep the k most likely tokens");
  single(submit, "--seed", raw.seed, "the sampling seed");
  submit->add_option("--stop", raw.stop, "end at this text (repeatable)");
  single(submit, "--priority", raw.priority, "high, normal or low");
  single(submit, "--request-id", raw.request_id, "idempotency id: the same id is the same job");
  submit->add_flag("--detach", cmd.detach, "print the job id and return")->disable_flag_override();

  std::vector<CLI::App*> with_job;
  for (const auto& [name, what] : std::vector<std::pair<const char*, const char*>>{
           {"attach", "print the job's whole text, live until it ends"},
           {"status", "the job's state, node, progress"},
           {"result", "the complete text of a finished job"},
           {"cancel", "cancel the job"}}) {
    auto* sub = app.add_subcommand(name, what);
    sub->add_option("job", raw.job, "the job id")->required();
    with_job.push_back(sub);
  }
  app.add_subcommand("stats", "the metrics document");
  app.add_subcommand("models", "models with their limits and usage");
  app.add_subcommand("health", "exit 0 when the cluster serves");
  app.add_subcommand("nodes", "every node: devices, state, load, throughput");
  auto* limits =
      app.add_subcommand("limits", "show, or change at run time, a model's admission limits");
  single(limits, "--model", raw.model, "the model to change");
  single(limits, "--max-active", raw.max_active, "running jobs at most");
  single(limits, "--max-queued", raw.max_queued, "waiting jobs at most");
  auto* top = app.add_subcommand("top", "a live view of the cluster (Ctrl-C ends it)");
  single(top, "--interval", raw.interval, "refresh period in ms (100..60000, default 1000)");
  single(top, "--iterations", raw.iterations, "frames to draw (default: until interrupted)");
  for (auto* sub : app.get_subcommands({})) {
    sub->fallthrough();  // --connect and --api-key may follow the command
    if (sub != submit && sub != limits && sub != top && sub->get_name() != "attach" &&
        sub->get_name() != "cancel")
      sub->add_flag("--json", cmd.json, "print JSON")->disable_flag_override();
  }

  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 parses from the back
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    return help_request{app.help()};
  } catch (const CLI::CallForVersion& e) {
    return help_request{std::string(e.what()) + "\n"};
  } catch (const CLI::ParseError& e) {
    return usage_error{e.what()};
  }
  cmd.name = app.get_subcommands().front()->get_name();
  if (!key->empty()) cmd.api_key = api_key;
  if (std::find(with_job.begin(), with_job.end(), app.get_subcommands().front()) !=
          with_job.end() &&
      !parse_number(raw.job, cmd.job))
    return usage_error{"not a job id: '" + raw.job + "'"};

  auto bad = [](const std::string& name, const std::string& v, const char* what) {
    return usage_error{name + ": '" + v + "' is not " + what};
  };
  if (cmd.name == "submit") {
    auto& r = cmd.request;
    r.model = *raw.model;
    r.prompt = *raw.prompt;
    if (auto& v = raw.max_tokens; v && !parse_number(*v, r.max_tokens))
      return bad("--max-tokens", *v, "an integer");
    if (auto& v = raw.temperature; v && !parse_float(*v, r.temperature))
      return bad("--temperature", *v, "a number");
    if (auto& v = raw.top_p; v && !parse_float(*v, r.top_p)) return bad("--top-p", *v, "a number");
    if (auto& v = raw.top_k; v && !parse_number(*v, r.top_k))
      return bad("--top-k", *v, "an integer");
    if (auto& v = raw.seed; v && !parse_number(*v, r.seed))
      return bad("--seed", *v, "an unsigned integer");
    if (auto& v = raw.priority) {
      if (*v == "high")
        r.priority = api::Priority::HIGH;
      else if (*v == "normal")
        r.priority = api::Priority::NORMAL;
      else if (*v == "low")
        r.priority = api::Priority::LOW;
      else
        return bad("--priority", *v, "high, normal or low");
    }
    if (raw.request_id) r.request_id = *raw.request_id;
    r.stop = raw.stop;
  } else if (cmd.name == "limits") {
    cmd.model = raw.model;
    if (auto& v = raw.max_active; v && !parse_number(*v, cmd.max_active))
      return bad("--max-active", *v, "an integer");
    if (auto& v = raw.max_queued; v && !parse_number(*v, cmd.max_queued))
      return bad("--max-queued", *v, "an integer");
    if (!cmd.model && (raw.max_active || raw.max_queued))
      return usage_error{"limits: --max-active and --max-queued need --model"};
  }
  if (cmd.name == "top") {
    if (auto& v = raw.interval; v && (!parse_number(*v, cmd.interval_ms) || cmd.interval_ms < 100 ||
                                      cmd.interval_ms > 60000))
      return bad("--interval", *v, "a number of milliseconds in [100, 60000]");
    if (auto& v = raw.iterations; v && !parse_number(*v, cmd.iterations))
      return bad("--iterations", *v, "an unsigned integer");
  }
  return cmd;
}

}  // namespace troupe::cli
