#include "gpu/model/gguf_file.hpp"

#include "gpu/model/gguf_detail.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <limits>
#include <unordered_set>

namespace troupe {

static_assert(std::endian::native == std::endian::little,
              "GGUF parsing assumes a little-endian host");

using namespace gguf_detail;

namespace {

constexpr uint32_t max_dims = 4;
constexpr int max_array_depth = 8;

}  // namespace

// ---- parsing ------------------------------------------------------------------------------------

class gguf_parser {
 public:
  explicit gguf_parser(gguf_file& f) : f_(f), p_(f.map_), size_(f.size_) {}

  void parse() {
    parse_header();
    parse_metadata();
    parse_tensor_infos();
    place_tensor_data();
  }

 private:
  [[noreturn]] void fail(gguf_errc code, const std::string& detail) const {
    throw gguf_error(code, f_.path_ + ": " + to_string(code) + ": " + detail);
  }

  uint64_t left() const { return size_ - pos_; }

  void need(uint64_t n) const {
    if (n > left()) {
      fail(gguf_errc::truncated, "file ends inside " + where_ + " (offset " + std::to_string(pos_) +
                                     ", " + std::to_string(n) + " bytes needed, " +
                                     std::to_string(left()) + " left)");
    }
  }

  template <typename T>
  T read() {
    need(sizeof(T));
    T v = load<T>(p_ + pos_);
    pos_ += sizeof(T);
    return v;
  }

  // A count or length that cannot fit in what is left of the file. Beyond `absurd` it is reported
  // as such; a smaller one is presumably honest in a truncated file, and reported as truncated
  // when the items run out. Either way nothing is allocated beyond what the file can hold.
  static constexpr uint64_t absurd = uint64_t{1} << 32;

  void check_fits(uint64_t n, uint64_t min_item_bytes, const std::string& what) const {
    if (n > absurd && n > left() / min_item_bytes) {
      fail(gguf_errc::too_large, what + " " + std::to_string(n) + " in " + where_ +
                                     " cannot fit in the " + std::to_string(left()) +
                                     " bytes left in the file");
    }
  }

  uint64_t read_count(uint64_t min_item_bytes, const std::string& what) {
    const auto n = read<uint64_t>();
    check_fits(n, min_item_bytes, what + " count");
    return n;
  }

  uint64_t reserve_bound(uint64_t n, uint64_t min_item_bytes) const {
    return std::min(n, left() / min_item_bytes);
  }

  std::string_view read_string() {
    const auto len = read<uint64_t>();
    check_fits(len, 1, "string length");
    need(len);
    std::string_view s(reinterpret_cast<const char*>(p_ + pos_), len);
    pos_ += len;
    return s;
  }

  void parse_header() {
    where_ = "the header";
    if (size_ < 4) fail(gguf_errc::truncated, "file is " + std::to_string(size_) + " bytes long");
    if (std::memcmp(p_, "GGUF", 4) != 0) {
      fail(gguf_errc::bad_magic, "magic is not 'GGUF'");
    }
    pos_ = 4;
    f_.version_ = read<uint32_t>();
    if (f_.version_ != 2 && f_.version_ != 3) {
      std::string hint;
      if (f_.version_ == 1) hint = " (version 1 files are obsolete; convert the model again)";
      if (__builtin_bswap32(f_.version_) == 2 || __builtin_bswap32(f_.version_) == 3) {
        hint = " (a big-endian file?)";
      }
      fail(gguf_errc::unsupported_version,
           "version " + std::to_string(f_.version_) + ", expected 2 or 3" + hint);
    }
    // Smallest tensor info: empty name (8), n_dims (4), one dimension (8), type (4), offset (8).
    n_tensors_ = read_count(32, "tensor");
    // Smallest metadata pair: empty key (8), type (4), a one-byte value.
    n_kv_ = read_count(13, "metadata");
  }

  void parse_metadata() {
    f_.kvs_.reserve(reserve_bound(n_kv_, 13));
    std::unordered_set<std::string> seen_keys;
    for (uint64_t k = 0; k < n_kv_; ++k) {
      where_ = "metadata key #" + std::to_string(k);
      const std::string key(read_string());
      where_ = "metadata value '" + key + "'";
      const auto type = read<uint32_t>();
      if (!valid_type(type)) {
        fail(gguf_errc::bad_value,
             "unknown value type " + std::to_string(type) + " for '" + key + "'");
      }
      gguf_value v;
      v.key_ = key;
      read_value(static_cast<gguf_type>(type), v, 0);
      if (!seen_keys.insert(key).second) fail(gguf_errc::duplicate, "metadata key '" + key + "'");
      f_.kvs_.emplace_back(key, std::move(v));
    }
    for (size_t i = 0; i < f_.kvs_.size(); ++i) f_.kv_index_.emplace(f_.kvs_[i].first, i);

    if (const gguf_value* a = f_.find("general.alignment")) {
      if (!a->is_integer()) {
        fail(gguf_errc::bad_value,
             std::string("general.alignment must be an integer, found ") + to_string(a->type()));
      }
      const int64_t align = a->as_int();
      if (align <= 0 || align > (1 << 30) || !std::has_single_bit(static_cast<uint64_t>(align))) {
        fail(gguf_errc::bad_value,
             "general.alignment " + std::to_string(align) + " is not a power of two");
      }
      f_.alignment_ = static_cast<uint64_t>(align);
    }
  }

