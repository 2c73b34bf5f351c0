#include "actors/capacity/prefix_affinity.hpp"

#include <algorithm>

namespace troupe {
namespace {

uint64_t mix(uint64_t h, uint64_t v) {  // splitmix64 over the running hash and the next value
  uint64_t z = h ^ (v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

std::vector<uint64_t> prefix_keys(std::span<const token_id> prompt, uint32_t block_tokens) {
  std::vector<uint64_t> keys;
  if (block_tokens == 0) return keys;
  const size_t blocks = prompt.size() / block_tokens;
  uint64_t h = mix(0, block_tokens);
  size_t next = 1;  // blocks in the next prefix to key
  for (size_t i = 0; i < blocks * block_tokens; ++i) {
    h = mix(h, static_cast<uint32_t>(prompt[i]));
    if (i + 1 == next * block_tokens) {
      keys.push_back(h);
      next *= 2;
    }
  }
  std::reverse(keys.begin(), keys.end());
  return keys;
}

std::vector<batcher_id> prefix_affinity::lookup(const std::vector<uint64_t>& keys) const {
  std::vector<batcher_id> out;
  for (uint64_t k : keys) {
    auto it = map_.find(k);
    if (it == map_.end()) continue;
    if (std::find(out.begin(), out.end(), it->second.batcher) == out.end())
      out.push_back(it->second.batcher);
  }
  return out;
}

void prefix_affinity::record(const std::vector<uint64_t>& keys, batcher_id batcher) {
  for (uint64_t k : keys) {
    auto it = map_.find(k);
    if (it != map_.end()) {
      it->second.batcher = batcher;
      lru_.splice(lru_.begin(), lru_, it->second.age);
      continue;
    }
    lru_.push_front(k);
    map_.emplace(k, entry{batcher, lru_.begin()});
    if (map_.size() > capacity_) {
      map_.erase(lru_.back());
      lru_.pop_back();
    }
  }
}

}  // namespace troupe
