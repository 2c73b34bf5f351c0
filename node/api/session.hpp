// The capabilities a client holds: `Troupe` (the bootstrap: connect with the API key) and the
// `Session` it hands out, which implements every call of schema/troupe.capnp on the KJ thread.
//
// Each call is checked at the edge (request_checks.hpp), then forwarded to the actors through the
// cluster_bridge; the answer comes back through a cross-thread promise, so the KJ thread never
// waits and no CAF thread ever touches a Cap'n Proto object.
#pragma once

#include <kj/memory.h>

#include "node/api/api_context.hpp"
#include "schema/troupe.capnp.h"

namespace troupe::api_kj {

kj::Own<api::Troupe::Server> make_bootstrap(const api_context& ctx,
                                            kj::Own<connection_scope> scope);
// The bootstrap capability of one connection.

}  // namespace troupe::api_kj
