// wat2wasm.mjs IN.wat OUT.wasm - converts one component (or core module) in the text format to
// its binary with the project's pinned wasm-tools parser (tests/component/lib/parser.mjs).
import { readFileSync, writeFileSync } from 'node:fs';
import { Parser } from '../../tests/component/lib/parser.mjs';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node bench/component/wat2wasm.mjs IN.wat OUT.wasm');
  process.exit(2);
}
const parser = new Parser();
const r = await parser.parse(readFileSync(input, 'utf8'));
if (r.error) {
  console.error(`${input}:${r.error.line ?? '?'}:${r.error.col ?? '?'}: ${r.error.message}`);
  process.exit(1);
}
writeFileSync(output, r.bytes);
