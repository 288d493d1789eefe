/**
 * Photos with camera metadata and wide-gamut profiles, made in the test (no files committed), and
 * a reader that reads them back with Python's PIL (python3-pil, a library other than the one that
 * wrote them: sharp/libvips and the app's own embedder).
 */
import { execFileSync } from 'node:child_process';
import sharp from 'sharp';
import { embedMetadata } from '../../../../../main/engine/image/embedMetadata';
import { ADOBE_RGB_SPEC, PROPHOTO_RGB_SPEC, buildMatrixProfile } from '../../../../../main/engine/image/iccProfile';
import { TAG, readExif, setEntry, shortEntry } from '../../../../../main/engine/image/tiffIfd';

export const PYTHON = process.env.SPIRE_PYTHON ?? '/usr/bin/python3';
export const ADOBE_RGB_ICC = buildMatrixProfile(ADOBE_RGB_SPEC);
export const PROPHOTO_ICC = buildMatrixProfile(PROPHOTO_RGB_SPEC);

/** The camera's EXIF as sharp writes it (sharp, not our writer, makes the fixture's EXIF). */
export const CAMERA_EXIF = {
  IFD0: { Make: 'Canon', Model: 'EOS R5', Orientation: '6', Artist: 'Ana Example' },
  IFD2: { ExposureTime: '1/125', FNumber: '28/10', ISOSpeedRatings: '200', DateTimeOriginal: '2024:05:01 10:00:00', LensModel: 'RF50mm F1.8 STM', FocalLength: '50/1' },
  IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 1234/100', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 3900/100' },
};

export const CAMERA_XMP =
  '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
  '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:tiff="http://ns.adobe.com/tiff/1.0/" ' +
  'xmp:Rating="4" exif:GPSLatitude="51,30.2057N" exif:GPSLongitude="0,7.65W" tiff:Orientation="6">' +
  '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Harbour at dawn</rdf:li></rdf:Alt></dc:title>' +
  '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>';

/** IPTC-IIM: 2:25 Keywords "harbour", 2:80 By-line "Ana Example" (record, dataset, 16-bit length, data). */
export function iptcRecords(): Buffer {
  const ds = (n: number, text: string): Buffer => {
    const data = Buffer.from(text, 'latin1');
    const head = Buffer.from([0x1c, 2, n, 0, 0]);
    head.writeUInt16BE(data.length, 3);
    return Buffer.concat([head, data]);
  };
  return Buffer.concat([ds(0, '\u0000\u0004'), ds(25, 'harbour'), ds(80, 'Ana Example')]);
}

/**
 * A photo `width` x `height` (as stored; the EXIF says rotate 90° CW) in `icc`'s space, with the
 * camera's EXIF, XMP, IPTC and 300 dpi. `pixel(x, y)` gives the stored RGB, 0-1.
 */
export async function cameraJpeg(options: { width: number; height: number; icc: Buffer; pixel: (x: number, y: number) => [number, number, number] }): Promise<Buffer> {
  const { width, height } = options;
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const p = options.pixel(x, y);
      for (let c = 0; c < 3; c++) raw[(y * width + x) * 3 + c] = Math.round(p[c]! * 255);
    }
  const jpeg = await sharp(raw, { raw: { width, height, channels: 3 } }).withExif(CAMERA_EXIF).withXmp(CAMERA_XMP).withDensity(300).jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toBuffer();
  // sharp writes no IPTC and would convert pixels to attach a profile: both go in as blocks.
  const exif = readExif((await sharp(jpeg).metadata()).exif!)!;
  exif.ifd0 = setEntry(exif.ifd0, shortEntry(TAG.orientation, 6)); // sharp always writes 1
  return embedMetadata(jpeg, 'jpeg', { exif, iptc: iptcRecords(), icc: options.icc }, { width, height, alpha: false });
}

