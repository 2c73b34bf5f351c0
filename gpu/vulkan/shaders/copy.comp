#version 450
// dst = src, vec4 at a time in a grid-stride loop: measures the device's memory bandwidth (bytes
// read + bytes written per second) as a yardstick for the decode kernels.
#include "common.glsl"

layout(push_constant) uniform push_t {
  vec4_in src;
  vec4_out dst;
  uint n;  // vec4 count
} pc;

void main() {
  const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < pc.n; i += stride) pc.dst.v[i] = pc.src.v[i];
}
