// The small synthetic models the engine tests run every architecture and format on: 2 layers,
// dim 256 (a K-quant super-block), 4/2 heads, ffn 512, with one architecture's own tensors.
#pragma once

#include <cstdint>
#include <string>

#include "gpu/model/synthetic_model.hpp"

namespace troupe::testing {

struct synthetic_case {
  const char* arch;
  ggml_type type;
  bool mix = false;         // llama.cpp's Q4_K_M recipe (type must be q4_k)
  bool tied = false;        // no output.weight
  bool rope_freqs = false;  // Llama 3.1's rope_freqs.weight
  int32_t long_rope = 0;    // phi3: LongRoPE's original context (for sequences of 256, 128
                            // takes the long factors, 1024 the short ones)
};

synthetic_model_options options_of(const synthetic_case& c, uint64_t seed);
std::string describe(const synthetic_case& c);  // "phi3 q4_K_m long_rope 128"

}  // namespace troupe::testing
