#include "node/engine_probe.hpp"

#include <chrono>
#include <limits>

namespace troupe {

double measure_decode_speed(engine& eng, int prompt_tokens, int decode_tokens) {
  const uint64_t probe = std::numeric_limits<uint64_t>::max();  // never a job id
  const auto& info = eng.info();
  sequence_input in;
  in.seq = probe;
  auto tok = eng.tokens();
  if (tok->bos() >= 0) in.tokens.push_back(tok->bos());
  for (int i = 0; static_cast<int>(in.tokens.size()) < prompt_tokens; ++i)
    in.tokens.push_back(static_cast<token_id>(1 + i % std::max(1, info.vocab_size - 1)));
  in.sample = true;
  try {
    auto out = eng.step(step_input{{in}});
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < decode_tokens; ++i) {
      in.pos += static_cast<int32_t>(in.tokens.size());
      in.tokens = {out.tokens.at(0) >= 0 ? out.tokens.at(0) : 1};
      in.sample_index = static_cast<uint32_t>(i + 1);
      out = eng.step(step_input{{in}});
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    eng.release(probe);
    return s > 0 ? decode_tokens / s : 0;
  } catch (const std::exception&) {
    eng.release(probe);
    return 0;
  }
}

}  // namespace troupe
