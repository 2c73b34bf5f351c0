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
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "bench/cluster_bench.hpp"
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
               "[--gen-tokens G] [--cpu-threads T]\n";
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

int run_engine(const std::vector<std::string>& args) {
  troupe::engine_bench_options o;
  for (size_t i = 1; i < args.size(); ++i) {
    if (i + 1 >= args.size()) return usage("missing value for " + args[i]);
    long v = 0;
    const auto& key = args[i];
    const auto& value = args[++i];
    if (key == "--model") {
      o.model_path = value;
    } else if (key == "--device") {
      o.device = value;
    } else if (key == "--batch") {
      if (!parse_list(value, o.batches)) return usage("bad --batch");
    } else if (key == "--prompt-tokens" && parse_int(value, 1, 1 << 20, v)) {
      o.prompt_tokens = static_cast<uint32_t>(v);
    } else if (key == "--gen-tokens" && parse_int(value, 1, 1 << 20, v)) {
      o.gen_tokens = static_cast<uint32_t>(v);
    } else {
      return usage("bad option " + key + " " + value);
    }
  }
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
  for (size_t i = 1; i < args.size(); ++i) {
    long v = 0;
    const auto& key = args[i];
    if (key == "--no-submit") {
      o.submit = false;
      continue;
    }
    if (key == "--no-recovery") {
      o.recovery = false;
      continue;
    }
    if (i + 1 >= args.size()) return usage("missing value for " + key);
    const auto& value = args[++i];
    if (key == "--dir") {
      o.dir = value;
    } else if (key == "--clients" && parse_int(value, 1, 4096, v)) {
      o.clients = static_cast<int>(v);
    } else if (key == "--seconds" && parse_int(value, 1, 3600, v)) {
      o.submit_seconds = double(v);
    } else if (key == "--recovery-jobs" && parse_int(value, 1, 100'000'000, v)) {
      o.recovery_jobs = static_cast<size_t>(v);
    } else {
      return usage("bad option " + key + " " + value);
    }
  }
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
  for (size_t i = 1; i < args.size(); ++i) {
    if (i + 1 >= args.size()) return usage("missing value for " + args[i]);
    long v = 0;
    const auto& key = args[i];
    const auto& value = args[++i];
    if (key == "--model") {
      o.model = value;
    } else if (key == "--workers") {
      if (!parse_list(value, o.workers)) return usage("bad --workers");
    } else if (key == "--jobs" && parse_int(value, 1, 100000, v)) {
      o.jobs = static_cast<uint32_t>(v);
    } else if (key == "--gen-tokens" && parse_int(value, 1, 200, v)) {
      o.gen_tokens = static_cast<int32_t>(v);
    } else if (key == "--cpu-threads" && parse_int(value, -1, 256, v)) {
      o.cpu_threads = static_cast<int32_t>(v);
    } else {
      return usage("bad option " + key + " " + value);
    }
  }
  if (o.model.empty()) o.model = default_model();
  if (o.model.empty()) return usage("cluster: no stories260K.gguf found; pass --model FILE");
  troupe::bench::run_cluster_bench(o, std::cout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage();
  auto command = args[0];
  if (command == "scheduler") {
    troupe::bench::scheduler_bench_options o;
    for (size_t i = 1; i < args.size(); ++i) {
      if (i + 1 >= args.size()) return usage("missing value for " + args[i]);
      long v = 0;
      const auto& value = args[++i];
      if (args[i - 1] == "--depths") {
        if (!parse_list(value, o.depths)) return usage("bad --depths");
      } else if (args[i - 1] == "--steps" && parse_int(value, 10, 10'000'000, v)) {
        o.steps = static_cast<uint32_t>(v);
      } else if (args[i - 1] == "--batch" && parse_int(value, 1, 4096, v)) {
        o.batch = static_cast<uint32_t>(v);
      } else if (args[i - 1] == "--gen-tokens" && parse_int(value, 1, 1 << 20, v)) {
        o.gen_tokens = static_cast<int32_t>(v);
      } else {
        return usage("bad option " + args[i - 1] + " " + value);
      }
    }
    troupe::bench::run_scheduler_bench(o, std::cout);
    return 0;
  }
  try {
    if (command == "engine") return run_engine(args);
    if (command == "make-model") return make_model(args);
    if (command == "store") return run_store(args);
    if (command == "cluster") return run_cluster(args);
  } catch (const std::exception& e) {
    std::cerr << "troupe-bench " << command << ": " << e.what() << "\n";
    return 1;
  }
  return usage("unknown benchmark '" + command + "'");
}
