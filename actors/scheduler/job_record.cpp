#include "actors/scheduler/job_record.hpp"

namespace troupe {

job_info job_record::info(uint32_t queue_position) const {
  job_info i;
  i.job = id;
  i.model = spec.model;
  i.state = state;
  i.prio = spec.prio;
  i.queue_position = queue_position;
  i.node = node;
  i.device = device;
  i.prompt_tokens = static_cast<uint32_t>(prompt.size());
  i.generated_tokens = static_cast<uint32_t>(generated.size());
  i.reason = reason;
  i.error = error;
  i.timings = timings;
  return i;
}

job_result job_record::result() const {
  return job_result{
      id,   reason, static_cast<uint32_t>(prompt.size()), static_cast<uint32_t>(generated.size()),
      text, timings};
}

}  // namespace troupe
