#!/usr/bin/env node
// wast2json.mjs - converts Component Model test scripts (.wast with component directives)
// into binaries plus a JSON command list, the component counterpart of wabt's wast2json.
// The output format and the JSON value schema are documented in tests/component/README.md.
//
//   node tests/component/wast2json.mjs FILE.wast -o OUTDIR/NAME.json [--legacy-indices]
//   node tests/component/wast2json.mjs --all DIR OUTDIR [--force] [--legacy-indices] [-q]
//   node tests/component/wast2json.mjs --core FILE.wast -o OUTDIR/NAME.json
//
// --core converts a core spec script (Wasm 3.0 proposals included) into the JSON that wabt's
// wast2json writes, for tests/conformance/weft_wast.c: values in wabt's conventions
// (lib/corevalues.mjs), `either` results, parsed modules as "binary", the text forms of
// assert_malformed as "text" (not parsed, like wabt), plus `module_definition` /
// `module_instance` commands for `(module definition ...)` / `(module instance ...)`.
//
// Exit status: 0 when every file converted without error, 1 when a form that must produce
// a binary (or a value, or a directive) could not be converted (the JSON is still written,
// with the failure recorded in the command), 2 on a usage or I/O error.

import { promises as fs, statSync, readdirSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSexprs, headOf, isAtom, isId, isString, stringText, SexprError } from './lib/sexpr.mjs';
import { convertValue, ValueError } from './lib/values.mjs';
import { convertCoreValue } from './lib/corevalues.mjs';
import { Parser } from './lib/parser.mjs';

const FORMAT_VERSION = 1;

class ConvertError extends Error {
  constructor(message, line) {
    super(message);
    this.line = line;
  }
}

/** Splits a `(module ...)` / `(component ...)` form into its parts (see README "Commands"). */
function moduleForm(node, src) {
  const kind = headOf(node);
  const items = node.items;
  let i = 1;
  let mode = 'instantiate';
  if (isAtom(items[i], 'definition')) { mode = 'definition'; i++; }
  else if (isAtom(items[i], 'instance')) {
    const ids = items.slice(2).filter(isId).map((n) => n.text);
    if (items.length - 2 !== ids.length || ids.length < 1 || ids.length > 2)
      throw new ConvertError(`(${kind} instance $name? $definition) expected`, node.line);
    return ids.length === 2
      ? { kind, mode: 'instance', name: ids[0], definition: ids[1] }
      : { kind, mode: 'instance', definition: ids[0] };
  }
  const bodyStart = i;
  let name;
  if (isId(items[i])) { name = items[i].text; i++; }
  if (isAtom(items[i], 'binary') || isAtom(items[i], 'quote')) {
    const form = items[i].text;
    const strs = items.slice(i + 1);
    if (!strs.every(isString)) throw new ConvertError(`(${kind} ${form} ...) expects strings`, node.line);
    if (form === 'binary') {
      const total = strs.reduce((a, s) => a + s.bytes.length, 0);
      const bytes = new Uint8Array(total);
      let off = 0;
      for (const s of strs) { bytes.set(s.bytes, off); off += s.bytes.length; }
      return { kind, mode, name, form, bytes };
    }
    return { kind, mode, name, form, text: `(${kind} ${strs.map(stringText).join(' ')})` };
  }
  // Text: the source slice, minus the `definition` keyword, padded with newlines so that the
  // parser's line numbers are the script's.
  const rest = bodyStart < items.length ? src.slice(items[bodyStart].start, node.end) : ')';
  return { kind, mode, name, form: 'text', text: '\n'.repeat(node.line - 1) + `(${kind} ${rest}` };
}

const isModuleHead = (h) => h === 'module' || h === 'component';

/**
 * Drops annotations `(@id ...)` (core spec 3.0, 6.2.6 "Annotations") from the structure of
 * a script form; the module source text keeps them, for the parser to skip.
 */
function stripAnnotations(node) {
  if (node.kind !== 'list') return node;
  const isAnnotation = (x) => x.kind === 'list' && x.items.length > 0 && x.items[0].kind === 'atom' && x.items[0].text.startsWith('@');
  return { ...node, items: node.items.filter((x) => !isAnnotation(x)).map(stripAnnotations) };
}

/** True when a module form is written `(module $id? binary ...)`. */
const isBinaryForm = (node) => isAtom(node.items[1], 'binary') || (isId(node.items[1]) && isAtom(node.items[2], 'binary'));

