#include "tools/troupe/commands.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>
#include <thread>

#include "tools/troupe/address.hpp"

namespace troupe::cli {
namespace {

using nlohmann::json;

int fail(std::ostream& err, int code, const std::string& message) {
  err << "troupe: " << message << "\n";
  err.flush();
  return code;
}

int fail(std::ostream& err, const call_status& st) {
  return fail(err, exit_code_for(st.code),
              st.message.empty() ? std::string(to_string(st.code)) : st.message);
}

json timings_json(const job_timing& t) {
  return {{"submitted_us", t.submitted_us},
          {"started_us", t.started_us},
          {"first_token_us", t.first_token_us},
          {"finished_us", t.finished_us}};
}

json status_json(const job_status_info& i) {
  json j{{"job", i.job},
         {"model", i.model},
         {"state", to_string(i.state)},
         {"priority", to_string(i.priority)},
         {"queue_position", i.queue_position},
         {"node", i.node},
         {"device", i.device},
         {"prompt_tokens", i.prompt_tokens},
         {"generated_tokens", i.generated_tokens},
         {"finish_reason", to_string(i.reason)},
         {"timings", timings_json(i.timings)}};
  if (!i.error.ok()) j["error"] = {{"code", to_string(i.error.code)}, {"message", i.error.message}};
  return j;
}

int stream_end(const stream_outcome& o, std::ostream& err) {
  if (!o.status.ok()) return fail(err, o.status);
  if (o.done) return exit_ok;
  if (o.failed) return fail(err, exit_job_failed, o.error.message);
  return fail(err, exit_unreachable, o.lost_reason);
}

int run_submit(client& c, const command& cmd, std::ostream& out, std::ostream& err) {
  if (cmd.detach) {
    auto r = c.submit_detached(cmd.request);
    if (!r.status.ok()) return fail(err, r.status);
    out << r.job << "\n" << std::flush;
    return exit_ok;
  }
  auto o = c.submit(cmd.request, [&out](const std::string& text) { out << text << std::flush; });
  return stream_end(o, err);
}

int run_status(client& c, const command& cmd, std::ostream& out, std::ostream& err) {
  auto [st, info] = c.status(cmd.job);
  if (!st.ok()) return fail(err, st);
  if (cmd.json) {
    out << status_json(info).dump() << "\n";
    return exit_ok;
  }
  out << "job " << info.job << ": " << to_string(info.state) << ", model " << info.model
      << ", priority " << to_string(info.priority);
  if (info.state == api::JobState::QUEUED) out << ", queue position " << info.queue_position;
  if (!info.node.empty()) out << ", node " << info.node << " (" << info.device << ")";
  out << ", " << info.prompt_tokens << " prompt + " << info.generated_tokens << " generated tokens";
  if (info.reason != api::FinishReason::NONE) out << ", finished by " << to_string(info.reason);
  if (!info.error.ok()) out << ", error: " << info.error.message;
  out << "\n";
  return exit_ok;
}

int run_result(client& c, const command& cmd, std::ostream& out, std::ostream& err) {
  auto [st, r] = c.result(cmd.job);
  if (!st.ok()) return fail(err, st);
  if (cmd.json) {
    out << json{{"job", r.job},
                {"finish_reason", to_string(r.reason)},
                {"prompt_tokens", r.prompt_tokens},
                {"generated_tokens", r.generated_tokens},
                {"text", r.text},
                {"timings", timings_json(r.timings)}}
               .dump()
        << "\n";
  } else {
    out << r.text << std::flush;
  }
  return exit_ok;
}

int run_models(client& c, const command& cmd, std::ostream& out, std::ostream& err) {
  auto [st, rows] = c.models();
  if (!st.ok()) return fail(err, st);
  if (cmd.json) {
    json list = json::array();
    for (const auto& m : rows)
      list.push_back({{"name", m.name},
                      {"max_active", m.max_active},
                      {"max_queued", m.max_queued},
                      {"active", m.active},
                      {"queued", m.queued},
                      {"peak_active", m.peak_active},
                      {"peak_queued", m.peak_queued},
                      {"recommended_parallel", m.recommended_parallel},
                      {"devices", m.devices}});
    out << list.dump() << "\n";
    return exit_ok;
  }
  out << std::left << std::setw(24) << "MODEL" << std::setw(16) << "ACTIVE" << std::setw(16)
      << "QUEUED" << std::setw(10) << "DEVICES"
      << "RECOMMENDED\n";
  for (const auto& m : rows) {
    out << std::left << std::setw(24) << m.name << std::setw(16)
        << (std::to_string(m.active) + "/" + std::to_string(m.max_active)) << std::setw(16)
        << (std::to_string(m.queued) + "/" + std::to_string(m.max_queued)) << std::setw(10)
        << m.devices << m.recommended_parallel << "\n";
  }
  return exit_ok;
}

void print_node_table(const std::vector<node_row>& rows, std::ostream& out) {
  out << std::left << std::setw(16) << "NODE" << std::setw(10) << "STATE" << std::setw(34)
      << "DEVICE" << std::setw(16) << "MODEL" << std::setw(10) << "LOAD" << std::setw(12) << "TOK/S"
      << "SPEED\n";
  for (const auto& n : rows) {
    if (n.devices.empty())
      out << std::left << std::setw(16) << n.name << std::setw(10) << n.state << "-\n";
    for (const auto& d : n.devices) {
      char rate[32], speed[32];
      std::snprintf(rate, sizeof rate, "%.1f", d.tokens_per_s);
      std::snprintf(speed, sizeof speed, "%.1f", d.speed);
      out << std::left << std::setw(16) << n.name << std::setw(10)
          << (d.draining ? "draining" : n.state) << std::setw(34) << d.name.substr(0, 33)
          << std::setw(16) << d.model << std::setw(10)
          << (std::to_string(d.sequences) + "/" + std::to_string(d.slots)) << std::setw(12) << rate
          << speed << "\n";
    }
  }
}

int run_nodes(client& c, const command& cmd, std::ostream& out, std::ostream& err) {
  auto [st, rows] = c.nodes();
  if (!st.ok()) return fail(err, st);
  if (cmd.json) {
    json list = json::array();
    for (const auto& n : rows) {
      json devices = json::array();
      for (const auto& d : n.devices)
        devices.push_back({{"batcher", d.batcher},
                           {"model", d.model},
                           {"device", d.name},
                           {"type", d.type},
                           {"memory_total_bytes", d.memory_total},
                           {"memory_available_bytes", d.memory_available},
                           {"slots", d.slots},
                           {"kv_blocks", d.kv_blocks},
                           {"speed_tok_s", d.speed},
                           {"draining", d.draining},
                           {"sequences", d.sequences},
                           {"generated_tokens", d.generated_tokens},
                           {"tokens_per_s", d.tokens_per_s}});
      list.push_back({{"name", n.name},
                      {"state", n.state},
                      {"last_seen_us", n.last_seen_us},
                      {"devices", devices}});
    }
    out << list.dump() << "\n";
    return exit_ok;
  }
  print_node_table(rows, out);
  return exit_ok;
}

int run_health(client& c, const command& cmd, std::ostream& out, std::ostream& err) {
  auto h = c.health();
  if (cmd.json) {
    out << json{{"serving", h.serving}, {"devices_up", h.devices_up}, {"message", h.status.message}}
               .dump()
        << "\n";
  } else if (h.serving) {
    out << "serving: " << h.devices_up << " device(s) up\n";
  }
  if (!h.serving)
    return fail(err, exit_unreachable,
                "not serving: " +
                    (h.status.message.empty() ? std::string("no device is up") : h.status.message));
  return exit_ok;
}

int print_limits(const limits_info& l, std::ostream& out, std::ostream& err) {
  if (!l.status.ok()) return fail(err, l.status);
  out << l.model << ": max_active " << l.max_active << ", max_queued " << l.max_queued << "\n";
  return exit_ok;
}

int run_limits(client& c, const command& cmd, std::ostream& out, std::ostream& err) {
  if (cmd.model) {
    if (cmd.max_active == -1 && cmd.max_queued == -1)
      return print_limits(c.get_limits(*cmd.model), out, err);
    return print_limits(c.set_limits(*cmd.model, cmd.max_active, cmd.max_queued), out, err);
  }
  auto [st, rows] = c.models();
  if (!st.ok()) return fail(err, st);
  for (const auto& m : rows)
    out << m.name << ": max_active " << m.max_active << ", max_queued " << m.max_queued << "\n";
  return exit_ok;
}

// One frame of `troupe top`: the models' admission state, then every node's devices, then the
// cluster's generation rate. Returns false when the head could not be asked.
bool draw_top(client& c, const std::string& head, std::ostream& out) {
  auto [mst, models] = c.models();
  auto [nst, nodes] = c.nodes();
  const std::time_t now = std::time(nullptr);
  char when[32];
  std::strftime(when, sizeof when, "%H:%M:%S", std::localtime(&now));
  out << "troupe top  " << head << "  " << when << "\n\n";
  if (!mst.ok() || !nst.ok()) {
    out << "the head does not answer: " << (mst.ok() ? nst.message : mst.message) << "\n";
    return false;
  }
  out << std::left << std::setw(24) << "MODEL" << std::setw(16) << "RUNNING" << std::setw(16)
      << "QUEUED"
      << "DEVICES\n";
  for (const auto& m : models) {
    out << std::left << std::setw(24) << m.name << std::setw(16)
        << (std::to_string(m.active) + "/" + std::to_string(m.max_active)) << std::setw(16)
        << (std::to_string(m.queued) + "/" + std::to_string(m.max_queued)) << m.devices << "\n";
  }
  out << "\n";
  print_node_table(nodes, out);
  double rate = 0;
  size_t up = 0;
  for (const auto& n : nodes) {
    up += n.state == "up";
    for (const auto& d : n.devices) rate += d.tokens_per_s;
  }
  char total[64];
  std::snprintf(total, sizeof total, "%.1f", rate);
  out << "\n" << up << "/" << nodes.size() << " nodes up, " << total << " tokens/s generated\n";
  return true;
}

int run_top(client& c, const command& cmd, std::ostream& out) {
  const bool terminal = &out == &std::cout && ::isatty(STDOUT_FILENO);
  const std::string& head = cmd.connect;  // resolved by run_command
  bool ok = false;
  for (uint32_t frame = 0; cmd.iterations == 0 || frame < cmd.iterations; ++frame) {
    if (frame > 0) std::this_thread::sleep_for(std::chrono::milliseconds(cmd.interval_ms));
    std::ostringstream screen;
    ok = draw_top(c, head, screen);
    if (terminal)
      out << "\033[H\033[2J";  // home and clear: the frame replaces the last one
    else if (frame > 0)
      out << "\n";
    out << screen.str() << std::flush;
  }
  return ok ? exit_ok : exit_unreachable;
}

int dispatch(client& c, const command& cmd, std::ostream& out, std::ostream& err) {
  if (cmd.name == "submit") return run_submit(c, cmd, out, err);
  if (cmd.name == "attach") {
    auto o = c.attach(cmd.job, [&out](const std::string& text) { out << text << std::flush; });
    return stream_end(o, err);
  }
  if (cmd.name == "status") return run_status(c, cmd, out, err);
  if (cmd.name == "result") return run_result(c, cmd, out, err);
  if (cmd.name == "cancel") {
    auto st = c.cancel(cmd.job);
    if (!st.ok()) return fail(err, st);
    out << "job " << cmd.job << " cancelled\n";
    return exit_ok;
  }
  if (cmd.name == "stats") {
    auto [st, doc] = c.stats();
    if (!st.ok()) return fail(err, st);
    if (cmd.json) {
      out << doc << "\n";
    } else {
      auto parsed = json::parse(doc, nullptr, false);
      out << (parsed.is_discarded() ? doc : parsed.dump(2)) << "\n";
    }
    return exit_ok;
  }
  if (cmd.name == "models") return run_models(c, cmd, out, err);
  if (cmd.name == "health") return run_health(c, cmd, out, err);
  if (cmd.name == "nodes") return run_nodes(c, cmd, out, err);
  if (cmd.name == "limits") return run_limits(c, cmd, out, err);
  if (cmd.name == "top") return run_top(c, cmd, out);
  return fail(err, exit_usage, "unknown command '" + cmd.name + "'");
}

}  // namespace

int exit_code_for(api::ErrorCode code) {
  switch (code) {
    case api::ErrorCode::OK:
      return exit_ok;
    case api::ErrorCode::QUEUE_FULL:
      return exit_rejected;
    case api::ErrorCode::INVALID_ARGUMENT:
    case api::ErrorCode::UNKNOWN_MODEL:
    case api::ErrorCode::PROMPT_TOO_LONG:
    case api::ErrorCode::NOT_FOUND:
    case api::ErrorCode::UNAUTHORIZED:
      return exit_invalid;
    case api::ErrorCode::UNAVAILABLE:
      return exit_unreachable;
    case api::ErrorCode::INTERNAL:
    case api::ErrorCode::CANCELLED:
      return exit_job_failed;
  }
  return exit_job_failed;
}

int run_command(const command& cmd, std::ostream& out, std::ostream& err) {
  auto address = cmd.connect;
  if (address.empty()) {
    auto found = default_address();
    if (!found.address) return fail(err, exit_usage, found.problem);
    address = *found.address;
  }
  if (!valid_address(address))
    return fail(err, exit_usage, "--connect: '" + address + "' is not HOST:PORT");
  std::string key;
  if (cmd.api_key) {
    key = *cmd.api_key;
  } else if (const char* env = std::getenv("TROUPE_API_KEY")) {
    key = env;
  }
  try {
    client c(address, key);
    command resolved = cmd;
    resolved.connect = address;
    return dispatch(c, resolved, out, err);
  } catch (const session_refused& e) {
    return fail(err, e.status);
  } catch (const connection_error& e) {
    return fail(err, exit_unreachable,
                std::string("cannot reach the cluster at ") + address + ": " + e.what());
  }
}

}  // namespace troupe::cli
