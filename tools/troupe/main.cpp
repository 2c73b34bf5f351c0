// troupe: the command-line client of a troupe cluster (see `troupe --help` and docs/api.md).
#include <iostream>
#include <string>
#include <variant>
#include <vector>

#include "tools/troupe/cli_args.hpp"
#include "tools/troupe/commands.hpp"

int main(int argc, char** argv) {
  using namespace troupe::cli;
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = parse_command_line(args);
  if (auto* h = std::get_if<help_request>(&parsed)) {
    std::cout << h->text;
    return exit_ok;
  }
  if (auto* e = std::get_if<usage_error>(&parsed)) {
    std::cerr << "troupe: " << e->message << " (troupe --help shows the usage)\n";
    return exit_usage;
  }
  return run_command(std::get<command>(parsed), std::cout, std::cerr);
}
