/**
 * The quality a JPEG file was saved at, read from its quantisation tables (DQT segments).
 *
 * Most encoders (libjpeg, libjpeg-turbo, mozjpeg with its default tables, OpenCV, PIL, sharp) scale the
 * example tables of the JPEG standard (ITU-T T.81 Annex K, K.1 luminance and K.2 chrominance) by the
 * IJG rule: scale = q < 50 ? 5000 / q : 200 - 2q, entry = clamp(floor((base * scale + 50) / 100), 1, 255).
 * jpegQualityFromTables tries q = 1..100 and keeps the one whose tables are nearest (sum of absolute
 * differences over the luminance table and, when present, the chrominance table): exact for files from
 * those encoders, the nearest equivalent quality for cameras with their own tables.
 *
 * Only the markers are read (no pixel is decoded), up to the first scan; a truncated or odd file gives
 * null, never an exception: the quality is a hint for the degradation estimate, not a requirement.
 */

/** Annex K.1, luminance, in natural (row-major) order. */
const LUMINANCE = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
/** Annex K.2, chrominance, natural order. */
const CHROMINANCE = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
  ...new Array<number>(32).fill(99),
];
/** Natural index of the k-th coefficient in zigzag order (the order a DQT segment stores). */
const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56,
  57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/** The IJG table for `quality` (1-100) from an Annex K base table, natural order, baseline (entries <= 255). */
export function ijgTable(base: readonly number[], quality: number): number[] {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? Math.floor(5000 / q) : 200 - 2 * q;
  return base.map((b) => Math.min(255, Math.max(1, Math.floor((b * scale + 50) / 100))));
}

/** The file's quantisation tables by id (0-3), natural order; empty when it has none or is not a JPEG. */
export function readQuantizationTables(bytes: Uint8Array): Map<number, number[]> {
  const tables = new Map<number, number[]>();
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return tables;
  let p = 2;
  while (p + 4 <= bytes.length) {
    if (bytes[p] !== 0xff) return tables; // lost sync: stop
    const marker = bytes[p + 1] as number;
    if (marker === 0xff) {
      p += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      p += 2; // markers without a length
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return tables; // start of scan / end of image: tables come before
    const length = ((bytes[p + 2] as number) << 8) | (bytes[p + 3] as number);
    const end = p + 2 + length;
    if (length < 2 || end > bytes.length) return tables;
    if (marker === 0xdb) {
      let q = p + 4;
      while (q < end) {
        const pq = (bytes[q] as number) >> 4;
        const tq = (bytes[q] as number) & 0x0f;
        const size = pq === 0 ? 64 : 128;
        if (q + 1 + size > end || tq > 3) return tables;
        const table = new Array<number>(64);
        for (let k = 0; k < 64; k++) {
          const v = pq === 0 ? (bytes[q + 1 + k] as number) : ((bytes[q + 1 + 2 * k] as number) << 8) | (bytes[q + 2 + 2 * k] as number);
          table[ZIGZAG[k] as number] = v;
        }
        tables.set(tq, table);
        q += 1 + size;
      }
    }
    p = end;
  }
  return tables;
}

/**
 * The IJG quality (1-100) whose tables are nearest the file's, or null when the bytes hold no
 * quantisation table (not a JPEG, or a damaged one).
 */
export function jpegQualityFromTables(bytes: Uint8Array): number | null {
  const tables = readQuantizationTables(bytes);
  const luma = tables.get(0);
  if (!luma) return null;
  const chroma = tables.get(1);
  let best = 0;
  let bestError = Infinity;
  for (let q = 1; q <= 100; q++) {
    const l = ijgTable(LUMINANCE, q);
    let error = 0;
    for (let i = 0; i < 64; i++) error += Math.abs((luma[i] as number) - (l[i] as number));
    if (chroma) {
      const c = ijgTable(CHROMINANCE, q);
      for (let i = 0; i < 64; i++) error += Math.abs((chroma[i] as number) - (c[i] as number));
    }
    if (error < bestError) {
      bestError = error;
      best = q;
    }
  }
  return best;
}
