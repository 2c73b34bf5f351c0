#include "gpu/model/tokenizer_loader.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "gpu/model/gguf_writer.hpp"
#include "gpu/model/llama_model.hpp"
#include "gpu/text/detokenizer.hpp"
#include "tests/support/test_files.hpp"

namespace troupe {
namespace {

using testing::find_test_model;
using testing::read_file;
using testing::temp_dir;

class stories_tokenizer : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = find_test_model("stories260K.gguf");
    if (path_.empty()) GTEST_SKIP() << "stories260K.gguf not found (set TROUPE_MODEL_PATH)";
    tok_ = load_tokenizer(path_);
  }

  std::string decode(const std::vector<token_id>& ids, token_id previous) {
    detokenizer d(tok_, previous);
    std::string s;
    for (token_id id : ids) s += d.push(id);
    return s + d.flush();
  }

  std::string path_;
  std::shared_ptr<const tokenizer> tok_;
};

std::vector<token_id> read_ids(const std::string& path) {
  std::istringstream in(read_file(path));
  std::vector<token_id> ids;
  for (token_id id; in >> id;) ids.push_back(id);
  return ids;
}

TEST_F(stories_tokenizer, vocabulary_basics) {
  EXPECT_EQ(tok_->vocab_size(), 512);
  EXPECT_EQ(tok_->bos(), 1);
  EXPECT_EQ(tok_->eos(), 2);
  EXPECT_TRUE(tok_->is_end_of_generation(2));
  EXPECT_FALSE(tok_->is_end_of_generation(1));
  EXPECT_FALSE(tok_->is_end_of_generation(403));
}

TEST_F(stories_tokenizer, once_upon_a_time_is_the_reference_prompt) {
  // The greedy reference output begins with exactly these four tokens, and its text with the
  // prompt: BOS + "Once upon a time" must encode to them.
  const auto ids = read_ids(find_test_model("stories260K.greedy-from-bos.ids.txt"));
  ASSERT_GE(ids.size(), 4u);
  const std::vector<token_id> expected{1, ids[0], ids[1], ids[2], ids[3]};
  EXPECT_EQ(tok_->encode("Once upon a time", true), expected);
  EXPECT_EQ(expected, (std::vector<token_id>{1, 403, 407, 261, 378}));
}

TEST_F(stories_tokenizer, decodes_the_reference_output_byte_for_byte) {
  // llama2.c printed the 200 generated tokens after BOS, then a newline.
  const auto ids = read_ids(find_test_model("stories260K.greedy-from-bos.ids.txt"));
  ASSERT_EQ(ids.size(), 200u);
  const std::string expected = read_file(find_test_model("stories260K.greedy-from-bos.txt"));
  EXPECT_EQ(decode(ids, tok_->bos()) + "\n", expected);
}

TEST_F(stories_tokenizer, round_trips_text) {
  for (std::string s :
       {"Once upon a time, there was a little girl named Lily.",
        "She said, \"I'm sorry!\"\nThe end.", "  two  spaces", "émoji 🙂 and ünïcode", "x"}) {
    auto ids = tok_->encode(s, true);
    ASSERT_EQ(ids.front(), 1);
    ids.erase(ids.begin());
    EXPECT_EQ(decode(ids, tok_->bos()), s) << s;
    // Without BOS the dummy-prefix space shows.
    EXPECT_EQ(decode(tok_->encode(s, false), -1), " " + s) << s;
  }
}

TEST_F(stories_tokenizer, bad_vocabularies_are_named) {
  auto file = open_gguf(path_);
  temp_dir dir;
  auto error_of = [&](gguf_writer& w) -> std::string {
    w.write(dir.file("t.gguf"));
    try {
      load_tokenizer(dir.file("t.gguf"));
      return "";
    } catch (const model_error& e) {
      return e.what();
    }
  };
  {
    gguf_writer w;
    w.copy_from(*file);
    w.set_string("tokenizer.ggml.model", "bert");
    EXPECT_NE(error_of(w).find("tokenizer.ggml.model 'bert' is not supported"), std::string::npos);
  }
  {
    gguf_writer w;
    w.copy_from(*file);
    w.set_f32s("tokenizer.ggml.scores", std::vector<float>(511, 0.0f));
    EXPECT_NE(error_of(w).find("tokenizer.ggml.scores has 511 entries for 512 tokens"),
              std::string::npos);
  }
  {
    gguf_writer w;
    w.copy_from(*file);
    std::vector<int32_t> types(512, 1);
    types[7] = 9;
    w.set_i32s("tokenizer.ggml.token_type", types);
    EXPECT_NE(error_of(w).find("token_type of token 7 is 9"), std::string::npos);
  }
  {
    gguf_writer w;
    w.copy_from(*file);
    w.set_u32("tokenizer.ggml.eos_token_id", 512);
    EXPECT_NE(error_of(w).find("tokenizer.ggml.eos_token_id is 512"), std::string::npos);
  }
  {
    gguf_writer w;
    w.copy_from(*file);
    w.remove("tokenizer.ggml.tokens");
    EXPECT_NE(error_of(w).find("missing metadata key 'tokenizer.ggml.tokens'"), std::string::npos);
  }
  {
    gguf_writer w;
    w.copy_from(*file);
    w.set_string("tokenizer.ggml.model", "gpt2");  // a BPE vocabulary needs merges
    EXPECT_NE(error_of(w).find("tokenizer.ggml.merges"), std::string::npos);
  }
}

}  // namespace
}  // namespace troupe
