// Where the `troupe` CLI finds the cluster when --connect is not given: the TROUPE_ADDR
// environment variable, else the head node's host:rpc_port in cluster-configs/local.toml, looked
// up relative to the current directory, then relative to the repository holding the executable
// (build/bin/troupe -> the repository root two levels up).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace troupe::cli {

struct address_lookup {
  std::optional<std::string> address;  // HOST:PORT
  std::string problem;                 // why there is none (names what was tried)
};

address_lookup default_address();

address_lookup head_address_from_config(const std::string& path);
// The head node's host:rpc_port in a cluster config; `problem` names the file and the key.

bool valid_address(const std::string& address);
// HOST:PORT with a non-empty host and a port in 1..65535 ([v6]:PORT works too).

}  // namespace troupe::cli
