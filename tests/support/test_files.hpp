// Test helpers: where the repository, the build and the shared test models are, and scratch
// directories. Paths default to the directories this was built from; TROUPE_SOURCE_DIR,
// TROUPE_BINARY_DIR and TROUPE_MODEL_PATH override them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace troupe::testing {

std::string find_test_model(const std::string& file);
// The path of a shared test model (e.g. "stories260K.gguf"), or "" when it cannot be found.
// Looks in $TROUPE_MODEL_PATH (a directory, or the file itself), then ../shared/models/ and
// models/ (scripts/fetch-model's) relative to the repository root ($TROUPE_SOURCE_DIR, then the
// source directory this was built from).

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& bytes);

class temp_dir {
 public:
  temp_dir();  // a fresh directory under $TMPDIR (or /tmp)
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  std::string write(const std::string& name, const std::string& content) const;
  // Writes a file in the directory (creating subdirectories); returns its path.

 private:
  std::string path_;
};

std::string binary_dir();
// The build directory ($TROUPE_BINARY_DIR, else the one this was built in).

std::string source_dir();
// The repository root ($TROUPE_SOURCE_DIR, else the one this was built from).

int run_command(const std::string& command);
// std::system, returning the exit status (-1 when the command could not run).

}  // namespace troupe::testing
