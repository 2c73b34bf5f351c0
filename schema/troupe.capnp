# The troupe client API: the public contract between a troupe cluster and its clients.
#
# Documented field by field in docs/api.md, including the compatibility rules, which are, in short:
#
#   * Additive changes only within an API version: new fields, methods, enumerants, structs and
#     interfaces get new ordinals; nothing is renumbered, retyped, renamed on the wire or removed.
#     Default values never change.
#   * `apiVersion` is raised when the meaning of an existing call changes; a server accepts clients
#     of its own version and every older one still listed as supported in docs/api.md, and tells
#     newer clients its own version (`Troupe.connect` returns `serverVersion`) so they can stay
#     within it.
#   * A client must treat an unknown ErrorCode as `internal`, an unknown enumerant of any other
#     enum as its default, and an "unimplemented" exception as "the server is older than me".
#
# Authentication is object-capability style: the bootstrap interface `Troupe` has only `connect`;
# everything else is reached through the `Session` it returns, so no call can be made without the
# API key when the cluster has one.

@0xe22c8ea9099ecb8a;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("troupe::api");

const apiVersion :UInt32 = 1;
# The version of this contract. Clients send theirs in `Troupe.connect`.

enum ErrorCode {
  # Mapped 1:1 from troupe::errc (actors/types.hpp); the ordinals are the same.
  ok @0;
  queueFull @1;        # admission: the model has max_active running and max_queued waiting
  invalidArgument @2;  # a malformed request (bad value, empty prompt, invalid UTF-8, ...)
  unknownModel @3;     # no node serves the model
  promptTooLong @4;    # the prompt is too long for the model (or for the API's size limit)
  unauthorized @5;     # missing or wrong API key
  notFound @6;         # no such job (never existed, or no longer retained)
  unavailable @7;      # the cluster cannot take or run the job now (shutting down, no device)
  internal @8;         # a bug or an unrecoverable failure
  cancelled @9;        # the job was cancelled by a client
}

struct Status {
  code @0 :ErrorCode;
  message @1 :Text;  # one line for people; names the job (or the request) and the problem
}

enum Priority {
  normal @0;
  high @1;
  low @2;
}

enum JobState {
  queued @0;
  running @1;
  done @2;
  failed @3;
  cancelled @4;
}

enum FinishReason {
  none @0;       # not finished, or did not finish normally
  eos @1;        # the model produced an end-of-generation token
  maxTokens @2;  # maxTokens tokens were generated
  stop @3;       # a stop string appeared (the output ends before it)
  length @4;     # the sequence reached the model's max_seq_len
}

struct JobSpec {
  model @0 :Text;
  prompt @1 :Text;                    # UTF-8, not empty
  maxTokens @2 :Int32 = 128;          # 1 .. the model's max_seq_len (cut to the room left)
  temperature @3 :Float32 = 0;        # 0 .. 100; 0 = greedy
  topP @4 :Float32 = 1;               # (0, 1]
  topK @5 :Int32 = 0;                 # >= 0; 0 disables
  repetitionPenalty @6 :Float32 = 1;  # (0, 10]; 1 disables
  seed @7 :UInt64 = 0;
  stop @8 :List(Text);                # at most 16, each 1..256 bytes of UTF-8
  priority @9 :Priority = normal;
  clientRequestId @10 :Text;          # optional, <= 256 bytes: the same id returns the same job
  minP @11 :Float32 = 0;              # [0, 1]; 0 disables
  presencePenalty @12 :Float32 = 0;   # [-2, 2]; 0 disables
  frequencyPenalty @13 :Float32 = 0;  # [-2, 2]; 0 disables
}

struct Timings {
  # Wall-clock microseconds since the Unix epoch; 0 = not reached (yet).
  submittedUs @0 :Int64;
  startedUs @1 :Int64;
  firstTokenUs @2 :Int64;
  finishedUs @3 :Int64;
}

struct JobInfo {
  jobId @0 :UInt64;
  model @1 :Text;
  state @2 :JobState;
  priority @3 :Priority;
  queuePosition @4 :UInt32;  # jobs ahead of it while queued
  node @5 :Text;             # node running (or that ran) the job; empty while queued
  device @6 :Text;
  promptTokens @7 :UInt32;
  generatedTokens @8 :UInt32;
  finishReason @9 :FinishReason;
  error @10 :Status;         # why it failed or was cancelled; code ok otherwise
  timings @11 :Timings;
}

struct JobResult {
  jobId @0 :UInt64;
  finishReason @1 :FinishReason;
  promptTokens @2 :UInt32;
  generatedTokens @3 :UInt32;
  text @4 :Text;  # the complete generated text
  timings @5 :Timings;
}

struct ModelInfo {
  name @0 :Text;
  maxActive @1 :Int32;
  maxQueued @2 :Int32;
  active @3 :Int32;
  queued @4 :Int32;
  peakActive @5 :Int32;
  peakQueued @6 :Int32;
  recommendedParallel @7 :Int32;  # sequences of max_seq_len the model's KV caches hold at once
  devices @8 :UInt32;             # devices serving the model
}

