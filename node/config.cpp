#include "node/config.hpp"

#include <toml++/toml.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace troupe {
namespace {

struct config_failure {
  config_error error;
};

// Reads one TOML table, remembering which keys were consumed so that the rest can be reported.
class table_reader {
 public:
  table_reader(const toml::table& table, std::string path, const std::string& file)
      : table_(table), path_(std::move(path)), file_(file) {}

  std::string key(const std::string& k) const { return path_.empty() ? k : path_ + "." + k; }

  [[noreturn]] void fail(const std::string& k, const std::string& problem) const {
    throw config_failure{config_error{file_, key(k), problem}};
  }

  const toml::node* get(const std::string& k, bool required) {
    seen_.insert(k);
    auto node = table_.get(k);
    if (!node && required) fail(k, "required key is missing");
    return node;
  }

  std::optional<std::string> string(const std::string& k, bool required) {
    auto node = get(k, required);
    if (!node) return std::nullopt;
    auto v = node->value<std::string>();
    if (!node->is_string() || !v) fail(k, "must be a string");
    return *v;
  }

  std::string nonempty_string(const std::string& k) {
    auto v = *string(k, true);
    if (v.empty()) fail(k, "must not be empty");
    return v;
  }

  template <class T>
  std::optional<T> integer(const std::string& k, bool required, int64_t lo, int64_t hi) {
    auto node = get(k, required);
    if (!node) return std::nullopt;
    if (!node->is_integer()) fail(k, "must be an integer");
    auto v = *node->value<int64_t>();
    if (v < lo || v > hi)
      fail(k, "must be within [" + std::to_string(lo) + ", " + std::to_string(hi) + "] (got " +
                  std::to_string(v) + ")");
    return static_cast<T>(v);
  }

  std::vector<std::string> string_list(const std::string& k, bool required,
                                       bool allow_integers = false) {
    auto node = get(k, required);
    std::vector<std::string> out;
    if (!node) return out;
    auto arr = node->as_array();
    if (!arr) fail(k, "must be an array");
    for (size_t i = 0; i < arr->size(); ++i) {
      const auto& e = *arr->get(i);
      if (auto s = e.value<std::string>(); e.is_string() && s) {
        if (s->empty()) fail(k, "entries must not be empty");
        out.push_back(*s);
      } else if (allow_integers && e.is_integer()) {
        auto v = *e.value<int64_t>();
        if (v < 0) fail(k, "device indices must not be negative");
        out.push_back(std::to_string(v));
      } else {
        fail(k, allow_integers ? "entries must be device indices or name strings"
                               : "entries must be strings");
      }
    }
    return out;
  }

  void finish() const {
    for (auto&& [k, v] : table_) {
      auto name = std::string(k.str());
      if (!seen_.count(name)) fail(name, "unknown key");
    }
  }

