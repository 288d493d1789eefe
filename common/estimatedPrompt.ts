/**
 * The restoration prompt a degradation estimate gives, at the output size the user chose: what
 * `auto; Upsample to Kx;` runs with (resolveAutoPrompt), written out as ordinary text. Main (which
 * records whether a run's prompt was the estimate) and the renderer (which fills the prompt field with
 * it and marks it estimated) use the same rule.
 *
 *   estimate "Deblur with sigma 1.4; Denoise with sigma 0.04;"
 *     at no size clause     -> "Deblur with sigma 1.4; Denoise with sigma 0.04;"
 *     at Upsample to 2.0x   -> "Deblur with sigma 2.8; Upsample to 2.0x; Denoise with sigma 0.04;"
 *                              (the grammar's blur is at the output's resolution)
 *
 * The output size is never the estimate's: it is the `Upsample` clause of the text it goes into.
 */
import type { DegradationEstimate } from './estimate';
import {
  RESTORATION_GRAMMAR,
  RestorationPromptError,
  parseRestorationPrompt,
  resolveAutoPrompt,
  type RestorationOperation,
  type RestorationPrompt,
} from './restorationPrompt';

/** The grammar key of the output size clause (`Upsample to Kx`). */
export const OUTPUT_SIZE_KEY = 'downsample';

/** A prompt's output size clause (`Upsample to 2.0x;`, or `Upsample;` with value null), or null when it has none. */
export function outputSizeOf(prompt: Pick<RestorationPrompt, 'operations'>): RestorationOperation | null {
  return prompt.operations.find((o) => o.key === OUTPUT_SIZE_KEY) ?? null;
}

/** The estimate's restoration prompt with `size` as its output size clause (null: none). */
export function estimatedPromptAt(estimate: Pick<DegradationEstimate, 'restorationPrompt'>, size: RestorationOperation | null): RestorationPrompt {
  const requested: RestorationPrompt = { operations: size ? [{ key: OUTPUT_SIZE_KEY, value: size.value }] : [], blind: false, auto: true, text: RESTORATION_GRAMMAR.autoPrompt };
  return resolveAutoPrompt(requested, parseRestorationPrompt(estimate.restorationPrompt));
}

/**
 * Whether `text` is the estimate, unchanged but for its output size: the estimate's prompt at the text's
 * own `Upsample` clause. False for invalid text, the blind prompt and `auto`.
 */
export function isEstimatedPrompt(text: string, estimate: Pick<DegradationEstimate, 'restorationPrompt'>): boolean {
  let parsed: RestorationPrompt;
  try {
    parsed = parseRestorationPrompt(text);
  } catch (err) {
    if (err instanceof RestorationPromptError) return false;
    throw err;
  }
  if (parsed.blind || parsed.auto) return false;
  return estimatedPromptAt(estimate, outputSizeOf(parsed)).text === parsed.text;
}
