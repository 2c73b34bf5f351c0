#include "actors/type_registry.hpp"

#include <caf/actor_system_config.hpp>

#include "actors/interfaces.hpp"

namespace troupe {

void register_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<sampling_params>("troupe::sampling_params");
  cfg.add_message_type<sequence_input>("troupe::sequence_input");
  cfg.add_message_type<std::vector<sequence_input>>("std::vector<troupe::sequence_input>");
  cfg.add_message_type<step_input>("troupe::step_input");
  cfg.add_message_type<step_output>("troupe::step_output");
  cfg.add_message_type<device_info>("troupe::device_info");
  cfg.add_message_type<engine_info>("troupe::engine_info");
  cfg.add_message_type<status>("troupe::status");
  cfg.add_message_type<job_spec>("troupe::job_spec");
  cfg.add_message_type<submit_reply>("troupe::submit_reply");
  cfg.add_message_type<job_timings>("troupe::job_timings");
  cfg.add_message_type<token_chunk>("troupe::token_chunk");
  cfg.add_message_type<job_result>("troupe::job_result");
  cfg.add_message_type<job_error>("troupe::job_error");
  cfg.add_message_type<job_info>("troupe::job_info");
  cfg.add_message_type<model_limits>("troupe::model_limits");
  cfg.add_message_type<device_capacity>("troupe::device_capacity");
  cfg.add_message_type<admit_request>("troupe::admit_request");
  cfg.add_message_type<acquire_request>("troupe::acquire_request");
  cfg.add_message_type<grant>("troupe::grant");
  cfg.add_message_type<model_usage>("troupe::model_usage");
  cfg.add_message_type<std::vector<model_usage>>("std::vector<troupe::model_usage>");
  cfg.add_message_type<device_usage>("troupe::device_usage");
  cfg.add_message_type<std::vector<device_usage>>("std::vector<troupe::device_usage>");
  cfg.add_message_type<capacity_report>("troupe::capacity_report");
  cfg.add_message_type<batcher_limits>("troupe::batcher_limits");
  cfg.add_message_type<batcher_registration>("troupe::batcher_registration");
  cfg.add_message_type<sequence_job>("troupe::sequence_job");
  cfg.add_message_type<job_progress>("troupe::job_progress");
  cfg.add_message_type<std::vector<job_progress>>("std::vector<troupe::job_progress>");
  cfg.add_message_type<job_finish>("troupe::job_finish");
  cfg.add_message_type<std::vector<job_finish>>("std::vector<troupe::job_finish>");
  cfg.add_message_type<step_report>("troupe::step_report");
  cfg.add_message_type<step_reply>("troupe::step_reply");
  cfg.add_message_type<std::vector<step_stats>>("std::vector<troupe::step_stats>");
  cfg.add_message_type<batcher_load>("troupe::batcher_load");
  cfg.add_message_type<node_device>("troupe::node_device");
  cfg.add_message_type<std::vector<node_device>>("std::vector<troupe::node_device>");
  cfg.add_message_type<node_status>("troupe::node_status");
  cfg.add_message_type<std::vector<node_status>>("std::vector<troupe::node_status>");
  cfg.add_message_type<step_stats>("troupe::step_stats");
  cfg.add_message_type<job_summary>("troupe::job_summary");
  cfg.add_message_type<std::vector<int32_t>>("std::vector<int32_t>");
  cfg.add_message_type<std::vector<uint64_t>>("std::vector<uint64_t>");
  cfg.add_message_type<job_sink_actor>("troupe::job_sink_actor");
  cfg.add_message_type<batcher_actor>("troupe::batcher_actor");
  cfg.add_message_type<capacity_listener>("troupe::capacity_listener");
}

}  // namespace troupe
