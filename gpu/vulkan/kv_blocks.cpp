#include "gpu/vulkan/kv_blocks.hpp"

#include <algorithm>
#include <stdexcept>

namespace troupe::vk {
namespace {

uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

kv_blocks::kv_blocks(uint32_t n_blocks, uint32_t block_tokens, uint64_t model_salt)
    : block_tokens_(block_tokens), salt_(model_salt), blocks_(n_blocks) {
  free_.reserve(n_blocks);
  for (uint32_t b = n_blocks; b > 0; --b) free_.push_back(b - 1);
}

uint32_t kv_blocks::available() const {
  return static_cast<uint32_t>(free_.size() + lru_.size());
}

uint64_t kv_blocks::chain_hash(uint64_t parent, std::span<const token_id> tokens) const {
  uint64_t h = mix(salt_ ^ mix(parent));
  for (token_id t : tokens) h = mix(h ^ static_cast<uint32_t>(t));
  return h == 0 ? 1 : h;
}

std::optional<uint32_t> kv_blocks::allocate() {
  uint32_t b = 0;
  if (!free_.empty()) {
    b = free_.back();
    free_.pop_back();
  } else if (!lru_.empty()) {
    b = lru_.front();
    lru_.pop_front();
    unpublish(b);
  } else {
    return std::nullopt;
  }
  blocks_[b].refs = 1;
  return b;
}

std::optional<uint32_t> kv_blocks::find_cached(uint64_t hash, std::span<const token_id> tokens) {
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return std::nullopt;
  entry& e = blocks_[it->second];
  if (!std::equal(e.tokens.begin(), e.tokens.end(), tokens.begin(), tokens.end())) {
    return std::nullopt;
  }
  if (e.refs == 0) lru_.erase(e.lru);
  ++e.refs;
  return it->second;
}

void kv_blocks::publish(uint32_t block, uint64_t hash, std::span<const token_id> tokens) {
  entry& e = blocks_[block];
  if (e.published || by_hash_.count(hash)) return;
  e.published = true;
  e.hash = hash;
  e.tokens.assign(tokens.begin(), tokens.end());
  by_hash_[hash] = block;
}

void kv_blocks::release(uint32_t block) {
  entry& e = blocks_.at(block);
  if (e.refs == 0) throw std::logic_error("kv block released more often than held");
  if (--e.refs > 0) return;
  if (e.published) {
    e.lru = lru_.insert(lru_.end(), block);
  } else {
    free_.push_back(block);
  }
}

void kv_blocks::unpublish(uint32_t block) {
  entry& e = blocks_[block];
  if (!e.published) return;
  by_hash_.erase(e.hash);
  e.published = false;
  e.tokens.clear();
}

}  // namespace troupe::vk
