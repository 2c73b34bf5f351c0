// Runs one generation request over HTTP: submits the job (durable before it is acknowledged, as
// every troupe job), then answers with the whole result or streams it as it is generated.
//
// A client that goes away (its connection closes, a write fails, or it falls more than a stream
// backlog behind) cancels its job, unless the request carried an Idempotency-Key: that job runs
// on, and sending the same request with the same key re-attaches to it and replays its whole
// output (the key is the job's clientRequestId).
#pragma once

#include <kj/async.h>

#include <memory>

#include "node/http/exchange.hpp"
#include "node/http/generation.hpp"

namespace troupe::http {

kj::Promise<void> run_generation(exchange& ex, generation_request request,
                                 std::unique_ptr<response_format> format);
// `ex` must outlive the promise.

}  // namespace troupe::http
