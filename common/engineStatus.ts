/**
 * The engine's state as main, the CLI and the editor report it: the worker's life cycle, the pack
 * it has loaded and what a run's progress counts.
 */
import type { LargePhotoAdvice } from './largePhotos';
import type { PackRunDefaults } from './runSettings';

export type EngineState = 'starting' | 'ready' | 'busy' | 'crashed' | 'restarting' | 'stopped';

/** The pack the engine has loaded, as its status reports it. */
export interface LoadedPackInfo {
  name: string;
  dir: string;
  /** Whether the pack has a first-stage restorer (the faithful toggle); absent = not known (a loose manifest). */
  hasRestorer?: boolean;
  /** Whether the pack has a degradation estimator (the auto restoration prompt); absent = not known. */
  hasEstimator?: boolean;
  /**
   * Whether the pack has a SPIRE adaptor (the embedded pack: the restoration prompt steers its small prior);
   * false for an imported Stable Diffusion model, which runs as semantic refinement over the restorer, so
   * its semantic and region prompts steer the result above strength 0. Absent = not known.
   */
  hasAdaptor?: boolean;
  /** The run settings the pack recommends; absent when it recommends none (the app's defaults apply). */
  defaults?: PackRunDefaults;
  /** Fewer restorer views for large photos, and why (common/largePhotos.ts); absent: no such advice. */
  largePhotos?: LargePhotoAdvice;
}

export interface EngineStatus {
  state: EngineState;
  /** The model pack currently loaded, or null when none is. */
  pack: LoadedPackInfo | null;
  /** Execution provider actually in use (e.g. 'cpu', 'cuda', 'webgpu'), or null before a pack loads. */
  provider: string | null;
  /** Plain-words explanation when something went wrong (pack failed to load, worker crashed, provider fell back). */
  message: string | null;
}

/**
 * What a progress report counts: 'restorer' (faithful mode, first) the restorer's passes, one per view
 * of each tile; 'denoise' the denoising steps; 'decode' the VAE decoder's calls at the end (per tile,
 * twice with the faithful mode's detail transfer).
 */
export type RestorePhase = 'restorer' | 'denoise' | 'decode';
