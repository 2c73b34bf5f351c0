// "127.0.0.1:51234" / "[::1]:51234" for a connected socket stream; "a client" when unknown.
#pragma once

#include <kj/async-io.h>

#include <string>

namespace troupe::api_kj {

std::string peer_name(kj::AsyncIoStream& stream);
// "host:port" ("[v6]:port"), or unknown_peer when the socket does not say.

inline constexpr const char* unknown_peer = "a client";

inline std::string address_of(const std::string& peer) {
  return peer == unknown_peer ? "" : peer;
}
// What a job records as its client: the address, or "" when it is not known.

}  // namespace troupe::api_kj
