#include "gpu/text/jinja/template.hpp"

#include <nlohmann/json.hpp>

#include <new>

#include "gpu/text/jinja/evaluator.hpp"
#include "gpu/text/jinja/lexer.hpp"
#include "gpu/text/jinja/parser.hpp"
#include "gpu/text/jinja/source.hpp"

namespace troupe::jinja {

struct block_holder {
  std::string source;
  block program;
};

namespace {

std::string with_location(const std::string& message, int line, int column) {
  return "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + message;
}

constexpr size_t max_source_bytes = size_t{1} << 30;

}  // namespace

template_error::template_error(const std::string& message, int line, int column)
    : template_error(with_location(message, line, column), message, line, column) {}

template_error::template_error(const std::string& what, const std::string& message, int line,
                               int column)
    : std::runtime_error(what), message_(message), line_(line), column_(column) {}

template_raise::template_raise(const std::string& message, int line, int column)
    : template_error(message, message, line, column) {}

template_limit::template_limit(const std::string& message, int line, int column)
    : template_error(message, line, column) {}

compiled_template::compiled_template(std::shared_ptr<const block_holder> program)
    : program_(std::move(program)) {}

compiled_template compiled_template::parse(std::string_view source) {
  if (source.size() > max_source_bytes) throw template_limit("the template is too large", 1, 1);
  auto holder = std::make_shared<block_holder>();
  holder->source.assign(source);
  try {
    const preprocessed text = preprocess(holder->source);
    const std::vector<token> tokens = tokenize(text);
    holder->program = jinja::parse(tokens, static_cast<uint32_t>(source.size()));
  } catch (const syntax_error& e) {
    const location loc = locate(holder->source, e.offset);
    if (e.limit) throw template_limit(e.what(), loc.line, loc.column);
    throw template_error(e.what(), loc.line, loc.column);
  } catch (const std::bad_alloc&) {
    throw template_limit("out of memory", 1, 1);
  }
  return compiled_template(std::move(holder));
}

std::string compiled_template::render(const nlohmann::ordered_json& context,
                                      const render_limits& limits) const {
  try {
    evaluator ev(program_->source, limits);
    return ev.render(program_->program, context);
  } catch (const template_error&) {
    throw;
  } catch (const std::bad_alloc&) {  // only with limits too large for the machine
    throw template_limit("cannot render: out of memory", 1, 1);
  } catch (const limit_error& e) {  // outside any statement (making the globals)
    throw template_limit(e.what(), 1, 1);
  } catch (const std::exception& e) {
    throw template_error(std::string("cannot render: ") + e.what(), 1, 1);
  }
}

const std::string& compiled_template::source() const {
  return program_->source;
}

}  // namespace troupe::jinja
