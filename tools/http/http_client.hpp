// A small blocking HTTP/1.1 client on loopback for tests and troupe-bench: exact control over the
// bytes sent (malformed requests, slow clients, idle connections) and the bytes received (chunked
// bodies, SSE). Not a general-purpose client: no TLS, no redirects, 127.0.0.1 only.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace troupe::http_client {

struct http_response {
  int status = 0;  // 0: no response (the connection closed or timed out first)
  std::map<std::string, std::string> headers;         // names lower-cased
  std::string body;                                   // de-chunked
  std::string header(const std::string& name) const;  // "" when absent
};

class http_connection {
 public:
  explicit http_connection(uint16_t port,
                           std::chrono::milliseconds timeout = std::chrono::seconds(60),
                           int receive_buffer = 0);
  // Connects to 127.0.0.1:port; throws std::runtime_error when it cannot. `receive_buffer`
  // (SO_RCVBUF, set before connecting) gives a slow reader a small window.
  ~http_connection();
  http_connection(const http_connection&) = delete;
  http_connection& operator=(const http_connection&) = delete;

  void send_raw(const std::string& bytes);      // throws when the connection is gone
  bool try_send_raw(const std::string& bytes);  // false when the connection is gone
  void send(const std::string& method, const std::string& path, const std::string& body = "",
            const std::map<std::string, std::string>& headers = {});
  http_response read_response();
  // Reads one response (Content-Length or chunked). status 0 when the server closed first.

  std::optional<std::string> read_head();
  // Reads the status line and headers only (a stream's start); nullopt when closed first.
  std::optional<std::string> read_chunk();
  // The next chunk of a chunked body; nullopt at the end of the body or when closed.

  bool closed_by_server(std::chrono::milliseconds within);
  // True when the server closes the connection within the time (reading and dropping bytes).

  void close();

 private:
  bool fill();  // more bytes into buffer_; false at EOF or timeout
  std::optional<std::string> line();

  int fd_ = -1;
  std::chrono::milliseconds timeout_;
  std::string buffer_;
};

http_response http_request(uint16_t port, const std::string& method, const std::string& path,
                           const std::string& body = "",
                           const std::map<std::string, std::string>& headers = {});
// One request on a fresh connection.

std::vector<std::string> sse_data(const std::string& body);
// The `data:` payloads of an SSE body, in order.

}  // namespace troupe::http_client
