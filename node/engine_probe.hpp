// Measures an engine's decode speed before it serves: the routing weight of its device (a fast GPU
// gets proportionally more jobs than a slow one). Also warms the engine up.
#pragma once

#include "gpu/engine.hpp"

namespace troupe {

double measure_decode_speed(engine& eng, int prompt_tokens = 8, int decode_tokens = 8);
// Single-sequence decode tokens per second (greedy, on a throwaway sequence the engine releases
// afterwards). Returns 0 when the engine fails the probe.

}  // namespace troupe
