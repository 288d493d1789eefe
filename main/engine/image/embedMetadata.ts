/**
 * Puts EXIF, IPTC and ICC blocks into a file sharp encoded from raw pixels (sharp can only keep
 * these from an input file, and libvips writes no EXIF into TIFF). XMP and DPI are sharp's.
 *
 *   JPEG: APP1 "Exif\0\0" + EXIF, APP2 "ICC_PROFILE\0" n/N chunks, APP13 "Photoshop 3.0\0" 8BIM
 *         0x0404 IPTC, all right after SOI (JPEG / EXIF 2.32 4.5.4 / ICC.1 B.4)
 *   PNG:  eXIf and iCCP chunks before the first IDAT (PNG 3rd edition 11.3.3.3, 11.3.6)
 *   WebP: EXIF and ICCP chunks, with their VP8X flags (WebP container spec, extended format)
 *   TIFF: the EXIF and GPS directories, IPTC (33723) and ICC (34675) tags (tiffIfd.ts addToTiff)
 * PNG and WebP have no place for IPTC-IIM; callers say so (exportWarnings in photoFidelity.ts).
 */
import { deflateSync } from 'node:zlib';
import { chunk } from './pngText';
import type { ImageFormat } from './readImage';
import { TAG, addToTiff, setEntry, undefinedEntry, writeExif, type ExifDirectories } from './tiffIfd';

export interface EmbeddedBlocks {
  exif: ExifDirectories | null;
  iptc: Buffer | null;
  icc: Buffer | null;
}

function segment(marker: number, payload: Buffer): Buffer {
  if (payload.length + 2 > 0xffff) throw new Error('JPEG segment too large');
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

/** Removes the APPn segments whose payload starts with `prefix` (JPEG). */
function withoutSegments(jpeg: Buffer, marker: number, prefix: string): Buffer {
  const parts: Buffer[] = [jpeg.subarray(0, 2)];
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const m = jpeg[at + 1]!;
    if (m === 0xda || m === 0xd9) break;
    const len = jpeg.readUInt16BE(at + 2);
    const end = at + 2 + len;
    if (!(m === marker && jpeg.toString('latin1', at + 4, at + 4 + prefix.length) === prefix)) parts.push(jpeg.subarray(at, end));
    at = end;
  }
  parts.push(jpeg.subarray(at));
  return Buffer.concat(parts);
}

function embedJpeg(jpeg: Buffer, blocks: EmbeddedBlocks): Buffer {
  let file = withoutSegments(withoutSegments(jpeg, 0xe1, 'Exif\0\0'), 0xe2, 'ICC_PROFILE\0');
  const segments: Buffer[] = [];
  if (blocks.exif) {
    // One APP1 segment holds at most 64 KiB; a bigger EXIF (long camera strings) keeps its main directories only.
    let exif = writeExif(blocks.exif);
    if (exif.length + 8 > 0xffff) exif = writeExif({ ...blocks.exif, exif: blocks.exif.exif.filter((e) => e.data.length <= 256) });
    if (exif.length + 8 <= 0xffff) segments.push(segment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), exif])));
  }
  if (blocks.icc) {
    const chunk = 65519 - 14;
    const n = Math.ceil(blocks.icc.length / chunk);
    for (let i = 0; i < n; i++)
      segments.push(segment(0xe2, Buffer.concat([Buffer.from('ICC_PROFILE\0', 'latin1'), Buffer.from([i + 1, n]), blocks.icc.subarray(i * chunk, (i + 1) * chunk)])));
  }
  if (blocks.iptc) {
    const resource = Buffer.alloc(12);
    resource.write('8BIM', 0, 'latin1');
    resource.writeUInt16BE(0x0404, 4); // IPTC-NAA record; empty name (0, pad)
    resource.writeUInt32BE(blocks.iptc.length, 8);
    const pad = blocks.iptc.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0);
    segments.push(segment(0xed, Buffer.concat([Buffer.from('Photoshop 3.0\0', 'latin1'), resource, blocks.iptc, pad])));
  }
  // After SOI and a JFIF APP0, if any.
  let insert = 2;
  if (file[2] === 0xff && file[3] === 0xe0) insert = 4 + file.readUInt16BE(4);
  file = Buffer.concat([file.subarray(0, insert), ...segments, file.subarray(insert)]);
  return file;
}

