// troupe-bench: benchmarks of troupe's parts, one JSON object per line on stdout.
//
//   troupe-bench scheduler [--depths 10,1000,100000] [--steps N] [--batch B] [--gen-tokens G]
//   troupe-bench engine --model FILE [--device N] [--batch 1,4,16] [--prompt-tokens P]
//                       [--gen-tokens G]
//   troupe-bench make-model --out FILE --layers L --dim D --heads H --kv-heads K --ffn F
//                           (--vocab N | --vocab-from tokenizer.json) --type f32|f16|q8_0|q4_0
//   troupe-bench store [--dir DIR] [--clients N] [--seconds S] [--recovery-jobs N]
//                      [--no-submit] [--no-recovery]
//   troupe-bench cluster [--model FILE] [--workers 1,2,3] [--jobs N] [--gen-tokens G]
//                        [--cpu-threads T]
//   troupe-bench http [--model FILE] [--requests N] [--clients C] [--streams S]
//                     [--gen-tokens G] [--rounds R] [--cpu-threads T]
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "bench/cluster_bench.hpp"
#include "bench/http_bench.hpp"
#include "bench/scheduler_bench.hpp"
#include "gpu/model/synthetic_model.hpp"
#include "gpu/vulkan/engine_bench.hpp"
#include "persistence/store_bench.hpp"

namespace {

int usage(const std::string& problem = "") {
  if (!problem.empty()) std::cerr << "troupe-bench: " << problem << "\n";
  std::cerr << "usage:\n"
               "  troupe-bench scheduler [--depths D,D,...] [--steps N] [--batch B] "
               "[--gen-tokens G]\n"
               "  troupe-bench engine --model FILE [--device N] [--batch B,B,...] "
               "[--prompt-tokens P] [--gen-tokens G]\n"
               "  troupe-bench make-model --out FILE [model options]\n"
               "  troupe-bench store [--dir DIR] [--clients N] [--seconds S] [--recovery-jobs N] "
               "[--no-submit] [--no-recovery]\n"
               "  troupe-bench cluster [--model FILE] [--workers N,N,...] [--jobs N] "
               "[--gen-tokens G] [--cpu-threads T]\n"
               "  troupe-bench http [--model FILE] [--requests N] [--clients C] [--streams S] "
               "[--gen-tokens G] [--rounds R] [--cpu-threads T]\n";
  return 2;
}

bool parse_list(const std::string& text, std::vector<uint32_t>& out) {
  out.clear();
  size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(',', start);
    auto item = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    char* rest = nullptr;
    auto v = std::strtoul(item.c_str(), &rest, 10);
    if (item.empty() || *rest != '\0') return false;
    out.push_back(static_cast<uint32_t>(v));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return !out.empty();
}

bool parse_int(const std::string& text, long lo, long hi, long& out) {
  char* rest = nullptr;
  out = std::strtol(text.c_str(), &rest, 10);
  return !text.empty() && *rest == '\0' && out >= lo && out <= hi;
}

using option_taker = std::function<bool(const std::string& key, const std::string& value)>;

// Feeds each "--key value" pair of args[1..] to `take` (a key listed in `flags` takes no value and
// gets ""); `take` returns false for a key or value it does not accept. Returns 0, or usage()'s
// exit code naming the first option that is missing its value or was refused.
int parse_options(const std::vector<std::string>& args, const option_taker& take,
                  std::initializer_list<std::string_view> flags = {}) {
  for (size_t i = 1; i < args.size(); ++i) {
    const auto& key = args[i];
    const bool flag = std::find(flags.begin(), flags.end(), key) != flags.end();
    if (!flag && i + 1 >= args.size()) return usage("missing value for " + key);
    const std::string value = flag ? "" : args[++i];
    if (!take(key, value)) return usage("bad option " + key + (flag ? "" : " " + value));
  }
  return 0;
}

int run_scheduler(const std::vector<std::string>& args) {
  troupe::bench::scheduler_bench_options o;
  int rc = parse_options(args, [&](const std::string& key, const std::string& value) {
    long v = 0;
    if (key == "--depths") return parse_list(value, o.depths);
    if (key == "--steps" && parse_int(value, 10, 10'000'000, v)) {
      o.steps = static_cast<uint32_t>(v);
    } else if (key == "--batch" && parse_int(value, 1, 4096, v)) {
      o.batch = static_cast<uint32_t>(v);
    } else if (key == "--gen-tokens" && parse_int(value, 1, 1 << 20, v)) {
      o.gen_tokens = static_cast<int32_t>(v);
    } else {
      return false;
    }
    return true;
  });
  if (rc != 0) return rc;
  troupe::bench::run_scheduler_bench(o, std::cout);
  return 0;
}

int run_engine(const std::vector<std::string>& args) {
  troupe::engine_bench_options o;
  int rc = parse_options(args, [&](const std::string& key, const std::string& value) {
    long v = 0;
    if (key == "--batch") return parse_list(value, o.batches);
    if (key == "--model") {
      o.model_path = value;
    } else if (key == "--device") {
      o.device = value;
    } else if (key == "--prompt-tokens" && parse_int(value, 1, 1 << 20, v)) {
      o.prompt_tokens = static_cast<uint32_t>(v);
    } else if (key == "--gen-tokens" && parse_int(value, 1, 1 << 20, v)) {
      o.gen_tokens = static_cast<uint32_t>(v);
    } else {
      return false;
    }
    return true;
  });
  if (rc != 0) return rc;
  if (o.model_path.empty()) return usage("engine needs --model FILE");
  troupe::run_engine_bench(o, std::cout);
  return 0;
}

int make_model(const std::vector<std::string>& args) {
  std::vector<std::string> rest;
  std::string out;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--out" && i + 1 < args.size()) {
      out = args[++i];
    } else {
      rest.push_back(args[i]);
    }
  }
  if (out.empty()) {
    std::cerr << "troupe-bench make-model: --out FILE is required\n"
              << troupe::synthetic_model_usage();
    return 2;
  }
  troupe::synthetic_model_options o;
  try {
    o = troupe::parse_synthetic_model_args(rest);
  } catch (const std::invalid_argument& e) {
    std::cerr << "troupe-bench make-model: " << e.what() << "\n" << troupe::synthetic_model_usage();
    return 2;
  }
  troupe::write_synthetic_model(o, out);
  return 0;
}

