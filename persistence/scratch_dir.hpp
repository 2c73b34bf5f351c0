// A fresh, empty directory (under `parent`, or $TMPDIR / /tmp) removed with everything in it when
// it goes out of scope: job stores for the store tests and for troupe-bench's store, scheduler and
// cluster benchmarks. Header-only; never part of the product.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

namespace troupe {

class scratch_dir {
 public:
  explicit scratch_dir(const std::string& name, const std::string& parent = "") {
    static std::atomic<int> counter{0};
    const auto base =
        parent.empty() ? std::filesystem::temp_directory_path() : std::filesystem::path(parent);
    path_ = base /
            ("troupe-" + name + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  std::string path() const { return path_.string(); }
  std::string sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace troupe
