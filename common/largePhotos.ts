/**
 * What a pack recommends for large photos (its manifest's `largePhotos`): fewer restorer views
 * above a size, and why in plain words. The restorer runs once per view over the whole output, so
 * 8 views of a 24 MP photo cost 8 times 1 view (minutes on a CPU) while most of their gain comes
 * from the first 4 (docs/large-photos.md). The CLI uses the advice when no --views was given and
 * says so; the run panel says it beside "Restorer views". The manifest's schema is in
 * largePhotosSchema.ts: the renderer imports this file, and zod must stay out of its bundle
 * (zod's compiled parsers try `new Function`, which the renderer's CSP refuses and reports).
 */
import type { RestorerViews } from './runSettings';

export interface LargePhotoAdvice {
  /** Output megapixels above which the advice applies. */
  aboveMegapixels: number;
  /** The views recommended there. */
  restorerViews: RestorerViews;
  /** Why, in plain words (finishes "N views recommended above X MP because ..."). */
  reason: string;
}

/** "4 views recommended above 4 MP because ..." */
export function describeLargePhotoAdvice(advice: LargePhotoAdvice): string {
  return `${advice.restorerViews} view${advice.restorerViews === 1 ? '' : 's'} recommended above ${advice.aboveMegapixels} MP because ${advice.reason}`;
}

/**
 * The views to run on an output of `megapixels` when the user has not chosen any: the advice's
 * above its size when they are fewer than `views`, else `views`. `advised`: whether the advice changed them.
 */
export function viewsForPhoto(views: RestorerViews, megapixels: number, advice: LargePhotoAdvice | null | undefined): { views: RestorerViews; advised: boolean } {
  if (!advice || !(megapixels > advice.aboveMegapixels) || advice.restorerViews >= views) return { views, advised: false };
  return { views: advice.restorerViews, advised: true };
}
