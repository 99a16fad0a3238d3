// sexpr.mjs - reads a .wast script into S-expressions, keeping source offsets and lines so
// that each module or component form can be handed to the text parser verbatim.
//
// Lexical rules follow the WebAssembly text format (core spec 6.2 "Lexical Format"):
// `;;` line comments, nestable `(; ... ;)` block comments, strings with the escapes
// \t \n \r \" \' \\ \hh \u{h+}, and everything else up to white space, a parenthesis,
// a quote or a comment is one atom (keywords, ids, numbers, `KIND.const`).

/** A syntax error, with the 1-based line of the offending character. */
export class SexprError extends Error {
  constructor(message, line) {
    super(`line ${line}: ${message}`);
    this.line = line;
  }
}

const utf8 = new TextEncoder();

/**
 * Decodes the body of a string literal (without its quotes) into bytes.
 * `lineOf` gives the line for error messages.
 */
function decodeString(src, start, end, line) {
  const out = [];
  let i = start;
  while (i < end) {
    const c = src.charCodeAt(i);
    if (c !== 0x5c /* \ */) {
      // Copy one code point as UTF-8 (the source is a JS string of UTF-16 units).
      const cp = src.codePointAt(i);
      const n = cp > 0xffff ? 2 : 1;
      for (const b of utf8.encode(src.slice(i, i + n))) out.push(b);
      i += n;
      continue;
    }
    const e = src[i + 1];
    i += 2;
    switch (e) {
      case 't': out.push(0x09); break;
      case 'n': out.push(0x0a); break;
      case 'r': out.push(0x0d); break;
      case '"': out.push(0x22); break;
      case "'": out.push(0x27); break;
      case '\\': out.push(0x5c); break;
      case 'u': {
        const m = /^\{([0-9a-fA-F](?:_?[0-9a-fA-F])*)\}/.exec(src.slice(i, end));
        if (!m) throw new SexprError('malformed \\u{...} escape', line);
        const cp = parseInt(m[1].replace(/_/g, ''), 16);
        if (!(cp < 0xd800 || (cp >= 0xe000 && cp <= 0x10ffff)))
          throw new SexprError('\\u{...} escape is not a Unicode scalar value', line);
        for (const b of utf8.encode(String.fromCodePoint(cp))) out.push(b);
        i += m[0].length;
        break;
      }
      default: {
        const h = src.slice(i - 1, i + 1);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new SexprError(`invalid string escape \\${e}`, line);
        out.push(parseInt(h, 16));
        i += 1;
      }
    }
  }
  return Uint8Array.from(out);
}

/**
 * Parses a whole script. Returns the top-level nodes. Each node is one of
 *   { kind: 'list',   items: [node], start, end, line }
 *   { kind: 'atom',   text, start, end, line }
 *   { kind: 'string', bytes: Uint8Array, start, end, line }
 * where start/end are offsets into `src` (end exclusive; a list spans its parentheses) and
 * line is 1-based.
 */
export function parseSexprs(src) {
  const top = [];
  const stack = [];
  let line = 1;
  let i = 0;
  const n = src.length;
  const push = (node) => (stack.length ? stack[stack.length - 1].items : top).push(node);
  while (i < n) {
    const c = src[i];
    if (c === '\n') { line++; i++; continue; }
    if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
    if (c === ';' && src[i + 1] === ';') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (c === '(' && src[i + 1] === ';') {
      const startLine = line;
      let depth = 1;
      i += 2;
      while (depth > 0) {
        if (i >= n) throw new SexprError('unterminated block comment', startLine);
        if (src[i] === '(' && src[i + 1] === ';') { depth++; i += 2; }
        else if (src[i] === ';' && src[i + 1] === ')') { depth--; i += 2; }
        else { if (src[i] === '\n') line++; i++; }
      }
      continue;
    }
    if (c === '(') {
      stack.push({ kind: 'list', items: [], start: i, end: -1, line });
      i++;
      continue;
    }
    if (c === ')') {
      const node = stack.pop();
      if (!node) throw new SexprError('unbalanced `)`', line);
      node.end = i + 1;
      push(node);
      i++;
      continue;
    }
    if (c === '"') {
      const startLine = line;
      let j = i + 1;
      while (j < n && src[j] !== '"') {
        if (src[j] === '\\') j++;
        else if (src[j] === '\n') throw new SexprError('newline in string', line);
        j++;
      }
      if (j >= n) throw new SexprError('unterminated string', startLine);
      push({ kind: 'string', bytes: decodeString(src, i + 1, j, startLine), start: i, end: j + 1, line: startLine });
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < n && !/[\s()";]/.test(src[j])) j++;
    // A lone `;` (not starting a comment) is an atom of its own; without this the loop
    // would stand still.
    if (j === i) j++;
    push({ kind: 'atom', text: src.slice(i, j), start: i, end: j, line });
    i = j;
  }
  if (stack.length) throw new SexprError('unclosed `(`', stack[stack.length - 1].line);
  return top;
}

/** The keyword of a list node (its leading atom), or null. */
export function headOf(node) {
  return node && node.kind === 'list' && node.items.length && node.items[0].kind === 'atom'
    ? node.items[0].text
    : null;
}

export const isAtom = (node, text) => node && node.kind === 'atom' && (text === undefined || node.text === text);
export const isId = (node) => node && node.kind === 'atom' && node.text.startsWith('$');
export const isString = (node) => node && node.kind === 'string';

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The text of a string node; throws when its bytes are not UTF-8. */
export function stringText(node) {
  try {
    return fatalUtf8.decode(node.bytes);
  } catch {
    throw new SexprError('string is not valid UTF-8', node.line);
  }
}
