/**
 * float16 <-> float32 at the ONNX boundary: half-precision packs take and give 'float16'
 * tensors as their IEEE 754 binary16 bit patterns in a Uint16Array (what onnxruntime takes).
 * Conversion rounds to nearest, ties to even, like numpy's astype(float16) and the native
 * Float16Array. Only pipeline/models.ts (OnnxSpireModels, the feeds) converts; the rest of the
 * engine computes in float32.
 */

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** binary16 bits for the float32 with bits `u` (round to nearest, ties to even; NaN payload's top bits kept). */
function halfFromFloatBits(u: number): number {
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  const mant = u & 0x7fffff;
  if (exp === 0xff) {
    if (mant === 0) return sign | 0x7c00; // +-inf
    const payload = mant >>> 13;
    return sign | 0x7c00 | (payload !== 0 ? payload : 0x200); // NaN stays NaN
  }
  const e = exp - 112; // binary16 biased exponent (127 - 15)
  if (e >= 0x1f) return sign | 0x7c00; // too large: inf
  if (e >= 1) {
    // Normal: keep 10 mantissa bits, round on the 13 dropped ones. A carry may bump the
    // exponent, up to inf (0x7c00), which is the right answer.
    let h = sign | (e << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && (h & 1) !== 0)) h++;
    return h;
  }
  if (e < -10) return sign; // below half the smallest subnormal (2^-25): +-0
  // Subnormal result: value = m * 2^(exp - 150), unit 2^-24, so h = m >> (126 - exp).
  const m = mant | 0x800000;
  const shift = 14 - e; // 14 .. 24
  let h = m >>> shift;
  const rest = m & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  if (rest > half || (rest === half && (h & 1) !== 0)) h++; // may round up to the smallest normal, 0x400
  return sign | h;
}

/** float32 bits for the binary16 bits `h` (exact). */
function floatBitsFromHalf(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  // Subnormal: shift the mantissa up until its leading 1 is the implicit bit.
  let e = 113; // float32 biased exponent of 2^-14
  while ((mant & 0x400) === 0) {
    mant <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((mant & 0x3ff) << 13)) >>> 0;
}

/** One number -> binary16 bits (rounded to float32 first, as a Float32Array store would). */
export function toHalfBits(x: number): number {
  scratchF32[0] = x;
  return halfFromFloatBits(scratchU32[0]!);
}

/** binary16 bits -> number. */
export function fromHalfBits(h: number): number {
  scratchU32[0] = floatBitsFromHalf(h & 0xffff);
  return scratchF32[0]!;
}

/** float32 values -> binary16 bits (round to nearest even). `dst` defaults to a new Uint16Array. */
export function float32ToFloat16Bits(src: Float32Array, dst: Uint16Array = new Uint16Array(src.length)): Uint16Array {
  if (dst.length !== src.length) throw new Error(`float32ToFloat16Bits: destination has ${dst.length} values, source ${src.length}.`);
  // Read the float bits through a Uint32 view (no NaN canonicalisation, no per-value allocation).
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < bits.length; i++) dst[i] = halfFromFloatBits(bits[i]!);
  return dst;
}

let halfTable: Uint32Array | undefined;

/** binary16 bits -> float32 values (exact, via a 65,536-entry table built on first use). */
export function float16BitsToFloat32(src: Uint16Array, dst: Float32Array = new Float32Array(src.length)): Float32Array {
  if (dst.length !== src.length) throw new Error(`float16BitsToFloat32: destination has ${dst.length} values, source ${src.length}.`);
  if (!halfTable) {
    halfTable = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = floatBitsFromHalf(h);
  }
  const table = halfTable;
  const out = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
  for (let i = 0; i < src.length; i++) out[i] = table[src[i]!]!;
  return dst;
}
