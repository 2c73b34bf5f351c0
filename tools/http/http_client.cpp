#include "tools/http/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <stdexcept>

namespace troupe::http_client {

std::string http_response::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

http_connection::http_connection(uint16_t port, std::chrono::milliseconds timeout,
                                 int receive_buffer)
    : timeout_(timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("socket failed: ") + std::strerror(errno));
  if (receive_buffer > 0)
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port) + ": " +
                             std::strerror(errno));
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

http_connection::~http_connection() {
  close();
}

void http_connection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool http_connection::try_send_raw(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

void http_connection::send_raw(const std::string& bytes) {
  if (!try_send_raw(bytes)) throw std::runtime_error("send failed: the connection is gone");
}

void http_connection::send(const std::string& method, const std::string& path,
                           const std::string& body,
                           const std::map<std::string, std::string>& headers) {
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  bool has_type = false;
  for (const auto& [k, v] : headers) {
    req += k + ": " + v + "\r\n";
    std::string lower = k;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    has_type = has_type || lower == "content-type";
  }
  if (!body.empty() || method == "POST") {
    if (!has_type) req += "Content-Type: application/json\r\n";
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n" + body;
  send_raw(req);
}

bool http_connection::fill() {
  if (fd_ < 0) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout_.count())) <= 0) return false;
  char buf[65536];
  ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
  if (n <= 0) return false;
  buffer_.append(buf, static_cast<size_t>(n));
  return true;
}

std::optional<std::string> http_connection::line() {
  for (;;) {
    auto at = buffer_.find("\r\n");
    if (at != std::string::npos) {
      std::string l = buffer_.substr(0, at);
      buffer_.erase(0, at + 2);
      return l;
    }
    if (!fill()) return std::nullopt;
  }
}

std::optional<std::string> http_connection::read_head() {
  std::string head;
  for (;;) {
    auto l = line();
    if (!l) return std::nullopt;
    if (l->empty()) return head;
    head += *l + "\n";
  }
}

namespace {

http_response parse_head(const std::string& head) {
  http_response r;
  size_t pos = head.find('\n');
  std::string status_line = head.substr(0, pos);
  if (status_line.size() >= 12) r.status = std::atoi(status_line.c_str() + 9);
  while (pos != std::string::npos && pos + 1 < head.size()) {
    size_t next = head.find('\n', pos + 1);
    std::string l = head.substr(pos + 1, next - pos - 1);
    pos = next;
    auto colon = l.find(':');
    if (colon == std::string::npos) continue;
    std::string name = l.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    std::string value = l.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    r.headers[name] = value;
  }
  return r;
}

}  // namespace

std::optional<std::string> http_connection::read_chunk() {
  auto size_line = line();
  if (!size_line) return std::nullopt;
  size_t size = std::stoul(*size_line, nullptr, 16);
  while (buffer_.size() < size + 2)
    if (!fill()) return std::nullopt;
  std::string chunk = buffer_.substr(0, size);
  buffer_.erase(0, size + 2);
  if (size == 0) return std::nullopt;
  return chunk;
}

http_response http_connection::read_response() {
  auto head = read_head();
  if (!head) return {};
  http_response r = parse_head(*head);
  if (r.header("transfer-encoding") == "chunked") {
    while (auto c = read_chunk()) r.body += *c;
  } else if (auto len = r.header("content-length"); !len.empty()) {
    const size_t n = std::stoul(len);
    while (buffer_.size() < n)
      if (!fill()) break;
    r.body = buffer_.substr(0, n);
    buffer_.erase(0, std::min(n, buffer_.size()));
  }
  return r;
}

bool http_connection::closed_by_server(std::chrono::milliseconds within) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd_, POLLIN, 0};
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now())
                                    .count());
    if (::poll(&p, 1, std::max(left, 1)) <= 0) continue;
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) return true;
  }
  return false;
}

http_response http_request(uint16_t port, const std::string& method, const std::string& path,
                           const std::string& body,
                           const std::map<std::string, std::string>& headers) {
  http_connection c(port);
  c.send(method, path, body, headers);
  return c.read_response();
}

std::vector<std::string> sse_data(const std::string& body) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find("\n\n", pos);
    if (end == std::string::npos) end = body.size();
    std::string event = body.substr(pos, end - pos);
    if (event.rfind("data: ", 0) == 0) out.push_back(event.substr(6));
    pos = end + 2;
  }
  return out;
}

}  // namespace troupe::http_client
