// llama.cpp (node-llama-cpp, CPU backend) evaluating token sequences, for the judge tests.
//
//   node llama_cpp_evaluate.mjs NODE_LLAMA_CPP_DIR REQUEST.json > RESPONSE.json
//
// NODE_LLAMA_CPP_DIR is the installed package (ES modules ignore NODE_PATH).
//
// REQUEST: {"runs": [RUN, ...]}, one model each:
//   RUN: {"model": PATH, "vocab": V, "context": N, "threads": T,
//         "forced": [[ids...], ...],   teacher forcing: the next-token distribution after every
//                                      prefix tokens[0..i], i >= 0
//         "greedy": [{"prompt": [ids...], "tokens": N}, ...]}   greedy continuations
// RESPONSE: {"runs": [{"forced": [[[p_0 .. p_V-1] per position] per sequence],
//                      "greedy": [[ids...] per prompt]}, ...]}
// Probabilities are llama.cpp's softmax at temperature 1, untruncated, to 7 digits. Token ids go in and out as
// they are: nothing is tokenized here, so BOS is whatever the caller put first.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const { getLlama, LlamaLogLevel } = await import(
  pathToFileURL(join(process.argv[2], "dist", "index.js")).href);
const request = JSON.parse(readFileSync(process.argv[3], "utf8"));
const llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error });

async function evaluate(run) {
  const model = await llama.loadModel({ modelPath: run.model });
  const context = await model.createContext({
    contextSize: run.context,
    threads: run.threads ?? 2,
    sequences: 1,
    batchSize: Math.min(run.context, 512),
  });
  const sequence = context.getSequence();
  // The full distribution: temperature 1 and no truncation, so every token with p > 0 is there.
  const everything = { temperature: 1, topK: run.vocab, topP: 1, minP: 0 };
  const result = { forced: [], greedy: [] };
  for (const tokens of run.forced ?? []) {
    await sequence.clearHistory();
    const items = await sequence.controlledEvaluate(
      tokens.map((t) => [t, { generateNext: { probabilities: true, options: everything } }]),
    );
    result.forced.push(items.map((item) => {
      const dense = new Array(run.vocab).fill(0);
      for (const [id, p] of item.next.probabilities) dense[id] = Number(p.toPrecision(7));
      return dense;
    }));
  }
  for (const { prompt, tokens } of run.greedy ?? []) {
    await sequence.clearHistory();
    const out = [];
    for await (const t of sequence.evaluate(prompt, { temperature: 0 })) {
      out.push(t);
      if (out.length === tokens) break;
    }
    result.greedy.push(out);
  }
  await context.dispose();
  await model.dispose();
  return result;
}

const response = { runs: [] };
for (const run of request.runs) response.runs.push(await evaluate(run));
process.stdout.write(JSON.stringify(response));
await llama.dispose();
