#include "tests/support/test_files.hpp"

#include <stdlib.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace troupe::testing {

namespace fs = std::filesystem;

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : std::string();
}

}  // namespace

std::string find_test_model(const std::string& file) {
  std::vector<fs::path> candidates;
  if (auto p = env("TROUPE_MODEL_PATH"); !p.empty()) {
    candidates.emplace_back(fs::path(p) / file);
    if (fs::path(p).filename() == file) candidates.emplace_back(p);
  }
  for (const std::string& src : {env("TROUPE_SOURCE_DIR"), std::string(TROUPE_TEST_SOURCE_DIR)}) {
    if (src.empty()) continue;
    candidates.emplace_back(fs::path(src) / ".." / "shared" / "models" / file);
    candidates.emplace_back(fs::path(src) / "models" / file);  // where scripts/fetch-model puts it
  }
  for (const auto& c : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(c, ec)) return fs::weakly_canonical(c, ec).string();
  }
  return {};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

temp_dir::temp_dir() {
  std::string base = env("TMPDIR");
  if (base.empty()) base = "/tmp";
  std::string templ = base + "/troupe-test-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed in " + base);
  path_ = templ;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string temp_dir::write(const std::string& name, const std::string& content) const {
  auto p = file(name);
  fs::create_directories(fs::path(p).parent_path());
  write_file(p, content);
  return p;
}

std::string binary_dir() {
  auto b = env("TROUPE_BINARY_DIR");
  return b.empty() ? std::string(TROUPE_TEST_BINARY_DIR) : b;
}

std::string source_dir() {
  auto s = env("TROUPE_SOURCE_DIR");
  return s.empty() ? std::string(TROUPE_TEST_SOURCE_DIR) : s;
}

int run_command(const std::string& command) {
  const int status = std::system(command.c_str());
  if (status == -1 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

}  // namespace troupe::testing
