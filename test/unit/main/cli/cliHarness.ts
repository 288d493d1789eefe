// Runs the CLI's main() in-process with captured stdout/stderr: what the CLI test files share.
import { main } from '../../../../main/cli/main';
import type { CliIo } from '../../../../main/cli/io';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time of the call, for the "refused quickly" checks' messages. */
  ms: number;
}

/** `spire <argv>` with SPIRE_PROVIDERS=cpu, no default pack roots, and `io` over those defaults. */
export async function runCli(argv: string[], io: Partial<CliIo> & Pick<CliIo, 'cwd'>): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const full: CliIo = {
    stdout: { write: (t: string) => void (stdout += t) },
    stderr: { write: (t: string) => void (stderr += t), isTTY: false },
    env: { SPIRE_PROVIDERS: 'cpu' },
    packRoots: [],
    ...io,
  };
  const started = Date.now();
  const code = await main(argv, full);
  return { code, stdout, stderr, ms: Date.now() - started };
}
