/**
 * PNG text chunks (PNG spec 11.3.4): sharp reads them (metadata().comments)
 * but cannot write arbitrary ones, so the writer inserts them into the encoded
 * file itself, just before IEND.
 *
 *   chunk = length (4, big endian) | type (4) | data | CRC-32 of type + data
 *   tEXt data = keyword (Latin-1, 1-79 bytes) | 0 | text (Latin-1)
 *   iTXt data = keyword | 0 | compression flag 0 | method 0 | language "" | 0 | translated keyword "" | 0 | text (UTF-8)
 *
 * Latin-1 text goes into tEXt (read by every tool); anything else into iTXt.
 * `readPngText` reads tEXt, zTXt and iTXt back (sharp's metadata does not
 * report them for every PNG).
 */
import { crc32, inflateSync } from 'node:zlib';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function isLatin1(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}

/** One PNG chunk: length, type, data, CRC of type and data. */
export function chunk(type: string, data: Buffer): Buffer {
  const typeBytes = Buffer.from(type, 'latin1');
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  typeBytes.copy(out, 4);
  data.copy(out, 8);
  out.writeUInt32BE(crc32(Buffer.concat([typeBytes, data])) >>> 0, 8 + data.length);
  return out;
}

/** Builds one text chunk (tEXt for Latin-1 text, iTXt otherwise). */
export function textChunk(keyword: string, text: string): Buffer {
  if (keyword.length < 1 || keyword.length > 79 || !isLatin1(keyword) || keyword.includes('\0'))
    throw new Error(`PNG text keyword "${keyword}" must be 1-79 Latin-1 characters`);
  const key = Buffer.from(keyword, 'latin1');
  if (isLatin1(text) && !text.includes('\0')) return chunk('tEXt', Buffer.concat([key, Buffer.from([0]), Buffer.from(text, 'latin1')]));
  return chunk('iTXt', Buffer.concat([key, Buffer.from([0, 0, 0, 0, 0]), Buffer.from(text, 'utf8')]));
}

/** Returns a copy of `png` with the text chunks inserted before IEND. */
export function insertPngText(png: Uint8Array, entries: Record<string, string>): Buffer {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (buf.length < 8 + 12 || PNG_SIGNATURE.some((b, i) => buf[i] !== b)) throw new Error('not a PNG file');
  // Walk the chunks to find IEND (it is normally the last 12 bytes, but do not assume).
  let offset = 8;
  let iend = -1;
  while (offset + 12 <= buf.length) {
    const length = buf.readUInt32BE(offset);
    const type = buf.toString('latin1', offset + 4, offset + 8);
    if (type === 'IEND') {
      iend = offset;
      break;
    }
    offset += 12 + length;
  }
  if (iend < 0) throw new Error('PNG has no IEND chunk');
  const chunks = Object.entries(entries).map(([k, v]) => textChunk(k, v));
  return Buffer.concat([buf.subarray(0, iend), ...chunks, buf.subarray(iend)]);
}

/** Text chunks (tEXt, zTXt, iTXt) of a PNG, keyword -> text; {} for anything that is not a PNG. Damaged chunks are skipped. */
export function readPngText(png: Uint8Array): Record<string, string> {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  const out: Record<string, string> = {};
  if (buf.length < 8 || PNG_SIGNATURE.some((b, i) => buf[i] !== b)) return out;
  let offset = 8;
  while (offset + 12 <= buf.length) {
    const length = buf.readUInt32BE(offset);
    const type = buf.toString('latin1', offset + 4, offset + 8);
    const end = offset + 8 + length;
    if (end + 4 > buf.length || type === 'IEND') break;
    const data = buf.subarray(offset + 8, end);
    offset = end + 4;
    const nul = data.indexOf(0);
    if (nul < 1) continue;
    const keyword = data.toString('latin1', 0, nul);
    try {
      if (type === 'tEXt') out[keyword] = data.toString('latin1', nul + 1);
      else if (type === 'zTXt') out[keyword] = inflateSync(data.subarray(nul + 2)).toString('latin1');
      else if (type === 'iTXt') {
        const compressed = data[nul + 1] === 1;
        const langEnd = data.indexOf(0, nul + 3);
        const transEnd = langEnd < 0 ? -1 : data.indexOf(0, langEnd + 1);
        if (transEnd < 0) continue;
        const text = data.subarray(transEnd + 1);
        out[keyword] = (compressed ? inflateSync(text) : text).toString('utf8');
      }
    } catch {
      // A damaged text chunk is not worth refusing the image for.
    }
  }
  return out;
}
