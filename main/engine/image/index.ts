/** Image I/O for the engine, the CLI and the app: read any supported file into an RgbImage, write one back atomically. */
export { imageReadError, imageWriteError, type ImageReadErrorCode, type ImageWriteErrorCode } from './errors';
export { readImage, decodeImage, probeImage, sniffFormat, estimateDecodeBytes, SUPPORTED_READ_FORMATS, DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_PIXELS, MIN_DEFAULT_MAX_PIXELS, ENGINE_BYTES_PER_PIXEL, MAX_MEGAPIXELS_ENV, defaultMaxPixels, parseMaxMegapixels, resolveMaxPixels } from './readImage';
export type { DecodedImage, ImageFormat, ImageInfo, ImageProbe, ReadImageResult, ReadLimits } from './readImage';
export { writeImage, encodeImage, writeFileAtomic, formatFromPath, resizeMask, toSamples } from './writeImage';
export { xmpPacket, mergeXmp, readPhotoMetadata, photoFacts, cameraSummary, profileLabel, isWideGamut, type PhotoMetadata, type CameraSummary } from './photoMetadata';
export { COLOUR_MODES, type ColourMode } from './photoColour';
export type { WriteImageOptions, WriteImageResult, AtomicIo } from './writeImage';
export { insertPngText, textChunk } from './pngText';
