// "127.0.0.1:51234" / "[::1]:51234" for a connected socket stream; "a client" when unknown.
#pragma once

#include <kj/async-io.h>

#include <string>

namespace troupe::api_kj {

std::string peer_name(kj::AsyncIoStream& stream);

}  // namespace troupe::api_kj
