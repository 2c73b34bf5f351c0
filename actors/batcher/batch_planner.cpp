#include "actors/batcher/batch_planner.hpp"

#include <algorithm>

namespace troupe {

batch_planner::batch_planner(batcher_limits limits, std::shared_ptr<const tokenizer> tok)
    : limits_(limits), tok_(std::move(tok)) {}

status batch_planner::add(sequence_job job) {
  auto name = "job " + std::to_string(job.job);
  if (seqs_.count(job.job)) return make_status(errc::invalid_argument, name + " is already here");
  if (seqs_.size() >= limits_.max_batch_size)
    return make_status(errc::invalid_argument, name + ": batch is full");
  if (job.prompt.empty()) return make_status(errc::invalid_argument, name + ": empty prompt");
  if (job.max_new_tokens <= 0 || static_cast<size_t>(job.max_new_tokens) < job.generated.size())
    return make_status(errc::invalid_argument, name + ": bad generation budget");
  if (job.prompt.size() + static_cast<size_t>(job.max_new_tokens) > limits_.max_seq_len)
    return make_status(errc::prompt_too_long, name + ": prompt plus max_tokens exceed max_seq_len");
  auto previous = job.prompt.back();
  auto stops = job.stop;
  sequence s{std::move(job),
             {},
             0,
             0,
             0,
             0,
             next_arrival_++,
             detokenizer(tok_, previous),
             stop_matcher(std::move(stops))};
  s.tokens = s.job.prompt;
  s.prompt_len = static_cast<uint32_t>(s.tokens.size());
  // Resuming: replay earlier output through the text state so what follows continues exactly
  // where the earlier run stopped (the text itself was already delivered).
  for (auto t : s.job.generated) {
    s.tokens.push_back(t);
    s.stop.push(s.detok.push(t));
  }
  s.generated = static_cast<uint32_t>(s.job.generated.size());
  auto id = s.job.job;
  arrival_order_.push_back(id);
  seqs_.emplace(id, std::move(s));
  return {};
}

std::optional<job_finish> batch_planner::cancel(job_id job) {
  if (!seqs_.count(job)) return std::nullopt;
  remove(job);
  return job_finish{job, finish_reason::none,
                    make_status(errc::cancelled, "job " + std::to_string(job) + " cancelled")};
}

void batch_planner::remove(job_id job) {
  seqs_.erase(job);
  released_.push_back(job);
  if (arrival_order_.size() > 2 * seqs_.size() + 16) {
    std::erase_if(arrival_order_, [this](job_id j) { return !seqs_.count(j); });
  }
}

step_input batch_planner::compose() {
  step_input in;
  // After a failure, run the pending subsets alone first.
  std::vector<job_id> members;
  while (!retries_.empty() && members.empty()) {
    for (auto j : retries_.front())
      if (seqs_.count(j)) members.push_back(j);
    retries_.pop_front();
  }
  if (members.empty()) {
    for (auto j : arrival_order_)
      if (seqs_.count(j)) members.push_back(j);
  }
  uint32_t budget = limits_.max_step_tokens;
  auto take = [&](sequence& s, uint32_t n) {
    sequence_input si;
    si.seq = s.job.job;
    si.pos = static_cast<int32_t>(s.cached);
    si.tokens.assign(s.tokens.begin() + s.cached, s.tokens.begin() + s.cached + n);
    si.sample = s.cached + n == s.tokens.size();
    si.sample_index = s.generated;
    si.params = s.job.sampling;
    in.seqs.push_back(std::move(si));
    budget -= n;
  };
  // Decode tokens first: one per generating sequence.
  for (auto j : members) {
    auto& s = seqs_.at(j);
    if (s.tokens.size() - s.cached == 1 && budget > 0 && in.seqs.size() < limits_.max_batch_size)
      take(s, 1);
  }
  // Then prefill chunks, oldest sequence first, while the budget lasts.
  for (auto j : members) {
    auto& s = seqs_.at(j);
    auto remaining = static_cast<uint32_t>(s.tokens.size() - s.cached);
    if (remaining <= 1) continue;  // generating (or a one-token prompt): taken above
    if (budget == 0 || in.seqs.size() >= limits_.max_batch_size) break;
    take(s, std::min(remaining, budget));
  }
  return in;
}

job_progress& batch_planner::progress_of(step_report& report, job_id job) {
  if (report.progress.empty() || report.progress.back().job != job)
    report.progress.push_back(job_progress{job, {}, {}});
  return report.progress.back();
}

void batch_planner::finish(sequence& s, finish_reason reason, step_report& report,
                           job_progress* progress) {
  if (reason != finish_reason::stop) {
    auto tail = s.stop.push(s.detok.flush());
    std::string text = std::move(tail.text);
    if (tail.matched) {
      reason = finish_reason::stop;
    } else {
      text += s.stop.flush();
    }
    if (!text.empty()) {
      if (!progress) progress = &progress_of(report, s.job.job);
      progress->text += text;
    }
  }
  report.finished.push_back(job_finish{s.job.job, reason, {}});
}

step_report batch_planner::apply(const step_input& input, const step_output& output) {
  step_report report;
  std::vector<job_id> done;
  for (size_t i = 0; i < input.seqs.size(); ++i) {
    const auto& si = input.seqs[i];
    auto it = seqs_.find(si.seq);
    if (it == seqs_.end()) continue;  // cancelled while the step ran
    auto& s = it->second;
    s.cached += static_cast<uint32_t>(si.tokens.size());
    s.failures = 0;
    if (!si.sample || i >= output.tokens.size()) continue;
    auto t = output.tokens[i];
    if (tok_->is_end_of_generation(t)) {
      finish(s, finish_reason::eos, report, nullptr);
      done.push_back(si.seq);
      continue;
    }
    s.tokens.push_back(t);
    ++s.generated;
    auto& p = progress_of(report, si.seq);
    p.tokens.push_back(t);
    auto r = s.stop.push(s.detok.push(t));
    p.text += r.text;
    if (r.matched) {
      finish(s, finish_reason::stop, report, &p);
      done.push_back(si.seq);
    } else if (s.generated >= static_cast<uint32_t>(s.job.max_new_tokens)) {
      finish(s, s.job.length_limited ? finish_reason::length : finish_reason::max_tokens, report,
             &p);
      done.push_back(si.seq);
    }
  }
  for (auto j : done) remove(j);
  return report;
}

step_report batch_planner::fail(const step_input& input, const std::string& what) {
  step_report report;
  std::vector<job_id> members;
  for (const auto& si : input.seqs)
    if (seqs_.count(si.seq)) members.push_back(si.seq);
  if (members.size() > 1) {
    auto mid = members.begin() + static_cast<long>(members.size() / 2);
    retries_.push_front(std::vector<job_id>(mid, members.end()));
    retries_.push_front(std::vector<job_id>(members.begin(), mid));
    return report;
  }
  if (members.empty()) return report;
  auto& s = seqs_.at(members.front());
  if (++s.failures <= limits_.max_step_retries) {
    retries_.push_front({members.front()});
    return report;
  }
  report.finished.push_back(
      job_finish{members.front(), finish_reason::none,
                 make_status(errc::internal, "job " + std::to_string(members.front()) +
                                                 ": the engine failed it " +
                                                 std::to_string(s.failures) + " times: " + what)});
  remove(members.front());
  return report;
}

std::vector<uint64_t> batch_planner::clear() {
  std::vector<uint64_t> ids;
  for (auto& [id, s] : seqs_) ids.push_back(id);
  seqs_.clear();
  arrival_order_.clear();
  retries_.clear();
  released_.clear();
  return ids;
}

std::vector<uint64_t> batch_planner::take_released() {
  std::vector<uint64_t> out;
  out.swap(released_);
  return out;
}

}  // namespace troupe
