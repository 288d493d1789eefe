/**
 * What the degradation estimator reads from a photo (main/engine/pipeline/estimate.ts): the engine
 * returns it, the IPC contract carries it, the CLI prints it and the editor fills the restoration
 * prompt with it (./estimatedPrompt.ts).
 */

/** One operation the degradation estimator read from a photo. */
export interface EstimatedOperation {
  key: 'blur' | 'noise' | 'jpeg';
  /** How sure it is that the photo shows this (0-1); 1 when a JPEG file's quantisation tables said so. */
  probability: number;
  /** Its value in the grammar's units and grid (sigma, quality), whether or not it made the prompt. */
  value: number;
  /** In the estimated prompt: probability at or above the pack's threshold, or read from the file. */
  present: boolean;
  /** 'pixels': the estimator; 'file': the JPEG file's quantisation tables. */
  source: 'pixels' | 'file';
}

/** What the estimator read from one photo (main/engine/pipeline/estimate.ts). */
export interface DegradationEstimate {
  /** The estimated restoration prompt, canonical text; "" for a photo it finds clean. */
  restorationPrompt: string;
  operations: EstimatedOperation[];
  /** The quality the JPEG file's quantisation tables gave, when it replaced the pixels' reading; else null. */
  jpegQualityFromFile: number | null;
  /** Patches read. */
  patches: number;
  /** Milliseconds the estimate took. */
  ms: number;
}
