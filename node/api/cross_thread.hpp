// Answers from other threads into the KJ event loop, without blocking either side.
//
// `make_cross_thread<T>()` (called on the KJ thread) gives a promise that belongs to that thread
// and a copyable `deliver` function that any thread may call (CAF threads call it from actor
// handlers): the value is handed over through a kj::CrossThreadPromiseFulfiller, which wakes the
// KJ loop. Calling `deliver` more than once is harmless (the first value wins); when every copy
// is dropped without a call the promise is rejected; when the promise is dropped first (the
// client went away) a later `deliver` does nothing.
//
// kj::Executor::executeAsync is not usable for this direction: it needs an event loop on the
// calling thread (it registers a reply executor), and CAF's threads have none.
#pragma once

#include <kj/async.h>

#include <functional>
#include <memory>

namespace troupe::api_kj {

template <class T>
struct cross_thread {
  kj::Promise<T> promise;
  std::function<void(T)> deliver;
};

template <class T>
cross_thread<T> make_cross_thread() {
  auto paf = kj::newPromiseAndCrossThreadFulfiller<T>();
  auto fulfiller =
      std::make_shared<kj::Own<kj::CrossThreadPromiseFulfiller<T>>>(kj::mv(paf.fulfiller));
  return {kj::mv(paf.promise), [fulfiller](T value) { (*fulfiller)->fulfill(kj::mv(value)); }};
}

struct cross_thread_signal {
  kj::Promise<void> promise;
  std::function<void()> fire;
};

inline cross_thread_signal make_cross_thread_signal() {
  auto paf = kj::newPromiseAndCrossThreadFulfiller<void>();
  auto fulfiller =
      std::make_shared<kj::Own<kj::CrossThreadPromiseFulfiller<void>>>(kj::mv(paf.fulfiller));
  return {kj::mv(paf.promise), [fulfiller]() { (*fulfiller)->fulfill(); }};
}

}  // namespace troupe::api_kj
