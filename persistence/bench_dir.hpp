// A fresh, empty directory for one benchmark run (under `parent`, or $TMPDIR / /tmp), removed with
// everything in it when it goes out of scope. Used by troupe-bench's store, scheduler and cluster
// benchmarks; header-only, never part of the product.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

namespace troupe {

class bench_dir {
 public:
  bench_dir(const std::string& parent, const std::string& name) {
    const auto base =
        parent.empty() ? std::filesystem::temp_directory_path() : std::filesystem::path(parent);
    path_ = base / ("troupe-" + name + "-bench-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~bench_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  bench_dir(const bench_dir&) = delete;
  bench_dir& operator=(const bench_dir&) = delete;

  std::string path() const { return path_.string(); }
  std::filesystem::path operator/(const std::string& child) const { return path_ / child; }

 private:
  std::filesystem::path path_;
};

}  // namespace troupe
