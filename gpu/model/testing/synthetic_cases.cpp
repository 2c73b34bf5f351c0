#include "gpu/model/testing/synthetic_cases.hpp"

namespace troupe::testing {

synthetic_model_options options_of(const synthetic_case& c, uint64_t seed) {
  synthetic_model_options o;
  o.arch = c.arch;
  o.layers = 2;
  o.dim = 256;
  o.heads = 4;
  o.kv_heads = 2;
  o.ffn = 512;
  o.type = c.type;
  o.k_quant_mix = c.mix;
  o.tied = c.tied;
  o.rope_freqs = c.rope_freqs;
  o.long_rope_context = c.long_rope;
  o.seed = seed;
  return o;
}

std::string describe(const synthetic_case& c) {
  return std::string(c.arch) + " " + type_name(c.type) + (c.mix ? "_m" : "") +
         (c.tied ? " tied" : "") + (c.rope_freqs ? " rope_freqs" : "") +
         (c.long_rope ? " long_rope " + std::to_string(c.long_rope) : "");
}

}  // namespace troupe::testing
