// Chat templates: a Jinja2 interpreter that renders the templates instruct models ship (the
// GGUF key `tokenizer.chat_template`, the `chat_template` of a Hugging Face
// tokenizer_config.json) byte for byte as @huggingface/jinja does (the renderer of
// transformers.js), including its defaults: trim_blocks and lstrip_blocks are on, and
// `{% generation %}` tags are dropped.
//
//   auto t = troupe::jinja::compiled_template::parse(source);   // once per model
//   std::string prompt = t.render({{"messages", messages}, {"add_generation_prompt", true},
//                                  {"bos_token", "<s>"}, {"eos_token", "</s>"}});
//
// Where @huggingface/jinja fails (an unknown filter, a type it does not handle), this renderer
// may render what Python's Jinja2 would instead; where it renders, the output is the same.
// Rendering is bounded (render_limits): no template can run forever, exhaust memory or the
// stack, and every failure is a template_error naming the line; a bound reached is a
// template_limit, so that a caller can tell "this conversation is too large" (a client's 413 or
// 400) from a broken template (a 500).
#pragma once

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace troupe::jinja {

class template_error : public std::runtime_error {
 public:
  template_error(const std::string& message, int line, int column);
  // what() is "line L, column C: message".

  const std::string& message() const { return message_; }  // without the location
  int line() const { return line_; }                       // 1-based
  int column() const { return column_; }                   // 1-based, in characters

 protected:
  template_error(const std::string& what, const std::string& message, int line, int column);

 private:
  std::string message_;
  int line_, column_;
};

class template_raise : public template_error {
 public:
  template_raise(const std::string& message, int line, int column);
  // what() and message() are exactly the template's text: `raise_exception("Roles must
  // alternate")` is meant for the client (a 400, not a 500).
};

class template_limit : public template_error {
 public:
  template_limit(const std::string& message, int line, int column);
  // A bound was reached: from render(), one of render_limits (the output or a string too large,
  // too many steps, evaluation nested too deeply, too much memory) or values nested deeper than
  // 512 levels (the context's or those the template builds); from parse(), a template larger
  // than 1 GiB or nested too deeply. The input is too large for the limits rather than wrong.
};

struct render_limits {
  size_t max_output_bytes = 16 << 20;  // the output, and any one string the template builds
  size_t max_steps = 10'000'000;  // evaluation steps (a node evaluated, an item copied, 16 bytes
                                  // of a string read or written)
  int max_depth = 512;  // evaluation nesting: statements, expressions and macro calls together
  size_t max_memory_bytes = size_t{256} << 20;  // held at once by the strings, lists and
                                                // dicts of a render (the context's included),
                                                // approximately
};

struct block_holder;  // the parsed statements (internal)

class compiled_template {
 public:
  static compiled_template parse(std::string_view source);
  // Throws template_error for a syntax error, template_limit for a template over 1 GiB or one
  // that nests deeper than render_limits{}.max_depth allows (a template that parses never fails
  // for depth when rendered with the default limits, unless its macros call each other deeply).

  std::string render(const nlohmann::ordered_json& context, const render_limits& limits = {}) const;
  // Renders with `context`'s keys as variables (a JSON object, or null for none). Throws
  // template_error: template_raise for raise_exception, template_limit when a bound of `limits`
  // is reached. Thread-safe: a compiled template is immutable.

  const std::string& source() const;

 private:
  explicit compiled_template(std::shared_ptr<const block_holder> program);
  std::shared_ptr<const block_holder> program_;
};

}  // namespace troupe::jinja
