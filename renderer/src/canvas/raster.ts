/**
 * Mask rasterisation in pure TypeScript (no DOM, no Konva), so every edit is unit-tested
 * in Node and the reducer stays deterministic.
 *
 * A mask is one byte of coverage per pixel (0 = outside, 255 = inside), row-major:
 *   data[y * width + x]
 * Pixel (x, y) is sampled at its centre (x + 0.5, y + 0.5). Every operation changes
 * `data` in place and returns the dirty rectangle it touched (or null), so the caller can
 * record a compact undo patch of just that rectangle.
 */
import type { Vec2 } from './viewport';

export interface Mask {
  width: number;
  height: number;
  /** Coverage 0..255, `width * height` bytes. */
  data: Uint8Array;
}

/** A pixel rectangle: x, y inclusive, width and height in pixels. */
export interface PixelRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Paint raises coverage, erase lowers it. */
export type PaintMode = 'paint' | 'erase';

export function createMask(width: number, height: number): Mask {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`A mask needs a positive whole-pixel size, got ${width} x ${height}.`);
  }
  return { width, height, data: new Uint8Array(width * height) };
}

export function cloneMask(mask: Mask): Mask {
  return { width: mask.width, height: mask.height, data: mask.data.slice() };
}

/** Intersects a (possibly fractional) box with the mask: whole pixels whose centres may be inside. */
function clipBox(mask: Mask, x0: number, y0: number, x1: number, y1: number): PixelRect | null {
  const left = Math.max(0, Math.floor(x0));
  const top = Math.max(0, Math.floor(y0));
  const right = Math.min(mask.width, Math.ceil(x1));
  const bottom = Math.min(mask.height, Math.ceil(y1));
  if (right <= left || bottom <= top) return null;
  return { x: left, y: top, width: right - left, height: bottom - top };
}

export function unionRect(a: PixelRect | null, b: PixelRect | null): PixelRect | null {
  if (!a) return b;
  if (!b) return a;
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, width: Math.max(a.x + a.width, b.x + b.width) - x, height: Math.max(a.y + a.height, b.y + b.height) - y };
}

/** Writes one coverage value into a pixel: paint keeps the larger, erase removes `value` of it. */
function blend(data: Uint8Array, i: number, value: number, mode: PaintMode): void {
  if (value <= 0) return;
  if (mode === 'paint') {
    if (value > data[i]!) data[i] = value;
  } else {
    const left = 255 - value;
    if (left < data[i]!) data[i] = left;
  }
}

// --- Brush ------------------------------------------------------------------------------

/**
 * The round brush's profile: coverage (0..1) at distance `d` from the stroke's centre line.
 *   d <= radius * hardness        1 (the hard core)
 *   radius * hardness < d < radius  smoothstep falloff to 0
 * A fully hard brush still gets a one-pixel anti-aliased edge, so its rim does not stair-step.
 */
export function brushCoverage(d: number, radius: number, hardness: number): number {
  const h = Math.min(1, Math.max(0, hardness));
  const inner = Math.min(radius * h, radius - 0.5);
  if (d <= inner) return 1;
  const outer = radius + (h >= 1 ? 0.5 : 0);
  if (d >= outer) return 0;
  const t = (outer - d) / (outer - inner); // 1 at the core, 0 at the rim
  return t * t * (3 - 2 * t);
}

/** Squared distance from p to the segment a-b. */
function distanceToSegment2(px: number, py: number, a: Vec2, b: Vec2): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((px - a.x) * dx + (py - a.y) * dy) / len2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const ex = px - (a.x + t * dx);
  const ey = py - (a.y + t * dy);
  return ex * ex + ey * ey;
}

export interface BrushStroke {
  /** The stroke's centre line in mask pixels; one point is a dab. */
  points: readonly Vec2[];
  /** Half the brush diameter, in mask pixels. */
  radius: number;
  /** 0 (soft) .. 1 (hard edge). */
  hardness: number;
  mode: PaintMode;
}

