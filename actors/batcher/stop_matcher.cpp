#include "actors/batcher/stop_matcher.hpp"

#include <algorithm>

namespace troupe {

stop_matcher::stop_matcher(std::vector<std::string> stops) : stops_(std::move(stops)) {
  stops_.erase(std::remove_if(stops_.begin(), stops_.end(), [](auto& s) { return s.empty(); }),
               stops_.end());
}

stop_matcher::result stop_matcher::push(std::string_view text) {
  result r;
  if (matched_) return r;
  held_.append(text);
  if (stops_.empty()) {
    r.text.swap(held_);
    return r;
  }
  size_t first = std::string::npos;
  for (const auto& s : stops_) first = std::min(first, held_.find(s));
  if (first != std::string::npos) {
    r.text = held_.substr(0, first);
    r.matched = matched_ = true;
    held_.clear();
    return r;
  }
  // Keep the longest suffix of held_ that is a proper prefix of some stop string.
  size_t keep = 0;
  for (const auto& s : stops_) {
    for (size_t k = std::min(s.size() - 1, held_.size()); k > keep; --k) {
      if (std::string_view(held_).substr(held_.size() - k) == std::string_view(s).substr(0, k)) {
        keep = k;
        break;
      }
    }
  }
  r.text = held_.substr(0, held_.size() - keep);
  held_.erase(0, held_.size() - keep);
  return r;
}

std::string stop_matcher::flush() {
  std::string out;
  if (!matched_) out.swap(held_);
  return out;
}

}  // namespace troupe