function embedPng(png: Buffer, blocks: EmbeddedBlocks): Buffer {
  const drop = new Set<string>();
  const add: Buffer[] = [];
  if (blocks.icc) {
    drop.add('iCCP').add('sRGB').add('gAMA').add('cHRM');
    add.push(chunk('iCCP', Buffer.concat([Buffer.from('ICC Profile\0\0', 'latin1'), deflateSync(blocks.icc)])));
  }
  if (blocks.exif) {
    drop.add('eXIf');
    add.push(chunk('eXIf', writeExif(blocks.exif)));
  }
  const parts: Buffer[] = [png.subarray(0, 8)];
  let at = 8;
  let placed = false;
  while (at + 12 <= png.length) {
    const len = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const end = at + 12 + len;
    if (!placed && (type === 'IDAT' || type === 'PLTE')) {
      parts.push(...add);
      placed = true;
    }
    if (!drop.has(type)) parts.push(png.subarray(at, end));
    at = end;
  }
  return Buffer.concat(parts);
}

interface RiffChunk {
  fourcc: string;
  data: Buffer;
}

function embedWebp(webp: Buffer, blocks: EmbeddedBlocks, size: { width: number; height: number; alpha: boolean }): Buffer {
  const chunks: RiffChunk[] = [];
  let at = 12;
  while (at + 8 <= webp.length) {
    const len = webp.readUInt32LE(at + 4);
    chunks.push({ fourcc: webp.toString('latin1', at, at + 4), data: webp.subarray(at + 8, at + 8 + len) });
    at += 8 + len + (len & 1);
  }
  let vp8x = chunks.find((c) => c.fourcc === 'VP8X');
  if (!vp8x) {
    const data = Buffer.alloc(10);
    data.writeUIntLE(size.width - 1, 4, 3);
    data.writeUIntLE(size.height - 1, 7, 3);
    if (size.alpha && chunks.some((c) => c.fourcc === 'VP8L' || c.fourcc === 'ALPH')) data[0] = 0x10;
    vp8x = { fourcc: 'VP8X', data };
    chunks.unshift(vp8x);
  }
  const flags = Buffer.from(vp8x.data);
  vp8x.data = flags;
  let rest = chunks.filter((c) => c.fourcc !== 'VP8X' && !(blocks.icc && c.fourcc === 'ICCP') && !(blocks.exif && c.fourcc === 'EXIF'));
  const head: RiffChunk[] = [vp8x];
  if (blocks.icc) {
    flags[0] = flags[0]! | 0x20;
    head.push({ fourcc: 'ICCP', data: blocks.icc });
  }
  if (blocks.exif) {
    flags[0] = flags[0]! | 0x08;
    const xmp = rest.findIndex((c) => c.fourcc === 'XMP ');
    const exif = { fourcc: 'EXIF', data: writeExif(blocks.exif) };
    rest = xmp < 0 ? [...rest, exif] : [...rest.slice(0, xmp), exif, ...rest.slice(xmp)];
  }
  const body = Buffer.concat(
    [...head, ...rest].map((c) => {
      const h = Buffer.alloc(8);
      h.write(c.fourcc, 0, 'latin1');
      h.writeUInt32LE(c.data.length, 4);
      return Buffer.concat([h, c.data, Buffer.alloc(c.data.length & 1)]);
    }),
  );
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(4 + body.length, 4);
  riff.write('WEBP', 8, 'latin1');
  return Buffer.concat([riff, body]);
}

function embedTiff(tiff: Buffer, blocks: EmbeddedBlocks): Buffer {
  let ifd0 = blocks.exif?.ifd0 ?? [];
  if (blocks.iptc) ifd0 = setEntry(ifd0, undefinedEntry(TAG.iptc, blocks.iptc));
  if (blocks.icc) ifd0 = setEntry(ifd0, undefinedEntry(TAG.icc, blocks.icc));
  return addToTiff(tiff, { ifd0, exif: blocks.exif?.exif ?? [], gps: blocks.exif?.gps ?? [] });
}

/** The encoded file with the blocks put in (see the module comment); IPTC is left out of PNG and WebP. */
export function embedMetadata(file: Buffer, format: ImageFormat, blocks: EmbeddedBlocks, size: { width: number; height: number; alpha: boolean }): Buffer {
  if (!blocks.exif && !blocks.iptc && !blocks.icc) return file;
  switch (format) {
    case 'jpeg':
      return embedJpeg(file, blocks);
    case 'png':
      return embedPng(file, blocks);
    case 'webp':
      return embedWebp(file, blocks, size);
    case 'tiff':
      return embedTiff(file, blocks);
  }
}
