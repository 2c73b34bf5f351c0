#include "gpu/model/chat_template.hpp"

#include <nlohmann/json.hpp>

#include "gpu/text/jinja/template.hpp"

namespace troupe {

chat_template::chat_template(const std::string& source, std::string bos_token,
                             std::string eos_token, bool tokenizer_adds_bos)
    : source_(source),
      bos_(std::move(bos_token)),
      eos_(std::move(eos_token)),
      strip_bos_(tokenizer_adds_bos && !bos_.empty()) {
  try {
    compiled_ =
        std::make_unique<const jinja::compiled_template>(jinja::compiled_template::parse(source_));
  } catch (const jinja::template_error& e) {
    throw chat_template_error(e.what(), chat_template_error::kind::broken);
  }
}

chat_template::~chat_template() = default;

std::string chat_template::render(const std::vector<chat_message>& messages,
                                  bool add_generation_prompt) const {
  nlohmann::ordered_json context;
  auto& list = context["messages"] = nlohmann::ordered_json::array();
  for (const auto& m : messages) list.push_back({{"role", m.role}, {"content", m.content}});
  context["add_generation_prompt"] = add_generation_prompt;
  context["tools"] = nullptr;  // as transformers passes it: templates test `tools is not none`
  context["bos_token"] = bos_;
  context["eos_token"] = eos_;
  std::string out;
  try {
    out = compiled_->render(context);
  } catch (const jinja::template_raise& e) {
    throw chat_template_error(e.message(), chat_template_error::kind::refused);
  } catch (const jinja::template_limit& e) {
    throw chat_template_error(e.what(), chat_template_error::kind::too_large);
  } catch (const jinja::template_error& e) {
    throw chat_template_error(e.what(), chat_template_error::kind::broken);
  }
  if (strip_bos_ && out.compare(0, bos_.size(), bos_) == 0) out.erase(0, bos_.size());
  return out;
}

}  // namespace troupe
