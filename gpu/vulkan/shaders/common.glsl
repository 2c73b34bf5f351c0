// Shared declarations of troupe's compute kernels.
//
// Buffers are reached through buffer device addresses passed in push constants. Every kernel runs
// workgroups of exactly one subgroup (local_size_x = specialization constant 0 = the subgroup size
// the host pinned), so reductions use subgroup operations and no kernel needs barrier() or shared
// memory: barriers are expensive on CPU implementations and unnecessary on GPUs for this shape.
#extension GL_EXT_buffer_reference : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require

layout(local_size_x_id = 0) in;

layout(buffer_reference, std430, buffer_reference_align = 16) readonly buffer vec4_in { vec4 v[]; };
layout(buffer_reference, std430, buffer_reference_align = 16) buffer vec4_out { vec4 v[]; };
layout(buffer_reference, std430, buffer_reference_align = 16) readonly buffer uvec4_in { uvec4 v[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer float_in { float v[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) buffer float_out { float v[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer uint_in { uint v[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer int_in { int v[]; };

// Flat workgroup index: the host folds dispatches wider than maxComputeWorkGroupCount[0] into y.
uint flat_group() { return gl_WorkGroupID.x + gl_NumWorkGroups.x * gl_WorkGroupID.y; }
