// Renders chat-template cases with @huggingface/jinja, the reference for troupe's renderer.
//
//   node render_reference.cjs <@huggingface/jinja package dir> <cases.json> <results.json>
//
// cases.json: [{"template": "...", "context": {...}}, ...]
// results.json: one entry per case, {"output": "..."} or {"error": "<message>"} (what
// raise_exception() raised, or why the template could not be parsed or rendered).
'use strict';

const fs = require('fs');
const path = require('path');

const [packageDir, casesFile, resultsFile] = process.argv.slice(2);
if (!packageDir || !casesFile || !resultsFile) {
  console.error('usage: render_reference.cjs <jinja package dir> <cases.json> <results.json>');
  process.exit(2);
}
const { Template } = require(path.join(packageDir, 'dist', 'index.cjs'));

const cases = JSON.parse(fs.readFileSync(casesFile, 'utf8'));
const compiled = new Map();  // the same template is parsed once
const results = cases.map(({ template, context }) => {
  try {
    if (!compiled.has(template)) compiled.set(template, new Template(template));
    return { output: compiled.get(template).render(context ?? {}) };
  } catch (e) {
    return { error: String(e && e.message !== undefined ? e.message : e) };
  }
});
fs.writeFileSync(resultsFile, JSON.stringify(results));
