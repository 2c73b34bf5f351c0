#include "node/instance_lock.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <unistd.h>
#include <csignal>

#include "tests/support/test_files.hpp"

namespace troupe {
namespace {

TEST(InstanceLock, ASecondHolderIsRefusedNamingTheDirectoryAndThePid) {
  testing::temp_dir dir;
  const std::string data = dir.file("data");
  auto first = instance_lock::acquire(data);  // creates the directory
  // flock locks belong to open files: a second acquire in this process conflicts as another
  // process's would.
  try {
    instance_lock::acquire(data);
    FAIL() << "acquired twice";
  } catch (const data_dir_in_use& e) {
    ASSERT_TRUE(e.holder.has_value());
    EXPECT_EQ(*e.holder, getpid());
    const std::string what = e.what();
    EXPECT_NE(what.find(data), std::string::npos) << what;
    EXPECT_NE(what.find("pid " + std::to_string(getpid())), std::string::npos) << what;
  }
}

TEST(InstanceLock, ReleasedWhenTheHolderGoesAwayHoweverItEnds) {
  testing::temp_dir dir;
  { auto lock = instance_lock::acquire(dir.path()); }
  auto again = instance_lock::acquire(dir.path());  // released by the destructor

  testing::temp_dir other;
  const pid_t child = fork();
  if (child == 0) {
    auto held = instance_lock::acquire(other.path());
    _exit(raise(SIGKILL));  // dies holding it, as kill -9 would leave it
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);  // not an abort in acquire
  EXPECT_NO_THROW(instance_lock::acquire(other.path()));
}

TEST(InstanceLock, AnUnusableDirectoryIsAnErrorNotACrash) {
  testing::temp_dir dir;
  const std::string file = dir.write("plain-file", "x");
  EXPECT_THROW(instance_lock::acquire(file + "/data"), std::runtime_error);
}

}  // namespace
}  // namespace troupe
