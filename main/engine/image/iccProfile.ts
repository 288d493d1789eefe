/**
 * ICC colour profiles of RGB photos: what a profile is called, whether it is wide, and the maths to
 * move pixels between it and sRGB, for matrix/TRC ("matrix-shaper") profiles: Adobe RGB, ProPhoto,
 * Display P3, camera and scanner RGB profiles (ICC.1:2022 sections 8.3.4 and 10).
 *
 * Notation (all linear-light values are in the profile connection space's D50):
 *   encoded  = the pixel value as stored, 0-1
 *   linear   = TRC^-1(encoded)                       (rTRC, gTRC, bTRC: curv or para tags)
 *   XYZ      = M · linear, M's columns = rXYZ, gXYZ, bXYZ (the colorants, already D50-adapted)
 *   sRGB     = the same with sRGB's colorants and curve
 * so profile -> sRGB is  encodeSrgb(Ms^-1 · Mp · decodeP(v))  and back the other way.
 *
 * LUT-based (A2B0) profiles, CMYK and grey are reported (name, space) but not converted here:
 * `matrix` is null for them and callers fall back to sharp's own colour management.
 */

export interface Xyz {
  x: number;
  y: number;
  z: number;
}

/** A tone curve: gamma, parametric (ICC para) or a table, as a function of 0-1. */
export type ToneCurve = { kind: 'gamma'; gamma: number } | { kind: 'para'; type: number; p: number[] } | { kind: 'table'; table: Float64Array };

export interface IccProfileInfo {
  /** The profile's own description ("Adobe RGB (1998)", "sRGB IEC61966-2.1"); null when it has none. */
  name: string | null;
  /** The data colour space of the header: 'RGB', 'GRAY', 'CMYK', ... */
  colourSpace: string;
  /** Matrix/TRC data (RGB profiles that have it), for profileToSrgb/srgbToProfile; null otherwise. */
  matrix: { red: Xyz; green: Xyz; blue: Xyz; curves: [ToneCurve, ToneCurve, ToneCurve] } | null;
  /** True when the profile is sRGB, by its colorants and curve (within what 8-bit can show). */
  isSrgb: boolean;
}

/** sRGB's D50-adapted colorants (IEC 61966-2-1 through Bradford, as in the ICC's sRGB profiles). */
export const SRGB_COLORANTS = {
  red: { x: 0.436066, y: 0.222488, z: 0.013916 },
  green: { x: 0.385147, y: 0.716873, z: 0.097076 },
  blue: { x: 0.143066, y: 0.060608, z: 0.714096 },
};

const s15 = (b: Buffer, at: number): number => b.readInt32BE(at) / 65536;
const text = (b: Buffer, at: number, n: number): string => b.toString('latin1', at, at + n);

function readXyz(b: Buffer, at: number): Xyz | null {
  if (at + 20 > b.length || text(b, at, 4) !== 'XYZ ') return null;
  return { x: s15(b, at + 8), y: s15(b, at + 12), z: s15(b, at + 16) };
}

function readCurve(b: Buffer, at: number, size: number): ToneCurve | null {
  if (at + 12 > b.length) return null;
  const type = text(b, at, 4);
  if (type === 'curv') {
    const n = b.readUInt32BE(at + 8);
    if (n === 0) return { kind: 'gamma', gamma: 1 };
    if (n === 1) return { kind: 'gamma', gamma: b.readUInt16BE(at + 12) / 256 };
    if (at + 12 + 2 * n > b.length || 12 + 2 * n > size) return null;
    const table = new Float64Array(n);
    for (let i = 0; i < n; i++) table[i] = b.readUInt16BE(at + 12 + 2 * i) / 65535;
    return { kind: 'table', table };
  }
  if (type === 'para') {
    const fn = b.readUInt16BE(at + 8);
    const count = [1, 3, 4, 5, 7][fn];
    if (count === undefined || at + 12 + 4 * count > b.length) return null;
    const p: number[] = [];
    for (let i = 0; i < count; i++) p.push(s15(b, at + 12 + 4 * i));
    return { kind: 'para', type: fn, p };
  }
  return null;
}