/**
 * Rasterises a whole stroke. Each pixel takes the coverage of its distance to the
 * nearest segment (found with squared distances; one square root per pixel), so
 * overlapping segments do not build up darker joints (the stroke is one shape, as in a
 * photo editor, not a string of stamped dabs).
 */
export function drawStroke(mask: Mask, stroke: BrushStroke): PixelRect | null {
  const { points, hardness, mode } = stroke;
  const radius = Math.max(0.5, stroke.radius);
  if (points.length === 0) return null;
  const reach = radius + 1;
  let xs = Infinity, ys = Infinity, xe = -Infinity, ye = -Infinity;
  for (const p of points) {
    xs = Math.min(xs, p.x - reach);
    ys = Math.min(ys, p.y - reach);
    xe = Math.max(xe, p.x + reach);
    ye = Math.max(ye, p.y + reach);
  }
  const box = clipBox(mask, xs, ys, xe, ye);
  if (!box) return null;
  // The nearest squared distance to the centre line per pixel (max coverage = min distance),
  // then one coverage lookup and blend per pixel.
  const near = new Float32Array(box.width * box.height).fill(Infinity);
  const reach2 = reach * reach;
  const segments = points.length === 1 ? [[points[0]!, points[0]!] as const] : points.slice(1).map((p, i) => [points[i]!, p] as const);
  for (const [a, b] of segments) {
    const seg = clipBox(mask, Math.min(a.x, b.x) - reach, Math.min(a.y, b.y) - reach, Math.max(a.x, b.x) + reach, Math.max(a.y, b.y) + reach);
    if (!seg) continue;
    for (let y = seg.y; y < seg.y + seg.height; y++) {
      const row = (y - box.y) * box.width - box.x;
      for (let x = seg.x; x < seg.x + seg.width; x++) {
        const d2 = distanceToSegment2(x + 0.5, y + 0.5, a, b);
        if (d2 < near[row + x]! && d2 < reach2) near[row + x] = d2;
      }
    }
  }
  const { data, width } = mask;
  for (let y = 0; y < box.height; y++) {
    for (let x = 0; x < box.width; x++) {
      const d2 = near[y * box.width + x]!;
      if (d2 === Infinity) continue;
      blend(data, (box.y + y) * width + box.x + x, Math.round(brushCoverage(Math.sqrt(d2), radius, hardness) * 255), mode);
    }
  }
  return box;
}

// --- Shapes -----------------------------------------------------------------------------

/** Fills the pixels whose centres lie in the rectangle spanned by two corners (any order). */
export function fillRect(mask: Mask, a: Vec2, b: Vec2, mode: PaintMode): PixelRect | null {
  // Pixel x is inside when x + 0.5 is in [min, max): round the edges to pixel boundaries.
  const box = clipBox(mask, Math.round(Math.min(a.x, b.x)), Math.round(Math.min(a.y, b.y)), Math.round(Math.max(a.x, b.x)), Math.round(Math.max(a.y, b.y)));
  if (!box) return null;
  for (let y = box.y; y < box.y + box.height; y++) {
    for (let x = box.x; x < box.x + box.width; x++) blend(mask.data, y * mask.width + x, 255, mode);
  }
  return box;
}

/**
 * Fills a closed polygon (the lasso) by scanlines with the even-odd rule, sampling pixel
 * centres. The last point joins the first.
 */
