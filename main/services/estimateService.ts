/**
 * Degradation estimates for the app: the renderer names an opened image; this service sends the
 * engine's `estimate` job its bytes and answers what the estimator read (the restoration prompt the
 * editor fills in, with each operation's probability and value).
 *
 * Recipe (estimate): find the image the image service holds for `imageId` -> `engine.request('estimate')`
 * (queued behind any restore) -> drop the input's size -> remember it as that image's latest estimate
 * (the restore service asks, to record when a run's prompt was the estimate unchanged) -> answer.
 *
 * Errors keep the engine's code and words (`no-estimator`, `pack-not-loaded`, `image-*`,
 * `engine-stopped`, ...); only the engine's catch-all `restore-failed` is reworded, since nothing was
 * being restored. No Electron import.
 */
import type { DegradationEstimate } from '../../common/estimate';
import { SpireError, isSpireError } from '../../common/errors';
import type { EngineHost } from '../engine/host';
import type { ImageSources } from './restoreService';

export interface EstimateServiceOptions {
  engine: Pick<EngineHost, 'request'>;
  images: ImageSources;
  /** How many images' latest estimates to remember (oldest dropped first). Default 8. */
  keep?: number;
}

/** The engine's generic job failure, in words about reading the photo. */
function reworded(err: unknown): unknown {
  if (!isSpireError(err, 'restore-failed')) return err;
  const detail = err.message.replace(/^The restoration failed: /, '');
  return new SpireError('estimate-failed', `Reading what is wrong with the photo failed (${detail}). Type the restoration prompt yourself, or open the photo again.`);
}

export class EstimateService {
  private readonly latest = new Map<string, DegradationEstimate>();
  private readonly keep: number;

  constructor(private readonly options: EstimateServiceOptions) {
    this.keep = options.keep ?? 8;
  }

  /** What the loaded pack's estimator reads from an opened image. Throws SpireError: `image-not-open`, `estimate-failed` or the engine's own code. */
  async estimate(imageId: string): Promise<DegradationEstimate> {
    const source = this.options.images.get(imageId);
    if (!source) throw new SpireError('image-not-open', 'That image is no longer open in SPIRE Studio. Open it again to read what is wrong with it.');
    let answer;
    try {
      answer = await this.options.engine.request('estimate', { input: { bytes: source.bytes, name: source.name } });
    } catch (err) {
      throw reworded(err);
    }
    const { restorationPrompt, operations, jpegQualityFromFile, patches, ms } = answer;
    const estimate: DegradationEstimate = { restorationPrompt, operations, jpegQualityFromFile, patches, ms };
    this.remember(imageId, estimate);
    return estimate;
  }

  /** The latest estimate made of an image, if any. */
  latestOf(imageId: string): DegradationEstimate | undefined {
    return this.latest.get(imageId);
  }

  private remember(imageId: string, estimate: DegradationEstimate): void {
    this.latest.delete(imageId);
    this.latest.set(imageId, estimate);
    while (this.latest.size > this.keep) {
      const oldest = this.latest.keys().next().value;
      if (oldest === undefined) break;
      this.latest.delete(oldest);
    }
  }
}