function readDescription(b: Buffer, at: number, size: number): string | null {
  if (at + 12 > b.length) return null;
  const type = text(b, at, 4);
  if (type === 'desc') {
    const n = b.readUInt32BE(at + 8);
    if (n < 1 || at + 12 + n > b.length) return null;
    return b.toString('latin1', at + 12, at + 12 + n - 1).replace(/\0+$/, '') || null;
  }
  if (type === 'mluc') {
    const records = b.readUInt32BE(at + 8);
    if (records < 1 || at + 28 > b.length) return null;
    const len = b.readUInt32BE(at + 20);
    const off = b.readUInt32BE(at + 24);
    if (off + len > size || at + off + len > b.length) return null;
    const utf16 = Buffer.from(b.subarray(at + off, at + off + len));
    utf16.swap16();
    return utf16.toString('utf16le').replace(/\0+$/, '') || null;
  }
  return null;
}

/** The profile's facts, or null when the bytes are not an ICC profile. Never throws. */
export function parseIccProfile(bytes: Uint8Array): IccProfileInfo | null {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 132 || text(b, 36, 4) !== 'acsp') return null;
  const colourSpace = text(b, 16, 4).trim();
  const count = b.readUInt32BE(128);
  const tags = new Map<string, { at: number; size: number }>();
  for (let i = 0; i < count && 132 + 12 * i + 12 <= b.length; i++) {
    const e = 132 + 12 * i;
    tags.set(text(b, e, 4), { at: b.readUInt32BE(e + 4), size: b.readUInt32BE(e + 8) });
  }
  const tag = <T>(sig: string, read: (at: number, size: number) => T | null): T | null => {
    const t = tags.get(sig);
    return t ? read(t.at, t.size) : null;
  };
  const name = tag('desc', (at, size) => readDescription(b, at, size));
  let matrix: IccProfileInfo['matrix'] = null;
  if (colourSpace === 'RGB' && text(b, 20, 4) === 'XYZ ') {
    const red = tag('rXYZ', (at) => readXyz(b, at));
    const green = tag('gXYZ', (at) => readXyz(b, at));
    const blue = tag('bXYZ', (at) => readXyz(b, at));
    const r = tag('rTRC', (at, size) => readCurve(b, at, size));
    const g = tag('gTRC', (at, size) => readCurve(b, at, size));
    const bl = tag('bTRC', (at, size) => readCurve(b, at, size));
    if (red && green && blue && r && g && bl) matrix = { red, green, blue, curves: [r, g, bl] };
  }
  const close = (a: Xyz, c: Xyz): boolean => Math.abs(a.x - c.x) < 0.003 && Math.abs(a.y - c.y) < 0.003 && Math.abs(a.z - c.z) < 0.003;
  const isSrgb =
    matrix !== null &&
    close(matrix.red, SRGB_COLORANTS.red) &&
    close(matrix.green, SRGB_COLORANTS.green) &&
    close(matrix.blue, SRGB_COLORANTS.blue) &&
    matrix.curves.every((c) => [0.02, 0.2, 0.5, 0.8].every((v) => Math.abs(curveToLinear(c, v) - srgbToLinear(v)) < 0.002));
  return { name, colourSpace, matrix, isSrgb };
}

/** sRGB's curve, encoded -> linear (IEC 61966-2-1), extended oddly below 0 and by its power above 1. */
export function srgbToLinear(v: number): number {
  if (v < 0) return -srgbToLinear(-v);
  return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
}

export function linearToSrgb(v: number): number {
  if (v < 0) return -linearToSrgb(-v);
  return v <= 0.0031308 ? v * 12.92 : 1.055 * Math.pow(v, 1 / 2.4) - 0.055;
}

/** A profile curve, encoded -> linear. */
export function curveToLinear(c: ToneCurve, v: number): number {
  if (v < 0) return -curveToLinear(c, -v);
  switch (c.kind) {
    case 'gamma':
      return Math.pow(v, c.gamma);
    case 'table': {
      const t = c.table;
      const x = Math.min(1, v) * (t.length - 1);
      const i = Math.min(t.length - 2, Math.floor(x));
      return (t[i] ?? 0) + ((t[i + 1] ?? 0) - (t[i] ?? 0)) * (x - i);
    }
    case 'para': {
      const [g = 1, a = 1, b = 0, cc = 0, d = 0, e = 0, f = 0] = c.p;
      switch (c.type) {
        case 0:
          return Math.pow(v, g);
        case 1:
          return v >= -b / a ? Math.pow(a * v + b, g) : 0;
        case 2:
          return v >= -b / a ? Math.pow(a * v + b, g) + cc : cc;
        case 3:
          return v >= d ? Math.pow(a * v + b, g) : cc * v;
        default:
          return v >= d ? Math.pow(a * v + b, g) + e : cc * v + f;
      }
    }
  }
}

