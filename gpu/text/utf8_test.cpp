#include "gpu/text/utf8.hpp"

#include <gtest/gtest.h>

namespace troupe {
namespace {

TEST(Utf8, ValidatesWellFormedText) {
  EXPECT_TRUE(utf8::is_valid(""));
  EXPECT_TRUE(utf8::is_valid("plain ascii"));
  EXPECT_TRUE(utf8::is_valid("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));  // é € 😀
}

TEST(Utf8, RejectsMalformedText) {
  EXPECT_FALSE(utf8::is_valid("\x80"));              // lone continuation
  EXPECT_FALSE(utf8::is_valid("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(utf8::is_valid("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(utf8::is_valid("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(utf8::is_valid("\xF4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(utf8::is_valid("\xFF"));
  EXPECT_FALSE(utf8::is_valid("ab\xE2\x82"));  // truncated
}

TEST(Utf8, ValidPrefixReportsAnIncompleteTail) {
  bool incomplete = false;
  EXPECT_EQ(utf8::valid_prefix("ab\xE2\x82", &incomplete), 2u);
  EXPECT_TRUE(incomplete);
  EXPECT_EQ(utf8::valid_prefix("ab\xE2(", &incomplete), 2u);
  EXPECT_FALSE(incomplete);
  EXPECT_EQ(utf8::valid_prefix("ab\xF0\x9F", &incomplete), 2u);
  EXPECT_TRUE(incomplete);
}

TEST(Utf8, RepairReplacesEachBadByte) {
  EXPECT_EQ(utf8::repair("a\x80z"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(utf8::repair("a\xE2\x82"), "a\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(utf8::repair("ok \xC3\xA9"), "ok \xC3\xA9");
}

}  // namespace
}  // namespace troupe
