/**
 * A photo's own metadata, read from the input and carried to every output: camera EXIF (make,
 * model, lens, exposure, date taken, GPS), XMP, IPTC, DPI, the ICC colour profile and bit depth.
 *
 * Recipe:
 *   readPhotoMetadata: sharp's metadata() (the raw EXIF, XMP, IPTC and ICC blocks, density)
 *                      -> EXIF directories (tiffIfd.ts) -> profile facts (iccProfile.ts)
 *   outputExif:        the camera's directories, orientation 1 (the pixels are upright), the
 *                      output's size, GPS dropped when stripping location, provenance added
 *   mergeXmp:          the camera's XMP packet with the app's `spire:` properties added as one more
 *                      rdf:Description (and its GPS and orientation fixed the same way)
 * embedMetadata.ts puts the blocks into the encoded file.
 */
import sharp, { type Metadata } from 'sharp';
import type { PhotoFacts } from '../../../common/photo';
import { parseIccProfile, type IccProfileInfo } from './iccProfile';
import { TAG, asciiEntry, entryText, longEntry, rationalEntry, readExif, setEntry, shortEntry, type ExifDirectories } from './tiffIfd';

export interface PhotoMetadata {
  /** The camera's EXIF directories (IFD0, EXIF, GPS), or null when the file has none. */
  exif: ExifDirectories | null;
  /** The XMP packet as text, or null. */
  xmp: string | null;
  /** IPTC-IIM records (the 0x1C-tagged data set stream), or null. */
  iptc: Buffer | null;
  /** The ICC profile's bytes, or null when the file has none (then it is sRGB). */
  icc: Buffer | null;
  /** What the profile is (name, space, matrix data); null without one. */
  profile: IccProfileInfo | null;
  /** Pixels per inch, when the file says. */
  density: number | null;
  /** 8 or 16 bits per sample. */
  bitDepth: 8 | 16;
}

/** Camera fields a user would miss, for the UI and tests: make, model, lens, exposure, date taken, GPS. */
export interface CameraSummary {
  make: string | null;
  model: string | null;
  lens: string | null;
  dateTaken: string | null;
  hasGps: boolean;
}

/**
 * IFD0 tags that describe the file's own pixel layout (TIFF 6.0: size, compression, strips, tiles,
 * samples) or blocks written separately (XMP, IPTC, ICC): never copied from the camera's EXIF.
 */
const STRUCTURAL_TAGS = new Set([
  0x00fe, 0x00ff, 0x0100, 0x0101, 0x0102, 0x0103, 0x0106, 0x0111, 0x0115, 0x0116, 0x0117, 0x011c, 0x0140, 0x0142, 0x0143, 0x0144, 0x0145, 0x014a, 0x0152, 0x0153,
  0x0201, 0x0202, 0x0211, 0x0212, 0x0213, 0x0214, 0x02bc, 0x83bb, 0x8773,
]);

/** EXIF tags of the EXIF directory named in messages. */
const EXIF_TAG = { lensModel: 0xa434, dateTimeOriginal: 0x9003, makerNote: 0x927c } as const;

/** The IIM data sets of a Photoshop image-resource block ("Photoshop 3.0\0" + 8BIM resources: 0x0404 holds IPTC), or the block itself when it is IIM already. */
export function iptcRecords(block: Uint8Array): Buffer | null {
  const b = Buffer.from(block.buffer, block.byteOffset, block.byteLength);
  if (b.length === 0) return null;
  if (b[0] === 0x1c) return b;
  let at = b.toString('latin1', 0, 14) === 'Photoshop 3.0\0' ? 14 : 0;
  while (at + 12 <= b.length && b.toString('latin1', at, at + 4) === '8BIM') {
    const id = b.readUInt16BE(at + 4);
    const nameLen = b[at + 6] ?? 0;
    const nameEnd = at + 6 + 1 + nameLen + ((1 + nameLen) & 1 ? 1 : 0);
    if (nameEnd + 4 > b.length) break;
    const size = b.readUInt32BE(nameEnd);
    const data = b.subarray(nameEnd + 4, nameEnd + 4 + size);
    if (id === 0x0404) return data.length > 0 ? Buffer.from(data) : null;
    at = nameEnd + 4 + size + (size & 1);
  }
  return null;
}

/**
 * The camera's directories: sharp's EXIF block, or for a TIFF (libvips reads no EXIF from TIFF) the
 * file's own first directory, with the tags of its pixel layout left out.
 */
