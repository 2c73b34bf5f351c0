#include "persistence/store_keys.hpp"

namespace troupe::store_keys {

namespace {

void append_be(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t read_be(std::string_view bytes) {
  uint64_t v = 0;
  for (char c : bytes) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

}  // namespace

std::string id_key(std::string_view prefix, job_id id) {
  std::string key;
  key.reserve(prefix.size() + 8);
  key.append(prefix);
  append_be(key, id, 8);
  return key;
}

std::string job_key(job_id id) {
  return id_key(job_prefix, id);
}
std::string status_key(job_id id) {
  return id_key(status_prefix, id);
}
std::string progress_key(job_id id) {
  return id_key(progress_prefix, id);
}
std::string live_key(job_id id) {
  return id_key(live_prefix, id);
}

std::string request_key(std::string_view client_request_id) {
  std::string key(request_prefix);
  key.append(client_request_id);
  return key;
}

std::string finished_key(int64_t finished_us, job_id id) {
  std::string key(finished_prefix);
  append_be(key, static_cast<uint64_t>(finished_us) ^ (uint64_t{1} << 63), 8);
  append_be(key, id, 8);
  return key;
}

std::string prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty() && static_cast<uint8_t>(end.back()) == 0xff) end.pop_back();
  if (!end.empty()) end.back() = static_cast<char>(static_cast<uint8_t>(end.back()) + 1);
  return end;
}

std::optional<job_id> parse_id_key(std::string_view key, std::string_view prefix) {
  if (key.size() != prefix.size() + 8 || key.substr(0, prefix.size()) != prefix) return {};
  return read_be(key.substr(prefix.size()));
}

std::optional<job_id> parse_finished_key(std::string_view key) {
  if (key.size() != finished_prefix.size() + 16 ||
      key.substr(0, finished_prefix.size()) != finished_prefix)
    return {};
  return read_be(key.substr(finished_prefix.size() + 8));
}

std::string encode_u64(uint64_t v) {
  std::string out;
  append_be(out, v, 8);
  return out;
}

std::optional<uint64_t> decode_u64(std::string_view bytes) {
  if (bytes.size() != 8) return {};
  return read_be(bytes);
}

std::string encode_u32(uint32_t v) {
  std::string out;
  append_be(out, v, 4);
  return out;
}

std::optional<uint32_t> decode_u32(std::string_view bytes) {
  if (bytes.size() != 4) return {};
  return static_cast<uint32_t>(read_be(bytes));
}

}  // namespace troupe::store_keys
