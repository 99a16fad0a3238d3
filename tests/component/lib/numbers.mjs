// numbers.mjs - WebAssembly text-format number literals (core spec 6.3.1 "Integers" and
// 6.3.2 "Floating-Point") converted exactly: integers to BigInt, floats to IEEE 754 bit
// patterns with round-to-nearest-even (no detour through a JS double, so f32 literals
// are not rounded twice).

/** Parses an integer literal (sign, decimal or 0x hex, `_` separators) to a BigInt, or null. */
export function parseIntLiteral(text) {
  const m = /^([+-]?)(0x[0-9a-fA-F](?:_?[0-9a-fA-F])*|[0-9](?:_?[0-9])*)$/.exec(text);
  if (!m) return null;
  const v = BigInt(m[2].replace(/_/g, ''));
  return m[1] === '-' ? -v : v;
}

/**
 * Checks an integer literal against a type of `bits` width. `signedness` is 'signed'
 * (range -2^(N-1) .. 2^(N-1)-1), 'unsigned' (0 .. 2^N-1) or 'either' (the core iN.const
 * rule: -2^(N-1) .. 2^N-1). Returns the BigInt or throws.
 */
export function intInRange(text, bits, signedness) {
  const v = parseIntLiteral(text);
  if (v === null) throw new Error(`malformed integer literal "${text}"`);
  const lo = signedness === 'unsigned' ? 0n : -(1n << BigInt(bits - 1));
  const hi = signedness === 'signed' ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  if (v < lo || v > hi) throw new Error(`integer literal "${text}" out of range`);
  return v;
}

const FORMATS = {
  32: { mant: 23, exp: 8, bias: 127 },
  64: { mant: 52, exp: 11, bias: 1023 },
};

const bitLength = (v) => (v === 0n ? 0 : v.toString(2).length);

/**
 * Converts a float literal to its bit pattern (a BigInt) for a 32- or 64-bit float.
 * Returns the strings 'nan:canonical' / 'nan:arithmetic' for those result patterns.
 */
export function floatBits(text, bits) {
  const f = FORMATS[bits];
  const expMask = (1n << BigInt(f.exp)) - 1n;
  const signBit = 1n << BigInt(bits - 1);
  let s = text;
  let neg = false;
  if (s === 'nan:canonical' || s === 'nan:arithmetic') return s;
  if (s[0] === '+' || s[0] === '-') { neg = s[0] === '-'; s = s.slice(1); }
  const sign = neg ? signBit : 0n;
  if (s === 'inf') return sign | (expMask << BigInt(f.mant));
  if (s === 'nan') return sign | (expMask << BigInt(f.mant)) | (1n << BigInt(f.mant - 1));
  let m = /^nan:0x([0-9a-fA-F](?:_?[0-9a-fA-F])*)$/.exec(s);
  if (m) {
    const payload = BigInt('0x' + m[1].replace(/_/g, ''));
    if (payload === 0n || payload >= 1n << BigInt(f.mant)) throw new Error(`NaN payload out of range in "${text}"`);
    return sign | (expMask << BigInt(f.mant)) | payload;
  }
  // value = mantissa * 2^e2 * 10^e10
  let mantissa;
  let e2 = 0;
  let e10 = 0;
  const hd = '[0-9a-fA-F](?:_?[0-9a-fA-F])*';
  const dd = '[0-9](?:_?[0-9])*';
  m = new RegExp(`^0x(${hd})(?:\\.(${hd})?)?(?:[pP]([+-]?${dd}))?$`).exec(s);
  if (m) {
    const ip = m[1].replace(/_/g, '');
    const fp = (m[2] || '').replace(/_/g, '');
    mantissa = BigInt('0x' + ip + fp);
    e2 = (m[3] ? Number(m[3].replace(/_/g, '')) : 0) - 4 * fp.length;
  } else {
    m = new RegExp(`^(${dd})(?:\\.(${dd})?)?(?:[eE]([+-]?${dd}))?$`).exec(s);
    if (!m) throw new Error(`malformed float literal "${text}"`);
    const ip = m[1].replace(/_/g, '');
    const fp = (m[2] || '').replace(/_/g, '');
    mantissa = BigInt(ip + fp);
    e10 = (m[3] ? Number(m[3].replace(/_/g, '')) : 0) - fp.length;
  }
  if (mantissa === 0n) return sign;
  // Exponents beyond these bounds saturate anyway; clamping keeps the BigInts small.
  e10 = Math.max(-400, Math.min(400, e10));
  e2 = Math.max(-1200, Math.min(1200, e2));
  let num = mantissa;
  let den = 1n;
  if (e10 >= 0) num *= 10n ** BigInt(e10); else den = 10n ** BigInt(-e10);
  if (e2 >= 0) num <<= BigInt(e2); else den <<= BigInt(-e2);
  // e = floor(log2(num / den))
  let e = bitLength(num) - bitLength(den);
  if (e >= 0 ? num < den << BigInt(e) : num << BigInt(-e) < den) e--;
  const emin = 1 - f.bias;
  let q = Math.max(e, emin) - f.mant; // weight of the last significand bit
  let n2 = num;
  let d2 = den;
  if (q >= 0) d2 <<= BigInt(q); else n2 <<= BigInt(-q);
  let sig = n2 / d2;
  const rem2 = (n2 % d2) * 2n;
  if (rem2 > d2 || (rem2 === d2 && (sig & 1n) === 1n)) sig++;
  if (sig >= 1n << BigInt(f.mant + 1)) { sig >>= 1n; q++; }
  if (sig < 1n << BigInt(f.mant)) return sign | sig; // subnormal (or rounded to zero)
  const biased = BigInt(q + f.mant + f.bias);
  if (biased >= expMask) throw new Error(`float literal "${text}" out of range`);
  return sign | (biased << BigInt(f.mant)) | (sig - (1n << BigInt(f.mant)));
}
