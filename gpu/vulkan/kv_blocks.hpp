// Bookkeeping of the paged KV cache: which fixed-size blocks are free, held by sequences, or
// cached for reuse by content (prefix caching). No device code: the device memory of the blocks
// lives in the engine; this class only hands out block ids.
//
// A full block is identified by the hash chain of its tokens (the hash of the previous block and
// this block's tokens, seeded per model), so two sequences whose prompts share a prefix of whole
// blocks map it to the same content hashes. Blocks are reference-counted; a published block whose
// last holder releases it stays cached (least recently released evicted first) until its memory
// is needed for a new block. Lookups compare the stored tokens too, so a hash collision can never
// hand out wrong KV.
#pragma once

#include <cstdint>
#include <list>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "gpu/text/tokenizer.hpp"

namespace troupe::vk {

class kv_blocks {
 public:
  kv_blocks(uint32_t n_blocks, uint32_t block_tokens, uint64_t model_salt);

  uint32_t size() const { return static_cast<uint32_t>(blocks_.size()); }
  uint32_t block_tokens() const { return block_tokens_; }
  uint32_t available() const;  // free blocks plus cached blocks nobody holds

  uint64_t chain_hash(uint64_t parent, std::span<const token_id> tokens) const;
  // The content hash of a full block following a block with hash `parent` (0 for the first).

  std::optional<uint32_t> allocate();
  // A block with refcount 1: a free one, else the least recently released cached one (evicting
  // its content). nullopt when every block is held.

  std::optional<uint32_t> find_cached(uint64_t hash, std::span<const token_id> tokens);
  // A published block with this hash and these tokens, now with one more reference.

  void publish(uint32_t block, uint64_t hash, std::span<const token_id> tokens);
  // Records the content of a block that became full. A block whose hash is already published
  // (another sequence computed the same prefix) stays unpublished.

  void release(uint32_t block);
  // Drops one reference. At zero a published block joins the cache, others become free.

  uint32_t refcount(uint32_t block) const { return blocks_[block].refs; }

 private:
  struct entry {
    uint32_t refs = 0;
    bool published = false;
    uint64_t hash = 0;
    std::vector<token_id> tokens;
    std::list<uint32_t>::iterator lru;  // valid while cached (published, refs == 0)
  };

  void unpublish(uint32_t block);

  uint32_t block_tokens_;
  uint64_t salt_;
  std::vector<entry> blocks_;
  std::vector<uint32_t> free_;
  std::list<uint32_t> lru_;  // cached blocks, least recently released first
  std::unordered_map<uint64_t, uint32_t> by_hash_;
};

}  // namespace troupe::vk
