/**
 * What the loaded pack can do with the prompts, in plain words (the prompt panel's `pack-abilities`).
 * Pure. An imported Stable Diffusion model (no SPIRE adaptor) is a real prior run as semantic
 * refinement over the restorer: its semantic and region prompts steer the result above strength 0.
 * The embedded pack's prior is small (a random frozen text encoder): its restoration prompt does the
 * work. A pack that says neither (a loose manifest) gets no line.
 */
import type { LoadedPackInfo } from '../../../common/engineStatus';

export function packAbilities(pack: Pick<LoadedPackInfo, 'name' | 'hasAdaptor'> | null): string | null {
  if (!pack || pack.hasAdaptor === undefined) return null;
  return pack.hasAdaptor
    ? `“${pack.name}”: the restoration prompt does the work; the semantic prompt changes little (this pack’s prior is small).`
    : `“${pack.name}” is a Stable Diffusion model: the semantic prompt and the regions’ “what is here” steer the result above strength 0 (more strength, more change).`;
}
