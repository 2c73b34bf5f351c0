// troupe-node: one machine of a troupe cluster.
//
//   troupe-node --config FILE [--node NAME] [--data-dir DIR] [--log-level LEVEL]
//   troupe-node --supervise ...   the same, restarted when it dies (node/supervisor.hpp)
//   troupe-node --help | --version
//
// Exit status: 0 after a clean shutdown (SIGTERM/SIGINT: admission stops, running jobs finish
// within [scheduler] shutdown_grace_ms, queued ones are handed back), 1 when the node cannot start
// (a model that does not load, a device that cannot be used), 2 for a usage or config error or a
// data_dir another node holds.
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>

#include <CLI/CLI.hpp>

#include <pthread.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>

#include <string>
#include <variant>

#include "actors/type_registry.hpp"
#include "node/api/api_server.hpp"
#include "node/config.hpp"
#include "node/cpu_threads.hpp"
#include "node/instance_lock.hpp"
#include "node/model_catalog.hpp"
#include "node/model_path.hpp"
#include "node/product_engine.hpp"
#include "node/runtime.hpp"
#include "node/supervisor.hpp"
#include "troupe_version.hpp"

namespace {

struct options {
  std::string config;
  std::string node;
  std::string data_dir;
  std::string log_level = "info";
  bool supervise = false;
  std::vector<std::string> child_args;  // argv[1..] without --supervise
};

[[noreturn]] void fail(int code, const std::string& message) {
  std::cerr << "troupe-node: " << message << "\n";
  std::exit(code);
}

options parse_args(int argc, char** argv) {
  options o;
  CLI::App app{"troupe-node: one machine of a troupe cluster (docs/config.md, docs/cluster.md)",
               "troupe-node"};
  app.set_version_flag("--version", std::string("troupe-node ") + TROUPE_VERSION);
  app.add_option("--config", o.config, "the cluster config (TOML; see docs/config.md)")->required();
  app.add_option("--node", o.node, "which [[node]] this process is (default: the cluster's head)");
  app.add_option("--data-dir", o.data_dir, "overrides the node's data_dir");
  app.add_option("--log-level", o.log_level, "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  app.add_flag("--supervise", o.supervise,
               "run the node as a child process and restart it when it dies ([supervisor])");
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]).rfind("--supervise", 0) != 0) o.child_args.emplace_back(argv[i]);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    std::exit(app.exit(e));
  } catch (const CLI::CallForVersion& e) {
    std::exit(app.exit(e));
  } catch (const CLI::ParseError& e) {  // a usage error: exit 2, as for a bad config
    fail(2, std::string(e.what()) + "\n" + app.help());
  }
  return o;
}

