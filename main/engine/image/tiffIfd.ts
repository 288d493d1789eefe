/**
 * TIFF image file directories (TIFF 6.0 section 2; EXIF 2.32 section 4.6), the structure EXIF is
 * stored in: read the camera's tags out of an EXIF block, write them back as a new block, and add
 * them to a TIFF file sharp wrote (libvips writes no EXIF into TIFF).
 *
 *   header = "II" 42 (little endian) or "MM" 42 (big endian) | offset of IFD0 (4)
 *   IFD    = count (2) | entries: tag (2) type (2) count (4) value-or-offset (4) | next IFD (4)
 *   a value longer than 4 bytes lives elsewhere; the entry holds its offset from the header.
 *
 * Entries are held with their value bytes in little-endian order (swapped on read from "MM"), so
 * a block is always written "II". Sub-directories followed: EXIF (0x8769) and GPS (0x8825); the
 * thumbnail (IFD1) and the interoperability directory are dropped (stale after a restore).
 */

export interface IfdEntry {
  tag: number;
  type: number;
  count: number;
  /** The value's bytes, little-endian. */
  data: Buffer;
}

/** Bytes per value of each TIFF type (1 BYTE .. 13 IFD). */
const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4 };
/** Bytes to swap as one unit for each type (rationals are two 4-byte numbers). */
const SWAP_UNIT: Record<number, number> = { 3: 2, 4: 4, 5: 4, 8: 2, 9: 4, 10: 4, 11: 4, 12: 8, 13: 4 };

export const TAG = {
  imageDescription: 0x010e,
  make: 0x010f,
  model: 0x0110,
  orientation: 0x0112,
  xResolution: 0x011a,
  yResolution: 0x011b,
  resolutionUnit: 0x0128,
  software: 0x0131,
  dateTime: 0x0132,
  artist: 0x013b,
  copyright: 0x8298,
  iptc: 0x83bb,
  icc: 0x8773,
  xmp: 0x02bc,
  exifIfd: 0x8769,
  gpsIfd: 0x8825,
  interopIfd: 0xa005,
  pixelXDimension: 0xa002,
  pixelYDimension: 0xa003,
} as const;

export interface ExifDirectories {
  ifd0: IfdEntry[];
  exif: IfdEntry[];
  gps: IfdEntry[];
}

function swapUnits(data: Buffer, type: number): Buffer {
  const unit = SWAP_UNIT[type];
  if (!unit) return data;
  const out = Buffer.from(data);
  for (let i = 0; i + unit <= out.length; i += unit) out.subarray(i, i + unit).reverse();
  return out;
}

