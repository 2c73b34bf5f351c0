// troupe-bench: benchmarks of troupe's parts, one JSON object per line on stdout.
//
//   troupe-bench scheduler [--depths 10,1000,100000] [--steps N] [--batch B] [--gen-tokens G]
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "bench/scheduler_bench.hpp"

namespace {

int usage(const std::string& problem = "") {
  if (!problem.empty()) std::cerr << "troupe-bench: " << problem << "\n";
  std::cerr << "usage: troupe-bench scheduler [--depths D,D,...] [--steps N] [--batch B] "
               "[--gen-tokens G]\n";
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
  return usage("unknown benchmark '" + command + "'");
}
