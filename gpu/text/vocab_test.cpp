#include "gpu/text/vocab.hpp"

#include <gtest/gtest.h>

namespace troupe {
namespace {

vocab_data with_added(std::vector<std::pair<std::string, token_kind>> added) {
  vocab_data v;
  v.tokens = {"a", "b"};
  v.kinds = {token_kind::normal, token_kind::normal};
  for (auto& [text, kind] : added) {
    v.tokens.push_back(text);
    v.kinds.push_back(kind);
  }
  return v;
}

using pieces = std::vector<std::pair<std::string, token_id>>;

pieces split(const vocab_data& v, std::string_view text, bool parse_special) {
  pieces out;
  for (const auto& f : special_token_splitter(v).split(text, parse_special)) {
    out.emplace_back(std::string(f.text), f.id);
  }
  return out;
}

TEST(special_token_splitter, matches_longer_tokens_first_as_llama_cpp) {
  // "yzw" is tried before "xy", so it wins in "xyzw" although "xy" starts further left.
  const auto v = with_added({{"xy", token_kind::user_defined}, {"yzw", token_kind::user_defined}});
  EXPECT_EQ(split(v, "xyzw", false), (pieces{{"x", -1}, {"yzw", 3}}));
  EXPECT_EQ(split(v, "xy xyzw xy", false),
            (pieces{{"xy", 2}, {" x", -1}, {"yzw", 3}, {" ", -1}, {"xy", 2}}));
  EXPECT_EQ(split(v, "plain", false), (pieces{{"plain", -1}}));
  EXPECT_TRUE(split(v, "", false).empty());
}

TEST(special_token_splitter, control_and_unknown_tokens_only_when_parsing) {
  const auto v = with_added({{"<|eot|>", token_kind::control},
                             {"<unk>", token_kind::unknown},
                             {"<tag>", token_kind::user_defined}});
  EXPECT_EQ(split(v, "a<|eot|>b<unk><tag>", true),
            (pieces{{"a", -1}, {"<|eot|>", 2}, {"b", -1}, {"<unk>", 3}, {"<tag>", 4}}));
  EXPECT_EQ(split(v, "a<|eot|>b<unk><tag>", false), (pieces{{"a<|eot|>b<unk>", -1}, {"<tag>", 4}}));
}

TEST(special_token_splitter, strip_flags_drop_neighbouring_whitespace) {
  auto v = with_added({{"<|user|>", token_kind::control}, {"<|end|>", token_kind::control}});
  v.strip = {strip_none, strip_none, strip_right, strip_left};
  EXPECT_EQ(split(v, "<|user|>\n  hi \t<|end|> x", true),
            (pieces{{"<|user|>", 2}, {"hi", -1}, {"<|end|>", 3}, {" x", -1}}));
  EXPECT_EQ(split(v, "<|user|>   ", true), (pieces{{"<|user|>", 2}}));
}

TEST(end_of_generation, ids_and_the_texts_llama_cpp_knows) {
  auto v = with_added({{"<|im_end|>", token_kind::control},
                       {"<end_of_turn>", token_kind::control},
                       {"<|file_sep|>", token_kind::control},
                       {"<|im_start|>", token_kind::control}});
  v.eos = 0;
  const auto eog = end_of_generation_flags(v);
  EXPECT_EQ(eog, (std::vector<bool>{true, false, true, true, true, false}));
  EXPECT_TRUE(is_end_of_generation_marker("<|eot_id|>"));
  EXPECT_TRUE(is_end_of_generation_marker("<｜end▁of▁sentence｜>"));
  EXPECT_FALSE(is_end_of_generation_marker("<|start_header_id|>"));
}

TEST(end_of_generation, gpt_oss_end_is_not_one) {
  // With <|return|> and <|call|>, <|end|> only ends a message.
  const auto v = with_added({{"<|end|>", token_kind::control},
                             {"<|return|>", token_kind::control},
                             {"<|call|>", token_kind::control}});
  EXPECT_EQ(end_of_generation_flags(v), (std::vector<bool>{false, false, false, true, true}));
  const auto alone = with_added({{"<|end|>", token_kind::control}});
  EXPECT_EQ(end_of_generation_flags(alone), (std::vector<bool>{false, false, true}));
}

}  // namespace
}  // namespace troupe