  void read_value(gguf_type type, gguf_value& v, int depth) {
    v.type_ = type;
    switch (type) {
      case gguf_type::string:
        v.str_ = read_string();
        return;
      case gguf_type::array:
        read_array(v, depth);
        return;
      case gguf_type::boolean: {
        const auto b = read<uint8_t>();
        if (b > 1) fail(gguf_errc::bad_value, "bool " + where_ + " has value " + std::to_string(b));
        v.scalar_.u = b;
        return;
      }
      case gguf_type::float32:
        v.scalar_.f = read<float>();
        return;
      case gguf_type::float64:
        v.scalar_.f = read<double>();
        return;
      case gguf_type::uint64:
        v.scalar_.u = read<uint64_t>();
        return;
      default: {
        const size_t n = scalar_size(type);
        need(n);
        v.scalar_.i = decode_int(type, p_ + pos_, v.key_);
        pos_ += n;
        return;
      }
    }
  }

  void read_array(gguf_value& v, int depth) {
    if (depth >= max_array_depth) fail(gguf_errc::bad_value, where_ + " nests arrays too deeply");
    const auto elem = read<uint32_t>();
    if (!valid_type(elem)) {
      fail(gguf_errc::bad_value,
           "unknown array element type " + std::to_string(elem) + " in " + where_);
    }
    v.elem_type_ = static_cast<gguf_type>(elem);
    const size_t esize = scalar_size(v.elem_type_);
    // Strings take at least their 8-byte length, arrays their type and count (12 bytes).
    const uint64_t min_bytes = esize != 0 ? esize : (v.elem_type_ == gguf_type::string ? 8 : 12);
    v.count_ = read_count(min_bytes, "array element");
    if (esize != 0) {
      need(v.count_ * esize);
      v.elems_ = p_ + pos_;
      if (v.elem_type_ == gguf_type::boolean) {
        for (uint64_t i = 0; i < v.count_; ++i) {
          if (v.elems_[i] > 1) fail(gguf_errc::bad_value, "bool element in " + where_);
        }
      }
      pos_ += v.count_ * esize;
    } else if (v.elem_type_ == gguf_type::string) {
      v.strs_.reserve(reserve_bound(v.count_, 8));
      for (uint64_t i = 0; i < v.count_; ++i) v.strs_.push_back(read_string());
    } else {
      for (uint64_t i = 0; i < v.count_; ++i) {
        gguf_value inner;
        inner.key_ = v.key_;
        read_value(gguf_type::array, inner, depth + 1);
        v.nested_.push_back(std::move(inner));
      }
    }
  }

  void parse_tensor_infos() {
    f_.tensors_.reserve(reserve_bound(n_tensors_, 32));
    for (uint64_t t = 0; t < n_tensors_; ++t) {
      where_ = "tensor info #" + std::to_string(t);
      gguf_tensor_info info;
      info.name = std::string(read_string());
      where_ = "tensor info '" + info.name + "'";
      if (info.name.empty())
        fail(gguf_errc::bad_tensor, "tensor #" + std::to_string(t) + " has no name");
      info.n_dims = read<uint32_t>();
      if (info.n_dims == 0 || info.n_dims > max_dims) {
        fail(gguf_errc::bad_tensor,
             info.name + ": " + std::to_string(info.n_dims) + " dimensions (1 to 4 allowed)");
      }
      for (uint32_t d = 0; d < info.n_dims; ++d) {
        const auto ne = read<uint64_t>();
        if (ne > static_cast<uint64_t>(INT64_MAX)) {
          fail(gguf_errc::bad_tensor,
               info.name + ": dimension " + std::to_string(d) + " is " + std::to_string(ne));
        }
        info.ne[d] = static_cast<int64_t>(ne);
      }
      const auto type = read<uint32_t>();
      const type_traits* traits = find_type_traits(type);
      if (traits == nullptr) {
        fail(gguf_errc::bad_tensor, info.name + ": unknown tensor type " + std::to_string(type));
      }
      info.type = traits->type;
      info.offset = read<uint64_t>();
      info.size = tensor_bytes(info, *traits);
      f_.tensors_.push_back(std::move(info));
    }
    for (size_t i = 0; i < f_.tensors_.size(); ++i) {
      if (!f_.tensor_index_.emplace(f_.tensors_[i].name, i).second) {
        fail(gguf_errc::duplicate, "tensor name '" + f_.tensors_[i].name + "'");
      }
    }
  }

