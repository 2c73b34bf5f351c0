// Runs one parsed `troupe` command against the cluster: what it prints (stdout: the command's
// output only; stderr: one line per error) and the exit code.
#pragma once

#include <iosfwd>

#include "tools/troupe/cli_args.hpp"

namespace troupe::cli {

enum exit_code : int {
  exit_ok = 0,
  exit_usage = 2,
  exit_rejected = 3,  // admission refused the job (queue_full)
  exit_invalid = 4,   // invalid_argument, unknown_model, prompt_too_long, not_found, unauthorized
  exit_unreachable = 5,  // cannot reach the cluster (or it cannot serve: unavailable)
  exit_job_failed = 6,   // the job failed or was cancelled (or the cluster failed: internal)
};

int exit_code_for(api::ErrorCode code);

int run_command(const command& cmd, std::ostream& out, std::ostream& err);
// Connects (cmd.connect, or the default address), runs the command, returns the exit code.

}  // namespace troupe::cli
