// node openai_client.cjs NPM_MODULES BASE_URL API_KEY SCENARIO MODEL
// Drives troupe's HTTP front door with the official OpenAI client library (npm `openai`,
// installed at test time under NPM_MODULES) and prints one JSON object with what it saw.
"use strict";
const [modules, baseURL, apiKey, scenario, model] = process.argv.slice(2);
const req = require("module").createRequire(modules + "/");
const OpenAI = req("openai").default || req("openai");

const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 120000 });
const messages = [
  { role: "system", content: "You tell short stories." },
  { role: "user", content: "Once upon a time" },
];

async function errorOf(promise) {
  try {
    await promise;
    return { error: null };
  } catch (e) {
    return {
      error: e.constructor.name,
      status: e.status,
      code: e.code,
      type: e.type,
      message: e.message,
      openai_api_error: e instanceof OpenAI.APIError,
      authentication: e instanceof OpenAI.AuthenticationError,
      not_found: e instanceof OpenAI.NotFoundError,
      server_error: e instanceof OpenAI.InternalServerError,
    };
  }
}

async function main() {
  const out = {};
  if (scenario === "chat") {
    const r = await client.chat.completions.create({
      model, messages, max_tokens: 24, temperature: 0, seed: 0,
    });
    out.id = r.id;
    out.object = r.object;
    out.text = r.choices[0].message.content;
    out.role = r.choices[0].message.role;
    out.finish_reason = r.choices[0].finish_reason;
    out.usage = r.usage;
  } else if (scenario === "chat_stream") {
    const stream = await client.chat.completions.create({
      model, messages, max_tokens: 24, temperature: 0, seed: 0, stream: true,
      stream_options: { include_usage: true },
    });
    out.text = "";
    out.chunks = 0;
    for await (const chunk of stream) {
      out.chunks++;
      if (chunk.usage) out.usage = chunk.usage;
      for (const c of chunk.choices) {
        if (c.delta.role) out.role = c.delta.role;
        if (c.delta.content) out.text += c.delta.content;
        if (c.finish_reason) out.finish_reason = c.finish_reason;
      }
    }
  } else if (scenario === "completion") {
    const r = await client.completions.create({
      model, prompt: "Once upon a time", max_tokens: 40, temperature: 0, seed: 0,
    });
    out.object = r.object;
    out.text = r.choices[0].text;
    out.finish_reason = r.choices[0].finish_reason;
    out.usage = r.usage;
  } else if (scenario === "completion_stream") {
    const stream = await client.completions.create({
      model, prompt: "Once upon a time", max_tokens: 40, temperature: 0, seed: 0, stream: true,
    });
    out.text = "";
    for await (const chunk of stream) {
      for (const c of chunk.choices) {
        out.text += c.text;
        if (c.finish_reason) out.finish_reason = c.finish_reason;
      }
    }
  } else if (scenario === "models") {
    const list = await client.models.list();
    out.ids = list.data.map((m) => m.id);
    out.retrieved = (await client.models.retrieve(model)).id;
  } else if (scenario === "wrong_key") {
    const bad = new OpenAI({ baseURL, apiKey: apiKey + "-wrong", maxRetries: 0 });
    Object.assign(out, await errorOf(bad.chat.completions.create({ model, messages })));
  } else if (scenario === "unknown_model") {
    Object.assign(out, await errorOf(client.chat.completions.create({
      model: "no-such-model", messages,
    })));
  } else if (scenario === "queue_full") {
    // With one job allowed to run and none to wait: hold the slot with a stream, then ask again.
    const holder = await client.completions.create({
      model, prompt: "Once", max_tokens: 250, temperature: 0, stream: true,
    });
    const it = holder[Symbol.asyncIterator]();
    await it.next();  // the holder's job is running
    Object.assign(out, await errorOf(client.completions.create({
      model, prompt: "Once upon a time", max_tokens: 4, temperature: 0,
    })));
    while (!(await it.next()).done) {}
  } else {
    throw new Error("unknown scenario " + scenario);
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((e) => {
  process.stderr.write("openai_client: " + (e.stack || e) + "\n");
  process.exit(1);
});
