/**
 * Exit codes of the `spire` CLI (also in `spire --help` and main/cli/README.md).
 *
 *   0    everything asked for was done
 *   1    the restoration failed (engine error, out of memory, invalid model output, engine crash)
 *   2    usage: unknown command or option, bad value, malformed restoration prompt
 *   3    an input image (or region mask) cannot be read: missing, empty, truncated, corrupt, too large
 *   4    model pack problem: none found, fails to load, cannot restore
 *   5    the output cannot be written: exists (use --force), disk full, read-only folder
 *   130  interrupted (Ctrl+C); nothing partial is left behind
 *
 * The CLI fails by throwing SpireError (common/errors.ts); its exit code is looked up by the
 * error's code in EXIT_CODE_OF, a table over every code, so a new code must choose its exit code.
 */
import type { ErrorCode } from '../../common/errors';

export const EXIT = {
  ok: 0,
  restoreFailed: 1,
  usage: 2,
  badInput: 3,
  pack: 4,
  output: 5,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code of each error code (codes the CLI never meets exit 1, like any failed restoration). */
export const EXIT_CODE_OF: Record<ErrorCode, ExitCode> = {
  'bad-prompt': EXIT.usage,
  'bad-params': EXIT.usage,
  usage: EXIT.usage,
  'image-missing': EXIT.badInput,
  'image-unreadable': EXIT.badInput,
  'image-empty': EXIT.badInput,
  'image-file-too-large': EXIT.badInput,
  'image-not-an-image': EXIT.badInput,
  'image-unsupported': EXIT.badInput,
  'image-truncated': EXIT.badInput,
  'image-corrupt': EXIT.badInput,
  'image-too-many-pixels': EXIT.badInput,
  'image-too-much-memory': EXIT.badInput,
  'image-not-open': EXIT.badInput,
  'output-exists': EXIT.output,
  // An output name without an image extension is a usage error (`spire degrade -o x.gif`).
  'output-unsupported': EXIT.usage,
  'output-disk-full': EXIT.output,
  'output-read-only': EXIT.output,
  'output-no-folder': EXIT.output,
  'output-invalid': EXIT.output,
  'output-failed': EXIT.output,
  'pack-not-loaded': EXIT.pack,
  'pack-invalid': EXIT.pack,
  'pack-unknown': EXIT.pack,
  'import-unsupported': EXIT.usage,
  'import-failed': EXIT.pack,
  // The engine cannot start here (the worker file or onnxruntime is missing).
  'runtime-unavailable': EXIT.pack,
  'no-estimator': EXIT.restoreFailed,
  cancelled: EXIT.interrupted,
  'job-id-in-use': EXIT.restoreFailed,
  'queue-full': EXIT.restoreFailed,
  'out-of-memory': EXIT.restoreFailed,
  'bad-output': EXIT.restoreFailed,
  'restore-failed': EXIT.restoreFailed,
  'estimate-failed': EXIT.restoreFailed,
  'engine-unavailable': EXIT.restoreFailed,
  'engine-stopped': EXIT.restoreFailed,
  'engine-error': EXIT.restoreFailed,
  'not-initialised': EXIT.restoreFailed,
  'unknown-method': EXIT.restoreFailed,
  'result-gone': EXIT.restoreFailed,
  'export-failed': EXIT.restoreFailed,
  'invalid-request': EXIT.restoreFailed,
  'unknown-channel': EXIT.restoreFailed,
  'untrusted-sender': EXIT.restoreFailed,
  internal: EXIT.restoreFailed,
  'no-bridge': EXIT.restoreFailed,
  'ipc-failed': EXIT.restoreFailed,
  'read-failed': EXIT.restoreFailed,
  'decode-failed': EXIT.restoreFailed,
  'cannot-run': EXIT.restoreFailed,
  'bad-sweep': EXIT.restoreFailed,
  'nothing-to-export': EXIT.restoreFailed,
  'no-file': EXIT.restoreFailed,
  'not-an-image': EXIT.restoreFailed,
  'empty-file': EXIT.restoreFailed,
  'too-large': EXIT.restoreFailed,
};

/** The exit code for an error code. */
export function exitCodeOf(code: ErrorCode): ExitCode {
  return EXIT_CODE_OF[code];
}
