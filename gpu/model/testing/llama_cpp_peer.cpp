#include "gpu/model/testing/llama_cpp_peer.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "tests/support/npm_reference.hpp"
#include "tests/support/test_files.hpp"

namespace troupe::testing {

using nlohmann::json;

llama_cpp_peer find_llama_cpp() {
  if (run_command("command -v node >/dev/null") != 0) {
    return {"", "node is not installed (scripts/setup installs it)"};
  }
  const npm_package_dir p = npm_package("node-llama-cpp");
  return {p.dir, p.skip};
}

std::vector<llama_cpp_result> run_llama_cpp(const llama_cpp_peer& peer,
                                            const std::vector<llama_cpp_run>& runs,
                                            const std::string& work_dir) {
  json request{{"runs", json::array()}};
  for (const llama_cpp_run& r : runs) {
    json greedy = json::array();
    for (const auto& g : r.greedy) greedy.push_back({{"prompt", g.prompt}, {"tokens", g.tokens}});
    request["runs"].push_back({{"model", r.model},
                               {"vocab", r.vocab},
                               {"context", r.context},
                               {"threads", 2},
                               {"forced", r.forced},
                               {"greedy", greedy}});
  }
  const std::string in = work_dir + "/llama_cpp_request.json";
  const std::string out = work_dir + "/llama_cpp_response.json";
  const std::string err = work_dir + "/llama_cpp_stderr.txt";
  write_file(in, request.dump());
  const std::string script = source_dir() + "/gpu/model/testing/llama_cpp_evaluate.mjs";
  const int rc = run_command("node '" + script + "' '" + peer.package + "' '" + in + "' > '" + out +
                             "' 2> '" + err + "'");
  if (rc != 0) {
    throw std::runtime_error("node-llama-cpp failed (exit " + std::to_string(rc) +
                             "): " + read_file(err));
  }
  const json response = json::parse(read_file(out));
  std::vector<llama_cpp_result> results;
  for (const json& r : response.at("runs")) {
    results.push_back({r.at("forced").get<std::vector<std::vector<std::vector<float>>>>(),
                       r.at("greedy").get<std::vector<std::vector<token_id>>>()});
  }
  if (results.size() != runs.size()) throw std::runtime_error("node-llama-cpp: runs missing");
  return results;
}

}  // namespace troupe::testing
