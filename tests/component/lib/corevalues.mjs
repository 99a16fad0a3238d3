// corevalues.mjs - core script values (arguments and expected results of the core spec's
// script format, interpreter/README "Scripts") in the JSON conventions of wabt's wast2json,
// which tests/conformance/weft_wast.c reads:
//
//   (i32.const -1)              {"type":"i32","value":"4294967295"}   two's complement, unsigned
//   (f32.const 1.5)             {"type":"f32","value":"1069547520"}   IEEE 754 bits, unsigned
//   (f64.const nan:canonical)   {"type":"f64","value":"nan:canonical"} (also nan:arithmetic)
//   (v128.const i16x8 ...)      {"type":"v128","lane_type":"i16","value":["...", ...]}
//   (ref.null func|nofunc)      {"type":"funcref","value":"null"}
//   (ref.null extern|noextern)  {"type":"externref","value":"null"}
//   (ref.extern 7)              {"type":"externref","value":"7"}
//   (ref.func), (ref.extern)    {"type":"funcref"}, {"type":"externref"}  (any such reference)
//   (either v ...)              the command gets "either": [v, ...] instead of "expected"
//
// Values wabt 1.0.32 has no convention for (Wasm 3.0 GC and exception references) keep the
// same shape with the reference type's name: (ref.null any) {"type":"anyref","value":"null"},
// (ref.null) {"type":"ref","value":"null"} (a null of any type), (ref.host 3)
// {"type":"anyref","value":"3"}, (ref.i31) {"type":"i31ref"}, (ref.exn) {"type":"exnref"}.

import { headOf } from './sexpr.mjs';
import { intInRange, floatBits } from './numbers.mjs';
import { ValueError } from './values.mjs';

const SHAPES = {
  i8x16: ['i8', 8, 16], i16x8: ['i16', 16, 8], i32x4: ['i32', 32, 4], i64x2: ['i64', 64, 2],
  f32x4: ['f32', 32, 4], f64x2: ['f64', 64, 2],
};

// Heap types of `ref.null` (core spec 3.0, 2.3.8 "Reference Types") by the reference type
// whose null they are; function and extern nulls are the ones wabt's conventions name.
const NULL_TYPES = {
  func: 'funcref', nofunc: 'funcref', extern: 'externref', noextern: 'externref',
  any: 'anyref', none: 'anyref', eq: 'eqref', i31: 'i31ref', struct: 'structref',
  array: 'arrayref', exn: 'exnref', noexn: 'exnref',
};

// Result patterns `(ref.K)`: a non-null reference of that kind.
const REF_PATTERNS = {
  func: 'funcref', extern: 'externref', any: 'anyref', eq: 'eqref', i31: 'i31ref',
  struct: 'structref', array: 'arrayref', exn: 'exnref', host: 'anyref',
};

function atoms(node) {
  const items = node.items.slice(1);
  for (const a of items)
    if (a.kind !== 'atom') throw new ValueError(`${headOf(node)} expects literals`, node.line);
  return items.map((a) => a.text);
}

function one(node) {
  const a = atoms(node);
  if (a.length !== 1) throw new ValueError(`${headOf(node)} expects one literal`, node.line);
  return a[0];
}

function intBits(text, bits) {
  let v = intInRange(text, bits, 'either');
  if (v < 0n) v += 1n << BigInt(bits);
  return v.toString();
}

function floatText(text, bits, pattern) {
  const b = floatBits(text, bits);
  if (typeof b === 'string' && !pattern) throw new Error(`${b} is only a result pattern`);
  return b.toString();
}

/**
 * Converts one core value (`pattern`: an expected result, where NaN patterns and
 * `(ref.func)`-style patterns are allowed) to wast2json's JSON.
 */
export function convertCoreValue(node, pattern) {
  const head = headOf(node);
  if (!head) throw new ValueError('expected a value such as (i32.const 1)', node.line);
  try {
    return convertInner(node, head, pattern);
  } catch (e) {
    if (e instanceof ValueError) throw e;
    throw new ValueError(`${head}: ${e.message}`, node.line);
  }
}

function convertInner(node, head, pattern) {
  switch (head) {
    case 'i32.const': return { type: 'i32', value: intBits(one(node), 32) };
    case 'i64.const': return { type: 'i64', value: intBits(one(node), 64) };
    case 'f32.const': return { type: 'f32', value: floatText(one(node), 32, pattern) };
    case 'f64.const': return { type: 'f64', value: floatText(one(node), 64, pattern) };
    case 'v128.const': {
      const a = atoms(node);
      const shape = SHAPES[a[0]];
      if (!shape) throw new ValueError(`v128.const: unknown shape "${a[0]}"`, node.line);
      const [lane, bits, n] = shape;
      if (a.length - 1 !== n) throw new ValueError(`v128.const ${a[0]} expects ${n} lanes`, node.line);
      const lanes = a.slice(1).map((t) =>
        lane[0] === 'f' ? floatText(t, bits, pattern) : intBits(t, bits));
      return { type: 'v128', lane_type: lane, value: lanes };
    }
    case 'ref.null': {
      const a = atoms(node);
      if (a.length === 0) {
        if (!pattern) throw new ValueError('(ref.null) without a heap type is only a result pattern', node.line);
        return { type: 'ref', value: 'null' };
      }
      // A type index `$t` or `N` names a defined type: its kind is unknown here, so the
      // value is the generic null.
      return { type: NULL_TYPES[a[0]] || 'ref', value: 'null' };
    }
    case 'ref.extern':
    case 'ref.host': {
      const a = atoms(node);
      const type = head === 'ref.extern' ? 'externref' : 'anyref';
      if (a.length === 0 && pattern) return { type };
      if (a.length !== 1) throw new ValueError(`${head} expects one host reference number`, node.line);
      return { type, value: BigInt.asUintN(64, BigInt(a[0].replace(/_/g, ''))).toString() };
    }
    default: {
      const m = /^ref\.([a-z0-9]+)$/.exec(head);
      if (m && REF_PATTERNS[m[1]] && pattern && node.items.length === 1) return { type: REF_PATTERNS[m[1]] };
      throw new ValueError(`unsupported value form (${head} ...)`, node.line);
    }
  }
}
