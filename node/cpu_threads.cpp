#include "node/cpu_threads.hpp"

#include <cstdlib>

namespace troupe {

std::string apply_cpu_threads(std::optional<uint32_t> threads) {
  constexpr const char* var = "LP_NUM_THREADS";
  if (const char* set = std::getenv(var)) {
    return std::string("CPU Vulkan devices: ") + var + "=" + set + " from the environment" +
           (threads ? " (cpu_threads = " + std::to_string(*threads) + " not applied)" : "");
  }
  if (!threads) return "CPU Vulkan devices: one thread per core (lavapipe's default)";
  ::setenv(var, std::to_string(*threads).c_str(), 1);
  return "CPU Vulkan devices: " +
         (*threads == 0 ? std::string("dispatches run on the submitting thread (cpu_threads = 0)")
                        : std::to_string(*threads) + " threads (cpu_threads)");
}

}  // namespace troupe
