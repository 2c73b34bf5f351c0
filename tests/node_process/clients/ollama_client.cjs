// node ollama_client.cjs NPM_MODULES HOST API_KEY SCENARIO MODEL
// Drives troupe's HTTP front door with the official Ollama client library (npm `ollama`,
// installed at test time under NPM_MODULES) and prints one JSON object with what it saw.
"use strict";
const [modules, host, apiKey, scenario, model] = process.argv.slice(2);
const req = require("module").createRequire(modules + "/");
const { Ollama } = req("ollama");

const ollama = new Ollama({ host, headers: { Authorization: "Bearer " + apiKey } });
const options = { temperature: 0, seed: 0, num_predict: 24 };

async function main() {
  const out = { text: "", parts: 0 };
  if (scenario === "generate_stream") {
    const stream = await ollama.generate({ model, prompt: "Once upon a time", stream: true, options });
    for await (const part of stream) {
      out.parts++;
      out.text += part.response;
      if (part.done) Object.assign(out, { done_reason: part.done_reason, eval_count: part.eval_count,
                                          prompt_eval_count: part.prompt_eval_count,
                                          total_duration: part.total_duration });
    }
  } else if (scenario === "generate") {
    const r = await ollama.generate({ model, prompt: "Once upon a time", options });
    out.text = r.response;
    out.done = r.done;
    out.done_reason = r.done_reason;
    out.eval_count = r.eval_count;
  } else if (scenario === "chat_stream") {
    const stream = await ollama.chat({
      model, messages: [{ role: "user", content: "Once upon a time" }], stream: true, options,
    });
    for await (const part of stream) {
      out.parts++;
      out.text += part.message.content;
      out.role = part.message.role;
      if (part.done) Object.assign(out, { done_reason: part.done_reason, eval_count: part.eval_count });
    }
  } else if (scenario === "list") {
    out.models = (await ollama.list()).models.map((m) => m.name);
    out.show_family = (await ollama.show({ model })).details.family;
    out.running = (await ollama.ps()).models.map((m) => m.name);
  } else if (scenario === "unknown_model") {
    try {
      await ollama.generate({ model: "no-such-model", prompt: "x", stream: false });
    } catch (e) {
      out.error = e.constructor.name;
      out.status = e.status_code;
      out.message = e.error || e.message;
    }
  } else {
    throw new Error("unknown scenario " + scenario);
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((e) => {
  process.stderr.write("ollama_client: " + (e.stack || e) + "\n");
  process.exit(1);
});
