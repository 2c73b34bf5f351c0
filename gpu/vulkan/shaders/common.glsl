// Shared declarations of troupe's compute kernels.
//
// Inputs are uniform texel buffers (usamplerBuffer, RGBA32UI views for vec4 data and R32UI views
// for scalars) read with texelFetch; outputs are storage buffers. CPU implementations (lavapipe)
// vectorize texel fetches but turn every storage-buffer load into a loop over the SIMD lanes, so
// kernels only ever store to storage buffers (and read back at most their own outputs). Every
// kernel runs workgroups of exactly one subgroup (local_size_x = specialization constant 0 = the
// subgroup size the host pinned), so reductions use subgroup operations and no kernel needs
// barrier() or shared memory. Offsets into bindings arrive in push constants, in units of the
// view's texels (or of the output array's elements).
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_EXT_control_flow_attributes : require

layout(local_size_x_id = 0) in;
#define SG gl_WorkGroupSize.x

// Flat workgroup index: the host folds dispatches wider than maxComputeWorkGroupCount[0] into y.
uint flat_group() { return gl_WorkGroupID.x + gl_NumWorkGroups.x * gl_WorkGroupID.y; }

vec4 fetch4(usamplerBuffer s, uint texel) { return uintBitsToFloat(texelFetch(s, int(texel))); }
uint fetch_word(usamplerBuffer s, uint word) { return texelFetch(s, int(word)).x; }  // R32UI view
float fetch_float(usamplerBuffer s, uint word) { return uintBitsToFloat(texelFetch(s, int(word)).x); }
