// The job store's key layout in RocksDB (internal to persistence/).
//
// One column family (the default), with a short prefix per record kind:
//
//   j/<id>                  JobSpec (schema/job_record.capnp): the request; written once by accept
//   s/<id>                  JobStatus: state, node/device, start/finish times, finish reason, error
//   p/<id>                  JobProgress: generated tokens + text; absent until the first checkpoint
//   l/<id>                  empty: the live index, one key per unfinished (queued or running) job;
//                           written by accept, deleted by finish. `recover` walks only this index,
//                           so restart cost follows the unfinished jobs, not the retained ones.
//   r/<client_request_id>   <id>: the idempotency index (raw request-id bytes after the prefix)
//   f/<finished_us><id>     empty: the retention index, in finishing order; written by finish
//   meta/schema_version     uint32 big-endian: the key layout version (kSchemaVersion)
//   meta/next_id            <id>: above every id ever accepted, so ids are never reused even after
//                           the retention sweep removed the newest finished jobs
//
// <id> is the job id as 8 bytes big-endian, so byte order is numeric order and the ids of one
// prefix are scanned in submission order. <finished_us> is the int64 with its sign bit flipped,
// big-endian, so that it also sorts numerically.
//
// Why prefixes rather than column families: every operation writes several kinds at once and they
// must commit atomically in one WriteBatch anyway; one column family means one memtable and no
// column-family list to keep in step across versions (RocksDB refuses to open a database without
// naming all its column families, so a later version adding one would lock older binaries out,
// and each addition would need a migration step). New record kinds are just new prefixes that
// older code never reads. Each kind is still a contiguous key range, so scans are as cheap as
// with column families; per-kind tuning, their main advantage, is not needed at this size.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "actors/types.hpp"

namespace troupe::store_keys {

inline constexpr uint32_t kSchemaVersion = 1;

inline constexpr std::string_view job_prefix = "j/";
inline constexpr std::string_view status_prefix = "s/";
inline constexpr std::string_view progress_prefix = "p/";
inline constexpr std::string_view live_prefix = "l/";
inline constexpr std::string_view request_prefix = "r/";
inline constexpr std::string_view finished_prefix = "f/";
inline constexpr std::string_view schema_version_key = "meta/schema_version";
inline constexpr std::string_view next_id_key = "meta/next_id";

std::string id_key(std::string_view prefix, job_id id);  // <prefix><id>
std::string job_key(job_id id);
std::string status_key(job_id id);
std::string progress_key(job_id id);
std::string live_key(job_id id);
std::string request_key(std::string_view client_request_id);
std::string finished_key(int64_t finished_us, job_id id);

std::string prefix_end(std::string_view prefix);
// The smallest key above every key with `prefix` (an exclusive upper bound for scans).

std::optional<job_id> parse_id_key(std::string_view key, std::string_view prefix);
// The id of a <prefix><id> key; nullopt when the key does not have that shape.

std::optional<job_id> parse_finished_key(std::string_view key);
// The id of an f/<finished_us><id> key.

std::string encode_u64(uint64_t v);  // 8 bytes big-endian
std::optional<uint64_t> decode_u64(std::string_view bytes);
std::string encode_u32(uint32_t v);  // 4 bytes big-endian
std::optional<uint32_t> decode_u32(std::string_view bytes);

}  // namespace troupe::store_keys