function convertAction(node, core) {
  const head = headOf(node);
  if (head !== 'invoke' && head !== 'get') throw new ConvertError(`expected (invoke ...) or (get ...), found (${head} ...)`, node.line);
  let i = 1;
  const action = { type: head };
  if (isId(node.items[i])) { action.module = node.items[i].text; i++; }
  if (!isString(node.items[i])) throw new ConvertError(`(${head}) expects an export name`, node.line);
  action.field = stringText(node.items[i]);
  i++;
  if (head === 'invoke') action.args = node.items.slice(i).map((v) => (core ? convertCoreValue(v, false) : convertValue(v)));
  else if (i !== node.items.length) throw new ConvertError('(get) takes no arguments', node.line);
  return action;
}

function messageOf(node, i) {
  const m = node.items[i];
  if (!isString(m)) throw new ConvertError(`(${headOf(node)}) expects a message string`, node.line);
  return stringText(m);
}

/** Converts one script. Returns { json, binaries: [[name, bytes]], errors, stats }. */
async function convertScript(src, sourceName, base, parser, core = false) {
  const commands = [];
  const binaries = [];
  const errors = [];
  const stats = { malformedRejected: 0, invalidRejected: 0, malformedAccepted: 0, quoteForms: 0, legacyParsed: 0 };
  let k = 0;

  // Produces the binary of a module form into `cmd` (filename, or parse_error).
  const emit = async (form, cmd, mustParse) => {
    let bytes = form.bytes;
    if (!bytes) {
      const r = await parser.parse(form.text);
      if (r.error) {
        cmd.parse_error = r.error.message;
        if (mustParse) errors.push({ line: r.error.line || cmd.line, what: `${form.kind} (${form.form})`, reason: r.error.message });
        return false;
      }
      bytes = r.bytes;
      if (r.legacy) {
        cmd.parser = r.legacy;
        stats.legacyParsed++;
      }
    }
    const filename = `${base}.${k++}.wasm`;
    binaries.push([filename, bytes]);
    cmd.filename = filename;
    return true;
  };

  let top = parseSexprs(src);
  if (core) top = top.map(stripAnnotations);
  for (const node of top) {
    let head = headOf(node);
    const cmd = { type: head, line: node.line };
    // Custom-annotation checks (annotations proposal) concern the text format only.
    if (core && (head === 'assert_malformed_custom' || head === 'assert_invalid_custom')) {
      head = head.slice(0, -'_custom'.length);
      cmd.type = head;
      cmd.custom = true;
    }
    try {
      if (isModuleHead(head)) {
        const form = moduleForm(node, src);
        if (form.mode === 'instance') {
          cmd.type = `${form.kind}_instance`;
          if (form.name) cmd.name = form.name;
          cmd.definition = form.definition;
        } else {
          cmd.type = form.mode === 'definition' ? `${form.kind}_definition` : form.kind;
          if (form.name) cmd.name = form.name;
          await emit(form, cmd, true);
        }
      } else if (head === 'register') {
        if (!isString(node.items[1])) throw new ConvertError('(register "name" $instance?) expected', node.line);
        cmd.as = stringText(node.items[1]);
        if (isId(node.items[2])) cmd.name = node.items[2].text;
      } else if (head === 'invoke' || head === 'get') {
        cmd.type = 'action';
        cmd.action = convertAction(node, core);
        cmd.expected = [];
      } else if (head === 'assert_return' && core) {
        cmd.action = convertAction(node.items[1] || node, core);
        const results = node.items.slice(2);
        if (results.length === 1 && headOf(results[0]) === 'either')
          cmd.either = results[0].items.slice(1).map((v) => convertCoreValue(v, true));
        else cmd.expected = results.map((v) => convertCoreValue(v, true));
      } else if (head === 'assert_return') {
        cmd.action = convertAction(node.items[1] || node);
        cmd.expected = node.items.slice(2).map(convertValue);
      } else if (head === 'assert_trap' || head === 'assert_exhaustion' || head === 'assert_exception') {
        const target = node.items[1] || node;
        if (isModuleHead(headOf(target))) {
          if (head !== 'assert_trap') throw new ConvertError(`(${head}) expects an action`, node.line);
          const form = moduleForm(target, src);
          cmd.type = 'assert_uninstantiable';
          cmd.kind = form.kind;
          if (form.name) cmd.name = form.name;
          if (form.mode === 'instance') {
            cmd.definition = form.definition;
          } else {
            cmd.module_type = form.form;
            await emit(form, cmd, true);
            if (core) cmd.module_type = 'binary';
          }
        } else {
          cmd.action = convertAction(target, core);
        }
        if (head !== 'assert_exception') cmd.text = messageOf(node, 2);
      } else if (head === 'assert_invalid' || head === 'assert_malformed' || head === 'assert_unlinkable') {
        const target = node.items[1] || node;
        if (!isModuleHead(headOf(target))) throw new ConvertError(`(${head}) expects a module or component`, node.line);
        if (core && (cmd.custom || (head === 'assert_malformed' && !isBinaryForm(target)))) {
          // As wabt does: a text-level error, which a binary runtime cannot check.
          cmd.kind = 'module';
          cmd.module_type = 'text';
          cmd.text = messageOf(node, 2);
          commands.push(cmd);
          continue;
        }
        const form = moduleForm(target, src);
        if (form.mode === 'instance') throw new ConvertError(`(${head}) of an instance`, node.line);
        cmd.kind = form.kind;
        cmd.module_type = form.form;
        if (form.name) cmd.name = form.name;
        cmd.text = messageOf(node, 2);
        if (form.form === 'quote') stats.quoteForms++;
        const ok = await emit(form, cmd, head === 'assert_unlinkable');
        // wabt's convention: a module the converter could encode is "binary"; an
        // assert_invalid text the parser rejects is left as "text".
        if (core) cmd.module_type = ok || head === 'assert_unlinkable' ? 'binary' : 'text';
        if (!ok && head === 'assert_malformed') stats.malformedRejected++;
        if (!ok && head === 'assert_invalid') stats.invalidRejected++;
        if (ok && head === 'assert_malformed' && form.form !== 'binary') stats.malformedAccepted++;
      } else {
        throw new ConvertError(`unsupported directive (${head || '?'} ...)`, node.line);
      }
    } catch (e) {
      if (!(e instanceof ConvertError || e instanceof ValueError || e instanceof SexprError)) throw e;
      const reason = e.message.replace(/^line \d+: /, '');
      cmd.type = 'unsupported';
      cmd.directive = head;
      cmd.error = reason;
      errors.push({ line: e.line || node.line, what: head || '?', reason });
    }
    commands.push(cmd);
  }
  return {
    json: { source_filename: sourceName, format_version: FORMAT_VERSION, commands, conversion: { errors, ...stats } },
    binaries,
    errors,
    stats,
  };
}

