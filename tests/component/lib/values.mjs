// values.mjs - converts the value syntax of the .wast scripts into the JSON value schema of
// tests/component/README.md ("JSON values"). Component values follow the `WastVal` syntax
// of the wast crate (`u32.const`, `str.const`, `record.const (field "n" u32.const 7)`, ...);
// core values (`i32.const`, `i64.const`, `f32.const` as a core argument) use the
// wast2json conventions.

import { headOf, isString, stringText } from './sexpr.mjs';
import { intInRange, floatBits } from './numbers.mjs';

/** A conversion error tied to a source line. */
export class ValueError extends Error {
  constructor(message, line) {
    super(`line ${line}: ${message}`);
    this.line = line;
  }
}

const INTS = {
  u8: [8, 'unsigned'], u16: [16, 'unsigned'], u32: [32, 'unsigned'], u64: [64, 'unsigned'],
  s8: [8, 'signed'], s16: [16, 'signed'], s32: [32, 'signed'], s64: [64, 'signed'],
};

function expectArgs(node, n, what) {
  if (node.items.length - 1 !== n) throw new ValueError(`${headOf(node)} expects ${what}`, node.line);
}

function atomArg(node) {
  const a = node.items[1];
  if (!a || a.kind !== 'atom' || node.items.length !== 2)
    throw new ValueError(`${headOf(node)} expects one literal`, node.line);
  return a.text;
}

function stringArg(node, i) {
  const s = node.items[i];
  if (!isString(s)) throw new ValueError(`${headOf(node)}: expected a string`, node.line);
  return stringText(s);
}

/**
 * Converts a value node to JSON. `f32.const`/`f64.const` mean a core float or a component
 * float32/float64 depending on the callee; both are written the same way.
 */
export function convertValue(node) {
  const head = headOf(node);
  if (!head) throw new ValueError('expected a value such as (u32.const 1)', node.line);
  try {
    return convertInner(node, head);
  } catch (e) {
    if (e instanceof ValueError) throw e;
    throw new ValueError(`${head}: ${e.message}`, node.line);
  }
}

function convertInner(node, head) {
  const op = head.endsWith('.const') ? head.slice(0, -'.const'.length) : head;
  if (INTS[op]) {
    const [bits, signedness] = INTS[op];
    return { type: op, value: intInRange(atomArg(node), bits, signedness).toString() };
  }
  switch (op) {
    case 'i32':
    case 'i64': {
      const bits = op === 'i32' ? 32 : 64;
      let v = intInRange(atomArg(node), bits, 'either');
      if (v < 0n) v += 1n << BigInt(bits);
      return { type: op, value: v.toString() };
    }
    case 'f32':
    case 'f64':
      return { type: op, value: floatBits(atomArg(node), op === 'f32' ? 32 : 64).toString() };
    case 'bool': {
      const t = atomArg(node);
      if (t !== 'true' && t !== 'false') throw new ValueError('bool.const expects true or false', node.line);
      return { type: 'bool', value: t };
    }
    case 'char': {
      expectArgs(node, 1, 'one string');
      const cps = [...stringArg(node, 1)];
      if (cps.length !== 1) throw new ValueError('char.const expects a string of one character', node.line);
      return { type: 'char', value: String(cps[0].codePointAt(0)) };
    }
    case 'str':
      expectArgs(node, 1, 'one string');
      return { type: 'string', value: stringArg(node, 1) };
    case 'list':
    case 'tuple':
      return { type: op, value: node.items.slice(1).map(convertValue) };
    case 'record':
      return { type: 'record', value: node.items.slice(1).map(convertField) };
    case 'variant': {
      if (node.items.length < 2 || node.items.length > 3) throw new ValueError('variant.const expects a case name and an optional payload', node.line);
      const v = { type: 'variant', case: stringArg(node, 1) };
      if (node.items.length === 3) v.value = convertValue(node.items[2]);
      return v;
    }
    case 'enum':
      expectArgs(node, 1, 'a case name');
      return { type: 'enum', value: stringArg(node, 1) };
    case 'flags':
      return { type: 'flags', value: node.items.slice(1).map((_, i) => stringArg(node, i + 1)) };
    case 'option.none':
      expectArgs(node, 0, 'no operand');
      return { type: 'option', case: 'none' };
    case 'option.some':
      expectArgs(node, 1, 'one value');
      return { type: 'option', case: 'some', value: convertValue(node.items[1]) };
    case 'result.ok':
    case 'result.err': {
      if (node.items.length > 2) throw new ValueError(`${op} expects an optional value`, node.line);
      const v = { type: 'result', case: op.slice('result.'.length) };
      if (node.items.length === 2) v.value = convertValue(node.items[1]);
      return v;
    }
    default:
      throw new ValueError(`unsupported value form (${head} ...)`, node.line);
  }
}

/**
 * `(field "name" KIND.const args...)`: the value is written inline, without its own
 * parentheses; `(field "name" (KIND.const args...))` is accepted too.
 */
function convertField(node) {
  if (headOf(node) !== 'field' || !isString(node.items[1]) || node.items.length < 3)
    throw new ValueError('record.const expects (field "name" value) items', node.line);
  const name = stringText(node.items[1]);
  let valueNode;
  if (node.items.length === 3 && node.items[2].kind === 'list') {
    valueNode = node.items[2];
  } else {
    const items = node.items.slice(2);
    valueNode = { kind: 'list', items, start: items[0].start, end: node.end - 1, line: items[0].line };
  }
  return { name, value: convertValue(valueNode) };
}