struct DeviceInfo {
  node @0 :Text;
  model @1 :Text;
  name @2 :Text;
  slotsTotal @3 :UInt32;
  slotsUsed @4 :UInt32;
  kvBlocksTotal @5 :UInt32;
  kvBlocksUsed @6 :UInt32;
}

enum NodeState {
  up @0;
  draining @1;  # leaving: takes no new jobs, finishes or hands back what it has
  down @2;      # lost: missed heartbeats or disconnected; its jobs moved to other nodes
}

struct NodeDevice {
  batcher @0 :UInt32;          # the scheduler's id for this (device, model) pair
  model @1 :Text;
  name @2 :Text;               # the Vulkan device, e.g. "NVIDIA H100 80GB HBM3"
  type @3 :Text;               # discrete, integrated, virtual, cpu, other
  memoryTotal @4 :UInt64;      # bytes
  memoryAvailable @5 :UInt64;  # bytes free after weights and KV cache
  slots @6 :UInt32;            # max_batch_size
  kvBlocks @7 :UInt32;
  speed @8 :Float64;           # measured single-sequence decode tokens/s: the routing weight
  draining @9 :Bool;
  sequences @10 :UInt32;       # running now
  generatedTokens @11 :UInt64; # since the device joined
  tokensPerS @12 :Float64;     # generated tokens per second, recently
}

struct NodeInfo {
  name @0 :Text;
  state @1 :NodeState;
  lastSeenUs @2 :Int64;        # last heartbeat answered (wall clock, microseconds)
  devices @3 :List(NodeDevice);
}

struct Limits {
  model @0 :Text;
  maxActive @1 :Int32;
  maxQueued @2 :Int32;
}

interface TokenSink {
  # Implemented by the client, passed to `submit` or `attach`. Receives a job's output in order:
  # `chunk` calls, then exactly one of `done` or `failed`. The server drops a sink that falls too
  # far behind or does not return (see docs/api.md, "Streams"); the job goes on and can be
  # attached again.

  chunk @0 (jobId :UInt64, firstIndex :UInt32, tokens :List(Int32), text :Text) -> stream;
  # New output. `firstIndex` is the index of tokens[0] among the job's generated tokens, so chunks
  # are contiguous: each starts where the previous one ended. `text` is whole UTF-8 characters
  # and may lag the tokens by an incomplete character.

  done @1 (result :JobResult);
  # Terminal: the job completed.

  failed @2 (jobId :UInt64, status :Status);
  # Terminal: the job failed or was cancelled.
}

interface Session {
  # What an authenticated client may do. Every method answers with a Status; failures of the
  # transport itself surface as Cap'n Proto exceptions.

  submit @0 (spec :JobSpec, sink :TokenSink) -> (status :Status, jobId :UInt64, queuePosition :UInt32);
  # Starts a job. A null sink submits it detached (follow it later with `attach`). jobId is set
  # whenever the request got an id, also with queueFull; it is 0 when the API rejected the request
  # before it reached the scheduler.

  attach @1 (jobId :UInt64, sink :TokenSink) -> (status :Status);
  # Streams a job's output to `sink`: everything generated so far (one chunk from index 0), then
  # live chunks and the terminal call. Works for finished jobs too, while they are retained.

  status @2 (jobId :UInt64) -> (status :Status, info :JobInfo);

  cancel @3 (jobId :UInt64) -> (status :Status);
  # invalidArgument when the job already finished.

  result @4 (jobId :UInt64) -> (status :Status, result :JobResult);
  # The complete text, counts and timings of a finished job. unavailable while the job is still
  # queued or running; the job's error when it failed or was cancelled.

  stats @5 () -> (json :Text, status :Status);
  # The metrics document (docs/metrics.md).

  models @6 () -> (models :List(ModelInfo), status :Status);
  # Every model of the cluster with its limits and current usage.

  health @7 () -> (status :Status, serving :Bool, devicesUp :UInt32, devices :List(DeviceInfo));
  # serving: the cluster takes jobs (at least one device up, not shutting down).

  getLimits @8 (model :Text) -> (status :Status, limits :Limits);

  setLimits @9 (model :Text, maxActive :Int32, maxQueued :Int32) -> (status :Status, limits :Limits);
  # Changes a model's admission limits at run time; -1 keeps a value. maxActive 1..1000000,
  # maxQueued 0..100000000. Answers the limits now in force.

  nodes @10 () -> (status :Status, nodes :List(NodeInfo));
  # Every node of the cluster with its devices, state, load and throughput; nodes that were lost
  # are listed as down.
}

interface Troupe {
  # The bootstrap interface.

  connect @0 (apiKey :Text, clientVersion :UInt32) -> (status :Status, session :Session, serverVersion :UInt32);
  # Opens a session. With a cluster api_key, a missing or wrong key answers unauthorized and a null
  # session. clientVersion is the client's apiVersion (0 is invalid).
}
