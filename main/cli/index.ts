/**
 * CLI entry (built to out/main/cli.js; run by bin/spire.mjs and `npm run spire -- ...`).
 * Wires the process: argv, stdout/stderr, environment, Ctrl+C (first: cancel cleanly;
 * second: leave at once, exit 130), and stdout failing (a closed pipe, a full disk).
 *
 * The second Ctrl+C does not call process.exit(): that tears the engine's worker thread down while
 * onnxruntime is inside a run, and when the run returns into the dead environment node-addon-api
 * throws a Napi::Error nobody catches (`terminate called after throwing 'Napi::Error'`, exit 134).
 * It puts SIGINT back to its default and raises it again, so the process ends at once, with no
 * teardown, the way a shell expects a Ctrl+C'd program to end (status 130 = 128 + SIGINT).
 * Outputs are written only after a job succeeded (temporary file + link), so nothing partial is left.
 */
import { EXIT } from './exitCodes';
import { main } from './main';

const interrupt = new AbortController();
let interrupts = 0;
process.on('SIGINT', () => {
  interrupts++;
  if (interrupts === 1) {
    process.stderr.write('\nspire: stopping (Ctrl+C again to quit at once)...\n');
    interrupt.abort();
  } else quitNow();
});

function quitNow(): void {
  process.stderr.write('spire: interrupted; nothing was written.\n');
  if (process.platform === 'win32') process.exit(EXIT.interrupted); // no signals to re-raise there
  process.removeAllListeners('SIGINT');
  process.kill(process.pid, 'SIGINT');
}

/**
 * stdout that fails (`spire restore ... --json | head -1`: EPIPE; `> /dev/full`: ENOSPC) ends the run
 * like Ctrl+C does (the running job is cancelled, nothing more is written) with one line on stderr
 * and exit 5, the output code, instead of an unhandled error. A file's write fails at once (thrown);
 * a pipe's later (an 'error' event).
 */
let stdoutFailed = false;
function onStdoutError(err: unknown): void {
  if (stdoutFailed) return;
  stdoutFailed = true;
  const code = (err as NodeJS.ErrnoException).code ?? String(err);
  const why = code === 'EPIPE' ? 'the reader closed it' : code === 'ENOSPC' ? 'the disk is full' : 'it failed';
  process.stderr.write(`spire: cannot write to standard output (${code}: ${why}); stopping. Outputs already written stay.\n`);
  interrupt.abort();
}
process.stdout.on('error', onStdoutError);
const stdout = {
  write(text: string): void {
    if (stdoutFailed) return;
    try {
      process.stdout.write(text);
    } catch (err) {
      onStdoutError(err);
    }
  },
  get isTTY(): boolean {
    return Boolean(process.stdout.isTTY);
  },
};

const code = await main(process.argv.slice(2), {
  stdout,
  stderr: process.stderr,
  env: process.env,
  // `npm run spire -- ...` runs in the package folder; paths on the command line are relative to where it was typed.
  cwd: process.env.npm_lifecycle_event === 'spire' && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd(),
  interrupt: interrupt.signal,
});
process.exitCode = stdoutFailed ? EXIT.output : code;