function cameraExif(meta: Metadata, bytes: Uint8Array | undefined): ExifDirectories | null {
  const dirs = meta.exif ? readExif(meta.exif) : meta.format === 'tiff' && bytes ? readExif(bytes) : null;
  if (!dirs) return null;
  const ifd0 = dirs.ifd0.filter((e) => !STRUCTURAL_TAGS.has(e.tag));
  return ifd0.length + dirs.exif.length + dirs.gps.length > 0 ? { ...dirs, ifd0 } : null;
}

/** The metadata of sharp's header read (no pixels decoded); `bytes` are the file's (a TIFF's EXIF is read from them). */
export function photoMetadataFrom(meta: Metadata, bytes?: Uint8Array): PhotoMetadata {
  const icc = meta.icc && meta.icc.length > 0 ? Buffer.from(meta.icc) : null;
  return {
    exif: cameraExif(meta, bytes),
    xmp: meta.xmp ? meta.xmp.toString('utf8').replace(/\0+$/, '') : null,
    iptc: meta.iptc ? iptcRecords(meta.iptc) : null,
    icc,
    profile: icc ? parseIccProfile(icc) : null,
    density: meta.density ?? null,
    bitDepth: meta.depth === 'ushort' || (meta.bitsPerSample ?? 8) > 8 ? 16 : 8,
  };
}

/** Reads a photo's metadata from its encoded bytes (header only). */
export async function readPhotoMetadata(bytes: Uint8Array): Promise<PhotoMetadata> {
  return photoMetadataFrom(await sharp(bytes, { limitInputPixels: false }).metadata(), bytes);
}

export function cameraSummary(meta: PhotoMetadata): CameraSummary {
  const ifd0 = meta.exif?.ifd0 ?? [];
  const exif = meta.exif?.exif ?? [];
  return {
    make: entryText(ifd0, TAG.make),
    model: entryText(ifd0, TAG.model),
    lens: entryText(exif, EXIF_TAG.lensModel),
    dateTaken: entryText(exif, EXIF_TAG.dateTimeOriginal),
    hasGps: (meta.exif?.gps.length ?? 0) > 0 || /exif:GPS(Latitude|Longitude)/.test(meta.xmp ?? ''),
  };
}

/** A name for the profile the UI can show: "sRGB" for none or sRGB, else the profile's description. */
export function profileLabel(meta: Pick<PhotoMetadata, 'icc' | 'profile'>): string {
  if (!meta.icc || !meta.profile || meta.profile.isSrgb) return 'sRGB';
  return meta.profile.name?.trim() || `${meta.profile.colourSpace} profile`;
}

/** True when the photo's profile holds colours sRGB cannot (any RGB profile that is not sRGB). */
export function isWideGamut(meta: Pick<PhotoMetadata, 'icc' | 'profile'>): boolean {
  return meta.icc !== null && meta.profile !== null && meta.profile.colourSpace === 'RGB' && !meta.profile.isSrgb;
}

/** The facts the app shows and warns with (common/photo.ts). */
export function photoFacts(meta: PhotoMetadata, hasAlpha: boolean): PhotoFacts {
  const summary = cameraSummary(meta);
  return {
    colourProfile: profileLabel(meta),
    wideGamut: isWideGamut(meta),
    profileConvertible: isWideGamut(meta) && meta.profile?.matrix != null,
    bitDepth: meta.bitDepth,
    hasAlpha,
    hasExif: (meta.exif?.ifd0.length ?? 0) + (meta.exif?.exif.length ?? 0) > 0,
    hasGps: summary.hasGps,
    hasXmp: meta.xmp !== null,
    hasIptc: meta.iptc !== null,
    dpi: meta.density,
  };
}

export interface OutputExifOptions {
  width: number;
  height: number;
  stripLocation: boolean;
  /** Pixels per inch, written as X/YResolution when the camera's EXIF has none. */
  density?: number | null;
  /** ImageDescription (the app's provenance as JSON) when the camera gave none. */
  description?: string;
  software?: string;
}

/**
 * The EXIF directories to write: the camera's, with Orientation 1 (the pixels are written upright),
 * PixelX/YDimension set to the output's size, Software the app, the GPS directory only when
 * location is kept, and no MakerNote (see below).
 */
