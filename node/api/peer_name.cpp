#include "node/api/peer_name.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace troupe::api_kj {

std::string peer_name(kj::AsyncIoStream& stream) {
  try {
    struct sockaddr_storage addr {};
    kj::uint len = sizeof(addr);
    stream.getpeername(reinterpret_cast<struct sockaddr*>(&addr), &len);
    char host[64] = {0};
    if (addr.ss_family == AF_INET) {
      auto* in = reinterpret_cast<sockaddr_in*>(&addr);
      inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
      return std::string(host) + ":" + std::to_string(ntohs(in->sin_port));
    }
    if (addr.ss_family == AF_INET6) {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
      inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
      return "[" + std::string(host) + "]:" + std::to_string(ntohs(in6->sin6_port));
    }
  } catch (...) {
  }
  return unknown_peer;
}

}  // namespace troupe::api_kj
