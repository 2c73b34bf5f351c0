# On-disk records of troupe's durable job store (persistence/job_store.hpp).
#
# One job is stored as three records under separate keys (the key layout is documented in
# persistence/store_keys.hpp):
#   JobSpec      j/<id>  the request, written once when the job is accepted, never rewritten;
#   JobStatus    s/<id>  where the job is in its lifecycle, rewritten on each state transition;
#   JobProgress  p/<id>  the output so far, rewritten by each checkpoint and at the end.
# Splitting them keeps the frequent writes small: a checkpoint never rewrites the prompt.
#
# This is a storage format: what one version writes, every later version must read. Rules:
#   - Only ADD fields, each with the next free ordinal. Never renumber, retype, rename-with-new-
#     meaning, reuse or remove a field; an obsolete one stays, documented as unused.
#   - A record written before a field existed reads that field as its default, so a new field's
#     default must mean "what older versions did".
#   - Only add enumerants at the end. A reader that meets an enumerant it does not know reports the
#     record as unreadable (it does not guess).
#   - Changes that cannot follow these rules (key layout, meaning of a field) bump the store's
#     schema version (key meta/schema_version) and need a migration.
# Every record repeats its job id: a reader checks it against the key, which catches records
# written under the wrong key or garbage that happens to parse.
#
# Times are wall-clock microseconds since the Unix epoch; 0 means "not reached".

@0xab22662aaaa21d1d;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("troupe::store");

enum Priority {  # troupe::priority
  low @0;
  normal @1;
  high @2;
}

enum JobState {  # troupe::job_state
  queued @0;     # accepted, waiting for a device (or put back after its node was lost)
  running @1;    # on a device; JobStatus.node/device say where
  done @2;       # finished normally: JobStatus.finishReason says why
  failed @3;     # JobStatus.errorCode/errorMessage say why
  cancelled @4;  # by a client
}

enum FinishReason {  # troupe::finish_reason
  none @0;       # not finished, or did not finish normally
  eos @1;        # the model produced an end-of-generation token
  maxTokens @2;  # the job's max_tokens were generated
  stop @3;       # a stop string appeared in the output
  length @4;     # the sequence reached the model's max_seq_len
}

enum ErrorCode {  # troupe::errc
  ok @0;
  queueFull @1;
  invalidArgument @2;
  unknownModel @3;
  promptTooLong @4;
  unauthorized @5;
  notFound @6;
  unavailable @7;
  internal @8;
  cancelled @9;
}

struct Sampling {  # troupe::sampling_params; with the seed, makes a resumed run reproduce its output
  temperature @0 :Float32 = 0.0;        # 0 = greedy
  topP @1 :Float32 = 1.0;               # nucleus threshold; 1 disables it
  topK @2 :Int32 = 0;                   # keep the k most likely tokens; 0 disables it
  repetitionPenalty @3 :Float32 = 1.0;  # > 1 discourages repeats; 1 disables it
  seed @4 :UInt64 = 0;                  # selects the job's random stream
  minP @5 :Float32 = 0.0;               # drop tokens below minP x the best one's probability
  presencePenalty @6 :Float32 = 0.0;    # OpenAI's presence penalty; 0 disables it
  frequencyPenalty @7 :Float32 = 0.0;   # OpenAI's frequency penalty; 0 disables it
}

struct JobSpec {  # key j/<id>: the accepted request; immutable
  id @0 :UInt64;                 # the job id, unique for the store's lifetime (ids are never reused)
  model @1 :Text;                # the model's name in the cluster config
  prompt @2 :Text;               # the prompt as the client sent it (UTF-8, stored byte for byte)
  promptTokens @3 :List(Int32);  # the prompt after tokenization: what a resumed job prefills
  maxTokens @4 :Int32;           # tokens to generate at most, as requested
  maxNewTokens @5 :Int32;        # the effective budget: maxTokens cut to fit the model's max_seq_len
  lengthLimited @6 :Bool;        # maxNewTokens was cut (the job then ends with FinishReason.length)
  sampling @7 :Sampling;
  stop @8 :List(Text);           # stop strings: generation ends when the output contains one
  priority @9 :Priority = normal;
  clientRequestId @10 :Text;     # the client's idempotency key; empty when none (see key r/)
  kvBlocks @11 :UInt32;          # KV-cache blocks the job needs (prompt plus generation budget)
  submittedUs @12 :Int64;        # when the scheduler accepted the job
  clientAddress @13 :Text;       # who submitted it (host:port as the head saw it); empty when
                                 # unknown (in process, or written before this field existed)
}

struct JobStatus {  # key s/<id>: the job's lifecycle; rewritten on every transition
  id @0 :UInt64;
  state @1 :JobState;
  startedUs @2 :Int64;             # when it (last) started running
  finishedUs @3 :Int64;            # when it reached a terminal state; also in key f/
  node @4 :Text;                   # the node it runs or last ran on; empty when it never ran
  device @5 :Text;                 # the device on that node
  finishReason @6 :FinishReason;   # for state done
  errorCode @7 :ErrorCode;         # for states failed and cancelled
  errorMessage @8 :Text;
}

struct JobProgress {  # key p/<id>: generated output; absent until the first checkpoint
  id @0 :UInt64;
  generated @1 :List(Int32);  # every token generated so far, in order (a snapshot, not a delta)
  text @2 :Text;              # their text (whole UTF-8 characters; may lag the tokens)
  firstTokenUs @3 :Int64;     # when the first token was generated
}
