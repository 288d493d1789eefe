// Degradation estimates for tests (the contract's DegradationEstimate), one line each.
import type { DegradationEstimate, EstimatedOperation } from '../../common/estimate';

/** One operation's reading: its probability and value, and 'file' when a JPEG's quantisation tables gave it. */
type Reading = readonly [probability: number, value: number, source?: 'file'];

/**
 * An estimate with the given prompt text and readings (blur, noise, jpeg); an operation is present when its
 * probability reaches 0.5 or the file gave it, as the engine decides (main/engine/pipeline/estimate.ts).
 */
export function estimateOf(restorationPrompt: string, readings: Record<EstimatedOperation['key'], Reading>, more: Partial<DegradationEstimate> = {}): DegradationEstimate {
  const operations = (['blur', 'noise', 'jpeg'] as const).map((key): EstimatedOperation => {
    const [probability, value, source] = readings[key];
    return { key, probability, value, present: probability >= 0.5 || source === 'file', source: source ?? 'pixels' };
  });
  return { restorationPrompt, operations, jpegQualityFromFile: readings.jpeg[2] === 'file' ? readings.jpeg[1] : null, patches: 16, ms: 30, ...more };
}
