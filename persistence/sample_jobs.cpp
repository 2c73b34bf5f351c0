#include "persistence/sample_jobs.hpp"

#include <algorithm>
#include <array>

namespace troupe::samples {

namespace {

struct splitmix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(next() % n); }
};

constexpr std::array<const char*, 16> words{
    "the",     "cluster", "schedules", "every",   "job",  "across", "devices", "while",
    "durable", "records", "survive",   "crashes", "über", "naïve",  "数据",    "résumé"};

template <class T>
bool same(const T& a, const T& b) {
  return a == b;
}

}  // namespace

stored_job sample_job(job_id id, uint64_t seed, int prompt_tokens) {
  splitmix64 rng{id * 0x2545f4914f6cdd1dull ^ seed};
  stored_job job;
  job.id = id;
  static const std::array<const char*, 3> models{"llama-3-8b-instruct", "mistral-7b", "qwen2-1.5b"};
  job.spec.model = models[rng.below(3)];
  for (int i = 0; i < prompt_tokens; ++i) {
    job.prompt.push_back(static_cast<token_id>(rng.below(128000)));
    job.spec.prompt += words[rng.below(words.size())];
    job.spec.prompt += (i % 17 == 16) ? "\n" : " ";
  }
  job.spec.max_tokens = static_cast<int32_t>(16 + rng.below(1009));
  job.length_limited = rng.below(8) == 0;
  job.max_new_tokens = job.length_limited ? job.spec.max_tokens / 2 : job.spec.max_tokens;
  static const std::array<float, 4> temperatures{0.0f, 0.7f, 1.0f, 1.3f};
  job.spec.sampling.temperature = temperatures[rng.below(4)];
  job.spec.sampling.top_p = 0.5f + static_cast<float>(rng.below(50)) / 100.0f;
  job.spec.sampling.top_k = static_cast<int32_t>(rng.below(100));
  job.spec.sampling.repetition_penalty = 1.0f + static_cast<float>(rng.below(30)) / 100.0f;
  job.spec.sampling.seed = rng.next();
  job.spec.sampling.min_p = static_cast<float>(rng.below(20)) / 100.0f;
  job.spec.sampling.presence_penalty = static_cast<float>(rng.below(41)) / 10.0f - 2.0f;
  job.spec.sampling.frequency_penalty = static_cast<float>(rng.below(41)) / 10.0f - 2.0f;
  job.spec.stop = {"\n\n", "</s>"};
  if (rng.below(2) == 0) job.spec.stop.push_back("。終わり");
  job.spec.prio = static_cast<priority>(rng.below(3));
  if (rng.below(4) != 0)
    job.spec.client_request_id = "req-" + std::to_string(seed) + "-" + std::to_string(id);
  if (rng.below(2) == 0)
    job.spec.client_address = "[::1]:" + std::to_string(1024 + rng.below(60000));
  job.kv_blocks = static_cast<uint32_t>((prompt_tokens + job.max_new_tokens + 15) / 16);
  job.timings.submitted_us = 1'700'000'000'000'000 + static_cast<int64_t>(id) * 1000;
  return job;
}

std::vector<token_id> sample_output(job_id id, uint64_t seed, size_t n) {
  splitmix64 rng{id * 0x9e3779b97f4a7c15ull + seed + 1};
  std::vector<token_id> out(n);
  for (auto& t : out) t = static_cast<token_id>(rng.below(128000));
  return out;
}

std::string sample_text(const std::vector<token_id>& tokens) {
  std::string text;
  for (token_id t : tokens)
    text += words[static_cast<uint32_t>(t) % words.size()] + std::string(" ");
  return text;
}

std::string diff_jobs(const stored_job& a, const stored_job& b) {
  const auto& sa = a.spec.sampling;
  const auto& sb = b.spec.sampling;
  const std::array<std::pair<const char*, bool>, 32> fields{{
      {"id", same(a.id, b.id)},
      {"model", same(a.spec.model, b.spec.model)},
      {"prompt", same(a.spec.prompt, b.spec.prompt)},
      {"max_tokens", same(a.spec.max_tokens, b.spec.max_tokens)},
      {"temperature", same(sa.temperature, sb.temperature)},
      {"top_p", same(sa.top_p, sb.top_p)},
      {"top_k", same(sa.top_k, sb.top_k)},
      {"repetition_penalty", same(sa.repetition_penalty, sb.repetition_penalty)},
      {"seed", same(sa.seed, sb.seed)},
      {"min_p", same(sa.min_p, sb.min_p)},
      {"presence_penalty", same(sa.presence_penalty, sb.presence_penalty)},
      {"frequency_penalty", same(sa.frequency_penalty, sb.frequency_penalty)},
      {"stop", same(a.spec.stop, b.spec.stop)},
      {"prio", same(a.spec.prio, b.spec.prio)},
      {"client_request_id", same(a.spec.client_request_id, b.spec.client_request_id)},
      {"client_address", same(a.spec.client_address, b.spec.client_address)},
      {"prompt tokens", same(a.prompt, b.prompt)},
      {"kv_blocks", same(a.kv_blocks, b.kv_blocks)},
      {"max_new_tokens", same(a.max_new_tokens, b.max_new_tokens)},
      {"length_limited", same(a.length_limited, b.length_limited)},
      {"state", same(a.state, b.state)},
      {"submitted_us", same(a.timings.submitted_us, b.timings.submitted_us)},
      {"started_us", same(a.timings.started_us, b.timings.started_us)},
      {"first_token_us", same(a.timings.first_token_us, b.timings.first_token_us)},
      {"finished_us", same(a.timings.finished_us, b.timings.finished_us)},
      {"node", same(a.node, b.node)},
      {"device", same(a.device, b.device)},
      {"reason", same(a.reason, b.reason)},
      {"error code", same(a.error.code, b.error.code)},
      {"error message", same(a.error.message, b.error.message)},
      {"generated", same(a.generated, b.generated)},
      {"text", same(a.text, b.text)},
  }};
  auto it = std::find_if(fields.begin(), fields.end(), [](const auto& f) { return !f.second; });
  return it == fields.end() ? std::string() : std::string(it->first);
}

}  // namespace troupe::samples
