// A model's chat template: turns a conversation into the prompt text the model was trained on.
//
// The template is the Jinja source a GGUF carries in `tokenizer.chat_template` (or an operator's
// override), rendered by troupe's own interpreter (gpu/text/jinja/) with the variables every
// Hugging Face template expects: `messages` (role and content), `add_generation_prompt`,
// `bos_token` and `eos_token`. Special tokens appear in the result as text (`<|im_start|>`); the
// tokenizer turns them into their ids.
//
// When the model's tokenizer adds BOS by itself, a BOS the template writes at the very start is
// dropped from the result, so the prompt gets exactly one (what llama.cpp does).
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace troupe {

namespace jinja {
class compiled_template;
}

struct chat_message {
  std::string role;  // "system", "user", "assistant"
  std::string content;
};

class chat_template_error : public std::runtime_error {
 public:
  enum class kind {
    broken,    // the template does not parse or fails on its own: the operator's fault
    refused,   // the template refused the conversation (raise_exception: "roles must alternate")
    too_large  // rendering ran past a limit (output size, steps, memory): the conversation's size
  };
  chat_template_error(const std::string& what, kind k) : std::runtime_error(what), kind_(k) {}
  kind why() const { return kind_; }

 private:
  kind kind_;
};

class chat_template {
 public:
  chat_template(const std::string& source, std::string bos_token, std::string eos_token,
                bool tokenizer_adds_bos);
  // Parses the template; throws chat_template_error for one that does not parse.
  ~chat_template();

  chat_template(const chat_template&) = delete;
  chat_template& operator=(const chat_template&) = delete;

  std::string render(const std::vector<chat_message>& messages, bool add_generation_prompt) const;
  // Throws chat_template_error.

  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::string bos_, eos_;
  bool strip_bos_;
  std::unique_ptr<const jinja::compiled_template> compiled_;
};

}  // namespace troupe
