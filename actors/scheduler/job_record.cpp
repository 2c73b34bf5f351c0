#include "actors/scheduler/job_record.hpp"

namespace troupe {

job_info info_of(const stored_job& j, uint32_t queue_position) {
  job_info i;
  i.job = j.id;
  i.model = j.spec.model;
  i.state = j.state;
  i.prio = j.spec.prio;
  i.queue_position = j.state == job_state::queued ? queue_position : 0;
  i.node = j.node;
  i.device = j.device;
  i.prompt_tokens = static_cast<uint32_t>(j.prompt.size());
  i.generated_tokens = static_cast<uint32_t>(j.generated.size());
  i.reason = j.reason;
  i.error = j.error;
  i.timings = j.timings;
  return i;
}

job_result result_of(const stored_job& j) {
  return job_result{j.id,
                    j.reason,
                    static_cast<uint32_t>(j.prompt.size()),
                    static_cast<uint32_t>(j.generated.size()),
                    j.text,
                    j.timings};
}

job_info job_record::info(uint32_t queue_position) const {
  return info_of(*this, queue_position);
}
job_result job_record::result() const {
  return result_of(*this);
}

}  // namespace troupe
