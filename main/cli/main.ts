/**
 * The `spire` command line: `main(argv, io)` returns the exit code (see exitCodes.ts).
 * Commands: restore, degrade, import. Every failure is one message on stderr, never a stack trace
 * (set SPIRE_DEBUG=1 to see one).
 */
import { DEGRADE_HELP, degradeCommand } from './degradeCommand';
import { SpireError } from '../../common/errors';
import { EXIT, exitCodeOf, type ExitCode } from './exitCodes';
import { IMPORT_HELP, importCommand } from './importCommand';
import type { CliIo } from './io';
import { printable } from './parse';
import { restoreCommand } from './restoreCommand';
import { RESTORE_HELP } from './restoreHelp';

export const HELP = `Usage: spire <command> [options]

Commands:
  restore <input...> -o <output>   restore photos with the SPIRE model
  degrade <input> -o <output> --restore "<prompt>"   make a degraded test image
  import <model> -o <pack dir>     turn a Stable Diffusion 1.x model into a model pack

Run \`spire <command> --help\` for a command's options.

Exit codes:
  0    ok
  1    the restoration failed (engine error, out of memory, invalid model output)
  2    usage: unknown command or option, bad value, malformed restoration prompt,
       a model \`spire import\` cannot take (SDXL, SD 3, Flux, ...)
  3    an input image or mask cannot be read (missing, empty, truncated, corrupt, too large)
  4    model pack or engine problem (none found, fails to load, CLI not built, import failed)
  5    the output cannot be written (exists: use --force; disk full; read-only folder)
  130  interrupted (Ctrl+C); nothing partial is left behind

Environment: SPIRE_MODEL_PACK (pack folder), SPIRE_PROVIDERS (e.g. webgpu,cpu),
SPIRE_THREADS, SPIRE_DEBUG=1 (stack traces, engine logs).
`;

export { RESTORE_HELP, DEGRADE_HELP, IMPORT_HELP };

export async function main(argv: string[], io: CliIo): Promise<ExitCode> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.stdout.write(HELP);
        return command === undefined ? EXIT.usage : EXIT.ok;
      case 'restore':
        return await restoreCommand(rest, io);
      case 'degrade':
        return await degradeCommand(rest, io);
      case 'import':
        return await importCommand(rest, io);
      default:
        throw new SpireError('usage', `Unknown command "${printable(command, 40)}". Commands: restore, degrade, import. See \`spire --help\`.`);
    }
  } catch (err) {
    if (err instanceof SpireError) {
      io.stderr.write(`spire: ${printable(err.message)}\n`);
      return exitCodeOf(err.code);
    }
    const message = err instanceof Error ? err.message : String(err);
    io.stderr.write(`spire: unexpected error: ${printable(message)}\n`);
    if (io.env.SPIRE_DEBUG && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
    return EXIT.restoreFailed;
  }
}
