/**
 * A seeded source of uniform and Gaussian numbers for initial latents and
 * DDIM eta noise: the same seed gives the same numbers on every platform.
 *
 * Uniform bits: xoshiro128** (Blackman & Vigna, 2018), four 32-bit words of
 * state, seeded by running SplitMix32 over the seed so that nearby seeds give
 * unrelated streams. It uses only 32-bit integer arithmetic (`Math.imul`,
 * shifts), so it is exact in JavaScript.
 *
 * Gaussians: the Box-Muller transform on pairs of uniforms,
 *   z0 = sqrt(-2 ln u1) cos(2 pi u2),  z1 = sqrt(-2 ln u1) sin(2 pi u2),
 * emitted in that order (z0, then z1), with u1 in (0, 1] so ln never sees 0.
 * V8 (Node and Electron) evaluates Math.log/cos/sin with its own fdlibm port,
 * the same code on every OS, and the results are rounded to float32.
 *
 * This does NOT reproduce torch.randn: the same seed gives different numbers
 * in PyTorch. Tests that compare with PyTorch store the noise explicitly.
 */

const TWO_PI = 2 * Math.PI;
const TWO_POW_32 = 4294967296;

/** SplitMix32 step: returns [next state, output]. */
function splitMix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [next, z >>> 0];
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Seeded generator, named after torch.Generator: `new Generator(seed)` or `new Generator().manualSeed(seed)`. */
export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private seedValue = 0;

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  /** Resets the stream. `seed` is a non-negative integer below 2^53 (any JS safe integer). */
  manualSeed(seed: number): this {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new Error(`Generator seed must be a non-negative integer below 2^53, got ${seed}. Pick a whole number such as 42.`);
    }
    this.seedValue = seed;
    const lo = seed % TWO_POW_32;
    const hi = Math.floor(seed / TWO_POW_32);
    // Mix both halves so seeds that differ only above bit 32 still differ.
    let state = lo | 0;
    let out: number;
    [state, out] = splitMix32(state ^ Math.imul(hi, 0x632be5ab));
    this.s0 = out;
    [state, out] = splitMix32(state);
    this.s1 = out;
    [state, out] = splitMix32(state);
    this.s2 = out;
    [, out] = splitMix32(state);
    this.s3 = out;
    // xoshiro's state must not be all zero; SplitMix32 outputs make that practically impossible, but be sure.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    return this;
  }

  /** The seed last given to `manualSeed` (like torch.Generator.initial_seed). */
  initialSeed(): number {
    return this.seedValue;
  }

  /** Next 32 uniform random bits as an unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Fills `out` (or a new array of length n) with standard normal samples, float32. */
  randn(n: number, out?: Float32Array): Float32Array {
    if (!Number.isInteger(n) || n < 0) throw new Error(`randn needs a non-negative integer count, got ${n}.`);
    const result = out ?? new Float32Array(n);
    if (result.length < n) throw new Error(`randn output holds ${result.length} values, needs ${n}.`);
    for (let i = 0; i < n; i += 2) {
      const u1 = 1 - this.random(); // (0, 1]
      const u2 = this.random();
      const radius = Math.sqrt(-2 * Math.log(u1));
      const angle = TWO_PI * u2;
      result[i] = radius * Math.cos(angle);
      if (i + 1 < n) result[i + 1] = radius * Math.sin(angle);
    }
    return result;
  }
}