export function fillPolygon(mask: Mask, points: readonly Vec2[], mode: PaintMode): PixelRect | null {
  if (points.length < 3) return null;
  let ys = Infinity, ye = -Infinity, xs = Infinity, xe = -Infinity;
  for (const p of points) {
    ys = Math.min(ys, p.y);
    ye = Math.max(ye, p.y);
    xs = Math.min(xs, p.x);
    xe = Math.max(xe, p.x);
  }
  const box = clipBox(mask, xs, ys, xe, ye);
  if (!box) return null;
  let dirty: PixelRect | null = null;
  const crossings: number[] = [];
  for (let y = box.y; y < box.y + box.height; y++) {
    const cy = y + 0.5;
    crossings.length = 0;
    for (let i = 0; i < points.length; i++) {
      const a = points[i]!;
      const b = points[(i + 1) % points.length]!;
      // Half-open rule: an edge counts when the scanline is in [min y, max y).
      if ((a.y <= cy && b.y > cy) || (b.y <= cy && a.y > cy)) crossings.push(a.x + ((cy - a.y) / (b.y - a.y)) * (b.x - a.x));
    }
    crossings.sort((p, q) => p - q);
    for (let k = 0; k + 1 < crossings.length; k += 2) {
      // Pixels whose centre x + 0.5 lies in [x0, x1).
      const from = Math.max(box.x, Math.ceil(crossings[k]! - 0.5));
      const to = Math.min(box.x + box.width, Math.ceil(crossings[k + 1]! - 0.5));
      for (let x = from; x < to; x++) blend(mask.data, y * mask.width + x, 255, mode);
      if (to > from) dirty = unionRect(dirty, { x: from, y, width: to - from, height: 1 });
    }
  }
  return dirty;
}

/**
 * The fill (paint bucket) tool: floods the 4-connected area around the seed pixel whose
 * coverage is on the same side of half as the seed's. Painting floods the uncovered area
 * (click inside a brushed or lassoed outline to fill it; on an empty mask it fills the
 * whole image); erasing floods the covered area (clears one painted blob).
 * Returns null when the seed is outside the mask or nothing would change.
 */
export function floodFill(mask: Mask, seed: Vec2, mode: PaintMode): PixelRect | null {
  const sx = Math.floor(seed.x);
  const sy = Math.floor(seed.y);
  const { width, height, data } = mask;
  if (sx < 0 || sy < 0 || sx >= width || sy >= height) return null;
  const wantCovered = mode === 'erase';
  // Filled pixels flip to the other side of half, so they never match again: no visited set needed.
  const matches = (i: number) => data[i]! >= 128 === wantCovered;
  if (!matches(sy * width + sx)) return null;
  const value = mode === 'paint' ? 255 : 0;
  let x0 = sx, y0 = sy, x1 = sx, y1 = sy;
  // Scanline fill: fill the run through each seed, then seed the runs above and below it.
  const seeds: number[] = [sx, sy];
  while (seeds.length > 0) {
    const y = seeds.pop()!;
    const x = seeds.pop()!;
    const row = y * width;
    if (!matches(row + x)) continue;
    let left = x;
    while (left > 0 && matches(row + left - 1)) left--;
    let right = x;
    while (right + 1 < width && matches(row + right + 1)) right++;
    data.fill(value, row + left, row + right + 1);
    if (left < x0) x0 = left;
    if (right > x1) x1 = right;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
    for (const ny of [y - 1, y + 1]) {
      if (ny < 0 || ny >= height) continue;
      const nrow = ny * width;
      let inRun = false;
      for (let nx = left; nx <= right; nx++) {
        const m = matches(nrow + nx);
        if (m && !inRun) seeds.push(nx, ny);
        inRun = m;
      }
    }
  }
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

// --- Whole-mask operations ---------------------------------------------------------------

export function clearMask(mask: Mask): PixelRect | null {
  mask.data.fill(0);
  return { x: 0, y: 0, width: mask.width, height: mask.height };
}

export function invertMask(mask: Mask): PixelRect | null {
  const { data } = mask;
  for (let i = 0; i < data.length; i++) data[i] = 255 - data[i]!;
  return { x: 0, y: 0, width: mask.width, height: mask.height };
}

export function isEmptyMask(mask: Mask): boolean {
  const { data } = mask;
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) return false;
  return true;
}

