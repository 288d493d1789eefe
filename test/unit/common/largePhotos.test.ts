// A pack's advice for large photos: fewer restorer views above a size (never more), said in plain
// words, and a manifest field checked strictly.
import { describe, expect, it } from 'vitest';
import { describeLargePhotoAdvice, viewsForPhoto, type LargePhotoAdvice } from '../../../common/largePhotos';
import { largePhotoAdviceSchema } from '../../../common/largePhotosSchema';

const advice: LargePhotoAdvice = { aboveMegapixels: 4, restorerViews: 4, reason: 'they keep nearly all the gain in half the time' };

describe('viewsForPhoto', () => {
  it('takes the advised views above the size only, and only when they are fewer', () => {
    expect(viewsForPhoto(8, 24, advice)).toEqual({ views: 4, advised: true });
    expect(viewsForPhoto(8, 4, advice)).toEqual({ views: 8, advised: false }); // at the size: not above it
    expect(viewsForPhoto(8, 3.9, advice)).toEqual({ views: 8, advised: false });
    expect(viewsForPhoto(2, 24, advice)).toEqual({ views: 2, advised: false }); // never more views than asked
    expect(viewsForPhoto(4, 24, advice)).toEqual({ views: 4, advised: false });
    expect(viewsForPhoto(8, 24, null)).toEqual({ views: 8, advised: false });
  });

  it('says it as "N views recommended above X MP because ..."', () => {
    expect(describeLargePhotoAdvice(advice)).toBe('4 views recommended above 4 MP because they keep nearly all the gain in half the time');
    expect(describeLargePhotoAdvice({ ...advice, restorerViews: 1 })).toMatch(/^1 view recommended above/);
  });
});

describe('largePhotoAdviceSchema', () => {
  it('accepts the documented field and refuses anything else', () => {
    expect(largePhotoAdviceSchema.parse(advice)).toEqual(advice);
    for (const bad of [
      { ...advice, restorerViews: 3 },
      { ...advice, aboveMegapixels: 0 },
      { ...advice, reason: ' ' },
      { ...advice, views: 4 },
      { aboveMegapixels: 4, restorerViews: 4 },
    ]) expect(largePhotoAdviceSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });
});
