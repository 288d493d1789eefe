/**
 * A run's parameters, written once: the prompts and the run settings (./runSettings.ts) every form
 * of a run shares. The engine's RestoreParams (masks as floats, tiles set) and the IPC contract's
 * RestoreParamsWire (masks as bytes, tiles optional) are this with their own region type; the
 * schemas that check them are ./restoreParamsSchema.ts.
 */
import type { ColorFixName, RestorerViews, SchedulerName } from './runSettings';

export interface RunParams<Region> {
  /**
   * Restoration prompt in the grammar of assets/restoration-grammar.json (./restorationPrompt.ts), e.g.
   * `Deblur with sigma 2.0; Upsample to 4.0x;`, `Remove all degradation`, `auto` (the estimator writes
   * the clauses; `auto; Upsample to 2.0x;` keeps the output size) or "".
   */
  restorationPrompt: string;
  /** Global semantic prompt ("" = none). */
  semanticPrompt: string;
  /** Negative / unconditional prompt ("" by default). */
  negativePrompt: string;
  /** Region prompts; each steers only where its mask says (at most MAX_REGIONS over IPC). */
  regions: Region[];
  /** Denoising steps at strength 1 (the paper uses 50); RUN_RANGES.steps. */
  steps: number;
  /** Classifier-free guidance scale on the semantic prompt; RUN_RANGES.guidanceScale. */
  guidanceScale: number;
  /** Seed for the initial noise and eta noise; RUN_RANGES.seed. Randomising is the caller's job (the editor shows the seed). */
  seed: number;
  /**
   * 1.0 = full generation from noise (the paper); lower starts from the noised latent of the input
   * (faster, more faithful); in faithful mode (useRestorer) below 1 only what diffusion changed is
   * added to the restorer's output (detail transfer). 0 = the restorer alone: faithful mode only.
   */
  strength: number;
  scheduler: SchedulerName;
  /** DDIM eta (0 = deterministic DDIM); RUN_RANGES.eta. */
  eta: number;
  colorFix: ColorFixName;
  /**
   * The wavelet colour fix's levels (COLOR_FIX_LEVELS; default APP_RUN_DEFAULTS.colorFixLevels): the output
   * keeps the reference's content coarser than about 2^(levels + 1) pixels (main/engine/imageOps/colorFix.ts).
   */
  colorFixLevels?: number;
  /** Run the pack's first-stage restorer before diffusion when it has one (faithful mode). */
  useRestorer: boolean;
  /** Views of the image the restorer averages (self-ensemble, RESTORER_VIEWS); default 1. */
  restorerViews?: RestorerViews;
}
