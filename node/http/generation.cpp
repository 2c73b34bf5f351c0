#include "node/http/generation.hpp"

#include <random>

namespace troupe::http {

const char* stop_or_length(finish_reason reason) {
  switch (reason) {
    case finish_reason::max_tokens:
    case finish_reason::length:
      return "length";
    default:
      return "stop";
  }
}

uint64_t request_seed(const std::string& idempotency_key) {
  if (idempotency_key.empty()) {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    return rng();
  }
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a
  for (unsigned char c : idempotency_key) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

}  // namespace troupe::http