/** wast2json-style layout: one command per line. */
function formatJson(json) {
  const { commands, ...rest } = json;
  const head = JSON.stringify(rest).slice(0, -1);
  const body = commands.map((c) => '  ' + JSON.stringify(c)).join(',\n');
  return `${head},\n "commands": [\n${body}\n ]}\n`;
}

/** Converts `wastPath` into `jsonPath` (binaries beside it). Returns the conversion summary. */
async function convertFile(wastPath, jsonPath, parser, sourceName, core = false) {
  const src = await fs.readFile(wastPath, 'utf8');
  const outDir = dirname(jsonPath);
  const base = basename(jsonPath).replace(/\.json$/, '');
  await fs.mkdir(outDir, { recursive: true });
  const r = await convertScript(src, sourceName, base, parser, core);
  // Remove binaries of an earlier conversion, so none outlives its command.
  const stale = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.\\d+\\.wasm$`);
  for (const f of await fs.readdir(outDir)) if (stale.test(f)) await fs.unlink(join(outDir, f));
  for (const [name, bytes] of r.binaries) await fs.writeFile(join(outDir, name), bytes);
  // The JSON last and renamed into place: its presence means the conversion is complete.
  const tmp = `${jsonPath}.tmp${process.pid}`;
  await fs.writeFile(tmp, formatJson(r.json));
  await fs.rename(tmp, jsonPath);
  return summarize(r.json);
}

function summarize(json) {
  const c = json.conversion;
  return { commands: json.commands.length, binaries: json.commands.filter((x) => x.filename).length, ...c };
}

function describe(rel, s) {
  const notes = [`${s.commands} commands`, `${s.binaries} binaries`];
  if (s.malformedRejected) notes.push(`${s.malformedRejected} assert_malformed text forms rejected by the parser`);
  if (s.malformedAccepted) notes.push(`${s.malformedAccepted} assert_malformed text forms parsed`);
  if (s.invalidRejected) notes.push(`${s.invalidRejected} assert_invalid text forms rejected by the parser`);
  if (s.legacyParsed) notes.push(`${s.legacyParsed} forms with the removed \`cancellable\` option parsed by jco-transpile 0.14.0`);
  let line = `${s.errors.length ? 'FAIL' : 'ok  '} ${rel}  (${notes.join(', ')})`;
  for (const e of s.errors) line += `\n    line ${e.line}: ${e.what}: ${e.reason}`;
  return line;
}