// Every client connection costs file descriptors (an HTTP one two while its job runs: the socket
// and its disconnect watch): take as many as the system allows, and say so when that is fewer
// than the configured connection limits need.
void raise_file_limit(const troupe::cluster_config& config, bool head) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    getrlimit(RLIMIT_NOFILE, &lim);
  }
  const uint64_t needed = head ? 2 * uint64_t(config.http.max_connections) + 1024 + 256 : 256;
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < needed)
    spdlog::warn(
        "open files are limited to {} (ulimit -n); the connection limits need about {}: "
        "past it new connections wait until others close",
        lim.rlim_cur, needed);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace troupe;
  auto opts = parse_args(argc, argv);

  spdlog::set_default_logger(spdlog::stderr_color_mt("troupe-node"));  // stdout stays clean
  spdlog::set_level(spdlog::level::from_str(opts.log_level));

  auto loaded = load_config_file(opts.config);
  if (auto* err = std::get_if<config_error>(&loaded)) fail(2, err->message());
  auto config = std::get<cluster_config>(std::move(loaded));
  if (opts.node.empty()) opts.node = config.cluster.head;
  auto* self = [&]() -> node_config* {
    for (auto& n : config.nodes)
      if (n.name == opts.node) return &n;
    return nullptr;
  }();
  if (!self) fail(2, config.file + ": --node: no [[node]] named '" + opts.node + "'");
  if (!opts.data_dir.empty()) self->data_dir = opts.data_dir;
  if (opts.supervise) {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) fail(1, "--supervise: cannot find this program: " + ec.message());
    return supervise(exe.string(), opts.child_args, config.supervisor);
  }
  for (auto& m : config.models) {
    bool served = std::find(self->models.begin(), self->models.end(), m.name) != self->models.end();
    if (!served && opts.node != config.cluster.head) continue;
    auto r = resolve_model_path(config, m);
    if (r.path.empty()) {
      std::string where;
      for (const auto& s : r.searched) where += "\n  " + s;
      fail(2, config.file + ": model '" + m.name + "' path '" + m.path +
                  "': file not found; tried:" + where);
    }
    m.path = r.path;
  }
  // One node per data_dir, before anything (RocksDB included) touches it.
  std::optional<instance_lock> lock;
  try {
    lock.emplace(instance_lock::acquire(self->data_dir));
  } catch (const data_dir_in_use& e) {
    fail(2, e.what());
  } catch (const std::exception& e) {
    fail(1, e.what());
  }
  raise_file_limit(config, opts.node == config.cluster.head);
  // Before anything creates a Vulkan instance (lavapipe reads its thread count then).
  if (!self->devices.empty()) spdlog::info("{}", apply_cpu_threads(self->cpu_threads));

  // Signals are taken synchronously by this thread: block them before CAF starts its threads.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  caf::actor_system_config cfg;
  register_message_types(cfg);
  cfg.load<caf::io::middleman>();  // nodes talk through CAF's middleman
  caf::actor_system sys{cfg};
  std::optional<node_runtime> runtime;
  try {
    runtime_options ro;
    ro.config = config;
    ro.node = opts.node;
    ro.make_engine = vulkan_engine_factory(config);
    ro.make_tokenizer = gguf_tokenizer_factory(config);
    runtime.emplace(sys, std::move(ro));
  } catch (const std::exception& e) {
    spdlog::error("node '{}' cannot start: {}", opts.node, e.what());
    std::cerr << "troupe-node: node '" << opts.node << "' cannot start: " << e.what() << "\n";
    return 1;
  }
  // The client API (on the head): up once the runtime serves; on SIGTERM it stops taking jobs but
  // keeps streaming while the node drains, and closes after the drain.
  std::optional<api_server> api;
  if (opts.node == config.cluster.head) {
    api_server_options ao;
    ao.bind_address = self->host + ":" + std::to_string(self->rpc_port);
    ao.api_key = config.cluster.api_key;
    ao.max_prompt_bytes = config.scheduler.max_prompt_bytes;
    if (self->http_port != 0) {
      ao.http_bind_address = self->host + ":" + std::to_string(self->http_port);
      ao.http.max_body_bytes = config.http.max_body_bytes;
      ao.http.header_timeout = std::chrono::milliseconds(config.http.header_timeout_ms);
      ao.http.body_timeout = std::chrono::milliseconds(config.http.body_timeout_ms);
      ao.http.idle_timeout = std::chrono::milliseconds(config.http.idle_timeout_ms);
      ao.http.max_connections = config.http.max_connections;
      ao.http_identity = {config.cluster.name, opts.node};
    }
    try {
      ao.models = std::make_shared<const model_catalog>(model_catalog::load(config));
      ao.metrics = runtime->metrics_registry();
      api.emplace(sys, api_targets{runtime->scheduler(), runtime->capacity(), runtime->metrics()},
                  std::move(ao));
    } catch (const std::exception& e) {
      std::cerr << "troupe-node: client API: " << e.what() << "\n";
      return 1;
    }
  }
  spdlog::info("node '{}' of cluster '{}' ready", opts.node, config.cluster.name);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("{}: {} (grace {} ms)", strsignal(sig),
               runtime->is_head() ? "stopping admission, draining"
                                  : "handing this node's work back to the head",
               config.scheduler.shutdown_grace_ms);
  if (api) api->begin_shutdown();
  auto st = runtime->drain(std::chrono::milliseconds(config.scheduler.shutdown_grace_ms));
  spdlog::info("{}", st.message);
  if (api) api->stop();
  runtime.reset();
  spdlog::info("node '{}' stopped", opts.node);
  return 0;
}
