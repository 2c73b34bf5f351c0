// How many threads a CPU Vulkan device computes with: the node's `cpu_threads` key, applied to
// Mesa's lavapipe through LP_NUM_THREADS before the first Vulkan instance is created (lavapipe
// reads it then, for the whole process).
//
// lavapipe hands every dispatch to a pool of threads and waits for them, which costs tens of
// microseconds per dispatch on virtual machines; a small model's dispatches are shorter than
// that, so running them on the submitting thread (0) is several times faster. Large models gain
// from the pool on a batched step (docs/engine.md has the figures). GPUs ignore the setting.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace troupe {

std::string apply_cpu_threads(std::optional<uint32_t> threads);
// Sets LP_NUM_THREADS to `threads` unless the environment already sets it (the operator's
// explicit choice wins) or `threads` is empty. Returns what happened, for the log.

}  // namespace troupe
