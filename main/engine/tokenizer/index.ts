export { BOS_TOKEN, CLIPTokenizer, CLIP_DEFAULTS, CLIP_NUM_MERGES, EOS_TOKEN } from './CLIPTokenizer';
export type { BatchEncodeOptions, BatchEncoding, TokenizerSettings } from './CLIPTokenizer';
export { cleanText, htmlUnescape } from './textCleanup';