function readIfd(tiff: Buffer, offset: number, le: boolean): IfdEntry[] {
  const u16 = (at: number): number => (le ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number): number => (le ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  if (offset < 8 || offset + 2 > tiff.length) return [];
  const n = u16(offset);
  const entries: IfdEntry[] = [];
  for (let i = 0; i < n && offset + 2 + 12 * i + 12 <= tiff.length; i++) {
    const e = offset + 2 + 12 * i;
    const type = u16(e + 2);
    const count = u32(e + 4);
    const size = (TYPE_SIZE[type] ?? 0) * count;
    if (size === 0 && count !== 0) continue; // unknown type: skip
    const at = size <= 4 ? e + 8 : u32(e + 8);
    if (at + size > tiff.length) continue; // damaged: skip the entry, keep the rest
    const raw = Buffer.from(tiff.subarray(at, at + size));
    entries.push({ tag: u16(e), type, count, data: le ? raw : swapUnits(raw, type) });
  }
  return entries;
}

function pointer(entries: IfdEntry[], tag: number): number | null {
  const e = entries.find((x) => x.tag === tag);
  return e && e.data.length >= 4 ? e.data.readUInt32LE(0) : null;
}

/** The TIFF byte order and IFD0 offset of a TIFF structure, or null. */
function tiffHeader(tiff: Buffer): { le: boolean; ifd0: number } | null {
  if (tiff.length < 8) return null;
  const order = tiff.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return null;
  const le = order === 'II';
  if ((le ? tiff.readUInt16LE(2) : tiff.readUInt16BE(2)) !== 42) return null;
  return { le, ifd0: le ? tiff.readUInt32LE(4) : tiff.readUInt32BE(4) };
}

/** The directories of an EXIF block (with or without its "Exif\0\0" prefix); null when it is not one. */
export function readExif(block: Uint8Array): ExifDirectories | null {
  let tiff = Buffer.from(block.buffer, block.byteOffset, block.byteLength);
  if (tiff.toString('latin1', 0, 6) === 'Exif\0\0') tiff = tiff.subarray(6);
  const header = tiffHeader(tiff);
  if (!header) return null;
  const ifd0 = readIfd(tiff, header.ifd0, header.le);
  const exifAt = pointer(ifd0, TAG.exifIfd);
  const gpsAt = pointer(ifd0, TAG.gpsIfd);
  return {
    ifd0: ifd0.filter((e) => e.tag !== TAG.exifIfd && e.tag !== TAG.gpsIfd),
    exif: exifAt !== null ? readIfd(tiff, exifAt, header.le).filter((e) => e.tag !== TAG.interopIfd) : [],
    gps: gpsAt !== null ? readIfd(tiff, gpsAt, header.le) : [],
  };
}

/** An ASCII entry (NUL-terminated). */
export function asciiEntry(tag: number, value: string): IfdEntry {
  const data = Buffer.from(`${value.replace(/[^\x20-\x7e]/g, '?')}\0`, 'latin1');
  return { tag, type: 2, count: data.length, data };
}

export function shortEntry(tag: number, value: number): IfdEntry {
  const data = Buffer.alloc(2);
  data.writeUInt16LE(value);
  return { tag, type: 3, count: 1, data };
}

export function longEntry(tag: number, value: number): IfdEntry {
  const data = Buffer.alloc(4);
  data.writeUInt32LE(value);
  return { tag, type: 4, count: 1, data };
}

export function rationalEntry(tag: number, value: number): IfdEntry {
  const data = Buffer.alloc(8);
  data.writeUInt32LE(Math.round(value * 1000));
  data.writeUInt32LE(1000, 4);
  return { tag, type: 5, count: 1, data };
}

export function undefinedEntry(tag: number, bytes: Uint8Array): IfdEntry {
  return { tag, type: 7, count: bytes.length, data: Buffer.from(bytes) };
}

/** An ASCII entry's text, or null. */
export function entryText(entries: IfdEntry[], tag: number): string | null {
  const e = entries.find((x) => x.tag === tag);
  return e && e.type === 2 ? e.data.toString('latin1').replace(/\0+$/, '') : null;
}

/** Replaces (or adds) `entry` in `entries`, keeping them sorted by tag as TIFF requires. */
export function setEntry(entries: IfdEntry[], entry: IfdEntry): IfdEntry[] {
  return [...entries.filter((e) => e.tag !== entry.tag), entry].sort((a, b) => a.tag - b.tag);
}

/**
 * Lays out directories one after another from `base` (offsets are from the TIFF header). Each
 * directory's `link` names the entry of an earlier directory that points at it.
 */
function layout(dirs: { entries: IfdEntry[]; next?: number }[], base: number, pointers: { from: number; tag: number; to: number }[]): { bytes: Buffer; offsets: number[] } {
  // Offsets first (sizes do not depend on the pointer values).
  const offsets: number[] = [];
  let at = base;
  for (const d of dirs) {
    offsets.push(at);
    at += 2 + 12 * d.entries.length + 4;
    for (const e of d.entries) if (e.data.length > 4) at += e.data.length + (e.data.length & 1);
  }
  const out = Buffer.alloc(at - base);
  dirs.forEach((d, k) => {
    const entries = d.entries.map((e) => {
      const p = pointers.find((x) => x.from === k && x.tag === e.tag);
      return p ? longEntry(e.tag, offsets[p.to]!) : e;
    });
    let pos = offsets[k]! - base;
    let extra = pos + 2 + 12 * entries.length + 4;
    out.writeUInt16LE(entries.length, pos);
    pos += 2;
    for (const e of entries) {
      out.writeUInt16LE(e.tag, pos);
      out.writeUInt16LE(e.type, pos + 2);
      out.writeUInt32LE(e.count, pos + 4);
      if (e.data.length <= 4) e.data.copy(out, pos + 8);
      else {
        out.writeUInt32LE(base + extra, pos + 8);
        e.data.copy(out, extra);
        extra += e.data.length + (e.data.length & 1);
      }
      pos += 12;
    }
    out.writeUInt32LE(d.next ?? 0, pos);
  });
  return { bytes: out, offsets };
}

/** Directories (+ sub-directory pointers) as the list `layout` takes. */
function withSubDirectories(dirs: ExifDirectories): { list: { entries: IfdEntry[]; next?: number }[]; pointers: { from: number; tag: number; to: number }[] } {
  const list: { entries: IfdEntry[]; next?: number }[] = [{ entries: dirs.ifd0 }];
  const pointers: { from: number; tag: number; to: number }[] = [];
  if (dirs.exif.length > 0) {
    list[0]!.entries = setEntry(list[0]!.entries, longEntry(TAG.exifIfd, 0));
    pointers.push({ from: 0, tag: TAG.exifIfd, to: list.length });
    list.push({ entries: [...dirs.exif].sort((a, b) => a.tag - b.tag) });
  }
  if (dirs.gps.length > 0) {
    list[0]!.entries = setEntry(list[0]!.entries, longEntry(TAG.gpsIfd, 0));
    pointers.push({ from: 0, tag: TAG.gpsIfd, to: list.length });
    list.push({ entries: [...dirs.gps].sort((a, b) => a.tag - b.tag) });
  }
  return { list, pointers };
}

/** An EXIF block (TIFF structure, little endian, no "Exif\0\0" prefix) holding the directories. */
export function writeExif(dirs: ExifDirectories): Buffer {
  const { list, pointers } = withSubDirectories(dirs);
  const header = Buffer.from([0x49, 0x49, 42, 0, 8, 0, 0, 0]);
  return Buffer.concat([header, layout(list, 8, pointers).bytes]);
}

/**
 * A TIFF file with `dirs` merged into its first directory: its own entries win for the image's
 * structure; the camera's are added beside them and the EXIF and GPS directories appended. The new
 * first directory is appended after the file's data and the header pointed at it.
 */
export function addToTiff(file: Uint8Array, dirs: ExifDirectories): Buffer {
  const tiff = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  const header = tiffHeader(tiff);
  if (!header) throw new Error('not a TIFF file');
  // Our directories are little endian, as libvips writes TIFF on every platform the app ships for.
  if (!header.le) throw new Error('big-endian TIFF output cannot take metadata');
  const own = readIfd(tiff, header.ifd0, header.le);
  const u32 = (at: number): number => (header.le ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  const ownCount = header.le ? tiff.readUInt16LE(header.ifd0) : tiff.readUInt16BE(header.ifd0);
  const next = u32(header.ifd0 + 2 + 12 * ownCount);
  let ifd0 = own;
  for (const e of dirs.ifd0) if (!own.some((o) => o.tag === e.tag) || e.tag === TAG.orientation || e.tag === TAG.icc || e.tag === TAG.iptc) ifd0 = setEntry(ifd0, e);
  const { list, pointers } = withSubDirectories({ ...dirs, ifd0 });
  list[0]!.next = next;
  const base = tiff.length + (tiff.length & 1);
  const { bytes } = layout(list, base, pointers);
  const out = Buffer.concat([tiff, Buffer.alloc(base - tiff.length), bytes]);
  out.writeUInt32LE(base, 4);
  return out;
}