function listWast(dir) {
  const out = [];
  const walk = (d) => {
    for (const ent of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = join(d, ent.name);
      if (ent.isDirectory()) walk(p);
      else if (ent.isFile() && ent.name.endsWith('.wast')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

const mtime = (p) => { try { return statSync(p).mtimeMs; } catch { return -1; } };

/** The newest modification time of the converter's own sources (a cache key). */
function toolTime() {
  const here = dirname(fileURLToPath(import.meta.url));
  const lib = join(here, 'lib');
  return Math.max(mtime(fileURLToPath(import.meta.url)), ...readdirSync(lib).map((f) => mtime(join(lib, f))));
}

function usage() {
  process.stderr.write(
    'usage: wast2json.mjs FILE.wast -o OUT.json [--legacy-indices] [--core]\n' +
    '       wast2json.mjs --all DIR OUTDIR [--force] [--legacy-indices] [-q]\n');
  process.exit(2);
}

async function main(argv) {
  let all = false, force = false, quiet = false, legacyIndices = false, core = false, out = null;
  const pos = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--all') all = true;
    else if (a === '--force') force = true;
    else if (a === '-q' || a === '--quiet') quiet = true;
    else if (a === '--legacy-indices') legacyIndices = true;
    else if (a === '--core') core = true;
    else if (a === '-o' || a === '--output') { if (++i >= argv.length) usage(); out = argv[i]; }
    else if (a.startsWith('-')) usage();
    else pos.push(a);
  }
  const parser = new Parser({ legacyIndices });

  if (!all) {
    if (pos.length !== 1) usage();
    const wast = pos[0];
    if (!out) out = basename(wast).replace(/\.wast$/, '') + '.json';
    let s;
    try {
      s = await convertFile(wast, out, parser, basename(wast), core);
    } catch (e) {
      process.stderr.write(`${wast}: ${e.message}\n`);
      return 2;
    }
    for (const e of s.errors) process.stderr.write(`${wast}:${e.line}: ${e.what}: ${e.reason}\n`);
    return s.errors.length ? 1 : 0;
  }

  if (pos.length !== 2 || core) usage();
  const [dir, outRoot] = pos;
  const files = listWast(dir);
  const tools = toolTime();
  const total = { files: 0, ok: 0, failed: 0, cached: 0, commands: 0, binaries: 0, malformedRejected: 0, invalidRejected: 0, malformedAccepted: 0, legacyParsed: 0, errors: 0 };
  let status = 0;
  for (const wast of files) {
    const rel = relative(dir, wast);
    const json = join(outRoot, rel.replace(/\.wast$/, '.json'));
    let s;
    try {
      const jt = mtime(json);
      if (!force && jt > mtime(wast) && jt > tools) {
        s = summarize(JSON.parse(await fs.readFile(json, 'utf8')));
        total.cached++;
      } else {
        s = await convertFile(wast, json, parser, basename(wast));
      }
    } catch (e) {
      s = { commands: 0, binaries: 0, errors: [{ line: e.line || 0, what: 'script', reason: e.message }] };
    }
    total.files++;
    total.commands += s.commands;
    total.binaries += s.binaries;
    for (const key of ['malformedRejected', 'invalidRejected', 'malformedAccepted', 'legacyParsed']) total[key] += s[key] || 0;
    total.errors += s.errors.length;
    if (s.errors.length) { total.failed++; status = 1; } else total.ok++;
    if (!quiet || s.errors.length) process.stdout.write(describe(rel, s) + '\n');
  }
  process.stdout.write(
    `converted ${total.files} files: ${total.ok} ok, ${total.failed} with errors (${total.errors} failed forms); ` +
    `${total.commands} commands, ${total.binaries} binaries` +
    (total.cached ? `, ${total.cached} files up to date` : '') + '; ' +
    `text forms the parser rejects: ${total.malformedRejected} assert_malformed, ${total.invalidRejected} assert_invalid` +
    (total.malformedAccepted ? `; ${total.malformedAccepted} assert_malformed text forms parse` : '') +
    (total.legacyParsed ? `; ${total.legacyParsed} form(s) parsed by jco-transpile 0.14.0 (removed \`cancellable\` option)` : '') +
    (parser.restarts ? `; parser restarted ${parser.restarts} times` : '') + '\n');
  return status;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => { process.stderr.write(`wast2json.mjs: ${e.stack || e}\n`); process.exit(2); });