/** A 16-bit PNG in `icc`'s space (no other metadata). */
export async function profilePng16(options: { width: number; height: number; icc: Buffer; pixel: (x: number, y: number) => [number, number, number] }): Promise<Buffer> {
  const { width, height } = options;
  const raw = new Uint16Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const p = options.pixel(x, y);
      for (let c = 0; c < 3; c++) raw[(y * width + x) * 3 + c] = Math.round(p[c]! * 65535);
    }
  const png = await sharp(raw, { raw: { width, height, channels: 3 } }).toColourspace('rgb16').png().toBuffer();
  return embedMetadata(png, 'png', { exif: null, iptc: null, icc: options.icc }, { width, height, alpha: false });
}

const READER = String.raw`
import io, json, sys
from PIL import Image, ImageCms, ExifTags, IptcImagePlugin
im = Image.open(sys.argv[1])
out = {'format': im.format, 'size': list(im.size), 'mode': im.mode}
ex = im.getexif()
name = lambda k, table: table.get(k, str(k))
def val(v):
    if isinstance(v, bytes): return v.decode('latin1')
    if isinstance(v, tuple): return [val(x) for x in v]
    try: return float(v) if not isinstance(v, (str, int)) else v
    except Exception: return str(v)
out['ifd0'] = {name(k, ExifTags.TAGS): val(v) for k, v in ex.items() if k not in (0x8769, 0x8825, 0x02bc, 0x8773, 0x83bb, 0x0111, 0x0117, 0x0102, 0x0103, 0x0106, 0x0115, 0x0116, 0x011c, 0x0153, 0x0142, 0x0143, 0x0144, 0x0145, 0x0140, 0x013d, 0x0147, 0x015b)}
out['exif'] = {name(k, ExifTags.TAGS): val(v) for k, v in ex.get_ifd(0x8769).items() if k != 0x927c}
out['gps'] = {name(k, ExifTags.GPSTAGS): val(v) for k, v in ex.get_ifd(0x8825).items()}
xmp = im.info.get('xmp') or im.info.get('XML:com.adobe.xmp')
if xmp is None and im.format == 'TIFF': xmp = im.tag_v2.get(700)
if xmp is None and im.format == 'JPEG':
    xmp = next((c.split(b'\x00', 1)[1] for s, c in im.applist if s == 'APP1' and c.startswith(b'http://ns.adobe.com/xap/1.0/\x00')), None)
out['xmp'] = xmp.decode('utf8') if isinstance(xmp, bytes) else xmp
iptc = IptcImagePlugin.getiptcinfo(im) if im.format in ('JPEG', 'TIFF') else None
out['iptc'] = {'%d:%d' % k: val(v) for k, v in iptc.items()} if iptc else None
dpi = im.info.get('dpi')
out['dpi'] = [float(d) for d in dpi] if dpi else None
icc = im.info.get('icc_profile')
out['icc'] = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc))).strip() if icc else None
print(json.dumps(out))
`;

export interface ReadBack {
  format: string;
  mode: string;
  size: [number, number];
  ifd0: Record<string, unknown>;
  exif: Record<string, unknown>;
  gps: Record<string, unknown>;
  xmp: string | null;
  iptc: Record<string, unknown> | null;
  dpi: [number, number] | null;
  icc: string | null;
}

/** Everything PIL reads from the file. */
export function readWithPil(path: string): ReadBack {
  return JSON.parse(execFileSync(PYTHON, ['-c', READER, path], { encoding: 'utf8' })) as ReadBack;
}

const COLOURS = String.raw`
import io, json, sys
from PIL import Image, ImageCms, ImageOps
srgb = ImageCms.createProfile('sRGB')
def to_srgb(path):
    im = Image.open(path)
    icc = im.info.get('icc_profile')
    im = ImageOps.exif_transpose(im).convert('RGB')
    if icc:
        im = ImageCms.profileToProfile(im, ImageCms.ImageCmsProfile(io.BytesIO(icc)), srgb, renderingIntent=1, outputMode='RGB')
    return list(im.getdata())
print(json.dumps([to_srgb(p) for p in sys.argv[1:]]))
`;

/** Each file's pixels in sRGB (8-bit) through PIL's own colour management (LittleCMS via ImageCms), relative colorimetric. */
export function srgbPixelsWithPil(...paths: string[]): [number, number, number][][] {
  return JSON.parse(execFileSync(PYTHON, ['-c', COLOURS, ...paths], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as [number, number, number][][];
}