 private:
  const toml::table& table_;
  std::string path_;
  const std::string& file_;
  std::set<std::string> seen_;
};

constexpr int64_t max_u32 = 0xFFFFFFFFll;

// The contents of `name`, relative to the directory of the config file `file` unless absolute.
std::string read_beside(const std::string& file, const std::string& name, table_reader& r,
                        const std::string& key) {
  std::filesystem::path p(name);
  if (p.is_relative()) p = std::filesystem::path(file).parent_path() / p;
  std::ifstream in(p, std::ios::binary);
  if (!in) r.fail(key, "cannot read '" + p.string() + "'");
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (buffer.str().empty()) r.fail(key, "'" + p.string() + "' is empty");
  return buffer.str();
}

cluster_config read(const toml::table& root, const std::string& file) {
  cluster_config cfg;
  cfg.file = file;
  table_reader top(root, "", file);

  auto cluster = top.get("cluster", true);
  if (!cluster->is_table()) top.fail("cluster", "must be a table ([cluster])");
  {
    table_reader r(*cluster->as_table(), "cluster", file);
    cfg.cluster.name = r.nonempty_string("name");
    cfg.cluster.head = r.nonempty_string("head");
    if (auto key = r.string("api_key", false)) {
      if (key->empty()) r.fail("api_key", "must not be empty (omit it to disable authentication)");
      cfg.cluster.api_key = *key;
    }
    cfg.cluster.model_dirs = r.string_list("model_dirs", false);
    auto& c = cfg.cluster;
    c.heartbeat_ms = r.integer<int64_t>("heartbeat_ms", false, 10, 60'000).value_or(c.heartbeat_ms);
    c.failure_timeout_ms =
        r.integer<int64_t>("failure_timeout_ms", false, 50, 600'000).value_or(c.failure_timeout_ms);
    c.connect_retry_ms =
        r.integer<int64_t>("connect_retry_ms", false, 10, 600'000).value_or(c.connect_retry_ms);
    if (c.failure_timeout_ms <= c.heartbeat_ms)
      r.fail("failure_timeout_ms",
             "must be longer than heartbeat_ms (" + std::to_string(c.heartbeat_ms) + ")");
    r.finish();
  }

  if (auto sched = top.get("scheduler", false)) {
    if (!sched->is_table()) top.fail("scheduler", "must be a table ([scheduler])");
    table_reader r(*sched->as_table(), "scheduler", file);
    auto& s = cfg.scheduler;
    s.aging_ms = r.integer<int64_t>("aging_ms", false, 0, 86'400'000).value_or(s.aging_ms);
    s.max_step_retries =
        r.integer<uint32_t>("max_step_retries", false, 0, 100).value_or(s.max_step_retries);
    s.finished_retention =
        r.integer<uint32_t>("finished_retention", false, 0, max_u32).value_or(s.finished_retention);
    s.shutdown_grace_ms =
        r.integer<int64_t>("shutdown_grace_ms", false, 0, 3'600'000).value_or(s.shutdown_grace_ms);
    s.max_prompt_bytes =
        r.integer<uint64_t>("max_prompt_bytes", false, 1, 1ll << 30).value_or(s.max_prompt_bytes);
    s.checkpoint_tokens =
        r.integer<uint32_t>("checkpoint_tokens", false, 1, 1 << 20).value_or(s.checkpoint_tokens);
    s.retention_s =
        r.integer<int64_t>("retention_s", false, 0, 10ll * 365 * 86400).value_or(s.retention_s);
    r.finish();
  }

  if (auto http = top.get("http", false)) {
    if (!http->is_table()) top.fail("http", "must be a table ([http])");
    table_reader r(*http->as_table(), "http", file);
    auto& h = cfg.http;
    h.max_body_bytes =
        r.integer<uint64_t>("max_body_bytes", false, 1024, 1ll << 32).value_or(h.max_body_bytes);
    h.header_timeout_ms =
        r.integer<int64_t>("header_timeout_ms", false, 10, 3'600'000).value_or(h.header_timeout_ms);
    h.body_timeout_ms =
        r.integer<int64_t>("body_timeout_ms", false, 10, 3'600'000).value_or(h.body_timeout_ms);
    h.idle_timeout_ms =
        r.integer<int64_t>("idle_timeout_ms", false, 10, 3'600'000).value_or(h.idle_timeout_ms);
    h.max_connections =
        r.integer<uint32_t>("max_connections", false, 1, 1'000'000).value_or(h.max_connections);
    r.finish();
  }

  if (auto sup = top.get("supervisor", false)) {
    if (!sup->is_table()) top.fail("supervisor", "must be a table ([supervisor])");
    table_reader r(*sup->as_table(), "supervisor", file);
    auto& v = cfg.supervisor;
    v.restart_delay_ms =
        r.integer<int64_t>("restart_delay_ms", false, 0, 3'600'000).value_or(v.restart_delay_ms);
    v.max_restarts =
        r.integer<uint32_t>("max_restarts", false, 0, 1'000'000).value_or(v.max_restarts);
    v.restart_window_s =
        r.integer<int64_t>("restart_window_s", false, 1, 86'400 * 30).value_or(v.restart_window_s);
    r.finish();
  }

  auto tables = [&](const std::string& k) {
    std::vector<const toml::table*> out;
    auto node = top.get(k, true);
    auto arr = node->as_array();
    if (!arr || !arr->is_array_of_tables() || arr->empty())
      top.fail(k, "must be one or more [[" + k + "]] tables");
    for (size_t i = 0; i < arr->size(); ++i) out.push_back(arr->get(i)->as_table());
    return out;
  };

  auto model_tables = tables("model");
  for (size_t i = 0; i < model_tables.size(); ++i) {
    table_reader r(*model_tables[i], "model[" + std::to_string(i) + "]", file);
    model_config m;
    m.name = r.nonempty_string("name");
    m.path = r.nonempty_string("path");
    m.max_active = r.integer<int32_t>("max_active", false, 1, 1'000'000).value_or(m.max_active);
    m.max_queued = r.integer<int32_t>("max_queued", false, 0, 100'000'000).value_or(m.max_queued);
    m.max_batch_size =
        r.integer<uint32_t>("max_batch_size", false, 1, 4096).value_or(m.max_batch_size);
    m.max_seq_len = r.integer<uint32_t>("max_seq_len", false, 2, 1 << 22).value_or(m.max_seq_len);
    m.max_step_tokens =
        r.integer<uint32_t>("max_step_tokens", false, 1, 1 << 20).value_or(m.max_step_tokens);
    m.kv_block_tokens =
        r.integer<uint32_t>("kv_block_tokens", false, 1, 4096).value_or(m.kv_block_tokens);
    m.kv_memory_mb = r.integer<uint64_t>("kv_memory_mb", false, 0, 1ll << 30).value_or(0);
    m.device_memory_mb = r.integer<uint64_t>("device_memory_mb", false, 0, 1ll << 30).value_or(0);
    if (auto t = r.string("chat_template", false)) {
      if (t->empty()) r.fail("chat_template", "must not be empty (omit it to use the model's)");
      m.chat_template =
          t->front() == '@' ? read_beside(file, t->substr(1), r, "chat_template") : std::move(*t);
    }
    if (m.max_step_tokens < m.max_batch_size)
      r.fail("max_step_tokens", "must be at least max_batch_size (" +
                                    std::to_string(m.max_batch_size) +
                                    ") so every sequence can decode in each step");
    for (const auto& other : cfg.models)
      if (other.name == m.name) r.fail("name", "model '" + m.name + "' is defined twice");
    r.finish();
    cfg.models.push_back(std::move(m));
  }

  auto node_tables = tables("node");
  std::map<std::pair<std::string, uint16_t>, std::string> ports;
  for (size_t i = 0; i < node_tables.size(); ++i) {
    table_reader r(*node_tables[i], "node[" + std::to_string(i) + "]", file);
    node_config n;
    n.name = r.nonempty_string("name");
    n.host = r.nonempty_string("host");
    n.rpc_port = r.integer<uint16_t>("rpc_port", true, 1, 65535).value();
    n.actor_port = r.integer<uint16_t>("actor_port", true, 1, 65535).value();
    n.http_port = r.integer<uint16_t>("http_port", false, 0, 65535).value_or(0);
    n.data_dir = r.nonempty_string("data_dir");
    n.devices = r.string_list("devices", false, true);
    n.models = r.string_list("models", false);
    n.max_batch_size = r.integer<uint32_t>("max_batch_size", false, 1, 4096).value_or(0);
    n.kv_memory_mb = r.integer<uint64_t>("kv_memory_mb", false, 1, 1ll << 30).value_or(0);
    n.device_memory_mb = r.integer<uint64_t>("device_memory_mb", false, 1, 1ll << 30).value_or(0);
    n.cpu_threads = r.integer<uint32_t>("cpu_threads", false, 0, 1024);
    for (const auto& other : cfg.nodes)
      if (other.name == n.name) r.fail("name", "node '" + n.name + "' is defined twice");
    for (auto [key, port] : {std::pair{"rpc_port", n.rpc_port},
                             {"actor_port", n.actor_port},
                             {"http_port", n.http_port}}) {
      if (port == 0) continue;  // http_port 0: off
      auto [it, fresh] = ports.emplace(std::pair{n.host, port}, n.name + "." + key);
      if (!fresh)
        r.fail(key, "port " + std::to_string(port) + " on " + n.host + " is already used by " +
                        it->second);
    }
    for (const auto& m : n.models)
      if (!cfg.model(m)) r.fail("models", "names model '" + m + "', which no [[model]] defines");
    if (!n.models.empty() && n.devices.empty())
      r.fail("devices", "node serves models but lists no devices to run them on");
    r.finish();
    cfg.nodes.push_back(std::move(n));
  }
  top.finish();

  if (!cfg.node(cfg.cluster.head))
    throw config_failure{config_error{
        file, "cluster.head", "names node '" + cfg.cluster.head + "', which no [[node]] defines"}};
  return cfg;
}

}  // namespace

const node_config* cluster_config::node(const std::string& name) const {
  for (const auto& n : nodes)
    if (n.name == name) return &n;
  return nullptr;
}

const model_config* cluster_config::model(const std::string& name) const {
  for (const auto& m : models)
    if (m.name == name) return &m;
  return nullptr;
}

std::string config_error::message() const {
  std::string out = file;
  if (!key.empty()) out += ": " + key;
  return out + ": " + problem;
}

std::variant<cluster_config, config_error> parse_config(std::string_view text,
                                                        const std::string& file) {
  try {
    auto root = toml::parse(text, file);
    return read(root, file);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return config_error{
        file + ":" + std::to_string(where.line) + ":" + std::to_string(where.column), "",
        std::string(e.description())};
  } catch (const config_failure& f) {
    return f.error;
  }
}

std::variant<cluster_config, config_error> load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return config_error{path, "", "cannot read the file"};
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_config(buffer.str(), path);
}

}  // namespace troupe
