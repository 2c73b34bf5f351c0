// persistence_bench: runs the job store benchmarks from the command line while developing the
// store (troupe-bench is the real entry point).
//
//   persistence_bench [submit|recovery|all] [dir] [recovery_jobs]
#include <cstdlib>
#include <iostream>
#include <string>

#include "persistence/store_bench.hpp"

int main(int argc, char** argv) {
  troupe::store_bench_options options;
  std::string which = argc > 1 ? argv[1] : "all";
  options.submit = which == "submit" || which == "all";
  options.recovery = which == "recovery" || which == "all";
  if (argc > 2) options.dir = argv[2];
  if (argc > 3) options.recovery_jobs = std::strtoull(argv[3], nullptr, 10);
  if (!options.submit && !options.recovery) {
    std::cerr << "usage: " << argv[0] << " [submit|recovery|all] [dir] [recovery_jobs]\n";
    return 2;
  }
  troupe::run_store_bench(options, std::cout);
  return 0;
}
