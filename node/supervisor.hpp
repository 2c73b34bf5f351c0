// troupe-node --supervise: the node runs as a child process, and a child that dies abnormally
// (a signal, or an exit status other than 0, 2, 126 and 127) is started again after a delay that
// doubles with each quick restart, up to max_restarts within restart_window_s ([supervisor] in the
// config). SIGTERM and SIGINT go to the child, which drains as usual; the supervisor then exits
// with the child's status. Every start, death and restart is logged with its cause. No CAF: the
// supervisor does nothing but fork, wait and signal, so it cannot fail the way a node can.
#pragma once

#include <string>
#include <vector>

#include "node/config.hpp"

namespace troupe {

int supervise(const std::string& program, const std::vector<std::string>& args,
              const supervisor_section& policy);
// Runs `program` with `args` (argv[1..], without --supervise) until it exits by itself with 0 or
// 2 (a usage or config error, or a data_dir another node holds: a restart would repeat it), or
// cannot be executed (126, 127: the supervisor returns 1), the
// supervisor is signalled, or the restarts run out. Returns the exit status for the supervisor's
// own process: the child's last status, or 1 when it gave up.

}  // namespace troupe
