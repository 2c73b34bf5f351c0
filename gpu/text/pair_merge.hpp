// Greedy pair merging, the core of both the byte-level BPE and the SentencePiece tokenizers:
// split a text into UTF-8 characters, then repeatedly merge the adjacent pair with the lowest cost
// (the leftmost on ties) until no adjacent pair has a cost. BPE's cost is the merge's rank;
// SentencePiece's is the negated score of the merged piece.
#pragma once

#include <cstddef>
#include <optional>
#include <queue>
#include <string_view>
#include <vector>

#include "gpu/text/unicode_class.hpp"

namespace troupe {

template <class Cost>
std::vector<std::string_view> merge_pairs(std::string_view text, Cost cost);
// `cost(left, right)` returns std::optional<double>: nullopt when the pair cannot merge.

namespace detail {

struct merge_symbol {
  size_t start;
  size_t n;  // 0 once merged into its left neighbour
  int prev, next;
};

struct merge_candidate {
  double cost;
  int left, right;
  size_t size;  // of the merged piece: a candidate whose pieces changed since is stale
};

struct merge_order {
  bool operator()(const merge_candidate& a, const merge_candidate& b) const {
    return a.cost > b.cost || (a.cost == b.cost && a.left > b.left);
  }
};

}  // namespace detail

template <class Cost>
std::vector<std::string_view> merge_pairs(std::string_view text, Cost cost) {
  using namespace detail;
  std::vector<merge_symbol> syms;
  for (size_t i = 0; i < text.size();) {
    const size_t len = unicode::decode_utf8(text, i).len;
    const int idx = static_cast<int>(syms.size());
    syms.push_back({i, len, idx - 1, i + len < text.size() ? idx + 1 : -1});
    i += len;
  }
  std::priority_queue<merge_candidate, std::vector<merge_candidate>, merge_order> queue;
  auto try_add = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    auto c = cost(text.substr(syms[left].start, syms[left].n),
                  text.substr(syms[right].start, syms[right].n));
    if (c) queue.push({*c, left, right, syms[left].n + syms[right].n});
  };
  for (int i = 1; i < static_cast<int>(syms.size()); ++i) try_add(i - 1, i);
  while (!queue.empty()) {
    const merge_candidate b = queue.top();
    queue.pop();
    merge_symbol& l = syms[b.left];
    merge_symbol& r = syms[b.right];
    if (l.n == 0 || r.n == 0 || l.n + r.n != b.size) continue;  // outdated by another merge
    l.n += r.n;
    r.n = 0;
    l.next = r.next;
    if (r.next >= 0) syms[r.next].prev = b.left;
    try_add(l.prev, b.left);
    try_add(b.left, l.next);
  }
  std::vector<std::string_view> pieces;
  for (int i = syms.empty() ? -1 : 0; i != -1; i = syms[i].next)
    pieces.push_back(text.substr(syms[i].start, syms[i].n));
  return pieces;
}

}  // namespace troupe
