// The `troupe` command line, parsed into one command (no I/O here, so it is tested directly).
//
//   troupe [--connect HOST:PORT] [--api-key KEY] COMMAND [ARGS]
//
// Parsed with CLI11. Options take their value as the next argument or after '=' (--max-tokens=8).
// Global options may also follow the command. Anything malformed is a usage error (exit code 2).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "tools/troupe/client.hpp"

namespace troupe::cli {

struct command {
  std::string name;     // submit, attach, status, cancel, result, stats, models, health, nodes,
                        // limits, top
  std::string connect;  // empty: default_address()
  std::optional<std::string> api_key;  // unset: TROUPE_API_KEY, else none
  uint64_t job = 0;                    // attach, status, cancel, result
  bool json = false;
  bool detach = false;
  job_request request;               // submit
  std::optional<std::string> model;  // limits
  int32_t max_active = -1;           // limits: -1 keeps
  int32_t max_queued = -1;
  uint32_t interval_ms = 1000;  // top: refresh period
  uint32_t iterations = 0;      // top: frames to draw; 0 = until interrupted
};

struct usage_error {
  std::string message;
};

struct help_request {  // --help, help, --version (or COMMAND --help)
  std::string text;    // what to print
};

std::variant<command, usage_error, help_request> parse_command_line(
    const std::vector<std::string>& args);
// `args` without the program name.

extern const char* const usage_text;

}  // namespace troupe::cli