export function outputExif(camera: ExifDirectories | null, options: OutputExifOptions): ExifDirectories {
  let ifd0 = camera?.ifd0 ?? [];
  if (options.density && !ifd0.some((e) => e.tag === TAG.xResolution)) {
    ifd0 = setEntry(ifd0, rationalEntry(TAG.xResolution, options.density));
    ifd0 = setEntry(ifd0, rationalEntry(TAG.yResolution, options.density));
    ifd0 = setEntry(ifd0, shortEntry(TAG.resolutionUnit, 2));
  }
  ifd0 = setEntry(ifd0, shortEntry(TAG.orientation, 1));
  if (options.software) ifd0 = setEntry(ifd0, asciiEntry(TAG.software, options.software));
  if (options.description !== undefined && entryText(ifd0, TAG.imageDescription) === null) ifd0 = setEntry(ifd0, asciiEntry(TAG.imageDescription, options.description));
  // The MakerNote is the maker's private block with offsets into the original file: moved, it would be garbage.
  let exif = (camera?.exif ?? []).filter((e) => e.tag !== EXIF_TAG.makerNote);
  if (exif.length > 0) {
    exif = setEntry(exif, longEntry(TAG.pixelXDimension, options.width));
    exif = setEntry(exif, longEntry(TAG.pixelYDimension, options.height));
  }
  return { ifd0, exif, gps: options.stripLocation ? [] : (camera?.gps ?? []) };
}

const XMP_NS = {
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  dc: 'http://purl.org/dc/elements/1.1/',
  spire: 'https://spire-studio.invalid/ns/1.0/',
};

/** Text as XML character data; control characters XML 1.0 forbids become visible `\x1b`-style text. */
export const xmlEscape = (s: string): string =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // eslint-disable-next-line no-control-regex -- these are exactly the characters to replace
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** JSON with every non-ASCII character escaped (EXIF ASCII fields). */
export const asciiJson = (value: unknown): string => JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const propName = (k: string): string => k.replace(/[^A-Za-z0-9_-]/g, '_').replace(/^([^A-Za-z_])/, '_$1');

/** One rdf:Description: the entries as `spire:` properties, plus dc:description (unless the packet has one already). */
function spireDescription(entries: Record<string, string>, withDescription: boolean): string {
  const props = Object.entries(entries)
    .map(([k, v]) => `<spire:${propName(k)}>${xmlEscape(v)}</spire:${propName(k)}>`)
    .join('');
  const description = withDescription ? `<dc:description><rdf:Alt><rdf:li xml:lang="x-default">${xmlEscape(asciiJson(entries))}</rdf:li></rdf:Alt></dc:description>` : '';
  return `<rdf:Description rdf:about="" xmlns:dc="${XMP_NS.dc}" xmlns:spire="${XMP_NS.spire}">${description}${props}</rdf:Description>`;
}

/** A minimal XMP packet: the entries as `spire:` properties, plus dc:description. */
export function xmpPacket(entries: Record<string, string>): string {
  return (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>' +
    `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="${XMP_NS.rdf}">` +
    spireDescription(entries, true) +
    '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
  );
}

/**
 * The camera's XMP with the app's entries added as one more rdf:Description (XMP allows several;
 * nothing of the camera's is replaced), tiff:Orientation set to 1, and its exif:GPS* properties
 * removed when stripping location. A packet without an rdf:RDF element is replaced by the app's own.
 */
export function mergeXmp(camera: string | null, entries: Record<string, string>, options: { stripLocation: boolean }): string {
  if (!camera) return xmpPacket(entries);
  const close = /<\/rdf:RDF\s*>/.exec(camera);
  if (!close) return xmpPacket(entries);
  // A photo restored before carries the app's description of that run: this run's replaces it.
  let before = camera.slice(0, close.index).replace(/<rdf:Description\b[^>]*xmlns:spire="[^"]*"[^>]*>[\s\S]*?<\/rdf:Description>/g, '');
  const after = camera.slice(close.index);
  if (options.stripLocation) {
    before = before
      .replace(/\s(exif|exifEX):GPS[A-Za-z]*="[^"]*"/g, '')
      .replace(/<(exif|exifEX):GPS([A-Za-z]*)\b[^>]*\/>/g, '')
      .replace(/<(exif|exifEX):GPS([A-Za-z]*)\b[^>]*>[\s\S]*?<\/\1:GPS\2>/g, '');
  }
  before = before.replace(/(tiff:Orientation=")[0-9]+(")/g, '$11$2').replace(/(<tiff:Orientation>)[0-9]+(<\/tiff:Orientation>)/g, '$11$2');
  const hasDescription = /<dc:description\b|\sdc:description="/.test(before);
  return before + spireDescription(entries, !hasDescription) + after;
}
