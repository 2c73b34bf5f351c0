#version 450
// dst = src, vec4 at a time, each workgroup copying one contiguous slice (CPU implementations
// run a workgroup per thread: strided grid loops would thrash their caches). Measures the
// device's memory bandwidth as a yardstick for the decode kernels.
#include "common.glsl"

layout(push_constant) uniform push_t {
  vec4_in src;
  vec4_out dst;
  uint n;          // vec4 count
  uint per_group;  // vec4s per workgroup, a multiple of the subgroup size
} pc;

void main() {
  const uint begin = flat_group() * pc.per_group;
  const uint end = min(begin + pc.per_group, pc.n);
  for (uint i = begin + gl_SubgroupInvocationID; i < end; i += gl_SubgroupSize) {
    pc.dst.v[i] = pc.src.v[i];
  }
}
