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
 */
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

/** Exit code for an engine/job error code (see EngineMethods.restore in protocol.ts). */
export function exitCodeForError(code: string): ExitCode {
  if (code === 'cancelled') return EXIT.interrupted;
  if (code === 'bad-prompt' || code === 'bad-params') return EXIT.usage;
  if (code.startsWith('image-')) return EXIT.badInput;
  if (code === 'pack-not-loaded') return EXIT.pack;
  if (code.startsWith('output-')) return EXIT.output;
  return EXIT.restoreFailed;
}

/** A failure the CLI reports as one message and an exit code. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