  uint64_t tensor_bytes(const gguf_tensor_info& info, const type_traits& traits) const {
    if (info.ne[0] % traits.block_size != 0) {
      fail(gguf_errc::bad_tensor, info.name + ": row length " + std::to_string(info.ne[0]) +
                                      " is not a multiple of " + std::to_string(traits.block_size) +
                                      " (" + traits.name + " block size)");
    }
    uint64_t bytes = static_cast<uint64_t>(info.ne[0]) / traits.block_size * traits.type_size;
    for (uint32_t d = 1; d < info.n_dims; ++d) {
      if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(info.ne[d]), &bytes)) {
        fail(gguf_errc::too_large, info.name + ": shape " + info.shape_string() + " overflows");
      }
    }
    return bytes;
  }

  void place_tensor_data() {
    const uint64_t a = f_.alignment_;
    f_.data_offset_ = (pos_ + a - 1) / a * a;
    const uint64_t available = f_.data_offset_ <= size_ ? size_ - f_.data_offset_ : 0;
    std::vector<size_t> order(f_.tensors_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    for (auto& t : f_.tensors_) {
      if (t.offset % a != 0) {
        fail(gguf_errc::bad_offset, t.name + ": offset " + std::to_string(t.offset) +
                                        " is not a multiple of the alignment " + std::to_string(a));
      }
      if (t.offset > available || t.size > available - t.offset) {
        fail(gguf_errc::bad_offset,
             t.name + ": data [" + std::to_string(t.offset) + ", +" + std::to_string(t.size) +
                 ") runs past the end of the file (" + std::to_string(available) +
                 " data bytes after offset " + std::to_string(f_.data_offset_) + ")");
      }
      t.data = p_ + f_.data_offset_ + t.offset;
    }
    std::sort(order.begin(), order.end(),
              [&](size_t x, size_t y) { return f_.tensors_[x].offset < f_.tensors_[y].offset; });
    for (size_t i = 1; i < order.size(); ++i) {
      const auto& prev = f_.tensors_[order[i - 1]];
      const auto& cur = f_.tensors_[order[i]];
      if (prev.size > 0 && cur.size > 0 && prev.offset + prev.size > cur.offset) {
        fail(gguf_errc::bad_offset, "data of " + prev.name + " and " + cur.name + " overlap");
      }
    }
  }

  gguf_file& f_;
  const uint8_t* p_;
  uint64_t size_;
  uint64_t pos_ = 0;
  uint64_t n_tensors_ = 0;
  uint64_t n_kv_ = 0;
  std::string where_;
};

// ---- gguf_file ----------------------------------------------------------------------------------

gguf_file::gguf_file(const std::string& path) : path_(path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw gguf_error(gguf_errc::io, path + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const int err = errno;
    ::close(fd);
    throw gguf_error(gguf_errc::io, path + ": not a regular file" +
                                        (err != 0 ? std::string(": ") + std::strerror(err) : ""));
  }
  size_ = static_cast<uint64_t>(st.st_size);
  if (size_ > 0) {
    void* m = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      throw gguf_error(gguf_errc::io, path + ": cannot map: " + std::strerror(err));
    }
    map_ = static_cast<const uint8_t*>(m);
  }
  ::close(fd);
  try {
    gguf_parser(*this).parse();
  } catch (...) {
    if (map_ != nullptr) ::munmap(const_cast<uint8_t*>(map_), size_);
    throw;
  }
}

gguf_file::~gguf_file() {
  if (map_ != nullptr) ::munmap(const_cast<uint8_t*>(map_), size_);
}

const gguf_value* gguf_file::find(std::string_view key) const {
  auto it = kv_index_.find(key);
  return it == kv_index_.end() ? nullptr : &kvs_[it->second].second;
}

namespace {

template <typename F>
auto with_path(const std::string& path, F&& f) {
  try {
    return f();
  } catch (const gguf_error& e) {
    throw gguf_error(e.code(), path + ": " + to_string(e.code()) + ": " + e.what());
  }
}

}  // namespace

std::optional<int64_t> gguf_file::get_int(std::string_view key) const {
  const gguf_value* v = find(key);
  if (v == nullptr) return std::nullopt;
  return with_path(path_, [&] { return v->as_int(); });
}

std::optional<double> gguf_file::get_float(std::string_view key) const {
  const gguf_value* v = find(key);
  if (v == nullptr) return std::nullopt;
  return with_path(path_, [&] { return v->as_float(); });
}

std::optional<bool> gguf_file::get_bool(std::string_view key) const {
  const gguf_value* v = find(key);
  if (v == nullptr) return std::nullopt;
  return with_path(path_, [&] { return v->as_bool(); });
}

std::optional<std::string> gguf_file::get_string(std::string_view key) const {
  const gguf_value* v = find(key);
  if (v == nullptr) return std::nullopt;
  return with_path(path_, [&] { return std::string(v->as_string()); });
}

const gguf_tensor_info* gguf_file::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

std::shared_ptr<const gguf_file> open_gguf(const std::string& path) {
  return std::make_shared<const gguf_file>(path);
}

}  // namespace troupe
