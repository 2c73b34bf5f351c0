#version 450
// Bandwidth probes (engine_bench), each workgroup walking one contiguous slice (CPU
// implementations run a workgroup per thread: strided grid loops would thrash their caches).
//   MODE_READ:        sum the slice's texels, one vec4 out per lane: the device's read bandwidth
//                     through texel fetches, the yardstick for the projection kernels.
//   MODE_COPY_TEXEL:  dst = src, texel fetches in, storage buffer stores out.
//   MODE_COPY_BUFFER: dst = src through storage buffers both ways.
#include "common.glsl"

#if defined(MODE_COPY_BUFFER)
layout(binding = 0, std430) readonly buffer src_t { uvec4 src[]; };
#else
layout(binding = 0) uniform usamplerBuffer src;  // RGBA32UI
#endif
layout(binding = 1, std430) writeonly buffer dst_t { uvec4 dst[]; };

layout(push_constant) uniform push_t {
  uint n;          // texels
  uint per_group;  // texels per workgroup
} pc;

void main() {
  const uint begin = flat_group() * pc.per_group;
  const uint end = min(begin + pc.per_group, pc.n);
  const uint lane = gl_SubgroupInvocationID;
#if defined(MODE_READ)
  uvec4 a = uvec4(0), b = uvec4(0);
  uint i = begin + lane;
  for (; i + SG < end; i += 2u * SG) {
    a += texelFetch(src, int(i));
    b += texelFetch(src, int(i + SG));
  }
  if (i < end) a += texelFetch(src, int(i));
  dst[flat_group() * SG + lane] = a + b;
#else
  for (uint i = begin + lane; i < end; i += SG) {
#if defined(MODE_COPY_BUFFER)
    dst[i] = src[i];
#else
    dst[i] = texelFetch(src, int(i));
#endif
  }
#endif
}
