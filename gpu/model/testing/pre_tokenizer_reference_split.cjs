// node pre_tokenizer_reference_split.cjs CORPUS.json OUT.json
// The reference side of the pre_tokenizer_reference test (tokenizer_reference_test.cpp): each
// text of CORPUS.json split by the Hugging Face pre-tokenizer regexes troupe's pre_tokenizer
// kinds reproduce, run by V8's regex engine (/gu). Each kind is a sequence of regexes; each splits
// every piece the previous ones left into its matches and the stretches between them (a Split
// with behaviour "Isolated"). JavaScript has no (?i:...), so the contractions are spelled out.
// OUT.json: {kind: [[word, ...] per text]}.
"use strict";
const fs = require("fs");
const [corpusPath, outPath] = process.argv.slice(2);
const corpus = JSON.parse(fs.readFileSync(corpusPath, "utf8"));

const ci = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";
const gpt2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
const upper = "[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]";
const lower = "[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]";
const lead = "[^\\r\\n\\p{L}\\p{N}]?";
const tail = " ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const kinds = {
  gpt2: [gpt2],
  llama_default: ["[\\p{P}\\$\\+<=>\\^~\\|]+", gpt2, "\\p{N}+", "[0-9][0-9][0-9]"],
  llama3: [
    ci + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  ],
  qwen2: [
    ci + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  ],
  qwen35: [
    ci +
      "|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  ],
  smollm: ["\\p{N}", gpt2],
  tekken: [
    lead + upper + "*" + lower + "+|" + lead + upper + "+" + lower + "*|\\p{N}|" + tail,
  ],
  gpt4o: [
    lead + upper + "*" + lower + "+" + ci + "?|" + lead + upper + "+" + lower + "*" + ci +
      "?|\\p{N}{1,3}|" + tail,
  ],
  deepseek3: [
    "\\p{N}{1,3}",
    "[一-龥぀-ゟ゠-ヿ]+",
    "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  ],
};

function split(pieces, source) {
  const out = [];
  for (const p of pieces) {
    const re = new RegExp(source, "gu");
    let last = 0;
    for (const m of p.matchAll(re)) {
      if (m.index > last) out.push(p.slice(last, m.index));
      out.push(m[0]);
      last = m.index + m[0].length;
    }
    if (last < p.length) out.push(p.slice(last));
  }
  return out;
}

const out = {};
for (const [kind, regexes] of Object.entries(kinds)) {
  out[kind] = corpus.map((text) => regexes.reduce((pieces, r) => split(pieces, r), text ? [text] : []));
}
fs.writeFileSync(outPath, JSON.stringify(out));
