/**
 * What a region asks of the restoration, besides its semantic prompt: nothing (absent: it follows
 * the run's restoration prompt), its own restoration prompt (the grammar of ./restorationPrompt.ts,
 * `auto` included), or Keep as is (the input's pixels there, protected from every change).
 * Regions stack in their panel order: where they overlap, the later one's restoration wins.
 */
import type { SettingRange } from './runSettings';

export type RegionRestoration = { kind: 'keep' } | { kind: 'prompt'; restorationPrompt: string };

/** A region's edge softening: the Gaussian radius in output pixels the engine feathers its mask with. */
export const REGION_FEATHER_PX = { min: 0, max: 256, integer: false } as const satisfies SettingRange;

/** "Keep as is" in the CLI (`--region-restore mask.png=keep`) and the editor. */
export const KEEP_AS_IS = 'keep';

/** A region's restoration in words: its prompt, "Keep as is", or null when it follows the run's. */
export function describeRegionRestoration(restoration: RegionRestoration | undefined): string | null {
  if (!restoration) return null;
  return restoration.kind === 'keep' ? 'Keep as is' : restoration.restorationPrompt;
}
