#include "gpu/text/detokenizer.hpp"

#include <gtest/gtest.h>

#include "gpu/text/byte_tokenizer.hpp"
#include "gpu/text/utf8.hpp"

namespace troupe {
namespace {

std::shared_ptr<const tokenizer> bytes() {
  return std::make_shared<byte_tokenizer>();
}

std::vector<token_id> ids(std::string_view s) {
  return byte_tokenizer{}.encode(s, {});
}

TEST(Detokenizer, NeverSplitsACharacter) {
  std::string text = "h\xC3\xA9llo \xF0\x9F\x98\x80!";  // é, 😀
  detokenizer d(bytes());
  std::string joined;
  for (auto t : ids(text)) {
    auto piece = d.push(t);
    EXPECT_TRUE(utf8::is_valid(piece)) << "broken chunk";
    joined += piece;
  }
  joined += d.flush();
  EXPECT_EQ(joined, text);
}

TEST(Detokenizer, InvalidBytesBecomeReplacementCharacters) {
  detokenizer d(bytes());
  std::string out;
  for (auto t : ids("a\x80"
                    "b\xE2\x82"))
    out += d.push(t);
  EXPECT_EQ(out,
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(d.flush(), "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Detokenizer, ControlTokensContributeNothing) {
  detokenizer d(bytes());
  EXPECT_EQ(d.push(byte_tokenizer::bos_id), "");
  EXPECT_EQ(d.push(byte_tokenizer::eos_id), "");
}

}  // namespace
}  // namespace troupe