/** A curve's inverse, linear -> encoded, by bisection (curves are monotone); exact for gamma. */
export function linearToCurve(c: ToneCurve, y: number): number {
  if (y < 0) return -linearToCurve(c, -y);
  if (c.kind === 'gamma') return c.gamma === 0 ? y : Math.pow(y, 1 / c.gamma);
  let lo = 0;
  let hi = 1;
  if (y >= curveToLinear(c, 1)) return 1;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (curveToLinear(c, mid) < y) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

type Mat3 = [number, number, number, number, number, number, number, number, number];

function columns(red: Xyz, green: Xyz, blue: Xyz): Mat3 {
  return [red.x, green.x, blue.x, red.y, green.y, blue.y, red.z, green.z, blue.z];
}

function invert(m: Mat3): Mat3 {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [A / det, -(b * i - c * h) / det, (b * f - c * e) / det, B / det, (a * i - c * g) / det, -(a * f - c * d) / det, C / det, -(a * h - b * g) / det, (a * e - b * d) / det];
}

function multiply(x: Mat3, y: Mat3): Mat3 {
  const out = new Array<number>(9).fill(0) as Mat3;
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) out[r * 3 + c] = x[r * 3]! * y[c]! + x[r * 3 + 1]! * y[3 + c]! + x[r * 3 + 2]! * y[6 + c]!;
  return out;
}

/** A 4096-entry table of a curve (encoded -> linear or back), interpolated: fast enough for 24 MP. */
function curveTable(fn: (v: number) => number): (v: number) => number {
  const n = 4096;
  const t = new Float64Array(n + 1);
  for (let i = 0; i <= n; i++) t[i] = fn(i / n);
  return (v: number): number => {
    if (v < 0 || v > 1) return fn(v);
    const x = v * n;
    const i = Math.min(n - 1, Math.floor(x));
    return t[i]! + (t[i + 1]! - t[i]!) * (x - i);
  };
}

/** Converts interleaved RGB floats in place (stride 3) from one matrix/TRC space to another. */
function convert(data: Float32Array, decode: ((v: number) => number)[], m: Mat3, encode: ((v: number) => number)[], clip: boolean): void {
  const [d0, d1, d2] = decode as [(v: number) => number, (v: number) => number, (v: number) => number];
  const [e0, e1, e2] = encode as [(v: number) => number, (v: number) => number, (v: number) => number];
  const lim = (v: number): number => (clip ? (v < 0 ? 0 : v > 1 ? 1 : v) : v);
  for (let i = 0; i + 2 < data.length; i += 3) {
    const r = d0(data[i]!);
    const g = d1(data[i + 1]!);
    const b = d2(data[i + 2]!);
    data[i] = e0(lim(m[0] * r + m[1] * g + m[2] * b));
    data[i + 1] = e1(lim(m[3] * r + m[4] * g + m[5] * b));
    data[i + 2] = e2(lim(m[6] * r + m[7] * g + m[8] * b));
  }
}

/** Profile-encoded RGB (0-1, interleaved) -> sRGB, in place, clipped to sRGB's gamut. */
export function profileToSrgb(profile: NonNullable<IccProfileInfo['matrix']>, data: Float32Array): void {
  const m = multiply(invert(columns(SRGB_COLORANTS.red, SRGB_COLORANTS.green, SRGB_COLORANTS.blue)), columns(profile.red, profile.green, profile.blue));
  const toSrgb = curveTable(linearToSrgb);
  convert(
    data,
    profile.curves.map((c) => curveTable((v) => curveToLinear(c, v))),
    m,
    [toSrgb, toSrgb, toSrgb],
    true,
  );
}

/** sRGB (0-1, interleaved) -> the profile's encoding, in place, clipped to the profile's gamut. */
export function srgbToProfile(profile: NonNullable<IccProfileInfo['matrix']>, data: Float32Array): void {
  const m = multiply(invert(columns(profile.red, profile.green, profile.blue)), columns(SRGB_COLORANTS.red, SRGB_COLORANTS.green, SRGB_COLORANTS.blue));
  const fromSrgb = curveTable(srgbToLinear);
  convert(
    data,
    [fromSrgb, fromSrgb, fromSrgb],
    m,
    profile.curves.map((c) => curveTable((v) => linearToCurve(c, v))),
    true,
  );
}