/** One horizontal then one vertical running-sum box blur of the given radius, edges clamped. */
function boxBlur(src: Float32Array, dst: Float32Array, width: number, height: number, r: number): void {
  const tmp = new Float32Array(src.length);
  const n = 2 * r + 1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let sum = 0;
    for (let k = -r; k <= r; k++) sum += src[row + Math.min(width - 1, Math.max(0, k))]!;
    for (let x = 0; x < width; x++) {
      tmp[row + x] = sum / n;
      sum += src[row + Math.min(width - 1, x + r + 1)]! - src[row + Math.max(0, x - r)]!;
    }
  }
  // Vertical pass row by row (running sums per column), so memory is read in order.
  const sums = new Float64Array(width);
  for (let k = -r; k <= r; k++) {
    const row = Math.min(height - 1, Math.max(0, k)) * width;
    for (let x = 0; x < width; x++) sums[x] = sums[x]! + tmp[row + x]!;
  }
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const add = Math.min(height - 1, y + r + 1) * width;
    const sub = Math.max(0, y - r) * width;
    for (let x = 0; x < width; x++) {
      dst[row + x] = sums[x]! / n;
      sums[x] = sums[x]! + tmp[add + x]! - tmp[sub + x]!;
    }
  }
}

/**
 * Softens the mask's edge: three box blurs, close to a Gaussian whose spread is about
 * `radius` pixels (the edge ramps from 0 to 255 over roughly 2 * radius). The overlay's
 * preview of a region's feather only: a run sends the painted mask and the radius, and the
 * engine feathers it (main/engine/imageOps/masks.ts). Returns a new mask; radius <= 0
 * returns the input unchanged.
 */
export function featherMask(mask: Mask, radius: number): Mask {
  if (!(radius > 0)) return mask;
  // Three passes of box radius r have variance 3 * ((2r + 1)^2 - 1) / 12; pick r so sigma ~ radius / 2.
  const sigma = radius / 2;
  const r = Math.max(1, Math.round((Math.sqrt(4 * sigma * sigma + 1) - 1) / 2));
  const a = Float32Array.from(mask.data);
  const b = new Float32Array(a.length);
  boxBlur(a, b, mask.width, mask.height, r);
  boxBlur(b, a, mask.width, mask.height, r);
  boxBlur(a, b, mask.width, mask.height, r);
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = Math.round(b[i]!);
  return { width: mask.width, height: mask.height, data: out };
}

// --- Patches (undo) ----------------------------------------------------------------------

/** A copy of one rectangle of a mask. */
export function readRect(mask: Mask, rect: PixelRect): Uint8Array {
  const out = new Uint8Array(rect.width * rect.height);
  for (let y = 0; y < rect.height; y++) {
    const from = (rect.y + y) * mask.width + rect.x;
    out.set(mask.data.subarray(from, from + rect.width), y * rect.width);
  }
  return out;
}

/** Writes a rectangle's bytes (from readRect) back into a mask. */
export function writeRect(mask: Mask, rect: PixelRect, bytes: Uint8Array): void {
  if (bytes.length !== rect.width * rect.height) throw new Error(`A ${rect.width} x ${rect.height} patch needs ${rect.width * rect.height} bytes, got ${bytes.length}.`);
  for (let y = 0; y < rect.height; y++) mask.data.set(bytes.subarray(y * rect.width, (y + 1) * rect.width), (rect.y + y) * mask.width + rect.x);
}

// --- Mask resolution -----------------------------------------------------------------------

/** Masks are kept at most this many pixels on their long side (a 24 MP photo gets a ~4 MP mask). */
export const MAX_MASK_SIDE = 2048;

/** The mask size for an image: the image's own size, or scaled down to MAX_MASK_SIDE on the long side. */
export function maskSizeFor(image: { width: number; height: number }, maxSide = MAX_MASK_SIDE): { width: number; height: number; scale: number } {
  const scale = Math.min(1, maxSide / Math.max(image.width, image.height));
  return { width: Math.max(1, Math.round(image.width * scale)), height: Math.max(1, Math.round(image.height * scale)), scale };
}
