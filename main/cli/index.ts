/**
 * CLI entry (built to out/main/cli.js; run by bin/spire.mjs and `npm run spire -- ...`).
 * Wires the process: argv, stdout/stderr, environment, Ctrl+C (first: cancel cleanly;
 * second: leave at once, exit 130).
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
  } else process.exit(EXIT.interrupted);
});

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  // `npm run spire -- ...` runs in the package folder; paths on the command line are relative to where it was typed.
  cwd: process.env.npm_lifecycle_event === 'spire' && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd(),
  interrupt: interrupt.signal,
});
process.exitCode = code;