/**
 * A matrix/TRC RGB profile (ICC v2, gamma curves): for tests and fixtures that need an Adobe RGB or
 * ProPhoto photo without shipping a profile file. `gamma` is the curve's power (stored as u8Fixed8).
 */
export function buildMatrixProfile(spec: { name: string; gamma: number; red: Xyz; green: Xyz; blue: Xyz }): Buffer {
  const xyz = (v: Xyz): Buffer => {
    const out = Buffer.alloc(20);
    out.write('XYZ ', 0, 'latin1');
    out.writeInt32BE(Math.round(v.x * 65536), 8);
    out.writeInt32BE(Math.round(v.y * 65536), 12);
    out.writeInt32BE(Math.round(v.z * 65536), 16);
    return out;
  };
  const curv = Buffer.alloc(14);
  curv.write('curv', 0, 'latin1');
  curv.writeUInt32BE(1, 8);
  curv.writeUInt16BE(Math.round(spec.gamma * 256), 12);
  const descText = Buffer.from(`${spec.name}\0`, 'latin1');
  const desc = Buffer.alloc(12 + descText.length + 12 + 67);
  desc.write('desc', 0, 'latin1');
  desc.writeUInt32BE(descText.length, 8);
  descText.copy(desc, 12);
  const cprt = Buffer.from('text\0\0\0\0No copyright, use freely.\0', 'latin1');
  const tags: [string, Buffer][] = [
    ['desc', desc],
    ['cprt', cprt],
    ['wtpt', xyz({ x: 0.9642, y: 1, z: 0.8249 })],
    ['rXYZ', xyz(spec.red)],
    ['gXYZ', xyz(spec.green)],
    ['bXYZ', xyz(spec.blue)],
    ['rTRC', curv],
    ['gTRC', curv],
    ['bTRC', curv],
  ];
  const pad4 = (n: number): number => (n + 3) & ~3;
  let offset = 128 + 4 + 12 * tags.length;
  const table = Buffer.alloc(4 + 12 * tags.length);
  table.writeUInt32BE(tags.length, 0);
  const bodies: Buffer[] = [];
  const seen = new Map<Buffer, number>();
  tags.forEach(([sig, body], i) => {
    let at = seen.get(body);
    if (at === undefined) {
      at = offset;
      seen.set(body, at);
      const padded = Buffer.alloc(pad4(body.length));
      body.copy(padded);
      bodies.push(padded);
      offset += padded.length;
    }
    table.write(sig, 4 + 12 * i, 'latin1');
    table.writeUInt32BE(at, 8 + 12 * i);
    table.writeUInt32BE(body.length, 12 + 12 * i);
  });
  const header = Buffer.alloc(128);
  header.writeUInt32BE(offset, 0);
  header.writeUInt32BE(0x02100000, 8); // version 2.1
  header.write('mntr', 12, 'latin1');
  header.write('RGB XYZ ', 16, 'latin1');
  header.write('acsp', 36, 'latin1');
  header.writeInt32BE(Math.round(0.9642 * 65536), 68);
  header.writeInt32BE(65536, 72);
  header.writeInt32BE(Math.round(0.8249 * 65536), 76);
  return Buffer.concat([header, table, ...bodies]);
}

/** Adobe RGB (1998) and ProPhoto (ROMM) RGB as matrix/TRC profiles (D50-adapted colorants; ProPhoto's curve as gamma 1.8). */
export const ADOBE_RGB_SPEC = {
  name: 'Adobe RGB (1998)',
  gamma: 563 / 256,
  red: { x: 0.60974, y: 0.31111, z: 0.01947 },
  green: { x: 0.20528, y: 0.62567, z: 0.06087 },
  blue: { x: 0.14919, y: 0.06322, z: 0.74457 },
};
export const PROPHOTO_RGB_SPEC = {
  name: 'ProPhoto RGB',
  gamma: 1.8,
  red: { x: 0.7977, y: 0.2880, z: 0.0 },
  green: { x: 0.1352, y: 0.7119, z: 0.0 },
  blue: { x: 0.0313, y: 0.0001, z: 0.8249 },
};
