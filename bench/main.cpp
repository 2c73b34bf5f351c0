// troupe-bench: benchmarks of troupe's parts, one JSON object per line on stdout.
//
//   troupe-bench scheduler [--depths 10,1000,100000] [--steps N] [--batch B] [--gen-tokens G]
//   troupe-bench engine --model FILE [--device N] [--batch 1,4,16] [--prompt-tokens P]
//                       [--gen-tokens G]
//   troupe-bench devices
//   troupe-bench make-model --out FILE [--arch A] [--layers L] [--dim D] [--heads H]
//                           [--kv-heads K] [--ffn F] [--vocab N | --vocab-from tokenizer.json]
//                           [--type T] ... (troupe-bench make-model --help lists them all)
//   troupe-bench store [--dir DIR] [--clients N] [--seconds S] [--recovery-jobs N]
//                      [--no-submit] [--no-recovery]
//   troupe-bench cluster [--model FILE] [--workers 1,2,3] [--jobs N] [--gen-tokens G]
//                        [--cpu-threads T]
//   troupe-bench http [--model FILE] [--requests N] [--clients C] [--streams S]
//                     [--gen-tokens G] [--rounds R] [--cpu-threads T]
//   troupe-bench --help | --version | BENCH --help
// Exit status: 0, 1 when a benchmark fails, 2 for a usage error.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "bench/cluster_bench.hpp"
#include "bench/http_bench.hpp"
#include "bench/scheduler_bench.hpp"
#include "bench/synthetic_model_cli.hpp"
#include "gpu/model/synthetic_model.hpp"
#include "gpu/vulkan/engine_bench.hpp"
#include "persistence/store_bench.hpp"
#include "troupe_version.hpp"

namespace {

std::string default_model() {
  namespace fs = std::filesystem;
  auto repo = fs::read_symlink("/proc/self/exe").parent_path().parent_path().parent_path();
  for (const auto& dir :
       {fs::current_path() / "models", fs::current_path() / ".." / "shared" / "models",
        repo / "models", repo / ".." / "shared" / "models"}) {
    auto p = dir / "stories260K.gguf";
    if (fs::exists(p)) return fs::canonical(p).string();
  }
  return "";
}

// A --model that defaults to stories260K where it can be found.
void require_model(std::string& model, const std::string& bench) {
  if (model.empty()) model = default_model();
  if (model.empty()) {
    throw CLI::ValidationError(bench + ": no stories260K.gguf found; pass --model FILE");
  }
}

template <class T>
CLI::Option* number(CLI::App* app, const std::string& name, T& value, T lo, T hi,
                    const std::string& what) {
  return app->add_option(name, value, what)->check(CLI::Range(lo, hi))->capture_default_str();
}

CLI::Option* list(CLI::App* app, const std::string& name, std::vector<uint32_t>& value,
                  const std::string& what) {
  return app->add_option(name, value, what)->delimiter(',')->expected(1, 64)->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"troupe-bench: benchmarks of troupe's parts, one JSON object per line on stdout",
               "troupe-bench"};
  app.set_version_flag("--version", std::string("troupe-bench ") + TROUPE_VERSION);
  app.require_subcommand(1);
  std::function<void()> run;

  troupe::bench::scheduler_bench_options sched;
  auto* s =
      app.add_subcommand("scheduler", "the scheduler and capacity core on a zero-cost engine");
  list(s, "--depths", sched.depths, "queue depths to measure at");
  number<uint32_t>(s, "--steps", sched.steps, 10, 10'000'000, "steps per depth");
  number<uint32_t>(s, "--batch", sched.batch, 1, 4096, "jobs per step");
  number<int32_t>(s, "--gen-tokens", sched.gen_tokens, 1, 1 << 20, "tokens per job");
  s->callback([&] { run = [&] { troupe::bench::run_scheduler_bench(sched, std::cout); }; });

