// make-model OUT.gguf [options]: writes a synthetic model (a development aid; the product CLI is
// troupe-bench make-model).
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "gpu/model/synthetic_model.hpp"

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help") {
    std::fprintf(stderr, "usage: %s OUT.gguf [options]\n%s", argv[0],
                 troupe::synthetic_model_usage());
    return 2;
  }
  try {
    const std::vector<std::string> args(argv + 2, argv + argc);
    troupe::write_synthetic_model(troupe::parse_synthetic_model_args(args), argv[1]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
