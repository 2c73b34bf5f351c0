// The peer for `troupe-bench engine`: llama.cpp (node-llama-cpp) on the same GGUF file, measured
// the same way: B sequences of P distinct prompt tokens prefilled together, then G tokens each
// decoded greedily, all B advancing together (node-llama-cpp batches the sequences of a context
// into one llama_decode per step). A development aid, not part of troupe.
//
//   npm i -E node-llama-cpp@3.21.1 --prefix DIR
//   node bench/llama_cpp_bench.mjs DIR/node_modules/node-llama-cpp MODEL.gguf \
//       [--gpu false|vulkan] [--threads 2] [--batch 1,16] [--prompt-tokens 32] [--gen-tokens 16]
//
// llama.cpp's Vulkan backend skips CPU devices: on lavapipe, run with GGML_VK_VISIBLE_DEVICES=0.
//
// One JSON object per line, as troupe-bench's:
//   {"bench":"llama.cpp","backend":"cpu","threads":T,"batch":B,"prompt_tokens":P,
//    "gen_tokens":G,"prefill_tok_s":...,"decode_tok_s":...}
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [packageDir, modelPath, ...rest] = process.argv.slice(2);
if (!packageDir || !modelPath) {
  console.error("usage: node llama_cpp_bench.mjs NODE_LLAMA_CPP_DIR MODEL.gguf [options]");
  process.exit(2);
}
const option = (name, fallback) => {
  const i = rest.indexOf(name);
  return i >= 0 && i + 1 < rest.length ? rest[i + 1] : fallback;
};
const gpu = option("--gpu", "false");
const threads = Number(option("--threads", "2"));
const batches = option("--batch", "1,16").split(",").map(Number);
const promptTokens = Number(option("--prompt-tokens", "32"));
const genTokens = Number(option("--gen-tokens", "16"));

const { getLlama, LlamaLogLevel } = await import(
  pathToFileURL(join(packageDir, "dist", "index.js")).href);
const llama = await getLlama({ gpu: gpu === "false" ? false : gpu, logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath, gpuLayers: gpu === "false" ? 0 : "max" });
const vocab = model.fileInsights.tensorInfo?.find((t) => t.name === "token_embd.weight")
  ?.dimensions?.[1] ?? 256;

let nextSeed = 1;
async function run(batch) {
  const perSequence = promptTokens + genTokens + 16;
  const context = await model.createContext({
    contextSize: perSequence * batch,
    sequences: batch,
    threads,
    batchSize: Math.max(512, batch * promptTokens),
  });
  const sequences = Array.from({ length: batch }, () => context.getSequence());
  const prompts = sequences.map(() => {
    const seed = nextSeed++;
    return Array.from({ length: promptTokens }, (_, t) => (seed * 7919 + t * 104729) % vocab);
  });
  let prefillDone = 0;
  let prefillEnd = 0;
  const start = performance.now();
  await Promise.all(sequences.map(async (s, i) => {
    let n = 0;
    for await (const _ of s.evaluate(prompts[i], { temperature: 0 })) {
      if (n === 0 && ++prefillDone === batch) prefillEnd = performance.now();
      if (++n === genTokens + 1) break;
    }
  }));
  const end = performance.now();
  await context.dispose();
  // The first token of each sequence comes out of the prefill, as in troupe-bench.
  return {
    prefill_tok_s: (batch * promptTokens) / ((prefillEnd - start) / 1000),
    decode_tok_s: (batch * genTokens) / ((end - prefillEnd) / 1000),
  };
}

await run(1);  // warm-up, as troupe-bench's throwaway sequence
for (const batch of batches) {
  const r = await run(batch);
  console.log(JSON.stringify({
    bench: "llama.cpp", backend: gpu === "false" ? "cpu" : gpu, threads, batch,
    prompt_tokens: promptTokens, gen_tokens: genTokens,
    prefill_tok_s: Number(r.prefill_tok_s.toPrecision(4)),
    decode_tok_s: Number(r.decode_tok_s.toPrecision(4)),
  }));
}
await model.dispose();
await llama.dispose();
