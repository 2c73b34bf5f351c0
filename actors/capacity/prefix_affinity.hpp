// Prefix affinity: remembers which device last ran a prompt with a given prefix, so the capacity
// ledger can send a job where its prompt's leading KV blocks are likely still cached (the engine
// reuses full blocks whose tokens match, see gpu/vulkan/kv_blocks.hpp).
//
// A prompt is summarised by the keys of its prefixes of 1, 2, 4, 8, ... full KV blocks (the
// engine caches whole blocks only): two prompts sharing their first n blocks share every key of a
// prefix of at most n blocks. Keys are hash chains over the tokens; a collision only costs a
// routing preference, never correctness (the engine compares tokens before reusing a block).
#pragma once

#include <cstdint>
#include <list>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "actors/types.hpp"

namespace troupe {

std::vector<uint64_t> prefix_keys(std::span<const token_id> prompt, uint32_t block_tokens);
// Keys of the prompt's prefixes of 1, 2, 4, ... full blocks, longest first; none when the prompt
// has no full block or block_tokens is 0.

class prefix_affinity {
 public:
  explicit prefix_affinity(size_t capacity = 65536) : capacity_(capacity) {}
  // Remembers at most `capacity` keys, forgetting the least recently used.

  std::vector<batcher_id> lookup(const std::vector<uint64_t>& keys) const;
  // The devices that last ran each key's prefix, longest prefix first, without repeats.

  void record(const std::vector<uint64_t>& keys, batcher_id batcher);
  // The job with these keys runs on `batcher`: every key now points there.

  size_t size() const { return map_.size(); }

 private:
  struct entry {
    batcher_id batcher;
    std::list<uint64_t>::iterator age;
  };
  size_t capacity_;
  std::unordered_map<uint64_t, entry> map_;
  std::list<uint64_t> lru_;  // most recently recorded first
};

}  // namespace troupe
