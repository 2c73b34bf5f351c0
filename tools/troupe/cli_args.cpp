#include "tools/troupe/cli_args.hpp"

#include <charconv>
#include <cmath>
#include <map>
#include <set>

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
    "--connect defaults to $TROUPE_ADDR, else the head of cluster-configs/local.toml;\n"
    "--api-key defaults to $TROUPE_API_KEY.\n"
    "exit codes: 0 done, 2 usage, 3 rejected by admission (queue full), 4 invalid request,\n"
    "            5 cannot reach the cluster, 6 job failed or cancelled\n";

namespace {

struct spec {
  std::set<std::string> options;  // take a value
  std::set<std::string> flags;
  size_t positional = 0;  // a job id when 1
};

const std::map<std::string, spec>& commands() {
  static const std::map<std::string, spec> c{
      {"submit",
       {{"--model", "--prompt", "--max-tokens", "--temperature", "--top-p", "--top-k", "--seed",
         "--stop", "--priority", "--request-id"},
        {"--detach"},
        0}},
      {"attach", {{}, {}, 1}},
      {"status", {{}, {"--json"}, 1}},
      {"result", {{}, {"--json"}, 1}},
      {"cancel", {{}, {}, 1}},
      {"stats", {{}, {"--json"}, 0}},
      {"models", {{}, {"--json"}, 0}},
      {"health", {{}, {"--json"}, 0}},
      {"nodes", {{}, {"--json"}, 0}},
      {"limits", {{"--model", "--max-active", "--max-queued"}, {}, 0}},
  };
  return c;
}

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

}  // namespace

std::variant<command, usage_error, help_request> parse_command_line(
    const std::vector<std::string>& args) {
  command cmd;
  std::map<std::string, std::vector<std::string>> values;
  std::set<std::string> flags;
  std::vector<std::string> positional;
  const spec* s = nullptr;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "--help" || a == "-h" || (a == "help" && !s)) return help_request{};
    if (a.rfind("--", 0) != 0 || a == "--") {
      if (!s) {
        auto it = commands().find(a);
        if (it == commands().end()) return usage_error{"unknown command '" + a + "'"};
        cmd.name = a;
        s = &it->second;
      } else {
        positional.push_back(a);
      }
      continue;
    }
    std::optional<std::string> inline_value;
    if (auto eq = a.find('='); eq != std::string::npos) {
      inline_value = a.substr(eq + 1);
      a = a.substr(0, eq);
    }
    bool global = a == "--connect" || a == "--api-key";
    bool is_flag = s && s->flags.count(a);
    bool is_option = global || (s && s->options.count(a));
    if (!is_flag && !is_option)
      return usage_error{"unknown option " + a + (s ? " for " + cmd.name : std::string())};
    if (is_flag) {
      if (inline_value) return usage_error{a + " takes no value"};
      flags.insert(a);
      continue;
    }
    std::string value;
    if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return usage_error{"missing value for " + a};
    }
    if (a == "--connect")
      cmd.connect = value;
    else if (a == "--api-key")
      cmd.api_key = value;
    else
      values[a].push_back(value);
  }
  if (!s) return usage_error{"no command given"};
  if (positional.size() != s->positional)
    return usage_error{cmd.name + (s->positional ? " takes a job id" : " takes no arguments")};
  if (s->positional && !parse_number(positional[0], cmd.job))
    return usage_error{"not a job id: '" + positional[0] + "'"};
  for (const auto& [name, v] : values)
    if (v.size() > 1 && name != "--stop") return usage_error{name + " given more than once"};
  cmd.json = flags.count("--json") > 0;
  cmd.detach = flags.count("--detach") > 0;
  auto one = [&](const std::string& name) -> const std::string* {
    auto it = values.find(name);
    return it == values.end() ? nullptr : &it->second.front();
  };
  auto bad = [](const std::string& name, const std::string& v, const char* what) {
    return usage_error{name + ": '" + v + "' is not " + what};
  };

  if (cmd.name == "submit") {
    auto& r = cmd.request;
    if (!one("--model")) return usage_error{"submit needs --model"};
    if (!one("--prompt")) return usage_error{"submit needs --prompt"};
    r.model = *one("--model");
    r.prompt = *one("--prompt");
    if (auto v = one("--max-tokens"); v && !parse_number(*v, r.max_tokens))
      return bad("--max-tokens", *v, "an integer");
    if (auto v = one("--temperature"); v && !parse_float(*v, r.temperature))
      return bad("--temperature", *v, "a number");
    if (auto v = one("--top-p"); v && !parse_float(*v, r.top_p))
      return bad("--top-p", *v, "a number");
    if (auto v = one("--top-k"); v && !parse_number(*v, r.top_k))
      return bad("--top-k", *v, "an integer");
    if (auto v = one("--seed"); v && !parse_number(*v, r.seed))
      return bad("--seed", *v, "an unsigned integer");
    if (auto v = one("--priority")) {
      if (*v == "high")
        r.priority = api::Priority::HIGH;
      else if (*v == "normal")
        r.priority = api::Priority::NORMAL;
      else if (*v == "low")
        r.priority = api::Priority::LOW;
      else
        return bad("--priority", *v, "high, normal or low");
    }
    if (auto v = one("--request-id")) r.request_id = *v;
    if (auto it = values.find("--stop"); it != values.end()) r.stop = it->second;
  } else if (cmd.name == "limits") {
    if (auto v = one("--model")) cmd.model = *v;
    if (auto v = one("--max-active"); v && !parse_number(*v, cmd.max_active))
      return bad("--max-active", *v, "an integer");
    if (auto v = one("--max-queued"); v && !parse_number(*v, cmd.max_queued))
      return bad("--max-queued", *v, "an integer");
    if (!cmd.model && (one("--max-active") || one("--max-queued")))
      return usage_error{"limits: --max-active and --max-queued need --model"};
  }
  return cmd;
}

}  // namespace troupe::cli
