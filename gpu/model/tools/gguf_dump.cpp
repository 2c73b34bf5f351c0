// gguf-dump FILE: prints a GGUF file's metadata and tensor infos (a development aid).
#include <cstdio>
#include <exception>

#include "gpu/model/gguf_file.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FILE.gguf\n", argv[0]);
    return 2;
  }
  try {
    troupe::gguf_file f(argv[1]);
    std::printf("version %u, %zu metadata keys, %zu tensors, alignment %lu, data at %lu\n",
                f.version(), f.metadata().size(), f.tensors().size(),
                static_cast<unsigned long>(f.alignment()),
                static_cast<unsigned long>(f.data_offset()));
    for (const auto& [key, v] : f.metadata()) {
      std::printf("%-45s %-8s ", key.c_str(), troupe::to_string(v.type()));
      if (v.type() == troupe::gguf_type::string) {
        std::printf("'%.*s'", static_cast<int>(std::min<size_t>(v.as_string().size(), 80)),
                    v.as_string().data());
      } else if (v.type() == troupe::gguf_type::array) {
        std::printf("[%s x %lu]", troupe::to_string(v.element_type()),
                    static_cast<unsigned long>(v.size()));
        for (uint64_t i = 0; i < std::min<uint64_t>(v.size(), 8); ++i) {
          if (v.element_type() == troupe::gguf_type::string) {
            std::printf(" '%.*s'", static_cast<int>(v.string_at(i).size()), v.string_at(i).data());
          } else if (v.element_type() != troupe::gguf_type::array) {
            std::printf(" %g", v.float_at(i));
          }
        }
      } else if (v.type() == troupe::gguf_type::boolean) {
        std::printf("%s", v.as_bool() ? "true" : "false");
      } else {
        std::printf("%g", v.as_float());
      }
      std::printf("\n");
    }
    for (const auto& t : f.tensors()) {
      std::printf("%-32s %-6s %-16s offset %lu, %lu bytes\n", t.name.c_str(),
                  troupe::type_name(t.type).c_str(), t.shape_string().c_str(),
                  static_cast<unsigned long>(t.offset), static_cast<unsigned long>(t.size));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