  troupe::engine_bench_options eng;
  auto* e = app.add_subcommand("engine", "one model on one Vulkan device: prefill and decode");
  e->add_option("--model", eng.model_path, "the GGUF file")->required();
  e->add_option("--device", eng.device, "device index or name fragment")->capture_default_str();
  list(e, "--batch", eng.batches, "batch sizes");
  number<uint32_t>(e, "--prompt-tokens", eng.prompt_tokens, 1, 1 << 20, "prompt tokens a sequence");
  number<uint32_t>(e, "--gen-tokens", eng.gen_tokens, 1, 1 << 20, "generated tokens a sequence");
  e->callback([&] { run = [&] { troupe::run_engine_bench(eng, std::cout); }; });

  auto* dv =
      app.add_subcommand("devices", "the Vulkan devices, in troupe's order (0: the default)");
  dv->callback([&] { run = [] { troupe::list_vulkan_devices(std::cout); }; });

  std::string model_out;
  auto* m = app.add_subcommand("make-model", "write a synthetic GGUF model");
  m->add_option("--out", model_out, "the file to write")->required();
  troupe::synthetic_model_options model;
  troupe::bench::add_synthetic_model_options(*m, model);
  m->callback([&] { run = [&] { troupe::write_synthetic_model(model, model_out); }; });

  troupe::store_bench_options store;
  bool no_submit = false, no_recovery = false;
  auto* st = app.add_subcommand("store", "the durable job store: submit throughput and recovery");
  st->add_option("--dir", store.dir, "where to put the store")->capture_default_str();
  number<int>(st, "--clients", store.clients, 1, 4096, "concurrent submitters");
  number<double>(st, "--seconds", store.submit_seconds, 1, 3600, "length of the submit phase");
  number<size_t>(st, "--recovery-jobs", store.recovery_jobs, 1, 100'000'000,
                 "jobs in the recovery phase");
  st->add_flag("--no-submit", no_submit, "skip the submit phase");
  st->add_flag("--no-recovery", no_recovery, "skip the recovery phase");
  st->callback([&] {
    store.submit = !no_submit;
    store.recovery = !no_recovery;
    run = [&] { troupe::run_store_bench(store, std::cout); };
  });

  troupe::bench::cluster_bench_options cl;
  auto* c = app.add_subcommand("cluster", "a head and workers on loopback, jobs through the API");
  c->add_option("--model", cl.model, "the GGUF file (default: stories260K)");
  list(c, "--workers", cl.workers, "worker counts");
  number<uint32_t>(c, "--jobs", cl.jobs, 1, 100000, "jobs per run");
  number<int32_t>(c, "--gen-tokens", cl.gen_tokens, 1, 200, "tokens per job");
  number<int32_t>(c, "--cpu-threads", cl.cpu_threads, -1, 256, "lavapipe threads (-1: default)");
  c->callback([&] {
    require_model(cl.model, "cluster");
    run = [&] { troupe::bench::run_cluster_bench(cl, std::cout); };
  });

  troupe::bench::http_bench_options h;
  auto* hp = app.add_subcommand("http", "the HTTP front door against Cap'n Proto on one node");
  hp->add_option("--model", h.model, "the GGUF file (default: stories260K)");
  number<uint32_t>(hp, "--requests", h.requests, 1, 10'000'000, "completions per path");
  number<uint32_t>(hp, "--clients", h.clients, 1, 1024, "concurrent clients");
  number<uint32_t>(hp, "--streams", h.streams, 1, 1024, "concurrent streams");
  number<int32_t>(hp, "--gen-tokens", h.gen_tokens, 1, 200, "tokens per stream");
  number<uint32_t>(hp, "--rounds", h.rounds, 1, 1000, "stream rounds per client");
  number<int32_t>(hp, "--cpu-threads", h.cpu_threads, -1, 256, "lavapipe threads (-1: default)");
  hp->callback([&] {
    require_model(h.model, "http");
    run = [&] { troupe::bench::run_http_bench(h, std::cout); };
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& ex) {
    if (ex.get_exit_code() == 0) return app.exit(ex);  // --help, --version
    std::cerr << "troupe-bench: " << ex.what() << "\n(troupe-bench --help lists the benchmarks)\n";
    return 2;
  }
  try {
    run();
  } catch (const std::exception& ex) {
    std::cerr << "troupe-bench " << app.get_subcommands().front()->get_name() << ": " << ex.what()
              << "\n";
    return 1;
  }
  return 0;
}
