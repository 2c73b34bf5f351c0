// Registers every message type of troupe with a CAF configuration. Every process that runs troupe
// actors calls this before creating its actor system: a type registered on one node but not on
// another makes their typed actors incompatible (unexpected_actor_messaging_interface).
#pragma once

#include <caf/fwd.hpp>

namespace troupe {

void register_message_types(caf::actor_system_config& cfg);

}  // namespace troupe
