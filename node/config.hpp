// The cluster configuration: one TOML file describes the whole cluster (docs/config.md lists
// every key). Loading is strict: a missing required key, a value of the wrong type or out of
// range, an unknown key or an inconsistency between sections is an error that names the file,
// the key and the problem.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace troupe {

struct cluster_section {
  std::string name;
  std::string head;                     // the node holding scheduler, job store and client API
  std::string api_key;                  // empty: no authentication
  std::vector<std::string> model_dirs;  // searched first for model files
  int64_t heartbeat_ms = 500;           // the head pings every device this often
  int64_t failure_timeout_ms = 3000;    // a device silent this long is lost; its jobs move
  int64_t connect_retry_ms = 1000;      // a node retries reaching the head (backoff up to 8x)
};

struct scheduler_section {
  int64_t aging_ms = 10000;
  uint32_t max_step_retries = 3;
  uint32_t finished_retention = 10000;
  int64_t shutdown_grace_ms = 30000;
  uint64_t max_prompt_bytes = 1 << 20;
  uint32_t checkpoint_tokens = 16;  // a running job's progress is stored every N tokens
  int64_t retention_s = 86400;      // finished jobs stay in the job store this long
};

struct http_section {  // the HTTP front door of the head ([[node]] http_port turns it on)
  uint64_t max_body_bytes = 8 << 20;  // larger request bodies get 413
  int64_t header_timeout_ms = 15000;  // a client must send its request headers within this
  int64_t body_timeout_ms = 30000;    // ... and its body within this after the headers
  int64_t idle_timeout_ms = 5000;     // a kept-alive connection with no new request is closed
  uint32_t max_connections = 1024;    // more are closed at once
};

struct supervisor_section {         // troupe-node --supervise: restarting a node that died
  int64_t restart_delay_ms = 1000;  // wait before the first restart; doubles per quick restart
  uint32_t max_restarts = 5;        // give up after this many restarts within the window
  int64_t restart_window_s = 300;   // restarts older than this are forgotten
};

struct node_config {
  std::string name;
  std::string host;
  uint16_t rpc_port = 0;
  uint16_t http_port = 0;  // the HTTP front door (OpenAI, Ollama, metrics); 0 = off
  uint16_t actor_port = 0;
  std::string data_dir;
  std::vector<std::string> devices;  // Vulkan device indices ("0") or name fragments ("llvmpipe")
  std::vector<std::string> models;
  uint32_t max_batch_size = 0;    // overrides the models' max_batch_size on this node (0: keep)
  uint64_t kv_memory_mb = 0;      // overrides the models' kv_memory_mb on this node (0: keep)
  uint64_t device_memory_mb = 0;  // the most device memory all models together take on each of
                                  // this node's devices (0: what is free)
  std::optional<uint32_t> cpu_threads;  // threads of a CPU Vulkan device (lavapipe); 0: inline
};

struct model_config {
  std::string name;
  std::string path;  // GGUF file, resolved against the model search path
  int32_t max_active = 16;
  int32_t max_queued = 1024;
  uint32_t max_batch_size = 16;
  uint32_t max_seq_len = 2048;
  uint32_t max_step_tokens = 512;
  uint32_t kv_block_tokens = 16;
  uint64_t kv_memory_mb = 0;      // KV-cache budget per device; 0 = derived from free device memory
  uint64_t device_memory_mb = 0;  // the most device memory the model takes per device (weights,
                                  // step buffers, KV cache); 0 = what is free
  std::string chat_template;      // overrides the GGUF's tokenizer.chat_template; empty = keep it.
                                  // "@file" in the config is read here (relative to the config)
};

struct cluster_config {
  std::string file;  // where it was loaded from
  cluster_section cluster;
  scheduler_section scheduler;
  http_section http;
  supervisor_section supervisor;
  std::vector<node_config> nodes;
  std::vector<model_config> models;

  const node_config* node(const std::string& name) const;
  const model_config* model(const std::string& name) const;
};

struct config_error {
  std::string file;
  std::string key;  // e.g. "model[0].max_active"; empty for syntax errors
  std::string problem;

  std::string message() const;  // "FILE: KEY: PROBLEM"
};

std::variant<cluster_config, config_error> load_config_file(const std::string& path);
std::variant<cluster_config, config_error> parse_config(std::string_view text,
                                                        const std::string& file);

}  // namespace troupe