int run_store(const std::vector<std::string>& args) {
  troupe::store_bench_options o;
  int rc =
      parse_options(args,
                    [&](const std::string& key, const std::string& value) {
                      long v = 0;
                      if (key == "--no-submit") {
                        o.submit = false;
                      } else if (key == "--no-recovery") {
                        o.recovery = false;
                      } else if (key == "--dir") {
                        o.dir = value;
                      } else if (key == "--clients" && parse_int(value, 1, 4096, v)) {
                        o.clients = static_cast<int>(v);
                      } else if (key == "--seconds" && parse_int(value, 1, 3600, v)) {
                        o.submit_seconds = double(v);
                      } else if (key == "--recovery-jobs" && parse_int(value, 1, 100'000'000, v)) {
                        o.recovery_jobs = static_cast<size_t>(v);
                      } else {
                        return false;
                      }
                      return true;
                    },
                    {"--no-submit", "--no-recovery"});
  if (rc != 0) return rc;
  troupe::run_store_bench(o, std::cout);
  return 0;
}

std::string default_model() {
  namespace fs = std::filesystem;
  auto repo = fs::read_symlink("/proc/self/exe").parent_path().parent_path().parent_path();
  for (const auto& dir :
       {fs::current_path() / "models", fs::current_path() / ".." / "shared" / "models",
        repo / "models", repo / ".." / "shared" / "models"}) {
    auto p = dir / "stories260K.gguf";
    if (fs::exists(p)) return fs::canonical(p).string();
  }
  return "";
}

int run_cluster(const std::vector<std::string>& args) {
  troupe::bench::cluster_bench_options o;
  int rc = parse_options(args, [&](const std::string& key, const std::string& value) {
    long v = 0;
    if (key == "--workers") return parse_list(value, o.workers);
    if (key == "--model") {
      o.model = value;
    } else if (key == "--jobs" && parse_int(value, 1, 100000, v)) {
      o.jobs = static_cast<uint32_t>(v);
    } else if (key == "--gen-tokens" && parse_int(value, 1, 200, v)) {
      o.gen_tokens = static_cast<int32_t>(v);
    } else if (key == "--cpu-threads" && parse_int(value, -1, 256, v)) {
      o.cpu_threads = static_cast<int32_t>(v);
    } else {
      return false;
    }
    return true;
  });
  if (rc != 0) return rc;
  if (o.model.empty()) o.model = default_model();
  if (o.model.empty()) return usage("cluster: no stories260K.gguf found; pass --model FILE");
  troupe::bench::run_cluster_bench(o, std::cout);
  return 0;
}

int run_http(const std::vector<std::string>& args) {
  troupe::bench::http_bench_options o;
  int rc = parse_options(args, [&](const std::string& key, const std::string& value) {
    long v = 0;
    if (key == "--model") {
      o.model = value;
    } else if (key == "--requests" && parse_int(value, 1, 10000000, v)) {
      o.requests = static_cast<uint32_t>(v);
    } else if (key == "--clients" && parse_int(value, 1, 1024, v)) {
      o.clients = static_cast<uint32_t>(v);
    } else if (key == "--streams" && parse_int(value, 1, 1024, v)) {
      o.streams = static_cast<uint32_t>(v);
    } else if (key == "--gen-tokens" && parse_int(value, 1, 200, v)) {
      o.gen_tokens = static_cast<int32_t>(v);
    } else if (key == "--rounds" && parse_int(value, 1, 1000, v)) {
      o.rounds = static_cast<uint32_t>(v);
    } else if (key == "--cpu-threads" && parse_int(value, -1, 256, v)) {
      o.cpu_threads = static_cast<int32_t>(v);
    } else {
      return false;
    }
    return true;
  });
  if (rc != 0) return rc;
  if (o.model.empty()) o.model = default_model();
  if (o.model.empty()) return usage("http: no stories260K.gguf found; pass --model FILE");
  troupe::bench::run_http_bench(o, std::cout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage();
  auto command = args[0];
  try {
    if (command == "scheduler") return run_scheduler(args);
    if (command == "engine") return run_engine(args);
    if (command == "make-model") return make_model(args);
    if (command == "store") return run_store(args);
    if (command == "cluster") return run_cluster(args);
    if (command == "http") return run_http(args);
  } catch (const std::exception& e) {
    std::cerr << "troupe-bench " << command << ": " << e.what() << "\n";
    return 1;
  }
  return usage("unknown benchmark '" + command + "'");
}
