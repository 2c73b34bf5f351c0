#include "tools/troupe/address.hpp"

#include <toml++/toml.h>
#include <charconv>
#include <cstdlib>
#include <filesystem>

namespace troupe::cli {
namespace fs = std::filesystem;

bool valid_address(const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) return false;
  unsigned port = 0;
  auto digits = std::string_view(address).substr(colon + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  return ec == std::errc{} && end == digits.data() + digits.size() && port >= 1 && port <= 65535;
}

address_lookup head_address_from_config(const std::string& path) {
  toml::table config;
  try {
    config = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return {std::nullopt, path + ": " + std::string(e.description())};
  }
  auto head = config["cluster"]["head"].value<std::string>();
  if (!head) return {std::nullopt, path + ": cluster.head: missing"};
  auto* nodes = config["node"].as_array();
  if (nodes) {
    for (auto& n : *nodes) {
      auto* t = n.as_table();
      if (!t || (*t)["name"].value<std::string>() != head) continue;
      auto host = (*t)["host"].value<std::string>();
      auto port = (*t)["rpc_port"].value<int64_t>();
      if (!host || !port) return {std::nullopt, path + ": node '" + *head + "': no host/rpc_port"};
      return {*host + ":" + std::to_string(*port), {}};
    }
  }
  return {std::nullopt, path + ": no [[node]] named '" + *head + "' (the cluster's head)"};
}

address_lookup default_address() {
  if (const char* env = std::getenv("TROUPE_ADDR"); env && *env) return {std::string(env), {}};
  std::vector<fs::path> candidates{fs::current_path() / "cluster-configs" / "local.toml"};
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto dir = exe.parent_path();
    for (int up = 0; up < 3 && !dir.empty(); ++up, dir = dir.parent_path())
      candidates.push_back(dir / "cluster-configs" / "local.toml");
  }
  std::string tried;
  for (const auto& c : candidates) {
    if (fs::exists(c, ec)) return head_address_from_config(c.string());
    tried += (tried.empty() ? "" : ", ") + c.string();
  }
  return {std::nullopt,
          "no cluster address: pass --connect HOST:PORT or set TROUPE_ADDR (no "
          "cluster config at " +
              tried + ")"};
}

}  // namespace troupe::cli
