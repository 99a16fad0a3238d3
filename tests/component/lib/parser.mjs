// parser.mjs - the WebAssembly text parser: wasm-tools' `parse` (the Rust `wat`/`wast`
// crates compiled to a component), as vendored by the npm package
// @bytecodealliance/jco-transpile. It turns the text of one core module or component into
// its binary. It does not validate: only lexical, syntactic and name-resolution errors are
// reported.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const REL = join('@bytecodealliance', 'jco-transpile', 'vendor', 'wasm-tools.js');

/** Finds wasm-tools.js: $WEFT_WASM_TOOLS_JS, else the repository's node_modules. */
function locate() {
  const candidates = [
    process.env.WEFT_WASM_TOOLS_JS,
    join(root, 'node_modules', REL),
    join(root, 'node_modules', '@bytecodealliance', 'jco', 'node_modules', REL),
  ].filter(Boolean);
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(
    `cannot find ${REL} (looked in ${candidates.join(', ')}); run scripts/install-node-deps`);
}

// The last parser release that still reads the `cancellable` option of
// waitable-set.wait/poll and thread.yield (encoded as a 0x01 flag byte), which
// WebAssembly/component-model#716 removed; async/cancellable.wast uses it. It is consulted
// only for forms the current parser rejects for that reason.
const LEGACY = join(root, 'node_modules', 'jco-transpile-0-14-0', 'vendor', 'wasm-tools.js');
const LEGACY_NAME = 'jco-transpile 0.14.0';
const REMOVED_SYNTAX = /no longer supported after WebAssembly\/component-model#716/;

/** The balanced-parenthesis argument of `tag(` in Rust Debug text (quotes respected). */
function debugArg(raw, tag) {
  const at = raw.lastIndexOf(tag + '(');
  if (at < 0) return null;
  let depth = 0;
  let quote = null;
  for (let i = at + tag.length; i < raw.length; i++) {
    const c = raw[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || (c === "'" && /[(\s,]/.test(raw[i - 1]))) quote = c;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return raw.slice(at + tag.length + 1, i);
  }
  return null;
}

function unquoteRust(s) {
  try {
    return JSON.parse(s.replace(/\\'/g, "'").replace(/\\u\{([0-9a-fA-F]+)\}/g, (_, h) => {
      const cp = parseInt(h, 16);
      return cp < 0x10000 ? '\\u' + cp.toString(16).padStart(4, '0') : String.fromCodePoint(cp);
    }));
  } catch {
    return s;
  }
}

/**
 * Turns the Rust Debug text of a parse error into its message (and line when known):
 * `Custom("msg")` gives msg, `Lex(InvalidStringEscape('z'))` gives "invalid string escape 'z'".
 */
export function errorMessage(e) {
  const raw = String(e && e.payload !== undefined ? e.payload : e && e.message ? e.message : e);
  let msg = raw;
  const custom = debugArg(raw, 'Custom');
  const lex = custom === null ? debugArg(raw, 'Lex') : null;
  if (custom !== null) {
    msg = custom.startsWith('"') ? unquoteRust(custom) : custom;
  } else if (lex !== null) {
    const m = /^([A-Za-z]+)(?:\((.*)\))?$/s.exec(lex);
    msg = m ? m[1].replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase() + (m[2] ? ' ' + m[2] : '') : lex;
  }
  const l = /line: (\d+), col: (\d+)/.exec(raw);
  return { message: msg, line: l ? Number(l[1]) + 1 : null, col: l ? Number(l[2]) + 1 : null, raw };
}

/** One instance of a wasm-tools.js build, reloaded after a trap. */
class Tools {
  constructor(path) {
    this.path = path;
    this.generation = 0;
    this.tools = null;
    this.restarts = 0;
  }

  async load() {
    // A fresh module instance per generation: a Rust panic traps and poisons the instance.
    const url = pathToFileURL(this.path).href + (this.generation ? `?n=${this.generation}` : '');
    const m = await import(url);
    await m.$init;
    this.tools = m.tools;
  }

  /** { bytes } or { error: { message, line, col } }. */
  async parse(text) {
    if (!this.tools) await this.load();
    try {
      return { bytes: this.tools.parse(text) };
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError || /cannot enter component instance/.test(String(e))) {
        this.generation++;
        this.restarts++;
        this.tools = null;
        return { error: { message: `parser crashed: ${e.message}`, line: null, col: null } };
      }
      return { error: errorMessage(e) };
    }
  }
}

export class Parser {
  /** `legacyIndices`: accept the short `(memory $i "mem")` canonopt form. */
  constructor({ legacyIndices = false } = {}) {
    // Read by the WASI environment shim when the parser is first loaded.
    if (legacyIndices) process.env.WAST_STRICT_COMPONENT_INDICES = '0';
    this.main = new Tools(locate());
    this.legacy = !process.env.WEFT_WASM_TOOLS_JS && existsSync(LEGACY) ? new Tools(LEGACY) : null;
  }

  get restarts() {
    return this.main.restarts + (this.legacy ? this.legacy.restarts : 0);
  }

  async load() {
    await this.main.load();
  }

  get tools() {
    return this.main.tools;
  }

  /**
   * Parses `text`. Returns { bytes, legacy? } or { error: { message, line, col } }; a
   * parser panic is reported as an error too, and the next call uses a fresh instance.
   * `legacy` names the older parser when only it accepted the text.
   */
  async parse(text) {
    const r = await this.main.parse(text);
    if (r.error && this.legacy && REMOVED_SYNTAX.test(r.error.message)) {
      const old = await this.legacy.parse(text);
      if (old.bytes) return { bytes: old.bytes, legacy: LEGACY_NAME };
    }
    return r;
  }
}
