// The options of `troupe-bench make-model` (a synthetic GGUF model, gpu/model/synthetic_model.hpp)
// on a CLI11 command, so that they show in its --help and are checked like every other option.
#pragma once

#include <CLI/App.hpp>

#include <string>
#include <vector>

#include "gpu/model/synthetic_model.hpp"

namespace troupe::bench {

void add_synthetic_model_options(CLI::App& app, synthetic_model_options& o);
// --arch, --layers, --dim, --heads, --kv-heads, --ffn, --vocab | --vocab-from, --type, --tied,
// --rope-freqs, --long-rope, --context, --seed, --name, --chat-template, --constant-token.
// Unspecified options keep their defaults. --chat-template reads its file while parsing.

synthetic_model_options parse_synthetic_model_args(const std::vector<std::string>& args);
// The same options alone (tests, scripts): throws std::invalid_argument naming the bad argument.

}  // namespace troupe::bench
