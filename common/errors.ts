/**
 * The app's one error type: `SpireError`, a stable `code` (ErrorCode) and a message in words a
 * user can act on (what happened, what to do). Every layer throws it: the engine (image I/O, packs,
 * jobs, the worker), the host, main's services, the IPC handlers and the CLI.
 *
 * Where errors cross a boundary they travel as `ErrorInfo` ({ code, message }), made by one function,
 * `toErrorInfo`:
 *   worker -> host   the response's `error`; the host rebuilds a SpireError from it (fromErrorInfo)
 *   main -> renderer every invoke channel's Result and the `restore:done` event (IpcError = ErrorInfo)
 *   CLI              the exit code is looked up by code (main/cli/exitCodes.ts, EXIT_CODE_OF)
 * A thrown value that is not a SpireError is a bug or a failure of something outside our code: it
 * becomes the boundary's catch-all code (`internal`, `engine-error`, `restore-failed`) with its text
 * in brackets.
 *
 * Kept here, in the bottom layer, because the engine (which may not import preload/) and the IPC
 * contract (preload/contract/channels.ts, IpcError) both need it. The codes are matched by the
 * renderer and the tests: never rename one.
 */

/** Every code the app reports, grouped by where it arises. */
export const ERROR_CODES = [
  // A run's settings: the restoration prompt (and the other prompts), the numeric settings.
  'bad-prompt',
  'bad-params',
  // The CLI's own usage errors (unknown flag, missing -o, ...).
  'usage',
  // Reading an input image (main/engine/image/errors.ts, readError).
  'image-missing',
  'image-unreadable',
  'image-empty',
  'image-file-too-large',
  'image-not-an-image',
  'image-unsupported',
  'image-truncated',
  'image-corrupt',
  'image-too-many-pixels',
  'image-too-much-memory',
  // An image id the renderer named is no longer open in main.
  'image-not-open',
  // Writing an output file (main/engine/image/writeImage.ts).
  'output-exists',
  'output-unsupported',
  'output-disk-full',
  'output-read-only',
  'output-no-folder',
  'output-invalid',
  'output-failed',
  // Model packs.
  'pack-not-loaded',
  'pack-invalid',
  'pack-unknown',
  // Importing a Stable Diffusion model as a pack (spire import, the pack menu): a model family or
  // shape the engine cannot run (SDXL, SD 3, Flux, ...), refused before any file is written; or the
  // import failing on the way (nothing half-written is left).
  'import-unsupported',
  'import-failed',
  'no-estimator',
  // Jobs in the engine.
  'cancelled',
  // restore.start named a job id that a job still running holds.
  'job-id-in-use',
  // restore.start while main already holds its most pending jobs (restoreService.ts, maxPending).
  'queue-full',
  'out-of-memory',
  'bad-output',
  'restore-failed',
  'estimate-failed',
  // The engine worker and its host.
  'engine-unavailable',
  'engine-stopped',
  'engine-error',
  'runtime-unavailable',
  'not-initialised',
  'unknown-method',
  // Export.
  'result-gone',
  'export-failed',
  // IPC: refused before a handler ran, or a handler's unexpected failure.
  'invalid-request',
  'unknown-channel',
  'untrusted-sender',
  'internal',
  // The renderer's own failures, shown in the same banner (renderer/src/app, renderer/src/io).
  'no-bridge',
  'ipc-failed',
  'read-failed',
  'decode-failed',
  'cannot-run',
  'bad-sweep',
  'nothing-to-export',
  'no-file',
  'not-an-image',
  'empty-file',
  'too-large',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** `image-*` codes: an input image that cannot be read. */
export type ImageReadErrorCode = Exclude<Extract<ErrorCode, `image-${string}`>, 'image-not-open'>;
/** `output-*` codes: an output file that cannot be written. */
export type ImageWriteErrorCode = Extract<ErrorCode, `output-${string}`>;

/** An error as it crosses a boundary (worker -> host, main -> renderer): plain data. */
export interface ErrorInfo {
  code: ErrorCode;
  message: string;
}

/** Optional facts beside the message, for code that acts on them (never shown instead of the message). */
export interface ErrorDetails {
  /** The run setting that was refused (`strength`, `regions[0].mask`), for bad-params and bad-prompt. */
  field?: string;
  /** The file a pack error is about, and why, apart (the message joins them). */
  file?: string;
  reason?: string;
  /** The error this one reports, for logs. */
  cause?: unknown;
}

export class SpireError extends Error {
  readonly details: ErrorDetails;

  constructor(
    readonly code: ErrorCode,
    message: string,
    details: ErrorDetails = {},
  ) {
    super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.name = 'SpireError';
    this.details = details;
  }

  /** The run setting a bad-params/bad-prompt error names. */
  get field(): string | undefined {
    return this.details.field;
  }

  toInfo(): ErrorInfo {
    return { code: this.code, message: this.message };
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** True for a SpireError (of one of `codes`, when given). */
export function isSpireError(err: unknown, ...codes: ErrorCode[]): err is SpireError {
  return err instanceof SpireError && (codes.length === 0 || codes.includes(err.code));
}

/** The text of anything thrown, for the brackets of a catch-all message. */
export function describeThrown(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** How a boundary words a failure that is not a SpireError (`detail`: the thrown value's text). */
export type UnexpectedFailure = (detail: string, err: unknown) => ErrorInfo;

const somethingWentWrong: UnexpectedFailure = (detail) => ({
  code: 'internal',
  message: `Something went wrong (${detail}). Try again; if it keeps happening, restart SPIRE Studio.`,
});

/**
 * The one conversion of a thrown value into { code, message }: a SpireError as it is; anything else
 * through `unexpected` (default: `internal`, "Something went wrong (…)").
 */
export function toErrorInfo(err: unknown, unexpected: UnexpectedFailure = somethingWentWrong): ErrorInfo {
  if (err instanceof SpireError) return err.toInfo();
  return unexpected(describeThrown(err), err);
}

/** A SpireError again from what crossed a boundary (the host side of the worker protocol). */
export function fromErrorInfo(info: ErrorInfo): SpireError {
  return new SpireError(isErrorCode(info.code) ? info.code : 'engine-error', info.message);
}
