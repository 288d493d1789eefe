/**
 * What a photo carries besides its pixels, and what an export keeps of it: the colour modes, the
 * facts main reads when a photo opens (shown in the status bar), and the warnings an export that
 * would lose some of them gets (shown in the export dialog before saving).
 */

/** Output colour: 'srgb' (what the engine restores in) or the input's own ICC profile. */
export const COLOUR_MODES = ['srgb', 'keep-profile'] as const;
export type ColourMode = (typeof COLOUR_MODES)[number];

/** What an opened photo carries that an export may keep or lose. */
export interface PhotoFacts {
  /** 'sRGB' (also for a photo without a profile), or the embedded profile's own name ("Adobe RGB (1998)"). */
  colourProfile: string;
  /** The profile holds colours sRGB cannot (an RGB profile other than sRGB). */
  wideGamut: boolean;
  /** Keep-profile mode can convert into the profile (RGB matrix/TRC profiles: Adobe RGB, ProPhoto, P3, ...). */
  profileConvertible: boolean;
  bitDepth: 8 | 16;
  hasAlpha: boolean;
  /** Camera EXIF (make, model, exposure, date taken, ...). */
  hasExif: boolean;
  /** A GPS position (in EXIF or XMP). */
  hasGps: boolean;
  hasXmp: boolean;
  hasIptc: boolean;
  /** Pixels per inch, when the file says. */
  dpi: number | null;
}

export type PhotoExportFormat = 'png' | 'jpeg' | 'webp' | 'tiff';

export interface PhotoExportChoice {
  /** Only 'result' carries the photo's metadata and profile; composites are new sRGB sheets. */
  kind: 'result' | 'side-by-side' | 'wipe' | 'sweep-grid';
  format: PhotoExportFormat;
  colour: ColourMode;
  stripLocation: boolean;
}

const FORMAT_NAME: Record<PhotoExportFormat, string> = { png: 'PNG', jpeg: 'JPEG', webp: 'WebP', tiff: 'TIFF' };

/** "Adobe RGB (1998) · 16-bit": the status bar's words for a photo's colour. */
export function describePhotoColour(facts: Pick<PhotoFacts, 'colourProfile' | 'bitDepth'>): string {
  return `${facts.colourProfile} · ${facts.bitDepth}-bit`;
}

/** What the export would lose, each as a sentence that says how to keep it; [] when nothing. */
export function exportWarnings(facts: PhotoFacts, choice: PhotoExportChoice): string[] {
  const out: string[] = [];
  const name = FORMAT_NAME[choice.format];
  const eightBitFormat = choice.format === 'jpeg' || choice.format === 'webp';
  if (choice.kind !== 'result') {
    const lost = [facts.hasExif ? 'camera EXIF' : '', facts.hasXmp ? 'XMP' : '', facts.hasIptc ? 'IPTC' : '', facts.wideGamut ? `the ${facts.colourProfile} profile` : ''].filter(Boolean);
    if (lost.length > 0) out.push(`A comparison sheet is a new sRGB image: the photo's ${lost.join(', ')} stay with the restored image only. Export “Restored image” to keep them.`);
    return out;
  }
  if (facts.bitDepth === 16 && eightBitFormat) out.push(`This photo has 16 bits per channel; ${name} holds 8. Choose PNG or TIFF to keep 16 bits.`);
  if (facts.wideGamut && choice.colour === 'srgb')
    out.push(`The photo's ${facts.colourProfile} profile holds colours sRGB cannot; converting to sRGB clips them. Choose “Keep the photo's profile” to keep them.`);
  if (facts.wideGamut && choice.colour === 'keep-profile' && !facts.profileConvertible)
    out.push(`SPIRE Studio cannot convert into the ${facts.colourProfile} profile (not an RGB matrix profile); the export is written as sRGB.`);
  if (facts.wideGamut && choice.colour === 'keep-profile' && facts.profileConvertible && facts.bitDepth === 16 && eightBitFormat)
    out.push(`${name} keeps the profile at 8 bits; choose PNG or TIFF for 16.`);
  if (facts.hasIptc && (choice.format === 'png' || choice.format === 'webp'))
    out.push(`${name} has no place for IPTC: the photo's IPTC fields are lost (its XMP, which usually repeats them, is kept). Choose JPEG or TIFF to keep IPTC.`);
  if (facts.hasAlpha && choice.format === 'jpeg') out.push('JPEG has no transparency: the alpha channel is lost. Choose PNG, WebP or TIFF to keep it.');
  return out;
}
